// What Snowflake's service does for _snowflake.get_oauth_access_token: exchange the secret's refresh
// token at the security integration's token endpoint. Runs in Node, outside the function's network
// rules (Snowflake's own service is not subject to them), but through the egress map so that
// https://oauth2.googleapis.com/token reaches the local stand-in.
import type { SecretBinding } from './contract.js';

export type RotationPolicy = 'persist' | 'discard';

/**
 * What _snowflake.get_oauth_access_token does between calls. 'until-expiry' (the stand-in's default, see
 * behaviour.ts): an access token is kept in the secret and reused until its expires_in runs out, as
 * DESCRIBE SECRET's oauth_access_token_expiry_time suggests Snowflake does. 'none': every call refreshes.
 */
export type AccessTokenCacheMode = 'none' | 'until-expiry';

/** Sent on every refresh, so tests can tell Snowflake's refreshes from the app's. */
export const SANDBOX_OAUTH_USER_AGENT = 'snowflake-sandbox-oauth/1';

export interface ExchangeOptions {
  /** host → base URL of the local stand-in serving it. */
  egress: Record<string, string>;
  /** What to do with a new refresh token in the response (the provider rotates). */
  rotationPolicy: RotationPolicy;
  timeoutMs?: number;
}

export type ExchangeResult =
  | { ok: true; accessToken: string /** seconds, when the provider said */; expiresIn?: number }
  | { ok: false; error: string };

/** The URL to call for `url`: its host's stand-in when the egress map names the host, else itself. */
export function resolveEgress(url: string, egress: Record<string, string>): string {
  const parsed = new URL(url);
  const base = egress[parsed.hostname.toLowerCase()];
  if (base === undefined) return url;
  const target = new URL(base);
  const prefix = target.pathname.replace(/\/$/, '');
  return `${target.origin}${prefix}${parsed.pathname}${parsed.search}`;
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** The provider's own error text: OAuth's {error, error_description} or legacy Fitbit's {errors:[…]}. */
function providerError(status: number, body: string): string {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (typeof json.error === 'string') {
      const desc = typeof json.error_description === 'string' ? `: ${json.error_description}` : '';
      return `${json.error}${desc}`;
    }
    if (Array.isArray(json.errors) && json.errors.length > 0) {
      const first = json.errors[0] as Record<string, unknown>;
      return `${String(first.errorType ?? 'error')}: ${String(first.message ?? '')}`.trim();
    }
    if (json.error && typeof json.error === 'object') {
      const e = json.error as Record<string, unknown>;
      return `${String(e.status ?? status)}: ${String(e.message ?? '')}`;
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
}

/** Never let a credential echoed by the provider (legacy Fitbit repeats the refresh token) leak out. */
function scrub(text: string, secrets: (string | null)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

export async function exchangeRefreshToken(
  binding: SecretBinding,
  opts: ExchangeOptions,
): Promise<ExchangeResult> {
  const integration = binding.integration;
  const where = `secret ${binding.secretName} (integration ${integration.name})`;
  if (!integration.enabled) {
    return { ok: false, error: `OAuth token refresh failed for ${where}: the integration is disabled` };
  }
  const refused = binding.refusal?.();
  if (refused) return { ok: false, error: refused };
  const refreshToken = binding.refreshToken;
  if (!refreshToken) {
    return {
      ok: false,
      error: `OAuth token refresh failed for ${where}: the secret has no OAUTH_REFRESH_TOKEN`,
    };
  }
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  // Under the scopeOnRefresh switch Snowflake names the integration's OAUTH_ALLOWED_SCOPES (RFC 6749 §6
  // allows it; a provider refuses a scope the token was not granted).
  if (binding.refreshScopes && binding.refreshScopes.length > 0)
    form.set('scope', binding.refreshScopes.join(' '));
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
    'User-Agent': SANDBOX_OAUTH_USER_AGENT,
  };
  if (integration.clientAuthMethod === 'CLIENT_SECRET_POST') {
    form.set('client_id', integration.clientId);
    form.set('client_secret', integration.clientSecret);
  } else {
    const pair = `${formEncode(integration.clientId)}:${formEncode(integration.clientSecret)}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const secrets = [refreshToken, integration.clientSecret];
  let status: number;
  let text: string;
  try {
    const res = await fetch(resolveEgress(integration.tokenEndpoint, opts.egress), {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      error: `OAuth token refresh failed for ${where}: could not reach ${integration.tokenEndpoint}: ${why}`,
    };
  }
  if (status < 200 || status >= 300) {
    const message = scrub(providerError(status, text), secrets);
    return { ok: false, error: `OAuth token refresh failed for ${where}: ${message}` };
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {
      ok: false,
      error: `OAuth token refresh failed for ${where}: the token endpoint did not return JSON`,
    };
  }
  if (typeof json.access_token !== 'string') {
    return { ok: false, error: `OAuth token refresh failed for ${where}: no access_token in the response` };
  }
  const rotated = json.refresh_token;
  if (typeof rotated === 'string' && rotated !== refreshToken && opts.rotationPolicy === 'persist') {
    binding.setRefreshToken(rotated);
  }
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in);
  return {
    ok: true,
    accessToken: json.access_token,
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresIn } : {}),
  };
}

/**
 * Access tokens kept between calls. A binding from the engine carries its secret's own slot: the token
 * lives in the secret (DESCRIBE SECRET shows its expiry) and what ALTER SECRET does to it is the engine's
 * switch. A binding made by hand has none: then tokens are kept here per secret, refresh token and
 * integration, so another refresh token or a changed integration never reuses a token of the old grant.
 * A secret Snowflake would refuse (see SecretBinding.refusal) never serves a cached token.
 */
export class AccessTokenCache {
  private entries = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(b: SecretBinding): string | null {
    const i = b.integration;
    return b.refreshToken === null
      ? null
      : JSON.stringify([b.secretName, b.refreshToken, i.name, i.clientId, i.tokenEndpoint]);
  }

  get(b: SecretBinding): string | undefined {
    if (b.refusal?.()) return undefined;
    if (b.accessTokenSlot) return b.accessTokenSlot.get();
    const k = this.key(b);
    const hit = k === null ? undefined : this.entries.get(k);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.entries.delete(k!);
      return undefined;
    }
    return hit.token;
  }

  /** Call after the exchange: a rotated refresh token already written back is the key then. */
  put(b: SecretBinding, token: string, expiresInS: number | undefined): void {
    if (b.accessTokenSlot) {
      if (expiresInS !== undefined) b.accessTokenSlot.put(token, expiresInS);
      return;
    }
    const k = this.key(b);
    if (k === null || expiresInS === undefined) return;
    this.entries.set(k, { token, expiresAt: this.now() + expiresInS * 1000 });
    // Forget expired entries so a long-running sandbox stays small.
    for (const [key, e] of this.entries) if (e.expiresAt <= this.now()) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
