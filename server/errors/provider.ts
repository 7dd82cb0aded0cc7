// Errors from the provider (Google Health API, legacy Fitbit Web API): the token endpoint, the identity
// call, and a refresh token the app will not put into SQL.
import { detailOf, entry, PROVIDER, REDIRECT_URI, STEP } from './entry.js';

export const providerErrors = {
  redirect_uri_mismatch: entry<{ redirectUri: string }>({
    group: 'provider',
    when: 'The token endpoint refused the code because the redirect URI the app sends (`OAUTH_REDIRECT_URI`, byte for byte) is not registered for this client. (When Google shows its own “Error 400: redirect_uri_mismatch” page instead, the app never gets control back; the fix is the same.)',
    status: 400,
    title: 'The redirect URI does not match the one registered',
    why: (p) =>
      `The app uses ${p.redirectUri} as its redirect URI, byte for byte, and the provider does not have exactly that string registered for this client. "localhost" and "127.0.0.1" are different strings, and so are different ports.`,
    fix: (p) =>
      `Either add ${p.redirectUri} to the client's authorized redirect URIs in the provider console, or set OAUTH_REDIRECT_URI to the one registered there (and open the app on that same host).`,
    retryConnect: true,
    examples: [{ params: { redirectUri: REDIRECT_URI } }],
  }),
  client_secret_missing: entry<{ provider: string }>({
    group: 'provider',
    when: 'Google answered `invalid_request: client_secret is missing.`: `OAUTH_CLIENT_SECRET` is not set.',
    status: 502,
    title: 'The provider wants the client secret',
    why: (p) =>
      `${p.provider} refused the token request because no client secret was sent. Google requires it even with PKCE.`,
    fix: 'Set OAUTH_CLIENT_SECRET to the client secret of this OAuth client (Google Cloud console → APIs & Services → Credentials), restart the app, and connect again.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER } }],
  }),
  client_invalid: entry<
    | { variant: 'answer'; provider: string; error: string; step: string; clientId: string }
    | { variant: 'challenge'; provider: string; step: string; clientId: string }
  >({
    group: 'provider',
    when: 'The provider answered `invalid_client` / `unauthorized_client` (or Fitbit a 401 challenge): wrong client ID or secret, or a deleted client.',
    status: 502,
    title: 'The provider did not accept the app’s client credentials',
    why: (p) =>
      p.variant === 'answer'
        ? `${p.provider} answered ${p.error} while ${p.step}: the client ID "${p.clientId}" or its secret is wrong, or the client was deleted.`
        : `${p.provider} refused the client authentication while ${p.step}: the client ID "${p.clientId}" or its secret is wrong, or the app type needs a secret (Fitbit "Server" apps must send one with HTTP Basic).`,
    fix: 'Check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET against the provider console (copy them again), restart the app, and connect again.',
    retryConnect: true,
    examples: [
      {
        label: 'an OAuth error answer',
        params: {
          variant: 'answer',
          provider: PROVIDER,
          error: '<error>',
          step: STEP,
          clientId: '<client ID>',
        },
      },
      {
        label: 'a 401 challenge (Fitbit)',
        params: { variant: 'challenge', provider: PROVIDER, step: STEP, clientId: '<client ID>' },
      },
    ],
  }),
  provider_error: entry<
    | {
        variant: 'answer';
        provider: string;
        step: string;
        httpStatus: number | string;
        error: string;
        description?: string;
      }
    | { variant: 'code_rejected'; provider: string; error: string; description?: string }
    | { variant: 'refused'; provider: string; step: string; answer: string }
    | { variant: 'unreadable'; provider: string; step: string; httpStatus?: number | string; detail: string }
    | { variant: 'unexpected'; step: string }
  >({
    group: 'provider',
    when: 'A call to the provider (the token endpoint, revocation, the identity call) failed: an error answer, a refused code, or an answer that is not a valid OAuth response. The provider’s own error is on the page.',
    status: 502,
    title: (p) => {
      switch (p.variant) {
        case 'answer':
          return `${p.provider} returned an error while ${p.step}`;
        case 'code_rejected':
          return 'The sign-in code was not accepted';
        case 'refused':
          return `${p.provider} refused the request while ${p.step}`;
        case 'unreadable':
          return `${p.provider} sent a response the app could not read`;
        case 'unexpected':
          return `Something went wrong while ${p.step}`;
      }
    },
    why: (p) => {
      switch (p.variant) {
        case 'answer':
          return `The provider answered HTTP ${p.httpStatus} with "${p.error}"${detailOf(p.description)}.`;
        case 'code_rejected':
          return `${p.provider} refused the authorization code (${p.error}${detailOf(p.description)}). Codes are single use and expire after a few minutes; a reloaded or very slow callback causes this.`;
        case 'refused':
          return `The provider answered ${p.answer}.`;
        case 'unreadable':
          return `While ${p.step}, the provider answered${p.httpStatus ? ` HTTP ${p.httpStatus}` : ''} with a response that is not a valid OAuth response (${p.detail}). Because an authorization code works only once, the app did not retry it.`;
        case 'unexpected':
          return 'The request to the provider failed unexpectedly.';
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'answer':
          return String(p.httpStatus) === '429'
            ? 'The provider is rate limiting this client. Wait a minute, then start again.'
            : 'Start the connection again. If it keeps failing, the provider’s message above says what to change.';
        case 'unreadable':
          return 'Start the connection again. If it keeps happening, the provider (or a proxy in between) is having trouble.';
        default:
          return 'Start the connection again.';
      }
    },
    retryConnect: true,
    examples: [
      {
        label: 'an error status (HTTP 500 / 503: the provider is having trouble)',
        params: {
          variant: 'answer',
          provider: PROVIDER,
          step: STEP,
          httpStatus: '<status>',
          error: '<error>',
          description: '<description>',
        },
      },
      {
        label: 'HTTP 429 (rate limited)',
        params: {
          variant: 'answer',
          provider: PROVIDER,
          step: STEP,
          httpStatus: 429,
          error: '<error>',
          description: '<description>',
        },
      },
      {
        label: '`invalid_grant` for the authorization code (reloaded, replayed or very slow callback)',
        params: {
          variant: 'code_rejected',
          provider: PROVIDER,
          error: 'invalid_grant',
          description: '<description>',
        },
      },
      {
        label: 'an HTTP error without an OAuth error body (e.g. a proxy’s 403)',
        params: { variant: 'refused', provider: PROVIDER, step: STEP, answer: '<HTTP status and challenge>' },
      },
      {
        label: 'not a valid OAuth response (an HTML page, cut-off JSON, no `access_token`)',
        params: {
          variant: 'unreadable',
          provider: PROVIDER,
          step: STEP,
          httpStatus: '<status>',
          detail: '<detail>',
        },
      },
      {
        label: 'anything else (the log line has the details)',
        params: { variant: 'unexpected', step: STEP },
      },
    ],
  }),
  response_too_large: entry<{ provider: string; step: string; limit: number | string }>({
    group: 'provider',
    when: 'An answer from the provider went past 1 MiB, so the app stopped reading it: the provider or a proxy misbehaves.',
    status: 502,
    title: (p) => `${p.provider} sent an answer far larger than any OAuth response`,
    why: (p) =>
      `While ${p.step}, the answer exceeded ${p.limit} bytes, so the app stopped reading it. A proxy or the provider is misbehaving.`,
    fix: 'Start the connection again. If it repeats, check any proxy set in OAUTH_TOKEN_URL or HEALTH_API_URL.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER, step: STEP, limit: 1048576 } }],
  }),
  provider_unreachable: entry<{ provider: string; step: string; network: string }>({
    group: 'provider',
    when: 'The network is down, a call timed out, or the connection dropped; a code works once, so the app does not retry it.',
    status: 504,
    title: (p) => `Could not reach ${p.provider}`,
    why: (p) =>
      `The request failed while ${p.step} (${p.network}). Because an authorization code works only once, the app did not retry it.`,
    fix: 'Check your network connection (and any proxy set with OAUTH_TOKEN_URL), then start the connection again.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER, step: STEP, network: '<network error>' } }],
  }),
  provider_gone: entry({
    group: 'provider',
    when: '`PROVIDER=fitbit` and the legacy endpoints answer 410 Gone (since 2026-11-02).',
    status: 502,
    title: 'The legacy Fitbit Web API has been turned off',
    why: 'Google turned off the legacy Fitbit Web API and its OAuth endpoints on 2026-11-02; they now answer 410 Gone. Fitbit data is served by the Google Health API.',
    fix: "Switch to the Google Health API: set PROVIDER=google-health with a Google OAuth client (see docs/going-live.md), run sql/setup-google-health.sql, and connect again. The new identity's legacyUserId links the connection to data stored under the old Fitbit user ID.",
  }),
  identity_forbidden: entry<{ provider: string; description?: string }>({
    group: 'provider',
    when: 'The identity call (`users/me/identity`, Fitbit’s `profile`) answered 403: a needed scope is missing from the grant, or the account type cannot use the API. Nothing was written.',
    status: 403,
    title: (p) => `${p.provider} refused to say who signed in`,
    why: (p) =>
      `The identity call answered 403${p.description ? ` (${p.description})` : ''}: the grant does not include a scope it needs, or the account type cannot use this API (a legacy Fitbit login on the Google Health API, for example).`,
    fix: 'Connect again, keep every requested permission ticked, and sign in with the Google account your Fitbit is linked to.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER, description: '<description>' } }],
  }),
  identity_failed: entry<
    | { variant: 'answer'; provider: string; httpStatus: number | string; description?: string }
    | { variant: 'unreadable'; provider: string; detail: string }
  >({
    group: 'provider',
    when: 'The identity call answered 5xx or 429, or an identity that is not what the API documents. Nothing was written.',
    status: 502,
    title: (p) =>
      p.variant === 'answer'
        ? `${p.provider} could not confirm who signed in`
        : `${p.provider} sent an identity the app could not read`,
    why: (p) =>
      p.variant === 'answer'
        ? `The identity call answered HTTP ${p.httpStatus}${detailOf(p.description)}.`
        : `The identity response was not what the API documents (${p.detail}).`,
    fix: (p) =>
      p.variant === 'unreadable'
        ? 'Connect again. If it keeps happening, check HEALTH_API_URL points at the real API (or a faithful proxy).'
        : String(p.httpStatus) === '429'
          ? 'The API is rate limiting this user; wait a minute and connect again.'
          : 'Connect again. If it keeps failing, check the provider’s status page.',
    retryConnect: true,
    examples: [
      {
        label: 'an error status (5xx)',
        params: {
          variant: 'answer',
          provider: PROVIDER,
          httpStatus: '<status>',
          description: '<description>',
        },
      },
      {
        label: 'HTTP 429 (rate limited)',
        params: { variant: 'answer', provider: PROVIDER, httpStatus: 429, description: '<description>' },
      },
      {
        label: 'an unreadable identity',
        params: { variant: 'unreadable', provider: PROVIDER, detail: '<detail>' },
      },
    ],
  }),
  account_not_linked: entry({
    group: 'provider',
    when: 'The Google Health API answered `ACCOUNT_NOT_LINKED`: the Google account chosen is not linked to a Fitbit / Google Health profile.',
    status: 409,
    title: 'This Google account has no Fitbit data to share',
    why: 'The Google Health API answered ACCOUNT_NOT_LINKED: the Google account you chose is not linked to a Fitbit / Google Health profile.',
    fix: 'Connect again and choose the Google account your Fitbit is linked to (in the Fitbit app: You → account settings). Nothing was written to Snowflake.',
    retryConnect: true,
  }),
  token_unusable: entry<{ provider: string; detail: string }>({
    group: 'provider',
    when: 'The provider rejected (401) the access token it had just issued, e.g. the grant was revoked in between. Nothing was written.',
    status: 502,
    title: 'The new access token did not work',
    why: (p) =>
      `${p.provider} rejected the access token it had just issued (${p.detail}). The grant may have been revoked in the meantime.`,
    fix: 'Connect again.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER, detail: '<detail>' } }],
  }),
  token_malformed: entry<{ reason: string }>({
    group: 'provider',
    when: 'The refresh token the provider returned has characters (or a length) no supported provider issues, so the app would not put it into SQL. Nothing was written and the token was not kept; if it repeats, something between the app and the provider (a proxy in `OAUTH_TOKEN_URL`) is changing the answer.',
    status: 502,
    title: 'The token was refused before writing',
    why: (p) => p.reason,
    fix: 'Connect again.',
    retryConnect: true,
    examples: [{ params: { reason: '<what is wrong with the token>' } }],
  }),
};
