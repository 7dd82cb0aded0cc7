// Every failure a user can hit on the way in gets a page with what happened, why and the fix, and
// the refusals happen before any token is requested. Real openid-client and snowflake-sdk throughout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { ManualClock } from '../../server/clock.js';
import { type Harness, startHarness } from '../support/app-harness.js';

interface OAuthReq {
  path: string;
  grantType?: string;
  status: number | null;
}
async function oauthRequests(h: Harness): Promise<OAuthReq[]> {
  const body = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
    | { requests?: OAuthReq[] }
    | OAuthReq[];
  return Array.isArray(body) ? body : (body.requests ?? []);
}
const tokenCalls = async (h: Harness) =>
  (await oauthRequests(h)).filter((r) => r.grantType === 'authorization_code').length;
const revokeCalls = async (h: Harness) => (await oauthRequests(h)).filter((r) => r.path === '/revoke').length;
const errorCode = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];

describe('callback refusals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('refuses a callback without state, without calling the token endpoint', async () => {
    const res = await h.agent.get('/callback?code=abc');
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_invalid');
    expect(res.text).toContain('Start again');
    expect(await tokenCalls(h)).toBe(0);
  });

  it('refuses an unknown state as expired', async () => {
    const res = await h.agent.get('/callback?code=abc&state=nope');
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_expired');
    expect(res.text).toContain('This sign-in expired, start again');
  });

  it('refuses a callback from another browser', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    const stranger = await h.newBrowser();
    const res = await stranger.get(`${loc.pathname}${loc.search}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_other_browser');
    expect(await tokenCalls(h)).toBe(0);
  });

  it('shows denied consent plainly', async () => {
    const res = await h.connect({ decision: 'deny' });
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('consent_denied');
    expect(res.text).toContain('Access was not granted');
    expect(res.text).toContain('access_denied');
  });

  it('refuses repeated parameters', async () => {
    const res = await h.agent.get('/callback?state=a&state=b&code=c');
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('bad_request');
  });

  it('explains an account with no health profile', async () => {
    const res = await h.connect({ user: 'carol' });
    expect(res.status).toBe(409);
    expect(errorCode(res.text)).toBe('account_not_linked');
  });

  it('refuses a reused callback (the code and state work once)', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    const first = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(first.status).toBe(303);
    const calls = await tokenCalls(h);
    const again = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(again.status).toBe(400);
    expect(errorCode(again.text)).toBe('state_expired');
    expect(await tokenCalls(h)).toBe(calls);
  });
});

describe('a consent that grants less than the scope set', () => {
  // The default set is one scope, which a consent screen cannot untick alone; OAUTH_SCOPES may add one.
  const G = 'https://www.googleapis.com/auth/googlehealth.';
  let h: Harness;
  beforeAll(async () => {
    // Data kinds read under activity_and_fitness alone, so that scope and the one added make the whole set.
    h = await startHarness({
      scopes: [`${G}activity_and_fitness.readonly`, `${G}profile.readonly`],
      dataKinds: ['steps', 'distance', 'calories', 'active_minutes'],
    });
  });
  afterAll(async () => h?.close());

  it('says which scope was not granted, writes nothing, and revokes the token', async () => {
    const before = await revokeCalls(h);
    const res = await h.connect({
      scopes: ['https://www.googleapis.com/auth/googlehealth.profile.readonly'],
    });
    expect(res.status).toBe(403);
    expect(errorCode(res.text)).toBe('scope_missing');
    expect(res.text).toContain('activity_and_fitness.readonly');
    expect(await revokeCalls(h)).toBe(before + 1);
    const stmts = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as {
      sqlText: string;
    }[];
    expect(stmts.some((s) => s.sqlText.startsWith('ALTER SECRET'))).toBe(false);
  });

  it('requires a scope OAUTH_SCOPES added as much as the needed ones: the integration allows it', async () => {
    const res = await h.connect({ scopes: [`${G}activity_and_fitness.readonly`] });
    expect(res.status).toBe(403);
    expect(errorCode(res.text)).toBe('scope_missing');
    expect(res.text).toContain(`${G}profile.readonly`);
  });
});

describe('token endpoint failures', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('explains a missing client secret', async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, oauth: { ...c.oauth, clientSecret: undefined } }) });
    const res = await h.connect();
    expect(res.status).toBe(502);
    expect(errorCode(res.text)).toBe('client_secret_missing');
    expect(res.text).toContain('client_secret is missing.');
    expect(res.text).toContain('OAUTH_CLIENT_SECRET');
  });

  it('explains a wrong client secret', async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, oauth: { ...c.oauth, clientSecret: 'wrong' } }) });
    const res = await h.connect();
    expect(errorCode(res.text)).toBe('client_invalid');
    expect(res.text).toContain('invalid_client');
  });

  for (const [name, fault, code] of [
    ['a 503', { path: '/token', status: 503, count: 1 }, 'provider_error'],
    ['a 429', { path: '/token', status: 429, count: 1 }, 'provider_error'],
    ['a dropped connection', { path: '/token', drop: true, count: 1 }, 'provider_unreachable'],
    [
      'a body that is not JSON',
      { path: '/token', status: 200, body: '<html>oops', count: 1 },
      'provider_error',
    ],
  ] as const) {
    it(`reports ${name} from the token endpoint without retrying the single-use code`, async () => {
      h = await startHarness();
      const authUrl = await h.startFlow();
      const loc = new URL(await consent(authUrl));
      expect((await h.oauthControl('/sandbox/faults', fault)).ok).toBe(true);
      const res = await h.agent.get(`${loc.pathname}${loc.search}`);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(errorCode(res.text)).toBe(code);
      expect(res.text).toContain('Start again');
      const tokenReqs = (await oauthRequests(h)).filter((r) => r.path === '/token');
      expect(tokenReqs).toHaveLength(1);
    });
  }

  for (const which of ['tokenUrl', 'healthApiUrl'] as const) {
    it(`stops reading an oversized answer (${which}) and says so`, async () => {
      // A broken upstream (or proxy) that answers with megabytes.
      const big = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      });
      await new Promise<void>((r) => big.listen(0, '127.0.0.1', () => r()));
      const bigUrl = `http://127.0.0.1:${(big.address() as AddressInfo).port}`;
      try {
        h = await startHarness({
          tweak: (c) => ({
            ...c,
            oauth: { ...c.oauth, [which]: which === 'tokenUrl' ? `${bigUrl}/token` : bigUrl },
          }),
        });
        const res = await h.connect();
        expect(res.status).toBe(502);
        expect(res.text).toContain('far larger than any OAuth response');
        expect(res.text).toContain('response_too_large');
        expect((await h.agent.get('/')).status).toBe(200);
      } finally {
        big.close();
      }
    });
  }

  it('reports a token endpoint timeout', async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, timeouts: { ...c.timeouts, oauthSeconds: 1 } }) });
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    await h.oauthControl('/sandbox/faults', { path: '/token', latencyMs: 2500, count: 1 });
    const res = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(res.status).toBe(504);
    expect(errorCode(res.text)).toBe('provider_unreachable');
    expect(res.text).toContain('timeout');
  });

  it('explains a missing refresh token (a proxy dropped access_type)', async () => {
    // A "proxy" in front of the authorization endpoint that strips access_type=offline.
    let target = '';
    const proxy = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', target);
      u.searchParams.delete('access_type');
      res.writeHead(302, { location: u.href }).end();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as AddressInfo).port;
    h = await startHarness({
      tweak: (c) => {
        target = c.oauth.authorizationUrl;
        return { ...c, oauth: { ...c.oauth, authorizationUrl: `http://127.0.0.1:${port}/o/oauth2/v2/auth` } };
      },
    });
    try {
      const authUrl = await h.startFlow();
      const hop = await fetch(authUrl, { redirect: 'manual' });
      const loc = new URL(await consent(hop.headers.get('location')!));
      const res = await h.agent.get(`${loc.pathname}${loc.search}`);
      expect(res.status).toBe(502);
      expect(errorCode(res.text)).toBe('no_refresh_token');
      expect(res.text).toContain('access_type');
    } finally {
      proxy.close();
    }
  });
});

