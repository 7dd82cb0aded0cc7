// Permissions in plain words over real HTTP on the stand-ins: a consent with one box unticked gets a
// scope_missing page naming that permission and what it covers (sleep, not steps), and the result page lists
// what was granted by name, each scope URL as secondary detail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { googleHealth } from '../../server/providers/google-health.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const G = 'https://www.googleapis.com/auth/googlehealth.';
const ACTIVITY = `${G}activity_and_fitness.readonly`;
const SLEEP = `${G}sleep.readonly`;

/** A paragraph's text by its class, tags dropped (the page breaks nothing inside the catalog's texts). */
const paragraph = (html: string, cls: string) =>
  (new RegExp(`<p class="${cls}">([\\s\\S]*?)</p>`).exec(html)?.[1] ?? '').replace(/<[^>]+>/g, '');

describe('permissions in plain words (google-health, every data kind)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('sleep unticked: the page names Sleep and its scope, says sleep is lost, and not steps', async () => {
    const scopes = googleHealth.defaultScopes.filter((sc) => sc !== SLEEP);
    const callback = new URL(await consent(await h.startFlow(), { scopes }));
    const res = await h.agent.get(`${callback.pathname}${callback.search}`);
    expect(res.status).toBe(403);
    expect(/data-code="([a-z_]+)"/.exec(res.text)?.[1]).toBe('scope_missing');
    const why = paragraph(res.text, 'why');
    expect(why).toContain(`Sleep (${SLEEP})`);
    expect(why).toContain('Snowflake cannot read your sleep');
    expect(why).not.toMatch(/steps|activity/i);
    expect(paragraph(res.text, 'fix')).toContain(
      'leave every permission on the consent screen ticked, Sleep included',
    );
  });

  it('the result page lists the granted permissions by name, each scope URL in smaller text', async () => {
    const res = await h.connectAndFollow();
    expect(res.status).toBe(200);
    const list = /<ul class="scopes" id="granted-scopes">([\s\S]*?)<\/ul>/.exec(res.text)?.[1] ?? '';
    const items = [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!);
    const byName = (name: string) => items.find((i) => i.includes(`>${name}</span>`));
    expect(byName('Activity and fitness')).toMatch(
      new RegExp(`title="${ACTIVITY.replace(/[.]/g, '\\.')}"[\\s\\S]*<small><code class="scope">`),
    );
    expect(byName('Health metrics and measurements')).toBeDefined();
    expect(byName('Sleep')).toContain('sleep.<wbr>readonly');
    // The sign-in scopes Google answers with are named too.
    expect(byName('Email address')).toBeDefined();
    // No scope URL stands alone as the entry's name.
    for (const item of items) expect(item).toMatch(/^<span class="permission-name"/);
  });
});

describe('permissions in plain words (legacy fitbit)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provider: 'fitbit' });
  });
  afterAll(async () => h?.close());

  it('activity unticked: names Activity and exercise and says steps are lost', async () => {
    const callback = new URL(await consent(await h.startFlow(), { scopes: ['profile'] }));
    const res = await h.agent.get(`${callback.pathname}${callback.search}`);
    expect(res.status).toBe(403);
    const why = paragraph(res.text, 'why');
    expect(why).toContain('Activity and exercise (activity)');
    expect(why).toContain('Snowflake cannot read your steps');
  });

  it('the result page names Fitbit’s permissions', async () => {
    const res = await h.connectAndFollow();
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      />Activity and exercise<\/span> <small><code class="scope">activity<\/code><\/small>/,
    );
    expect(res.text).toMatch(/>Profile<\/span> <small><code class="scope">profile<\/code><\/small>/);
  });
});
