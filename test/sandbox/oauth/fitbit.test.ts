import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsentPageError, consent } from '../../../sandbox/oauth/consent.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { api, authUrl, basic, connect, control, fitbitConfig, form, REDIRECT, thrown } from './helpers.js';

let sb: OAuthSandbox;
let server: client.Configuration; // 23SBOX, a "server" app: Basic auth
let clientApp: client.Configuration; // 23SCLI, a "client" app: client_id in the body

beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  server = fitbitConfig(
    sb,
    '23SBOX',
    client.ClientSecretBasic('sandbox-fitbit-secret'),
    'sandbox-fitbit-secret',
  );
  clientApp = fitbitConfig(sb, '23SCLI', client.None());
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await control(sb, '/sandbox/reset');
});

const SERVER_AUTH = basic('23SBOX', 'sandbox-fitbit-secret');

async function token(
  params: Record<string, string>,
  headers: Record<string, string> = { authorization: SERVER_AUTH },
) {
  const res = await fetch(`${sb.url}/oauth2/token`, { method: 'POST', body: form(params), headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const refresh = (rt: string, extra: Record<string, string> = {}) =>
  token({ grant_type: 'refresh_token', refresh_token: rt, ...extra });

describe('fitbit: authorization', () => {
  it('redirects with code, state and the #_=_ fragment; tokens are Fitbit-shaped', async () => {
    const started = await authUrl(server, { scope: 'activity profile' });
    const location = await consent(started.url.href);
    expect(location).toMatch(/^http:\/\/localhost:8787\/callback\?code=[0-9a-f]{40}&state=[^&#]+#_=_$/);
    const tokens = await client.authorizationCodeGrant(server, new URL(location), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
    });
    expect(tokens).toMatchObject({ expires_in: 28_800, scope: 'activity profile', user_id: '2E4RVC' });
    expect(tokens.refresh_token).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.access_token.split('.')).toHaveLength(3);
  });

  it('offers only legacy Fitbit account holders and lets the user untick scopes', async () => {
    const { tokens } = await connect(
      server,
      { scope: 'activity profile' },
      { user: 'carol', scopes: ['activity'] },
    );
    expect(tokens).toMatchObject({ scope: 'activity', user_id: '7QZK3M' });
    const { url } = await authUrl(server, { scope: 'activity' });
    expect((await thrown(() => consent(url.href, { user: 'bob' }))).message).toMatch(/not offered/);
  });

  it('shows errors as text on its page instead of redirecting', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ redirect_uri: 'http://localhost:1/cb' }, /invalid_request - Invalid redirect_uri parameter value/],
      [{ client_id: 'NOPE00' }, /invalid_client/],
      [{ scope: 'activity steps' }, /invalid_scope/],
      [{ code_challenge_method: 'plain' }, /code_challenge_method/],
    ];
    for (const [override, pattern] of cases) {
      const { url } = await authUrl(server, { scope: 'activity' });
      for (const [k, v] of Object.entries(override)) url.searchParams.set(k, v);
      const err = await thrown(() => consent(url.href));
      expect(err).toBeInstanceOf(ConsentPageError);
      expect(err.message).toMatch(pattern);
    }
  });

  it('redirects a denial with error=access_denied and the fragment', async () => {
    const { url, state } = await authUrl(server, { scope: 'activity' });
    const location = await consent(url.href, { decision: 'deny' });
    expect(location.endsWith('#_=_')).toBe(true);
    const u = new URL(location);
    expect(u.searchParams.get('error')).toBe('access_denied');
    expect(u.searchParams.get('state')).toBe(state);
  });
});