describe('snowflake failures after a token was obtained', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('holds the token when the app role lacks OWNERSHIP, then saves it on retry once fixed', async () => {
    h = await startHarness();
    await h.admin(
      'GRANT OWNERSHIP ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN TO ROLE SYSADMIN REVOKE CURRENT GRANTS',
    );
    await h.admin('GRANT READ ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN TO ROLE FITBIT_CONNECT_APP_ROLE');
    const res = await h.connectAndFollow();
    expect(res.status).toBe(200);
    expect(errorCode(res.text)).toBe('snowflake_privilege');
    expect(res.text).toContain(
      'GRANT OWNERSHIP ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN TO ROLE FITBIT_CONNECT_APP_ROLE',
    );
    expect(res.text).toContain('Retry saving');
    expect(h.services.held.size).toBe(1);
    const heldId = /action="\/held\/([^/]+)\/save"/.exec(res.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;

    await h.admin(
      'GRANT OWNERSHIP ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN TO ROLE FITBIT_CONNECT_APP_ROLE COPY CURRENT GRANTS',
    );
    const retry = await h.agent.post(`/held/${heldId}/save`).type('form').send({ _csrf: csrf });
    expect(retry.status).toBe(303);
    const page = await h.resultWhenDone(retry.headers.location as string);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(h.services.held.size).toBe(0);
  });

  it('says the secret is missing, and revokes the held token on Cancel', async () => {
    h = await startHarness();
    await h.admin('DROP SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    const res = await h.connectAndFollow();
    expect(errorCode(res.text)).toBe('snowflake_object_missing');
    expect(res.text).toContain('does not exist or not authorized');
    const heldId = /action="\/held\/([^/]+)\/cancel"/.exec(res.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
    const before = await revokeCalls(h);
    const cancel = await h.agent.post(`/held/${heldId}/cancel`).type('form').send({ _csrf: csrf });
    expect(cancel.status).toBe(303);
    expect(await revokeCalls(h)).toBe(before + 1);
    expect(h.services.held.size).toBe(0);
  });

  it('revokes a held token that was never saved when its time runs out', async () => {
    const clock = new ManualClock();
    h = await startHarness({ heldTokenTtlMs: 300, clock });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
    });
    const res = await h.connectAndFollow();
    expect(res.text).toContain('Retry saving');
    const before = await revokeCalls(h);
    // Past the deadline: the expiry runs, and advance() returns once its disposal is done.
    await clock.advance(800);
    expect(h.services.held.size).toBe(0);
    expect(await revokeCalls(h)).toBe(before + 1);
    const events = h.services.events.recent(10).map((e) => e.type);
    expect(events).toContain('token_revoked');
  });

  it('explains a Snowflake sign-in failure', async () => {
    h = await startHarness();
    await h.services.session.close();
    h.services.session = undefined as never;
    await h.close();
    h = await startHarness({
      tweak: (c) => ({
        ...c,
        snowflake: {
          ...c.snowflake,
          connection: {
            ...c.snowflake.connection,
            privateKey: undefined,
            authenticator: 'SNOWFLAKE',
            password: 'nope',
          },
        },
      }),
    });
    const res = await h.connectAndFollow();
    expect(errorCode(res.text)).toBe('snowflake_login_failed');
    expect(res.text).toContain('390100');
    expect(res.text).toContain('Retry saving');
  });

  it('explains Snowflake being unreachable', async () => {
    h = await startHarness({
      tweak: (c) => ({
        ...c,
        snowflake: {
          ...c.snowflake,
          connection: { ...c.snowflake.connection, accessUrl: 'http://127.0.0.1:1' },
        },
      }),
    });
    const res = await h.connectAndFollow();
    expect(errorCode(res.text)).toBe('snowflake_unreachable');
    expect(res.text).toContain('Retry saving');
  });
});

