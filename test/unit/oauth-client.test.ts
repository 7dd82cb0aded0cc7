import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppConfig, parseConfig } from '../../server/config/index.js';
import { createOAuthClient, normalisingFetch } from '../../server/oauth/client.js';
import { fitbit } from '../../server/providers/fitbit.js';
import { googleHealth } from '../../server/providers/google-health.js';

const FITBIT_BODY = JSON.stringify({
  errors: [{ errorType: 'invalid_grant', message: 'Refresh token invalid: abc.' }],
  success: false,
});
const GOOGLE_BODY = JSON.stringify({
  error: 'invalid_grant',
  error_description: 'Token has been expired or revoked.',
});
const HEALTH_BODY = JSON.stringify({
  error: {
    code: 400,
    message: 'The Google account is not linked to a Fitbit or Google Health profile.',
    status: 'FAILED_PRECONDITION',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCOUNT_NOT_LINKED' }],
  },
});
const OK_BODY = JSON.stringify({ user: { encodedId: 'AAA111' } });

interface Seen {
  url: string;
  authorization?: string;
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
    const json = (status: number, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...extra });
      res.end(text);
    };
    switch (req.url) {
      case '/fitbit-error':
      case '/fitbit/token':
        return json(400, FITBIT_BODY, { 'x-extra': 'kept' });
      case '/google-error':
      case '/google/token-error':
        return json(400, GOOGLE_BODY);
      case '/health-error':
        return json(400, HEALTH_BODY);
      case '/ok':
        return json(200, OK_BODY);
      case '/bad-json':
        return json(500, '{not json');
      case '/html-500':
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<h1>Server Error</h1>');
      case '/google/token':
      case '/fitbit/token-ok':
        return json(200, JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }));
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
});

const GET: oidc.CustomFetchOptions = {
  method: 'GET',
  headers: { accept: 'application/json' },
  body: undefined,
  redirect: 'manual',
};

describe('normalisingFetch', () => {
  it('rewrites a Fitbit error body to {error, error_description}, keeping status and headers', async () => {
    const res = await normalisingFetch(fitbit)(`${base}/fitbit-error`, GET);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-extra')).toBe('kept');
    expect(res.headers.get('content-type')).toContain('json');
    expect(res.headers.get('content-length')).toBeNull();
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Refresh token invalid: abc.',
    });
  });
  it.each([
    ['a Google RFC 6749 body (google-health)', 'google-health', '/google-error', GOOGLE_BODY, 400],
    ['a Google RFC 6749 body (fitbit)', 'fitbit', '/google-error', GOOGLE_BODY, 400],
    ['a Health API envelope', 'google-health', '/health-error', HEALTH_BODY, 400],
    ['a 200', 'fitbit', '/ok', OK_BODY, 200],
    ['a 200', 'google-health', '/ok', OK_BODY, 200],
    ['a JSON error that does not parse', 'fitbit', '/bad-json', '{not json', 500],
    ['a non-JSON 500', 'fitbit', '/html-500', '<h1>Server Error</h1>', 500],
    ['a non-JSON 500', 'google-health', '/html-500', '<h1>Server Error</h1>', 500],
  ])('passes %s through unchanged (%s)', async (_label, provider, path, body, status) => {
    const profile = provider === 'fitbit' ? fitbit : googleHealth;
    const res = await normalisingFetch(profile)(`${base}${path}`, GET);
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
  });
  it('hands a 2xx answer over read whole, behaving as a Response for what openid-client does with one', async () => {
    const res = await normalisingFetch(googleHealth)(`${base}/ok`, GET);
    // oauth4webapi's check: the object's class is tagged 'Response'.
    expect(Object.prototype.toString.call(res)).toBe('[object Response]');
    expect([res.ok, res.status, res.bodyUsed]).toEqual([true, 200, false]);
    expect(res.headers.get('content-type')).toContain('json');
    expect(await res.clone().json()).toEqual(JSON.parse(OK_BODY));
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toBe(OK_BODY);
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
    expect(() => res.clone()).toThrow(TypeError);
    // The body is in no field that a log serialiser or an inspector would print.
    const fresh = await normalisingFetch(googleHealth)(`${base}/ok`, GET);
    expect(Object.values(fresh).filter((v) => v instanceof Uint8Array)).toEqual([]);
    expect(inspect(fresh, { depth: 5 })).not.toMatch(/Uint8Array|Buffer|AAA111/);
    const bytes = await fresh.arrayBuffer();
    expect(Buffer.from(bytes).toString('utf8')).toBe(OK_BODY);
  });
});

