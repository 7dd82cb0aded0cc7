// /setup: the sql/ scripts filled in from the configuration, the client secret masked until an explicit
// POST reveals it, copy buttons without inline script, and the checklist from the same cheap checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../server/setup/templates.js';
import { type Harness, startHarness } from '../support/app-harness.js';

/** The page's text with ejs's escapes undone, so SQL can be matched as written. */
const text = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&#34;/g, '"')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** A script as the browser shows it (what a copy or a hand selection takes): tags dropped, escapes undone. */
function shown(html: string, script: string): string {
  const m = new RegExp(`<code id="sql-${script}">([\\s\\S]*?)</code>`).exec(html);
  expect(m, script).not.toBeNull();
  return text(m![1]!.replace(/<[^>]+>/g, ''));
}

const copyButton = (html: string, script: string) =>
  new RegExp(`<button[^>]*id="copy-${script}"[^>]*>`).exec(html)?.[0] ?? '';

describe('/setup (google-health)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('renders the setup and teardown scripts from the configuration, client secret masked', async () => {
    const res = await h.agent.get('/setup');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const secret = h.config.oauth.clientSecret!;
    expect(secret).toBeTruthy();
    expect(res.text).not.toContain(secret);
    expect(res.text).toContain('id="sql-setup-google-health"');
    expect(res.text).toContain('id="sql-teardown"');
    expect(res.text).not.toContain('id="sql-setup-fitbit"');
    expect(text(res.text)).toContain("OAUTH_CLIENT_ID = 'sandbox-client-id'");
    expect(text(res.text)).toMatch(/OAUTH_CLIENT_SECRET = '<span class="secret-masked"[^>]*>' REVEAL_THE_/);
    expect(res.text).toContain('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    expect(res.text).toContain('data-copy="sql-setup-google-health"');
    expect(res.text).toContain('<script src="/public/app.js" defer></script>');
    expect(res.text).not.toMatch(/<script>(?!<)/);
    expect(res.text).not.toMatch(/\son(click|load|submit)=/i);
    // the nav links to it from every page
    expect((await h.agent.get('/')).text).toContain('<a href="/setup">Setup</a>');
  });

  it('says the order to run the scripts in, and what each one does', async () => {
    const res = await h.agent.get('/setup');
    const lead = /<p class="lead">([\s\S]*?)<\/p>/.exec(res.text)![1]!.replace(/<[^>]+>/g, '');
    expect(lead).toContain(
      'Run setup-google-health.sql first, then pipeline-google-health.sql if you want the daily load; teardown.sql only to remove everything.',
    );
    const about = (script: string) =>
      new RegExp(`id="script-${script}"[^>]*>\\s*<summary>.*?<span class="about">([^<]*)</span>`).exec(
        res.text,
      )?.[1];
    expect(about('setup-google-health')).toMatch(
      /^Creates the integrations, the secret, the roles, the user the app/,
    );
    expect(about('pipeline-google-health')).toMatch(
      /^Optional, after the setup script: the daily load \(a table/,
    );
    expect(about('teardown')).toMatch(/^Removes what the setup script created, and the daily load/);
    // Each its own.
    const all = ['setup-google-health', 'pipeline-google-health', 'teardown'].map(about);
    expect(new Set(all).size).toBe(3);
  });

  it('while masked, offers no copy of a script holding the secret, and its text fails if run anyway', async () => {
    const res = await h.agent.get('/setup');
    expect(res.text).toContain('Reveal it before copying a script that uses it');
    expect(res.text).not.toContain('a copy holds no secret');
    expect(copyButton(res.text, 'setup-google-health')).toMatch(/\sdisabled\b/);
    expect(copyButton(res.text, 'teardown')).not.toMatch(/\sdisabled\b/); // no secret in it
    // Copied by hand and run: the integration statement is a syntax error, not a wrong secret stored.
    const statement = splitStatements(shown(res.text, 'setup-google-health')).find((s) =>
      s.includes('OAUTH_CLIENT_SECRET'),
    )!;
    expect(statement).toMatch(
      /OAUTH_CLIENT_SECRET = '' REVEAL_THE_CLIENT_SECRET_ON_THE_SETUP_PAGE_BEFORE_RUNNING_THIS ''/,
    );
    const before = await h.admin('DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION');
    const err = await h.admin(statement).then(
      () => null,
      (e: Error & { cause?: { code?: unknown; message?: string } }) => e,
    );
    expect(err?.cause).toMatchObject({ code: '001003', message: expect.stringMatching(/syntax error/) });
    expect(await h.admin('DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION')).toEqual(before);
    // app.js refuses to copy a masked script even if the button were enabled.
    const js = (await h.agent.get('/public/app.js')).text;
    expect(js).toContain("source.querySelector('.secret-masked')");
  });

  it('reveals the secret only after a CSRF-checked POST', async () => {
    const secret = h.config.oauth.clientSecret!;
    const refused = await h.agent.post('/setup/reveal').type('form').send({});
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain(secret);
    const token = await h.csrf();
    const res = await h.agent.post('/setup/reveal').type('form').send({ _csrf: token });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(text(res.text)).toContain(
      `OAUTH_CLIENT_SECRET = '<span class="secret-revealed">${secret}</span>'`,
    );
    expect(res.text).toContain('id="hide-secret"');
    expect(copyButton(res.text, 'setup-google-health')).not.toMatch(/\sdisabled\b/);
    expect(shown(res.text, 'setup-google-health')).toContain(`OAUTH_CLIENT_SECRET = '${secret}'`);
    expect((await h.agent.get('/setup')).text).not.toContain(secret);
  });

  it('runs the checklist against the account and prints the fix for each miss', async () => {
    await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = FALSE');
    await h.admin('GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE FITBIT_CONNECT_APP_ROLE');
    try {
      const res = await h.agent.get('/setup');
      expect(res.text).toContain('id="checklist"');
      expect(res.text).toMatch(/data-check-id="secret" data-status="ok"/);
      expect(res.text).toMatch(/data-check-id="secret_owner" data-status="ok"/);
      expect(res.text).toMatch(/data-check-id="integration_enabled" data-status="failed"/);
      expect(res.text).toContain('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE;');
      // the EAI is still out of the app's sight: it says how to let the app see it
      expect(res.text).toContain('GRANT USAGE ON INTEGRATION FITBIT_EAI TO ROLE FITBIT_CONNECT_APP_ROLE;');
    } finally {
      await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE');
    }
  });

  it('serves app.js from /public', async () => {
    const res = await h.agent.get('/public/app.js');
    expect(res.status).toBe(200);
    expect(res.text).toContain('navigator.clipboard.writeText');
  });
});
