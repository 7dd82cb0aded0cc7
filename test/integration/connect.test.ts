// The connect journey end to end over real sockets: the real app, the real openid-client and
// snowflake-sdk, against both stand-ins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

interface Stmt {
  sqlText: string;
  ok: boolean;
  user?: string;
  role?: string;
  usedWarehouse?: boolean;
}
interface OAuthReq {
  path: string;
  method: string;
  grantType?: string;
  userAgent?: string;
  clientAuth?: 'basic' | 'post' | 'none';
  pkce?: boolean;
  query: Record<string, string>;
}

async function statements(h: Harness): Promise<Stmt[]> {
  return (
    ((await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as { statements?: Stmt[] })
      .statements ?? ((await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as Stmt[])
  );
}
async function oauthRequests(h: Harness): Promise<OAuthReq[]> {
  const body = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
    | { requests?: OAuthReq[] }
    | OAuthReq[];
  return Array.isArray(body) ? body : (body.requests ?? []);
}

describe('connect (google-health)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('home page offers Connect Fitbit as a plain link and says it is the sandbox', async () => {
    const res = await h.agent.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<a class="button primary" id="connect" href="\/connect">Connect Fitbit<\/a>/);
    expect(res.text).toContain('Sandbox mode.');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('connects: writes the secret, runs the check, shows who was connected', async () => {
    const cb = await h.connect();
    expect(cb.status).toBe(303);
    expect(cb.headers['referrer-policy']).toBe('no-referrer');
    const page = await h.agent.get(cb.headers.location as string);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(page.text).toContain('2E4RVC'); // alice's legacy Fitbit id, from Snowflake's own call
    expect(page.text).toContain('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');

    const stmts = await statements(h);
    const alter = stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'));
    expect(alter).toHaveLength(1);
    expect(alter[0]!.sqlText).toBe(
      "ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '***'",
    );
    expect(alter[0]!.ok).toBe(true);
    expect(stmts.some((s) => /FITBIT_CONNECTION_CHECK/.test(s.sqlText) && s.ok)).toBe(true);

    const reqs = await oauthRequests(h);
    const auth = reqs.find((r) => r.path === '/o/oauth2/v2/auth');
    expect(auth?.query.code_challenge_method).toBe('S256');
    expect(auth?.query.access_type).toBe('offline');
    expect(auth?.query.prompt).toBe('consent');
    const codeGrants = reqs.filter((r) => r.grantType === 'authorization_code');
    expect(codeGrants).toHaveLength(1);
    // Google: the secret in the body (client_secret_post) and the PKCE verifier sent.
    expect(codeGrants[0]).toMatchObject({ clientAuth: 'post', pkce: true });
    // Only Snowflake (the stand-in's function runner) ever refreshed; the app never did.
    const refreshes = reqs.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes.length).toBeGreaterThan(0);
    for (const r of refreshes) expect(r.userAgent ?? '').toMatch(/snowflake/i);

    const status = await h.agent.get('/status.json');
    expect(status.body).toMatchObject({
      overall: 'connected',
      mode: 'sandbox',
      provider: 'google-health',
      secret: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
    });
    expect(status.body.lastConnect.userId).toBeTruthy();
  });
});

describe('connect (legacy fitbit: rotating refresh tokens)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provider: 'fitbit' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('connects with Basic client auth and no offline/consent Google parameters', async () => {
    const cb = await h.connect();
    expect(cb.status).toBe(303);
    const page = await h.agent.get(cb.headers.location as string);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(page.text).toContain('2E4RVC');
    const stmts = await statements(h);
    const alter = stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'));
    expect(alter).toHaveLength(1);
    expect(alter[0]!.sqlText).toBe(
      "ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '***'",
    );
    expect(alter[0]!.ok).toBe(true);

    const reqs = await oauthRequests(h);
    const auth = reqs.find((r) => r.path === '/oauth2/authorize');
    expect(auth?.query.code_challenge_method).toBe('S256');
    expect(auth?.query.access_type).toBeUndefined();
    // A Fitbit server app: HTTP Basic at the token endpoint, with the PKCE verifier.
    const codeGrants = reqs.filter((r) => r.grantType === 'authorization_code');
    expect(codeGrants).toHaveLength(1);
    expect(codeGrants[0]).toMatchObject({ path: '/oauth2/token', clientAuth: 'basic', pkce: true });
    const refreshes = reqs.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes.length).toBeGreaterThan(0);
    for (const r of refreshes) expect(r.userAgent ?? '').toMatch(/snowflake/i);
  });

  it('shows that the legacy API was turned off when it answers 410', async () => {
    await h.oauthControl('/sandbox/legacy-gone', { on: true });
    const url = await h.startFlow();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(410);
    await h.oauthControl('/sandbox/legacy-gone', { on: false });
  });
});

describe('token custody in logs', () => {
  it('never logs a token, code or secret the stand-ins issued, across a connect and a failure', async () => {
    const h = await startHarness({ logLevel: 'trace' });
    try {
      await h.connectAndFollow();
      await h.connect({ decision: 'deny' });
      await h.snowflakeControl('/sandbox/faults', {
        statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
      });
      await h.connectAndFollow({ user: 'bob' });
      const secrets = h.sandbox.sandbox.oauth.issuedSecrets();
      expect(secrets.length).toBeGreaterThan(5);
      const all = h.logs.join('\n');
      expect(all.length).toBeGreaterThan(1000);
      for (const s of secrets) expect(all.includes(s), 'a secret value appeared in the log').toBe(false);
      expect(all).not.toMatch(/[?&]code=/);
    } finally {
      await h.close();
    }
  });
});