describe('fitbit: client authentication by app type', () => {
  it('a client app sends client_id in the body and no secret', async () => {
    const { tokens } = await connect(clientApp, { scope: 'activity' });
    expect(tokens.refresh_token).toMatch(/^[0-9a-f]{64}$/);
    const next = await client.refreshTokenGrant(clientApp, tokens.refresh_token!);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('a server app without Basic gets 401 invalid_client with WWW-Authenticate', async () => {
    const started = await authUrl(server, { scope: 'activity' });
    const code = new URL(await consent(started.url.href)).searchParams.get('code')!;
    const r = await token(
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: started.verifier,
        client_id: '23SBOX',
        client_secret: 'sandbox-fitbit-secret',
      },
      {},
    );
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="api.fitbit.com"');
    expect(r.body).toMatchObject({ errors: [{ errorType: 'invalid_client' }], success: false });
  });

  it('a wrong secret is 401 invalid_client (openid-client reports the challenge)', async () => {
    const wrong = fitbitConfig(sb, '23SBOX', client.ClientSecretBasic('wrong'), 'wrong');
    const started = await authUrl(wrong, { scope: 'activity' });
    const callback = new URL(await consent(started.url.href));
    const err = await thrown(() =>
      client.authorizationCodeGrant(wrong, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    );
    expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    expect(err.status).toBe(401);
  });

  it('Fitbit error bodies reach openid-client as a non-conform response (not RFC 6749 shaped)', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    await client.refreshTokenGrant(server, tokens.refresh_token!);
    await control(sb, '/sandbox/advance-clock?seconds=121');
    const err = await thrown(() => client.refreshTokenGrant(server, tokens.refresh_token!));
    expect(err.code).toBe('OAUTH_RESPONSE_IS_NOT_CONFORM');
    const res = err.cause as Response;
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ errorType: 'invalid_grant' }], success: false });
  });
});

describe('fitbit: token endpoint rules', () => {
  it('PKCE mismatch, code reuse and code expiry are invalid_grant', async () => {
    const a = await authUrl(server, { scope: 'activity' });
    const codeA = new URL(await consent(a.url.href)).searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', redirect_uri: REDIRECT };
    const mismatch = await token({ ...base, code: codeA, code_verifier: client.randomPKCECodeVerifier() });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ errors: [{ errorType: 'invalid_grant' }] });

    const b = await authUrl(server, { scope: 'activity' });
    const codeB = new URL(await consent(b.url.href)).searchParams.get('code')!;
    expect((await token({ ...base, code: codeB, code_verifier: b.verifier })).status).toBe(200);
    const reuse = await token({ ...base, code: codeB, code_verifier: b.verifier });
    expect(reuse.body).toMatchObject({ errors: [{ errorType: 'invalid_grant' }] });

    const c = await authUrl(server, { scope: 'activity' });
    const codeC = new URL(await consent(c.url.href)).searchParams.get('code')!;
    await control(sb, '/sandbox/advance-clock?seconds=601');
    const expired = await token({ ...base, code: codeC, code_verifier: c.verifier });
    expect(expired.body).toMatchObject({ errors: [{ errorType: 'invalid_grant' }] });
  });

  it('requires the same redirect_uri and reports missing parameters as invalid_request', async () => {
    const s = await authUrl(server, { scope: 'activity' });
    const code = new URL(await consent(s.url.href)).searchParams.get('code')!;
    const missing = await token({ grant_type: 'authorization_code', code, code_verifier: s.verifier });
    expect(missing.body).toMatchObject({ errors: [{ errorType: 'invalid_request' }] });
    const s2 = await authUrl(server, { scope: 'activity' });
    const code2 = new URL(await consent(s2.url.href)).searchParams.get('code')!;
    const moved = await token({
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: 'http://127.0.0.1:8787/callback',
      code_verifier: s2.verifier,
    });
    expect(moved.status).toBe(400);
    expect(moved.body).toMatchObject({ errors: [{ errorType: 'invalid_grant' }] });
  });
});

