import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConsentPageError, consent } from '../../../sandbox/oauth/consent.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import {
  ACTIVITY,
  api,
  authUrl,
  connect,
  control,
  form,
  googleConfig,
  googleParams,
  PROFILE,
  REDIRECT,
  REDIRECT_IP,
  thrown,
} from './helpers.js';

let sb: OAuthSandbox;
let config: client.Configuration;

beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  config = await googleConfig(sb);
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await control(sb, '/sandbox/reset');
});

async function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${sb.url}/token`, { method: 'POST', body: form(params), headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('google-health: discovery and the happy path', () => {
  it('publishes its own URLs in the discovery document', () => {
    const m = config.serverMetadata();
    expect(m.issuer).toBe(sb.url);
    expect(m.authorization_endpoint).toBe(`${sb.url}/o/oauth2/v2/auth`);
    expect(m.token_endpoint).toBe(`${sb.url}/token`);
    expect(m.revocation_endpoint).toBe(`${sb.url}/revoke`);
  });

  it('issues a refresh token with offline access and consent, Google-shaped', async () => {
    const { tokens, callback } = await connect(config, googleParams([ACTIVITY, PROFILE]));
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('iss')).toBe(sb.url);
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\/0/);
    expect(tokens.expires_in).toBe(3599);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe(`${ACTIVITY} ${PROFILE}`);
    expect(tokens.refresh_token_expires_in).toBeUndefined();
  });

  it('never rotates the refresh token (client_secret_basic works too)', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    const basicConfig = await googleConfig(sb, { auth: client.ClientSecretBasic('sandbox-client-secret') });
    const first = await client.refreshTokenGrant(basicConfig, tokens.refresh_token!);
    expect(first.refresh_token).toBeUndefined();
    expect(first.access_token).not.toBe(tokens.access_token);
    expect(first.scope).toBe(ACTIVITY);
    const second = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(second.access_token).toMatch(/^ya29\./);
    expect((await api(sb, '/v4/users/me/identity', second.access_token)).status).toBe(200);
  });

  it('answers tokeninfo for a live token and 400 for a dead one', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    const info = await api(
      sb,
      `/tokeninfo?access_token=${encodeURIComponent(tokens.access_token)}`,
      undefined,
    );
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ aud: 'sandbox-client-id', scope: ACTIVITY, access_type: 'offline' });
    expect(Number(info.json.expires_in)).toBeGreaterThan(3500);
    const bad = await api(sb, '/tokeninfo?access_token=ya29.nope', undefined);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'invalid_token', error_description: 'Invalid Value' });
  });
});

describe('google-health: authorization request errors show a page and never redirect', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown client_id', { client_id: 'nobody' }, /HTTP 401\).*Error 401: invalid_client/s],
    [
      'missing client_id',
      { client_id: '' },
      /HTTP 400\).*Error 400: invalid_request.*Missing required parameter: client_id/s,
    ],
    [
      'unregistered redirect_uri',
      { redirect_uri: 'http://localhost:9999/callback' },
      /redirect_uri_mismatch/,
    ],
    ['unknown response_type', { response_type: 'token' }, /unsupported_response_type/],
    ['plain PKCE', { code_challenge_method: 'plain' }, /code_challenge_method must be S256/],
    ['missing PKCE', { code_challenge: '' }, /code_challenge/],
    ['unknown scope', { scope: `${ACTIVITY} https://example.com/x` }, /invalid_scope/],
  ];
  for (const [name, override, pattern] of cases) {
    it(name, async () => {
      const { url } = await authUrl(config, googleParams([ACTIVITY]));
      for (const [k, v] of Object.entries(override)) {
        if (v === '') url.searchParams.delete(k);
        else url.searchParams.set(k, v);
      }
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('location')).toBeNull();
      const err = await thrown(() => consent(url.href));
      expect(err).toBeInstanceOf(ConsentPageError);
      expect(err.message).toMatch(pattern);
    });
  }

  it('treats localhost and 127.0.0.1 as different redirect URIs', async () => {
    sb.addClient({
      profile: 'google-health',
      clientId: 'localhost-only',
      clientSecret: 'localhost-only-secret',
      name: 'Localhost only',
      redirectUris: [REDIRECT],
    });
    const c = await googleConfig(sb, { clientId: 'localhost-only', secret: 'localhost-only-secret' });
    const { url } = await authUrl(c, googleParams([ACTIVITY], { redirect_uri: REDIRECT_IP }));
    expect((await thrown(() => consent(url.href))).message).toMatch(/redirect_uri_mismatch/);
    const ok = await authUrl(c, googleParams([ACTIVITY]));
    expect(await consent(ok.url.href)).toMatch(/^http:\/\/localhost:8787\/callback\?/);
  });

  it('redirects a denial with error=access_denied and the state', async () => {
    const { url, state } = await authUrl(config, googleParams([ACTIVITY]));
    const location = new URL(await consent(url.href, { decision: 'deny' }));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(state);
    expect(location.searchParams.get('code')).toBeNull();
    const err = await thrown(() => client.authorizationCodeGrant(config, location, { expectedState: state }));
    expect(err).toBeInstanceOf(client.AuthorizationResponseError);
  });
});

