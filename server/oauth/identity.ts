// The cheapest proof that an access token works, and who it belongs to (google-health
// users/me/identity; fitbit profile.json), called through openid-client like every OAuth step.
import * as oidc from 'openid-client';
import { AppError } from '../errors.js';
import type { Identity } from '../providers/index.js';
import type { OAuthClient } from './client.js';
import { oauthError, providerGone } from './errors.js';

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
      throw new AppError('account_not_linked', {
        status: 409,
        title: 'This Google account has no Fitbit data to share',
        why: 'The Google Health API answered ACCOUNT_NOT_LINKED: the Google account you chose is not linked to a Fitbit / Google Health profile.',
        fix: 'Connect again and choose the Google account your Fitbit is linked to (in the Fitbit app: You → account settings). Nothing was written to Snowflake.',
        upstream,
        retryConnect: true,
      });
    }
    if (res.status === 401) throw tokenUnusable(profile.displayName, normal?.error_description ?? 'HTTP 401');
    if (res.status === 403) {
      throw new AppError('scope_missing', {
        status: 403,
        title: `${profile.displayName} refused to say who signed in`,
        why: `The identity call answered 403${normal?.error_description ? ` (${normal.error_description})` : ''}: the grant does not include a scope it needs, or the account type cannot use this API (a legacy Fitbit login on the Google Health API, for example).`,
        fix: 'Connect again, keep every requested permission ticked, and sign in with the Google account your Fitbit is linked to.',
        upstream,
        retryConnect: true,
      });
    }
    throw new AppError('identity_failed', {
      status: 502,
      title: `${profile.displayName} could not confirm who signed in`,
      why: `The identity call answered HTTP ${res.status}${normal?.error_description ? `: ${normal.error_description}` : ''}.`,
      fix:
        res.status === 429
          ? 'The API is rate limiting this user; wait a minute and connect again.'
          : 'Connect again. If it keeps failing, check the provider’s status page.',
      upstream,
      retryConnect: true,
    });
  }
  try {
    return profile.parseIdentity(body);
  } catch (e) {
    throw new AppError('identity_failed', {
      status: 502,
      title: `${profile.displayName} sent an identity the app could not read`,
      why: `The identity response was not what the API documents (${(e as Error).message}).`,
      fix: 'Connect again. If it keeps happening, check HEALTH_API_URL points at the real API (or a faithful proxy).',
      retryConnect: true,
    });
  }
}

function tokenUnusable(provider: string, detail: string): AppError {
  return new AppError('token_unusable', {
    status: 502,
    title: 'The new access token did not work',
    why: `${provider} rejected the access token it had just issued (${detail}). The grant may have been revoked in the meantime.`,
    fix: 'Connect again.',
    retryConnect: true,
  });
}