describe('fitbit: rotating refresh tokens', () => {
  it('rotates on every refresh; the new token works, the old one does not after the window', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    const r1 = await client.refreshTokenGrant(server, tokens.refresh_token!);
    expect(r1.refresh_token).toMatch(/^[0-9a-f]{64}$/);
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    const r2 = await client.refreshTokenGrant(server, r1.refresh_token!);
    expect(r2.refresh_token).not.toBe(r1.refresh_token);
    await control(sb, '/sandbox/advance-clock?seconds=121');
    expect((await refresh(tokens.refresh_token!)).status).toBe(400);
    expect((await refresh(r1.refresh_token!)).status).toBe(400);
    expect((await refresh(r2.refresh_token!)).status).toBe(200);
  });

  it('replays the identical request within 2 minutes with the same response', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    const first = await refresh(tokens.refresh_token!);
    await control(sb, '/sandbox/advance-clock?seconds=110');
    const again = await refresh(tokens.refresh_token!);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('no replay after 2 minutes', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    await refresh(tokens.refresh_token!);
    await control(sb, '/sandbox/advance-clock?seconds=121');
    const late = await refresh(tokens.refresh_token!);
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ errors: [{ errorType: 'invalid_grant' }], success: false });
  });

  it('no replay once the new access token was used', async () => {
    const { tokens } = await connect(server, { scope: 'activity profile' });
    const first = await refresh(tokens.refresh_token!);
    expect((await api(sb, '/1/user/-/profile.json', first.body.access_token as string)).status).toBe(200);
    expect((await refresh(tokens.refresh_token!)).status).toBe(400);
  });

  it('no replay once the new refresh token was used', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    const first = await refresh(tokens.refresh_token!);
    expect((await refresh(first.body.refresh_token as string)).status).toBe(200);
    expect((await refresh(tokens.refresh_token!)).status).toBe(400);
  });

  it('no replay for a request that is not identical', async () => {
    const { tokens } = await connect(server, { scope: 'activity' });
    await refresh(tokens.refresh_token!);
    expect((await refresh(tokens.refresh_token!, { expires_in: '3600' })).status).toBe(400);
  });

  it('a new authorization replaces the user’s earlier refresh token', async () => {
    const first = await connect(server, { scope: 'activity' });
    const second = await connect(server, { scope: 'activity' });
    expect((await refresh(first.tokens.refresh_token!)).status).toBe(400);
    expect((await refresh(second.tokens.refresh_token!)).status).toBe(200);
  });
});

describe('fitbit: revoke and introspect', () => {
  it('revoking one token revokes every token of that user for the app', async () => {
    const { tokens } = await connect(server, { scope: 'activity profile' });
    const r1 = await client.refreshTokenGrant(server, tokens.refresh_token!);
    await client.tokenRevocation(server, tokens.access_token);
    expect((await refresh(r1.refresh_token!)).status).toBe(400);
    const p = await api(sb, '/1/user/-/profile.json', r1.access_token);
    expect(p.status).toBe(401);
    expect(p.json).toMatchObject({ errors: [{ errorType: 'invalid_token' }] });
  });

  it('introspects with a bearer token', async () => {
    const { tokens } = await connect(server, { scope: 'activity profile' });
    const res = await fetch(`${sb.url}/1.1/oauth2/introspect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}` },
      body: form({ token: tokens.access_token }),
    });
    expect(await res.json()).toMatchObject({
      active: true,
      client_id: '23SBOX',
      user_id: '2E4RVC',
      token_type: 'access_token',
      scope: '{ACTIVITY=READ, PROFILE=READ}',
    });
    const dead = await fetch(`${sb.url}/1.1/oauth2/introspect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}` },
      body: form({ token: 'f'.repeat(64) }),
    });
    expect(await dead.json()).toEqual({ active: false });
  });
});

