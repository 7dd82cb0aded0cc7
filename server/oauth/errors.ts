// Turns what openid-client throws into the app's typed errors, keeping the provider's own error code
// and description visible (users asked for the real error, not a generic message).
import * as oidc from 'openid-client';
import { AppError } from '../errors.js';
import type { ProviderProfile } from '../providers/index.js';
import { MAX_UPSTREAM_BYTES, ResponseTooLargeError } from './client.js';

interface Ctx {
  profile: ProviderProfile;
  /** What we were doing, for the title: 'exchanging the code', 'revoking the token', … */
  step: string;
  redirectUri: string;
  clientId: string;
}

function describeNetwork(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const c = cur as { code?: string; name?: string; message?: string; cause?: unknown };
    if (c.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|UND_ERR_\w+|EPIPE)$/.test(c.code))
      return c.code;
    if (c.name === 'TimeoutError' || c.code === 'OAUTH_TIMEOUT') return 'timeout';
    if (c instanceof TypeError && c.message === 'fetch failed')
      return describeNetwork(c.cause) ?? 'fetch failed';
    cur = c.cause;
  }
  return undefined;
}

export function oauthError(e: unknown, ctx: Ctx): AppError {
  const { profile } = ctx;
  if (e instanceof oidc.ResponseBodyError) {
    if (e.status === 410) return providerGone(profile);
    const upstream = { source: profile.displayName, code: e.error, message: e.error_description };
    const desc = (e.error_description ?? '').toLowerCase();
    if (e.error === 'invalid_request' && desc.includes('client_secret')) {
      return new AppError('client_secret_missing', {
        status: 502,
        title: 'The provider wants the client secret',
        why: `${profile.displayName} refused the token request because no client secret was sent. Google requires it even with PKCE.`,
        fix: 'Set OAUTH_CLIENT_SECRET to the client secret of this OAuth client (Google Cloud console → APIs & Services → Credentials), restart the app, and connect again.',
        upstream,
        retryConnect: true,
      });
    }
    if (e.error === 'invalid_client' || e.error === 'unauthorized_client') {
      return new AppError('client_invalid', {
        status: 502,
        title: 'The provider did not accept the app’s client credentials',
        why: `${profile.displayName} answered ${e.error} while ${ctx.step}: the client ID "${ctx.clientId}" or its secret is wrong, or the client was deleted.`,
        fix: 'Check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET against the provider console (copy them again), restart the app, and connect again.',
        upstream,
        retryConnect: true,
      });
    }
    if (desc.includes('redirect')) {
      return redirectMismatch(ctx, upstream);
    }
    if (e.error === 'invalid_grant') {
      return new AppError('provider_error', {
        status: 502,
        title: 'The sign-in code was not accepted',
        why: `${profile.displayName} refused the authorization code (${e.error}${e.error_description ? `: ${e.error_description}` : ''}). Codes are single use and expire after a few minutes; a reloaded or very slow callback causes this.`,
        fix: 'Start the connection again.',
        upstream,
        retryConnect: true,
      });
    }
    return new AppError('provider_error', {
      status: 502,
      title: `${profile.displayName} returned an error while ${ctx.step}`,
      why: `The provider answered HTTP ${e.status} with "${e.error}"${e.error_description ? `: ${e.error_description}` : ''}.`,
      fix:
        e.status === 429
          ? 'The provider is rate limiting this client. Wait a minute, then start again.'
          : 'Start the connection again. If it keeps failing, the provider’s message above says what to change.',
      upstream,
      retryConnect: true,
    });
  }
  // Fitbit answers a failed client authentication with 401 and `WWW-Authenticate: Basic`, which
  // openid-client reports as a challenge instead of reading the body.
  if (e instanceof oidc.WWWAuthenticateChallengeError) {
    const challenge = e.cause?.[0];
    const code = challenge?.parameters?.error ?? (e.status === 401 ? 'invalid_client' : `HTTP ${e.status}`);
    const upstream = {
      source: profile.displayName,
      code,
      message: `HTTP ${e.status}, WWW-Authenticate: ${challenge?.scheme ?? '?'}${challenge?.parameters?.realm ? ` realm="${challenge.parameters.realm}"` : ''}`,
    };
    if (e.status === 401) {
      return new AppError('client_invalid', {
        status: 502,
        title: 'The provider did not accept the app’s client credentials',
        why: `${profile.displayName} refused the client authentication while ${ctx.step}: the client ID "${ctx.clientId}" or its secret is wrong, or the app type needs a secret (Fitbit "Server" apps must send one with HTTP Basic).`,
        fix: 'Check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET against the provider console (copy them again), restart the app, and connect again.',
        upstream,
        retryConnect: true,
      });
    }
    return new AppError('provider_error', {
      status: 502,
      title: `${profile.displayName} refused the request while ${ctx.step}`,
      why: `The provider answered ${upstream.message}.`,
      fix: 'Start the connection again.',
      upstream,
      retryConnect: true,
    });
  }
  const tooLarge = findCause(e, (c) => c instanceof ResponseTooLargeError);
  if (tooLarge) {
    return new AppError('provider_error', {
      status: 502,
      title: `${profile.displayName} sent an answer far larger than any OAuth response`,
      why: `While ${ctx.step}, the answer exceeded ${MAX_UPSTREAM_BYTES} bytes, so the app stopped reading it. A proxy or the provider is misbehaving.`,
      fix: 'Start the connection again. If it repeats, check any proxy set in OAUTH_TOKEN_URL or HEALTH_API_URL.',
      upstream: { source: profile.displayName, code: 'response_too_large' },
      retryConnect: true,
    });
  }
  const net = describeNetwork(e);
  if (net) {
    return new AppError('provider_unreachable', {
      status: 504,
      title: `Could not reach ${profile.displayName}`,
      why: `The request failed while ${ctx.step} (${net}). Because an authorization code works only once, the app did not retry it.`,
      fix: 'Check your network connection (and any proxy set with OAUTH_TOKEN_URL), then start the connection again.',
      upstream: { source: profile.displayName, code: net },
      retryConnect: true,
    });
  }
  if (e instanceof oidc.ClientError) {
    const status = responseStatus(e);
    const gone = status === 410;
    if (gone) return providerGone(profile);
    return new AppError('provider_error', {
      status: 502,
      title: `${profile.displayName} sent a response the app could not read`,
      why: `While ${ctx.step}, the provider answered${status ? ` HTTP ${status}` : ''} with a response that is not a valid OAuth response (${e.code ?? e.message}). Because an authorization code works only once, the app did not retry it.`,
      fix: 'Start the connection again. If it keeps happening, the provider (or a proxy in between) is having trouble.',
      upstream: { source: profile.displayName, code: e.code, message: e.message },
      retryConnect: true,
    });
  }
  return new AppError('provider_error', {
    status: 502,
    title: `Something went wrong while ${ctx.step}`,
    why: 'The request to the provider failed unexpectedly.',
    fix: 'Start the connection again.',
    retryConnect: true,
    cause: e,
  });
}

