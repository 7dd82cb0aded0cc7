import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../../sandbox/oauth/consent.js';
import { scopeName, userHint } from '../../../sandbox/oauth/consent-labels.js';
import { isSignInScope } from '../../../sandbox/oauth/decision.js';
import { FITBIT_SCOPES } from '../../../sandbox/oauth/fitbit.js';
import { GOOGLE_SCOPES } from '../../../sandbox/oauth/google.js';
import { seedUsers } from '../../../sandbox/oauth/seed.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { ACTIVITY, authUrl, control, G, googleConfig, googleParams, SLEEP } from './helpers.js';

// The consent page's words (the browser's view of its layout: test/e2e/consent-page.test.ts): a plain
// name over each scope, a hint per seeded user true to the seed, and the form consent() reads unchanged.

let sb: OAuthSandbox;
let config: client.Configuration;
beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  config = await googleConfig(sb);
});
afterAll(async () => {
  await sb.close();
});

const user = (id: string) => seedUsers().find((u) => u.id === id)!;

describe('consent page words', () => {
  it('names every scope the stand-in accepts in plain words, keeping the scope itself beside it', async () => {
    for (const s of GOOGLE_SCOPES) {
      if (!isSignInScope('google-health', s)) expect(scopeName('google-health', s), s).not.toBe(s);
    }
    for (const s of FITBIT_SCOPES) expect(scopeName('fitbit', s), s).not.toBe(s);
    expect(scopeName('google-health', `${G}health_metrics_and_measurements.readonly`)).toBe(
      'Health metrics and measurements',
    );
    const { url } = await authUrl(config, googleParams(['openid', 'email', ACTIVITY, SLEEP]));
    const page = await (await fetch(url)).text();
    expect(page).toContain('<span class="choice-name">Activity and fitness</span>');
    expect(page).toContain('<span class="choice-name">Sleep</span>');
    // The URL stays on the page, whole as text (it may wrap after a dot or a slash).
    const urls = [...page.matchAll(/<code class="scope-url">(.*?)<\/code>/g)].map((m) =>
      m[1]?.replaceAll('<wbr>', ''),
    );
    expect(urls).toEqual([ACTIVITY, SLEEP]);
  });

  it('says what each seeded user shows, as the seed has it', async () => {
    expect(userHint('google-health', user('alice'))).toContain('legacy Fitbit ID 2E4RVC');
    expect(userHint('google-health', user('bob'))).toContain('no legacy Fitbit ID, data since 2026-03-14');
    expect(userHint('google-health', user('carol'))).toContain('“account not linked” failure');
    expect(userHint('fitbit', user('alice'))).toContain('Also moved to Google Health');
    expect(userHint('fitbit', user('carol'))).toContain('Never moved to Google Health');
    const { url } = await authUrl(config, googleParams([ACTIVITY]));
    const page = await (await fetch(url)).text();
    for (const u of seedUsers()) {
      expect(page).toContain(`<span class="hint" id="hint-${u.id}">`);
    }
  });

  it('keeps the form consent() reads: its users, its scopes, its answer', async () => {
    const { url } = await authUrl(config, googleParams(['openid', ACTIVITY, SLEEP]));
    const back = new URL(await consent(url.href, { user: 'bob', scopes: [SLEEP] }));
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('scope')?.split(' ').sort()).toEqual(['openid', SLEEP].sort());
  });
});

describe('favicon', () => {
  it('answers /favicon.ico with an icon, before the faults: a browser asking spends no fault', async () => {
    await control(sb, '/sandbox/reset');
    expect((await control(sb, '/sandbox/faults', { status: 503, count: 1 })).status).toBe(201);
    const icon = await fetch(`${sb.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
    const faults = (await (await fetch(`${sb.url}/sandbox/faults`)).json()) as {
      faults: { remaining: number | null }[];
    };
    expect(faults.faults.map((f) => f.remaining)).toEqual([1]);
    await control(sb, '/sandbox/reset');
  });
});
