// Turns what openid-client throws into the app's typed errors, keeping the provider's own error code
// and description visible (users asked for the real error, not a generic message).
import * as oidc from 'openid-client';
import { type AppError, appError, type Upstream } from '../errors/index.js';
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
      return appError('client_secret_missing', { provider: profile.displayName }, { upstream });
    }
    if (e.error === 'invalid_client' || e.error === 'unauthorized_client') {
      return appError(
        'client_invalid',
        {
          variant: 'answer',
          provider: profile.displayName,
          error: e.error,
          step: ctx.step,
          clientId: ctx.clientId,
        },
        { upstream },
      );
    }
    if (desc.includes('redirect')) {
      return redirectMismatch(ctx, upstream);
    }
    if (e.error === 'invalid_grant') {
      return appError(
        'provider_error',
        {
          variant: 'code_rejected',
          provider: profile.displayName,
          error: e.error,
          description: e.error_description,
        },
        { upstream },
      );
    }
    return appError(
      'provider_error',
      {
        variant: 'answer',
        provider: profile.displayName,
        step: ctx.step,
        httpStatus: e.status,
        error: e.error,
        description: e.error_description,
      },
      { upstream },
    );
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
      return appError(
        'client_invalid',
        { variant: 'challenge', provider: profile.displayName, step: ctx.step, clientId: ctx.clientId },
        { upstream },
      );
    }
    return appError(
      'provider_error',
      { variant: 'refused', provider: profile.displayName, step: ctx.step, answer: upstream.message },
      { upstream },
    );
  }
  // openid-client compares a present `iss` with the issuer before it uses the code (the one iss rule).
  const iss = findCause(
    e,
    (c) => c instanceof Error && /unexpected "iss" \(issuer\) response parameter/.test(c.message),
  ) as { cause?: { expected?: unknown; parameters?: unknown } } | undefined;
  if (iss) {
    const params = iss.cause?.parameters;
    const got = params instanceof URLSearchParams ? (params.get('iss') ?? '') : '';
    return appError(
      'issuer_mismatch',
      { expected: String(iss.cause?.expected ?? ''), got: got.slice(0, 200) },
      { upstream: { source: profile.displayName, code: 'iss', message: `iss=${got.slice(0, 200)}` } },
    );
  }
  const tooLarge = findCause(e, (c) => c instanceof ResponseTooLargeError);
  if (tooLarge) {
    return appError(
      'response_too_large',
      { provider: profile.displayName, step: ctx.step, limit: MAX_UPSTREAM_BYTES },
      { upstream: { source: profile.displayName, code: 'response_too_large' } },
    );
  }
  const net = describeNetwork(e);
  if (net) {
    return appError(
      'provider_unreachable',
      { provider: profile.displayName, step: ctx.step, network: net },
      { upstream: { source: profile.displayName, code: net } },
    );
  }
  if (e instanceof oidc.ClientError) {
    const status = responseStatus(e);
    const gone = status === 410;
    if (gone) return providerGone(profile);
    return appError(
      'provider_error',
      {
        variant: 'unreadable',
        provider: profile.displayName,
        step: ctx.step,
        httpStatus: status,
        detail: e.code ?? e.message,
      },
      { upstream: { source: profile.displayName, code: e.code, message: e.message } },
    );
  }
  return appError('provider_error', { variant: 'unexpected', step: ctx.step }, { cause: e });
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

export function redirectMismatch(ctx: Pick<Ctx, 'profile' | 'redirectUri'>, upstream?: Upstream): AppError {
  return appError('redirect_uri_mismatch', { redirectUri: ctx.redirectUri }, { upstream });
}

export function providerGone(profile: ProviderProfile): AppError {
  return appError(
    'provider_gone',
    {},
    { upstream: { source: profile.displayName, code: '410', message: 'Gone' } },
  );
}
