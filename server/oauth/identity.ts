// The cheapest proof that an access token works, and who it belongs to (google-health
// users/me/identity; fitbit profile.json), called through openid-client like every OAuth step.
import * as oidc from 'openid-client';
import { type AppError, appError } from '../errors/index.js';
import type { Identity } from '../providers/index.js';
import type { OAuthClient } from './client.js';
import { oauthError, providerGone } from './errors.js';

/**
 * The account's email from the ID token that openid-client validated in authorizationCodeGrant (RS256 by
 * default; iss the configured issuer, aud the client ID, exp, iat and sub present, no nonce): undefined
 * without one (the legacy Fitbit API, or no email scope). Its signature is not checked against the JWKS: the
 * ID token came straight from the token endpoint over TLS, which OIDC Core 3.1.3.7 accepts instead, and the
 * email only names the account on pages, it decides nothing.
 */
export function signInEmail(tokens: oidc.TokenEndpointResponseHelpers): string | undefined {
  const email = tokens.claims()?.email;
  return typeof email === 'string' && email ? email : undefined;
}

export async function fetchIdentity(
  client: OAuthClient,
  apiBase: string,
  accessToken: string,
): Promise<Identity> {
  const { profile } = client;
  const req = profile.identityRequest(apiBase);
  let res: Response;
  try {
    res = await oidc.fetchProtectedResource(client.config, accessToken, new URL(req.url), req.method);
  } catch (e) {
    if (e instanceof oidc.WWWAuthenticateChallengeError) {
      if (e.status === 410) throw providerGone(profile);
      throw tokenUnusable(profile.displayName, `HTTP ${e.status}`);
    }
    throw oauthError(e, { profile, step: 'checking who signed in', redirectUri: '', clientId: '' });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status === 410) throw providerGone(profile);
  if (!res.ok) {
    const normal = profile.normaliseErrorBody(body);
    const detail = JSON.stringify(body ?? {});
    const upstream = {
      source: profile.displayName,
      code: normal?.error ?? String(res.status),
      message: normal?.error_description,
    };
    if (res.status === 400 && /ACCOUNT_NOT_LINKED/.test(detail)) {
      throw appError('account_not_linked', {}, { upstream });
    }
    if (res.status === 401) throw tokenUnusable(profile.displayName, normal?.error_description ?? 'HTTP 401');
    if (res.status === 403) {
      throw appError(
        'identity_forbidden',
        { provider: profile.displayName, description: normal?.error_description },
        { upstream },
      );
    }
    throw appError(
      'identity_failed',
      {
        variant: 'answer',
        provider: profile.displayName,
        httpStatus: res.status,
        description: normal?.error_description,
      },
      { upstream },
    );
  }
  try {
    return profile.parseIdentity(body);
  } catch (e) {
    throw appError('identity_failed', {
      variant: 'unreadable',
      provider: profile.displayName,
      detail: (e as Error).message,
    });
  }
}

function tokenUnusable(provider: string, detail: string): AppError {
  return appError('token_unusable', { provider, detail });
}