function appConfig(env: Record<string, string | undefined>): AppConfig {
  const r = parseConfig({
    OAUTH_CLIENT_ID: 'the-client',
    OAUTH_CLIENT_SECRET: 'the-secret',
    SNOWFLAKE_ACCOUNT: 'acct',
    SNOWFLAKE_USER: 'U',
    SNOWFLAKE_PASSWORD: 'pw',
    SNOWFLAKE_SECRET: 'A.B.C',
    SNOWFLAKE_CHECK_FUNCTION: 'A.B.D',
    OAUTH_AUTHORIZATION_URL: `${base}/authorize`,
    OAUTH_REVOCATION_URL: `${base}/revoke`,
    HEALTH_API_URL: base,
    ...env,
  });
  if (r.sandbox) throw new Error('expected live config');
  return r.config;
}

describe('createOAuthClient', () => {
  it('google-health sends the client secret in the body (client_secret_post)', async () => {
    const client = createOAuthClient(appConfig({ OAUTH_TOKEN_URL: `${base}/google/token` }), googleHealth);
    expect(client.profile).toBe(googleHealth);
    expect(client.config.clientMetadata().client_id).toBe('the-client');
    expect(client.config.timeout).toBe(15);
    const tokens = await oidc.refreshTokenGrant(client.config, 'rt-value');
    expect(tokens.access_token).toBe('at');
    expect(seen).toHaveLength(1);
    const form = new URLSearchParams(seen[0]!.body);
    expect(seen[0]!.authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('the-client');
    expect(form.get('client_secret')).toBe('the-secret');
    expect(form.get('refresh_token')).toBe('rt-value');
  });
  it('fitbit with a secret uses HTTP Basic (client_secret_basic)', async () => {
    const client = createOAuthClient(
      appConfig({ PROVIDER: 'fitbit', OAUTH_TOKEN_URL: `${base}/fitbit/token-ok` }),
      fitbit,
    );
    await oidc.refreshTokenGrant(client.config, 'rt-value');
    const form = new URLSearchParams(seen[0]!.body);
    expect(form.get('client_secret')).toBeNull();
    // RFC 6749 2.3.1: id and secret are form-encoded before base64 (openid-client writes '-' as %2D).
    const basic = seen[0]!.authorization ?? '';
    expect(basic).toMatch(/^Basic /);
    const [id, secret] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    expect(decodeURIComponent(id!)).toBe('the-client');
    expect(decodeURIComponent(secret!)).toBe('the-secret');
  });
  it('fitbit without a secret sends only the client id (public client)', async () => {
    const client = createOAuthClient(
      appConfig({
        PROVIDER: 'fitbit',
        OAUTH_CLIENT_SECRET: undefined,
        OAUTH_TOKEN_URL: `${base}/fitbit/token-ok`,
      }),
      fitbit,
    );
    await oidc.refreshTokenGrant(client.config, 'rt-value');
    const form = new URLSearchParams(seen[0]!.body);
    expect(seen[0]!.authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('the-client');
    expect(form.get('client_secret')).toBeNull();
  });
  it('a Fitbit token error surfaces as an OAuth error openid-client understands', async () => {
    const client = createOAuthClient(
      appConfig({ PROVIDER: 'fitbit', OAUTH_TOKEN_URL: `${base}/fitbit/token` }),
      fitbit,
    );
    const err = await oidc.refreshTokenGrant(client.config, 'rt-value').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(oidc.ResponseBodyError);
    expect((err as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect((err as oidc.ResponseBodyError).error_description).toBe('Refresh token invalid: abc.');
  });
  it('a Google token error keeps its error and description', async () => {
    const client = createOAuthClient(
      appConfig({ OAUTH_TOKEN_URL: `${base}/google/token-error` }),
      googleHealth,
    );
    const err = await oidc.refreshTokenGrant(client.config, 'rt-value').catch((e: unknown) => e);
    expect((err as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect((err as oidc.ResponseBodyError).error_description).toBe('Token has been expired or revoked.');
  });
  it('a Health API error reaches the caller with its details (ACCOUNT_NOT_LINKED)', async () => {
    const client = createOAuthClient(appConfig({ OAUTH_TOKEN_URL: `${base}/google/token` }), googleHealth);
    const res = await oidc.fetchProtectedResource(
      client.config,
      'at',
      new URL(`${base}/health-error`),
      'GET',
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(HEALTH_BODY);
  });
});
