// The app's only door to the provider: openid-client configured from the app's settings, with a fetch
// that gives every provider's error body one shape (Fitbit's `errors[]` → RFC 6749 `error`).
import * as oidc from 'openid-client';
import type { AppConfig } from '../config/index.js';
import { isLoopbackHost } from '../config/index.js';
import type { ProviderProfile } from '../providers/index.js';

export interface OAuthClient {
  readonly config: oidc.Configuration;
  readonly profile: ProviderProfile;
}

export function createOAuthClient(appConfig: AppConfig, profile: ProviderProfile): OAuthClient {
  const o = appConfig.oauth;
  const server: oidc.ServerMetadata = {
    issuer: o.issuer,
    authorization_endpoint: o.authorizationUrl,
    token_endpoint: o.tokenUrl,
    revocation_endpoint: o.revocationUrl,
  };
  let auth: oidc.ClientAuth;
  if (!o.clientSecret) auth = oidc.None();
  else if (profile.clientAuth === 'client_secret_basic') auth = oidc.ClientSecretBasic(o.clientSecret);
  else auth = oidc.ClientSecretPost(o.clientSecret);
  const config = new oidc.Configuration(server, o.clientId, undefined, auth);
  // Plain http is allowed only for loopback endpoints (the sandbox, a local proxy); config.ts refuses others.
  if (
    [o.authorizationUrl, o.tokenUrl, o.revocationUrl, o.healthApiUrl].some(
      (u) => new URL(u).protocol === 'http:' && isLoopbackHost(new URL(u).hostname),
    )
  ) {
    oidc.allowInsecureRequests(config);
  }
  config.timeout = appConfig.timeouts.oauthSeconds;
  config[oidc.customFetch] = normalisingFetch(profile);
  return { config, profile };
}

/** No OAuth or identity answer comes near this; a larger one is a broken or hostile upstream. */
export const MAX_UPSTREAM_BYTES = 1024 * 1024;

export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Reads a body, refusing to hold more than `limit` bytes of it in memory. */
async function readCapped(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await res.body?.cancel();
    throw new ResponseTooLargeError(limit);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Caps every upstream answer's size (time is capped by openid-client's timeout), and rewrites error
 * bodies that openid-client would not recognise into `{error, error_description}`.
 */
export function normalisingFetch(profile: ProviderProfile): oidc.CustomFetch {
  return async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    const bytes = await readCapped(res, MAX_UPSTREAM_BYTES);
    const headers = new Headers(res.headers);
    // fetch already decoded the body: the length and encoding headers no longer describe it.
    headers.delete('content-length');
    headers.delete('content-encoding');
    const type = res.headers.get('content-type') ?? '';
    if (res.ok || !type.includes('json')) {
      return new Response(res.status === 204 ? null : bytes, {
        status: res.status,
        statusText: res.statusText,
        headers,
      });
    }
    const text = new TextDecoder().decode(bytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, { status: res.status, statusText: res.statusText, headers });
    }
    // Only bodies openid-client cannot read (Fitbit's `errors[]`) are rewritten; Google's API envelope
    // keeps its details (e.g. ACCOUNT_NOT_LINKED) for the caller.
    const isFitbitShape = Array.isArray((body as { errors?: unknown })?.errors);
    const normal = isFitbitShape ? profile.normaliseErrorBody(body) : undefined;
    const out = normal ? JSON.stringify(normal) : text;
    return new Response(out, { status: res.status, statusText: res.statusText, headers });
  };
}