function findCause(e: unknown, pred: (c: unknown) => boolean): unknown {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur; i++) {
    if (pred(cur)) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function responseStatus(e: oidc.ClientError): number | undefined {
  const c = e.cause as { status?: unknown } | undefined;
  return c && typeof c.status === 'number' ? c.status : undefined;
}

export function redirectMismatch(
  ctx: Pick<Ctx, 'profile' | 'redirectUri'>,
  upstream?: AppError['upstream'],
): AppError {
  return new AppError('redirect_uri_mismatch', {
    status: 400,
    title: 'The redirect URI does not match the one registered',
    why: `The app uses ${ctx.redirectUri} as its redirect URI, byte for byte, and the provider does not have exactly that string registered for this client. "localhost" and "127.0.0.1" are different strings, and so are different ports.`,
    fix: `Either add ${ctx.redirectUri} to the client's authorized redirect URIs in the provider console, or set OAUTH_REDIRECT_URI to the one registered there (and open the app on that same host).`,
    upstream,
    retryConnect: true,
  });
}

export function providerGone(profile: ProviderProfile): AppError {
  return new AppError('provider_gone', {
    status: 502,
    title: 'The legacy Fitbit Web API has been turned off',
    why: 'Google turned off the legacy Fitbit Web API and its OAuth endpoints on 2026-11-02; they now answer 410 Gone. Fitbit data is served by the Google Health API.',
    fix: 'Switch to the Google Health API: set PROVIDER=google-health with a Google OAuth client (see the README, "Going live"), run sql/setup-google-health.sql, and connect again. The new identity\'s legacyUserId links the connection to data stored under the old Fitbit user ID.',
    upstream: { source: profile.displayName, code: '410', message: 'Gone' },
  });
}