describe('legacy fitbit failures', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('explains a wrong client secret (401 with WWW-Authenticate: Basic)', async () => {
    h = await startHarness({
      provider: 'fitbit',
      tweak: (c) => ({ ...c, oauth: { ...c.oauth, clientSecret: 'wrong' } }),
    });
    const res = await h.connect();
    expect(res.status).toBe(502);
    expect(errorCode(res.text)).toBe('client_invalid');
    expect(res.text).toContain('invalid_client');
    expect(res.text).toContain('OAUTH_CLIENT_SECRET');
  });

  it('says the legacy API was turned off when the token endpoint answers 410', async () => {
    h = await startHarness({ provider: 'fitbit' });
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    await h.oauthControl('/sandbox/legacy-gone', { on: true });
    const res = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(errorCode(res.text)).toBe('provider_gone');
    expect(res.text).toContain('PROVIDER=google-health');
  });

  it('shows denied consent plainly', async () => {
    h = await startHarness({ provider: 'fitbit' });
    const res = await h.connect({ decision: 'deny' });
    expect(errorCode(res.text)).toBe('consent_denied');
  });
});

describe('the end-to-end check failing right after a connect', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('says the token was written, why the check failed, and the statement that fixes it', async () => {
    h = await startHarness();
    await h.admin(
      'REVOKE USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() FROM ROLE FITBIT_CONNECT_APP_ROLE',
    );
    const res = await h.connectAndFollow();
    expect(res.text).toContain('Token saved, but Snowflake’s check failed');
    expect(res.text).toMatch(/id="check-why"/);
    expect(res.text).toContain(
      'GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() TO ROLE FITBIT_CONNECT_APP_ROLE',
    );
    expect(res.text).toContain('Run the check again');
  });
});
