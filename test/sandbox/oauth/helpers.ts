import * as client from 'openid-client';
import { consent } from '../../../sandbox/oauth/consent.js';
import type { OAuthSandbox } from '../../../sandbox/oauth/server.js';

// Shared steps for the stand-in's tests: the real openid-client as the client, the consent page
// driven over HTTP by consent().

export const G = 'https://www.googleapis.com/auth/googlehealth.';
export const ACTIVITY = `${G}activity_and_fitness.readonly`;
export const PROFILE = `${G}profile.readonly`;
export const SLEEP = `${G}sleep.readonly`;
export const LOCATION = `${G}location.readonly`;
export const REDIRECT = 'http://localhost:8787/callback';
export const REDIRECT_IP = 'http://127.0.0.1:8787/callback';

export async function googleConfig(
  sb: OAuthSandbox,
  opts: { clientId?: string; secret?: string; auth?: client.ClientAuth } = {},
): Promise<client.Configuration> {
  const clientId = opts.clientId ?? 'sandbox-client-id';
  const secret = opts.secret ?? 'sandbox-client-secret';
  return client.discovery(new URL(sb.url), clientId, secret, opts.auth ?? client.ClientSecretPost(secret), {
    execute: [client.allowInsecureRequests],
  });
}

export function fitbitConfig(
  sb: OAuthSandbox,
  clientId: string,
  auth: client.ClientAuth,
  secret?: string,
): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: sb.url,
      authorization_endpoint: `${sb.url}/oauth2/authorize`,
      token_endpoint: `${sb.url}/oauth2/token`,
      revocation_endpoint: `${sb.url}/oauth2/revoke`,
      introspection_endpoint: `${sb.url}/1.1/oauth2/introspect`,
    },
    clientId,
    secret,
    auth,
  );
  client.allowInsecureRequests(config);
  return config;
}

export interface Started {
  url: URL;
  verifier: string;
  state: string;
}

export async function authUrl(
  config: client.Configuration,
  params: Record<string, string>,
  verifier = client.randomPKCECodeVerifier(),
): Promise<Started> {
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, state };
}

export interface Connected {
  tokens: client.TokenEndpointResponse;
  callback: URL;
}

/** The whole flow: authorization URL → consent → callback → token exchange. */
export async function connect(
  config: client.Configuration,
  params: Record<string, string>,
  consentOpts: Parameters<typeof consent>[1] = {},
): Promise<Connected> {
  const started = await authUrl(config, params);
  const callback = new URL(await consent(started.url.href, consentOpts));
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
  });
  return { tokens, callback };
}

export const googleParams = (
  scopes: string[],
  extra: Record<string, string> = {},
): Record<string, string> => ({
  scope: scopes.join(' '),
  access_type: 'offline',
  prompt: 'consent',
  ...extra,
});

/** POST to the control API: JSON only (control-guard.ts), `{}` when there is nothing to say. */
export async function control(sb: OAuthSandbox, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
}

export async function api(sb: OAuthSandbox, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sb.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Record<string, unknown> };
}

/** Runs fn and returns what it threw (failing when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

export function form(params: Record<string, string>): URLSearchParams {
  return new URLSearchParams(params);
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
