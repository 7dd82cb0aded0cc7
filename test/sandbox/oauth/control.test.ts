import { createServer } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consent } from '../../../sandbox/oauth/consent.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import {
  ACTIVITY,
  api,
  authUrl,
  connect,
  control,
  fitbitConfig,
  googleConfig,
  googleParams,
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

async function addFault(spec: unknown): Promise<Response> {
  return control(sb, '/sandbox/faults', spec);
}

interface Logged {
  method: string;
  path: string;
  query: Record<string, string>;
  profile: string | null;
  grantType?: string;
  clientId?: string;
  clientAuth?: string;
  pkce?: boolean;
  status: number | null;
  userAgent?: string;
  fault?: string;
  at: string;
}

async function requests(): Promise<Logged[]> {
  return ((await (await fetch(`${sb.url}/sandbox/requests`)).json()) as { requests: Logged[] }).requests;
}

describe('faults', () => {
  it('the next N responses of an endpoint answer a status, then it recovers', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    expect((await addFault({ path: '/token', status: 503, count: 2 })).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      // oauth4webapi reads error bodies of 4xx only: a 5xx surfaces as a non-conform response.
      const err = await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!));
      expect(err.code).toBe('OAUTH_RESPONSE_IS_NOT_CONFORM');
      expect((err.cause as Response).status).toBe(503);
    }
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('uses the provider’s error shape: Google API envelope, Fitbit errors array', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await addFault({ path: '/v4/users/me/identity', status: 500, count: 1 });
    const g = await api(sb, '/v4/users/me/identity', tokens.access_token);
    expect(g.status).toBe(500);
    expect(g.json).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
    await addFault({
      path: '/1/user/-/profile.json',
      status: 429,
      count: 1,
      headers: { 'Retry-After': '7' },
    });
    const f = await api(sb, '/1/user/-/profile.json', 'anything');
    expect(f.status).toBe(429);
    expect(f.headers.get('retry-after')).toBe('7');
    expect(f.json).toMatchObject({ errors: [{ errorType: 'system' }], success: false });
  });

  it('drops the connection', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await addFault({ path: '/token', drop: true, count: 1 });
    const err = await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(err).not.toBeInstanceOf(client.ResponseBodyError);
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
    const dropped = (await requests()).filter((r) => r.fault === 'drop');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.status).toBeNull();
  });

  it('adds latency to every request, until cleared', async () => {
    await addFault({ latencyMs: 200 });
    const t0 = Date.now();
    await fetch(`${sb.url}/.well-known/openid-configuration`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect((await fetch(`${sb.url}/sandbox/faults`, { method: 'DELETE' })).status).toBe(200);
    const t1 = Date.now();
    await fetch(`${sb.url}/.well-known/openid-configuration`);
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it('delays one token response long enough for a client to time out', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await addFault({ path: '/token', latencyMs: 1500, count: 1 });
    const impatient = await googleConfig(sb);
    impatient.timeout = 0.3;
    const err = await thrown(() => client.refreshTokenGrant(impatient, tokens.refresh_token!));
    expect(err).toBeInstanceOf(client.ClientError);
    expect(String((err.cause as Error | undefined)?.name)).toMatch(/TimeoutError|AbortError/);
    expect((await client.refreshTokenGrant(impatient, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('serves a malformed body once', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await addFault({ path: '/token', body: '<html>not json', status: 200, count: 1 });
    const err = await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(err).not.toBeInstanceOf(client.ResponseBodyError);
    expect(err.code).toBe('OAUTH_PARSE_ERROR');
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('matches the method when given, and never touches /sandbox/', async () => {
    await addFault({ path: '/tokeninfo', method: 'POST', status: 500 });
    expect((await fetch(`${sb.url}/tokeninfo?access_token=x`)).status).toBe(400);
    expect((await fetch(`${sb.url}/tokeninfo`, { method: 'POST' })).status).toBe(500);
    await addFault({ status: 500 });
    expect((await fetch(`${sb.url}/sandbox/`)).status).toBe(200);
  });

  it('refuses a malformed fault', async () => {
    expect((await addFault({ path: '/token' })).status).toBe(400);
    expect((await addFault({ path: '/token', status: 'x' })).status).toBe(400);
    expect((await addFault({ path: '/token', status: 500, colour: 'red' })).status).toBe(400);
  });
});

describe('the request log', () => {
  it('records method, path, profile, grant type, client, status and user agent', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await fetch(`${sb.url}/v4/users/me/identity`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, 'user-agent': 'sandbox-test/1.0' },
    });
    const log = await requests();
    const tokenCall = log.find((r) => r.path === '/token');
    expect(tokenCall).toMatchObject({
      method: 'POST',
      profile: 'google-health',
      grantType: 'authorization_code',
      clientId: 'sandbox-client-id',
      status: 200,
    });
    expect(log.find((r) => r.path === '/v4/users/me/identity')).toMatchObject({
      status: 200,
      userAgent: 'sandbox-test/1.0',
      clientId: 'sandbox-client-id',
    });
    expect(log.every((r) => !Number.isNaN(Date.parse(r.at)))).toBe(true);
  });

  it('records how the client authenticated at the token endpoint and whether PKCE was used, by name only', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await client.refreshTokenGrant(config, tokens.refresh_token!);
    const fitbit = fitbitConfig(sb, '23SBOX', client.ClientSecretBasic('sandbox-fitbit-secret'));
    await connect(fitbit, { scope: 'activity' });
    // No client credentials at all (refused by Google, but logged as such).
    await fetch(`${sb.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=nope&client_id=sandbox-client-id',
    });
    const grants = (await requests())
      .filter((r) => r.grantType)
      .map((r) => [r.path, r.grantType, r.clientAuth, r.pkce]);
    expect(grants).toEqual([
      ['/token', 'authorization_code', 'post', true],
      ['/token', 'refresh_token', 'post', false],
      ['/oauth2/token', 'authorization_code', 'basic', true],
      ['/token', 'refresh_token', 'none', false],
    ]);
    // Non-token requests carry neither field.
    const auth = (await requests()).find((r) => r.path === '/o/oauth2/v2/auth');
    expect(auth).not.toHaveProperty('clientAuth');
    expect(auth).not.toHaveProperty('pkce');
  });

  it('never contains a token, code, verifier or secret', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await client.refreshTokenGrant(config, tokens.refresh_token!);
    await fetch(`${sb.url}/tokeninfo?access_token=${encodeURIComponent(tokens.access_token)}`);
    const fitbit = fitbitConfig(sb, '23SBOX', client.ClientSecretBasic('sandbox-fitbit-secret'));
    const f = await connect(fitbit, { scope: 'activity' });
    await client.refreshTokenGrant(fitbit, f.tokens.refresh_token!);
    const text = JSON.stringify(await requests());
    const secrets = sb.issuedSecrets();
    expect(secrets).toContain(tokens.access_token);
    expect(secrets).toContain(f.tokens.refresh_token);
    expect(secrets).toContain('sandbox-client-secret');
    for (const s of secrets) expect(text).not.toContain(s);
    expect((await requests()).find((r) => r.path === '/tokeninfo')?.query.access_token).toBe('***');
  });
  it('never contains a value that binds a sign-in: state, code_challenge, nonce, login_hint or the code', async () => {
    const nonce = client.randomNonce();
    const loginHint = 'alice@example.com';
    const started = await authUrl(config, googleParams([ACTIVITY], { nonce, login_hint: loginHint }));
    const challenge = started.url.searchParams.get('code_challenge')!;
    const callback = new URL(await consent(started.url.href));
    const code = callback.searchParams.get('code')!;
    await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
    });
    const log = await requests();
    const text = JSON.stringify(log);
    for (const [name, value] of Object.entries({
      state: started.state,
      code_challenge: challenge,
      code_verifier: started.verifier,
      nonce,
      login_hint: loginHint,
      code,
    })) {
      expect(value.length, name).toBeGreaterThan(0);
      expect(text, name).not.toContain(value);
    }
    // Names and what configures the client stay: a test can still see PKCE S256 and a state were sent.
    const auth = log.find((r) => r.path === '/o/oauth2/v2/auth');
    expect(auth?.query).toMatchObject({
      state: '***',
      code_challenge: '***',
      code_challenge_method: 'S256',
      nonce: '***',
      login_hint: '***',
      client_id: 'sandbox-client-id',
      access_type: 'offline',
      prompt: 'consent',
    });
    expect(log.find((r) => r.grantType === 'authorization_code')).toMatchObject({ pkce: true });
  });
});

describe('control endpoints', () => {
  it('reset returns to the seed: tokens, clients, clock, faults, log', async () => {
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    await control(sb, '/sandbox/clients', {
      profile: 'google-health',
      clientId: 'temp',
      clientSecret: 'temp-secret',
      name: 'Temp',
      redirectUris: ['http://localhost:8787/callback'],
    });
    await control(sb, '/sandbox/advance-clock?seconds=1000');
    await addFault({ path: '/nothing', status: 500 });
    expect((await control(sb, '/sandbox/reset')).status).toBe(200);
    expect((await requests()).filter((r) => r.path === '/token')).toEqual([]);
    expect(await thrown(() => client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({
      error: 'invalid_grant',
    });
    const clients = (await (await fetch(`${sb.url}/sandbox/clients`)).json()) as {
      clients: Array<{ clientId: string }>;
    };
    expect(clients.clients.map((c) => c.clientId).sort()).toEqual(
      ['23SBOX', '23SCLI', 'sandbox-client-id', 'sandbox-testing-client-id'].sort(),
    );
    expect(JSON.stringify(clients)).not.toContain('secret"');
    const clock = (await (await fetch(`${sb.url}/sandbox/clock`)).json()) as { offsetSeconds: number };
    expect(clock.offsetSeconds).toBe(0);
    expect(
      ((await (await fetch(`${sb.url}/sandbox/faults`)).json()) as { faults: unknown[] }).faults,
    ).toEqual([]);
  });

  it('registers a client over HTTP and validates it', async () => {
    const ok = await control(sb, '/sandbox/clients', {
      profile: 'google-health',
      clientId: 'http-client',
      clientSecret: 'http-secret',
      name: 'Registered over HTTP',
      redirectUris: ['http://localhost:8787/callback'],
    });
    expect(ok.status).toBe(201);
    const c = await googleConfig(sb, { clientId: 'http-client', secret: 'http-secret' });
    expect((await connect(c, googleParams([ACTIVITY]))).tokens.refresh_token).toBeTruthy();
    const page = await fetch(
      client.buildAuthorizationUrl(c, {
        redirect_uri: 'http://localhost:8787/callback',
        scope: ACTIVITY,
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }),
    );
    expect(await page.text()).toContain('Registered over HTTP');
    const bad = await control(sb, '/sandbox/clients', {
      profile: 'google-health',
      clientId: 'x',
      clientSecret: null,
      name: 'x',
      redirectUris: ['http://localhost/cb'],
    });
    expect(bad.status).toBe(400);
  });

  it('advance-clock takes ?seconds= or JSON and refuses nonsense', async () => {
    const a = (await (await control(sb, '/sandbox/advance-clock?seconds=10')).json()) as {
      offsetSeconds: number;
    };
    expect(a.offsetSeconds).toBe(10);
    const b = (await (await control(sb, '/sandbox/advance-clock', { seconds: 5 })).json()) as {
      offsetSeconds: number;
    };
    expect(b.offsetSeconds).toBe(15);
    expect((await control(sb, '/sandbox/advance-clock?seconds=-1')).status).toBe(400);
    expect((await control(sb, '/sandbox/advance-clock?seconds=abc')).status).toBe(400);
    expect((await control(sb, '/sandbox/advance-clock')).status).toBe(400);
  });

  it('legacy-gone validates its body', async () => {
    expect((await control(sb, '/sandbox/legacy-gone', { on: 'yes' })).status).toBe(400);
  });

  it('lists its endpoints at /sandbox/', async () => {
    const index = (await (await fetch(`${sb.url}/sandbox/`)).json()) as { endpoints: Record<string, string> };
    expect(Object.keys(index.endpoints)).toContain('POST /sandbox/faults');
  });
});

describe('startOAuthSandbox', () => {
  it('listens on SANDBOX_OAUTH_PORT when no port is given, and registers option clients', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const saved = process.env.SANDBOX_OAUTH_PORT;
    process.env.SANDBOX_OAUTH_PORT = String(free);
    try {
      const other = await startOAuthSandbox({
        clients: [
          {
            profile: 'fitbit',
            clientId: 'PERS01',
            clientSecret: 'pers-secret',
            name: 'Personal',
            redirectUris: ['http://localhost:8787/callback'],
            appType: 'personal',
          },
        ],
      });
      try {
        expect(other.port).toBe(free);
        expect(other.url).toBe(`http://127.0.0.1:${free}`);
        expect((await control(other, '/sandbox/reset')).status).toBe(200);
        const personal = fitbitConfig(other, 'PERS01', client.ClientSecretBasic('pers-secret'));
        expect((await connect(personal, { scope: 'activity' })).tokens.user_id).toBe('2E4RVC');
        expect(other.issuedSecrets()).toContain('pers-secret');
      } finally {
        await other.close();
      }
    } finally {
      if (saved === undefined) delete process.env.SANDBOX_OAUTH_PORT;
      else process.env.SANDBOX_OAUTH_PORT = saved;
    }
  });
});
