// What the pages say, over real HTTP on the stand-ins: the home page warns before a connect Snowflake could
// not use; a connect records the account's email (never the ID token); after a revocation the end-to-end
// row puts the failure in the app's words with Snowflake's own text beside it, and the network rule stays
// proven; the favicon is answered. (test/e2e/pages.test.ts looks at the same pages in Chromium.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

interface Check {
  id: string;
  status: string;
  detail: string;
  said?: string | null;
}
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;
const statusJson = async (h: Harness) =>
  (await h.agent.get('/status.json')).body as { overall: string; checks: Check[] };

describe('pages: a connect, named by email; a revocation, in the app’s words', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers /favicon.ico with the app’s icon, and links it from every page', async () => {
    const ico = await h.agent.get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toContain('image/svg+xml');
    expect((await h.agent.get('/public/favicon.svg')).status).toBe(200);
    expect((await h.agent.get('/')).text).toContain('<link rel="icon" href="/public/favicon.svg"');
  });

  it('a connect records the email from the ID token in the history, never the ID token itself', async () => {
    expect((await h.connect()).status).toBe(303);
    const file = readFileSync(path.join(h.dataDir, 'events.jsonl'), 'utf8');
    const connect = file
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ userId: '4815162342', email: 'alice@example.com' });
    const idTokens = h.sandbox.sandbox.oauth.issuedSecrets().filter((s) => s.split('.').length === 3);
    expect(idTokens.length).toBeGreaterThan(0);
    const everything = [file, h.logs.join('\n'), (await h.agent.get('/status')).text].join('\n');
    for (const t of idTokens) expect(everything).not.toContain(t);
    // The sign-in scopes were asked for and granted, but the integration allows only the scope set.
    const report = (await h.agent.get('/status.json')).body as { lastConnect: { scopes: string[] } };
    expect(report.lastConnect.scopes).toContain('openid');
    expect(byId((await statusJson(h)).checks, 'integration_scopes').status).toBe('ok');
  });

  it('after a revocation: the failure in the app’s words, Snowflake’s text beside it; the network rule stays proven', async () => {
    expect((await h.oauthControl('/sandbox/revoke-all')).status).toBe(200);
    await h.services.status.runCheck();
    const s = await statusJson(h);
    expect(s.overall).toBe('needs_reauth');
    const e2e = byId(s.checks, 'end_to_end');
    expect(e2e.detail).toBe('The last check failed: the token was revoked or expired.');
    expect(e2e.said).toMatch(/^FITBIT_CONNECT_ERROR\[token_revoked\]: /);
    // A revoked token is the provider's answer: Snowflake got through, so the rule is not the problem.
    expect(byId(s.checks, 'network_rule')).toMatchObject({ status: 'ok' });
    const page = (await h.agent.get('/status')).text;
    expect(page.split('FITBIT_CONNECT_ERROR[').length - 1).toBe(1);
    expect(page).toMatch(/<details class="said"><summary>What Snowflake answered<\/summary>/);
    // The history line says what happened, not what Snowflake said.
    expect(page).toMatch(
      /data-type="check">.*End-to-end check failed<\/td><td class="detail">the token was revoked or expired<\/td>/,
    );
  });
});

describe('home: Snowflake first', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a chain set up wrong: says so, and what fixes it, before inviting Connect Fitbit', async () => {
    h = await startHarness({ logLevel: 'warn' });
    const ok = (await h.agent.get('/')).text;
    expect(ok).not.toContain('id="snowflake-not-ready"');
    expect(ok).toContain('<a class="button primary" id="connect" href="/connect">Connect Fitbit</a>');
    await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = FALSE');
    await h.admin('GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE FITBIT_CONNECT_APP_ROLE');
    const home = (await h.agent.get('/')).text;
    expect(home).toMatch(/id="snowflake-not-ready" data-checks="[^"]*integration_enabled/);
    expect(home).toContain('Snowflake is not set up for this app yet');
    expect(home).toContain('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE');
    // The invitation comes after the warning, and is no longer the primary action.
    expect(home.indexOf('id="snowflake-not-ready"')).toBeLessThan(home.indexOf('id="connect"'));
    expect(home).toContain('<a class="button" id="connect" href="/connect">Connect Fitbit</a>');
  });

  it('Snowflake unreachable: says the app cannot sign in to it', async () => {
    h = await startHarness({
      logLevel: 'silent',
      tweak: (c) => ({
        ...c,
        snowflake: {
          ...c.snowflake,
          connection: { ...c.snowflake.connection, accessUrl: 'http://127.0.0.1:1' },
        },
      }),
    });
    const home = (await h.agent.get('/')).text;
    expect(home).toMatch(/id="snowflake-not-ready" data-checks="[^"]*snowflake_signin/);
    expect(home).toContain('The app cannot sign in to Snowflake');
  });
});