describe('fitbit: Web API', () => {
  it('serves profile.json and steps with string values and rate-limit headers', async () => {
    const { tokens } = await connect(server, { scope: 'activity profile' });
    const profile = await api(sb, '/1/user/-/profile.json', tokens.access_token);
    expect(profile.json).toMatchObject({ user: { encodedId: '2E4RVC', memberSince: '2016-06-09' } });
    expect(profile.headers.get('fitbit-rate-limit-limit')).toBe('150');
    expect(profile.headers.get('fitbit-rate-limit-remaining')).toBe('149');
    expect(Number(profile.headers.get('fitbit-rate-limit-reset'))).toBeGreaterThan(0);
    const steps = await api(sb, '/1/user/-/activities/steps/date/2026-11-07/7d.json', tokens.access_token);
    const days = steps.json['activities-steps'] as Array<{ dateTime: string; value: string }>;
    expect(days).toHaveLength(7);
    expect(days[0]?.dateTime).toBe('2026-11-01');
    expect(days[6]?.dateTime).toBe('2026-11-07');
    for (const d of days) expect(d.value).toMatch(/^\d+$/);
    const range = await api(
      sb,
      '/1/user/-/activities/steps/date/2026-11-01/2026-11-07.json',
      tokens.access_token,
    );
    expect(range.json).toEqual(steps.json);
    expect((await api(sb, '/1/user/-/activities/steps/date/today/1m.json', tokens.access_token)).status).toBe(
      200,
    );
    const bad = await api(sb, '/1/user/-/activities/steps/date/today/2x.json', tokens.access_token);
    expect(bad.status).toBe(400);
  });

  it('checks scopes per endpoint (403 insufficient_scope)', async () => {
    const { tokens } = await connect(server, { scope: 'profile' });
    const r = await api(sb, '/1/user/-/activities/steps/date/today/1d.json', tokens.access_token);
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ errors: [{ errorType: 'insufficient_scope' }], success: false });
  });

  it('expires access tokens after 8 hours (expired_token)', async () => {
    const { tokens } = await connect(server, { scope: 'profile' });
    await control(sb, '/sandbox/advance-clock?seconds=28800');
    const r = await api(sb, '/1/user/-/profile.json', tokens.access_token);
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ errors: [{ errorType: 'expired_token' }] });
  });

  it('answers 429 after 150 requests in an hour, then resets at the top of the hour', async () => {
    const { tokens } = await connect(server, { scope: 'profile' });
    const clock = (await (await fetch(`${sb.url}/sandbox/clock`)).json()) as { now: string };
    const now = new Date(clock.now);
    const toNextHour = 3600 - (now.getUTCMinutes() * 60 + now.getUTCSeconds());
    await control(sb, `/sandbox/advance-clock?seconds=${toNextHour}`);
    // At most 2 hours pass in this test: the 8-hour access token stays valid throughout.
    const fresh = tokens.access_token;
    for (let i = 0; i < 150; i++) {
      const r = await api(sb, '/1/user/-/profile.json', fresh);
      if (r.status !== 200) throw new Error(`request ${i} answered ${r.status}`);
    }
    const limited = await api(sb, '/1/user/-/profile.json', fresh);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('fitbit-rate-limit-remaining')).toBe('0');
    expect(limited.json).toMatchObject({ errors: [{ errorType: 'system' }], success: false });
    await control(sb, '/sandbox/advance-clock?seconds=3600');
    const ok = await api(sb, '/1/user/-/profile.json', fresh);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('fitbit-rate-limit-remaining')).toBe('149');
  });
});

describe('fitbit: the 410 Gone switch', () => {
  it('makes every legacy endpoint answer 410, over HTTP and through setLegacyGone', async () => {
    const { tokens } = await connect(server, { scope: 'activity profile' });
    expect((await control(sb, '/sandbox/legacy-gone', { on: true })).status).toBe(200);
    const { url } = await authUrl(server, { scope: 'activity' });
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(410);
    expect(await thrown(() => consent(url.href))).toBeInstanceOf(ConsentPageError);
    expect((await refresh(tokens.refresh_token!)).status).toBe(410);
    expect((await api(sb, '/1/user/-/profile.json', tokens.access_token)).status).toBe(410);
    const revoke = await fetch(`${sb.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: SERVER_AUTH },
      body: form({ token: tokens.access_token }),
    });
    expect(revoke.status).toBe(410);
    const introspect = await fetch(`${sb.url}/1.1/oauth2/introspect`, { method: 'POST' });
    expect(introspect.status).toBe(410);
    // Google's endpoints are unaffected.
    expect((await fetch(`${sb.url}/.well-known/openid-configuration`)).status).toBe(200);
    sb.setLegacyGone(false);
    expect((await api(sb, '/1/user/-/profile.json', tokens.access_token)).status).toBe(200);
  });

  it('can start switched on', async () => {
    const gone = await startOAuthSandbox({ port: 0, legacyGone: true });
    try {
      expect((await fetch(`${gone.url}/oauth2/token`, { method: 'POST' })).status).toBe(410);
      expect((await control(gone, '/sandbox/reset')).status).toBe(200);
      expect((await fetch(`${gone.url}/oauth2/token`, { method: 'POST' })).status).toBe(410);
    } finally {
      await gone.close();
    }
  });
});