describe('google-health: token endpoint rules', () => {
  it('rejects a PKCE verifier that does not match', async () => {
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    const err = await thrown(() =>
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: started.state,
      }),
    );
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect(err).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Invalid code verifier.',
      status: 400,
    });
  });

  it('accepts a code once', async () => {
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    const checks = { pkceCodeVerifier: started.verifier, expectedState: started.state };
    await client.authorizationCodeGrant(config, callback, checks);
    const err = await thrown(() => client.authorizationCodeGrant(config, callback, checks));
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('expires a code after 10 minutes on the server clock', async () => {
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    await control(sb, '/sandbox/advance-clock?seconds=601');
    const err = await thrown(() =>
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    );
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('accepts a code at 9 minutes', async () => {
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    await control(sb, '/sandbox/advance-clock?seconds=540');
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('requires the redirect_uri of the authorization request', async () => {
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    // openid-client derives redirect_uri from the callback URL: move it to 127.0.0.1.
    const moved = new URL(callback.href.replace('localhost', '127.0.0.1'));
    const err = await thrown(() =>
      client.authorizationCodeGrant(config, moved, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    );
    expect(err).toMatchObject({ error: 'redirect_uri_mismatch', status: 400 });
  });

  it('requires the client secret even with PKCE', async () => {
    const noSecret = await client.discovery(new URL(sb.url), 'sandbox-client-id', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const started = await authUrl(noSecret, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    const err = await thrown(() =>
      client.authorizationCodeGrant(noSecret, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    );
    expect(err).toMatchObject({
      error: 'invalid_request',
      error_description: 'client_secret is missing.',
      status: 400,
    });
  });

  it('answers a wrong secret with 401 invalid_client', async () => {
    const wrong = await googleConfig(sb, { secret: 'not-the-secret' });
    const started = await authUrl(wrong, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    const err = await thrown(() =>
      client.authorizationCodeGrant(wrong, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
      }),
    );
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('rejects an unknown grant type with Google’s error shape', async () => {
    const r = await tokenRequest({
      grant_type: 'password',
      client_id: 'sandbox-client-id',
      client_secret: 'sandbox-client-secret',
    });
    expect(r).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' },
    });
  });
});

describe('google-health: when a refresh token is issued', () => {
  it('not without access_type=offline', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY], { access_type: 'online' }));
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('on the first grant even without prompt=consent, then not again until prompt=consent', async () => {
    const quiet = { scope: ACTIVITY, access_type: 'offline' };
    expect((await connect(config, quiet)).tokens.refresh_token).toBeTruthy();
    const again = await connect(config, quiet);
    expect(again.tokens.refresh_token).toBeUndefined();
    expect(again.callback.searchParams.get('prompt')).toBe('none');
    expect((await connect(config, { ...quiet, prompt: 'consent' })).tokens.refresh_token).toBeTruthy();
  });

  it('consent is per user: another user’s first grant gets one', async () => {
    const quiet = { scope: ACTIVITY, access_type: 'offline' };
    await connect(config, quiet, { user: 'alice' });
    expect((await connect(config, quiet, { user: 'bob' })).tokens.refresh_token).toBeTruthy();
  });
});

describe('google-health: partial consent and incremental scopes', () => {
  it('lists only the scopes left ticked', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY, PROFILE]), { scopes: [ACTIVITY] });
    expect(tokens.scope).toBe(ACTIVITY);
    expect((await api(sb, '/v4/users/me/profile', tokens.access_token)).status).toBe(403);
  });

  it('adds earlier scopes with include_granted_scopes=true', async () => {
    await connect(config, googleParams([PROFILE]));
    const { tokens } = await connect(config, googleParams([ACTIVITY], { include_granted_scopes: 'true' }));
    expect(tokens.scope?.split(' ').sort()).toEqual([ACTIVITY, PROFILE].sort());
    const without = await connect(config, googleParams([ACTIVITY]));
    expect(without.tokens.scope).toBe(ACTIVITY);
  });

  it('refuses a scope that was not requested', async () => {
    const { url } = await authUrl(config, googleParams([ACTIVITY]));
    const err = await thrown(() => consent(url.href, { scopes: [ACTIVITY, PROFILE] }));
    expect(err.message).toMatch(/not requested/);
  });
});

describe('google-health: revocation and expiry', () => {
  it('revokes the whole grant: refresh token and access tokens', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    const other = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await client.tokenRevocation(config, tokens.refresh_token!);
    const err = await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(err).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    expect((await api(sb, '/v4/users/me/identity', tokens.access_token)).status).toBe(401);
    expect((await api(sb, '/v4/users/me/identity', other.access_token)).status).toBe(401);
    const again = await thrown(() => client.tokenRevocation(config, tokens.refresh_token!));
    expect(again).toMatchObject({ error: 'invalid_token', status: 400 });
  });

  it('revoking an access token also kills the refresh token', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await client.tokenRevocation(config, tokens.access_token);
    expect(await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('revoke-all acts as if every user removed access', async () => {
    const a = await connect(config, googleParams([ACTIVITY]), { user: 'alice' });
    const b = await connect(config, googleParams([ACTIVITY]), { user: 'bob' });
    expect((await control(sb, '/sandbox/revoke-all')).status).toBe(200);
    for (const t of [a, b]) {
      expect(await thrown(() => client.refreshTokenGrant(config, t.tokens.refresh_token!))).toMatchObject({
        error: 'invalid_grant',
      });
    }
  });

  it('a Testing-status client’s refresh token stops working after 7 days', async () => {
    const testing = await googleConfig(sb, {
      clientId: 'sandbox-testing-client-id',
      secret: 'sandbox-testing-client-secret',
    });
    const { tokens } = await connect(testing, googleParams([ACTIVITY]));
    expect(tokens.refresh_token_expires_in).toBeGreaterThan(604_000);
    await control(sb, `/sandbox/advance-clock?seconds=${6 * 86_400}`);
    const day6 = await client.refreshTokenGrant(testing, tokens.refresh_token!);
    expect(day6.access_token).toBeTruthy();
    expect(day6.refresh_token_expires_in).toBeLessThan(86_400);
    await control(sb, `/sandbox/advance-clock?seconds=${86_400}`);
    const err = await thrown(() => client.refreshTokenGrant(testing, tokens.refresh_token!));
    expect(err).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
  });

  it('a production client’s refresh token still works after 30 days of regular use', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await control(sb, `/sandbox/advance-clock?seconds=${30 * 86_400}`);
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('access tokens expire after 3599 seconds', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await control(sb, '/sandbox/advance-clock?seconds=3598');
    expect((await api(sb, '/v4/users/me/identity', tokens.access_token)).status).toBe(200);
    await control(sb, '/sandbox/advance-clock?seconds=2');
    const r = await api(sb, '/v4/users/me/identity', tokens.access_token);
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
  });

  it('keeps at most 100 live refresh tokens per user and client, dropping the oldest silently', async () => {
    const refreshTokens: string[] = [];
    for (let i = 0; i < 101; i++) {
      refreshTokens.push((await connect(config, googleParams([ACTIVITY]))).tokens.refresh_token!);
    }
    expect(await thrown(() => client.refreshTokenGrant(config, refreshTokens[0]!))).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await client.refreshTokenGrant(config, refreshTokens[1]!)).access_token).toBeTruthy();
    expect((await client.refreshTokenGrant(config, refreshTokens[100]!)).access_token).toBeTruthy();
    // Another user's tokens are counted separately.
    const bob = await connect(config, googleParams([ACTIVITY]), { user: 'bob' });
    expect((await client.refreshTokenGrant(config, bob.tokens.refresh_token!)).access_token).toBeTruthy();
  });
});
