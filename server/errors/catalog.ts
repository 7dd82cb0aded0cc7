// Every failure a user can meet, keyed by its stable code: the HTTP status and the three things the
// error page shows (title, why, the exact fix). Texts that depend on the situation are functions of a
// small params object. docs/troubleshooting.md is generated from this table (npm run docs), so a code
// and its explanation cannot drift apart.

/** How the docs group the codes. */
export type ErrorGroup = 'sign-in' | 'provider' | 'snowflake' | 'guard';

type Text<P> = string | ((p: P) => string);

/** A situation the docs show: the params filled with readable placeholders such as `<provider>`. */
export interface ErrorExample<P> {
  /** What tells this situation apart from the code's others (one line). */
  label?: string;
  /** The status as the docs state it, when it depends on the request ("404, or 405 for …"). */
  status?: string;
  params: P;
}

interface Entry<P> {
  group: ErrorGroup;
  /** One line for the docs: when you see this. */
  when: string;
  status: number | ((p: P) => number);
  title: Text<P>;
  why: Text<P>;
  /** The exact fix: a setting to change, or SQL to run (`fixSql`, shown as a code block). */
  fix: Text<P>;
  fixSql?: (p: P) => string | undefined;
  /** Offer to start the flow again (a link to /connect). */
  retryConnect?: boolean | ((p: P) => boolean);
  /** Needed whenever a text takes params: one per situation worth telling apart in the docs. */
  examples?: readonly ErrorExample<P>[];
}

type NoParams = Record<never, never>;

function entry<P = NoParams>(e: Entry<P>): Entry<P> {
  return e;
}

const detailOf = (d: string | undefined, sep = ': ') => (d ? `${sep}${d}` : '');

// Placeholders the docs use where a page shows the real value.
const PROVIDER = '<provider>';
const STEP = '<what the app was doing>';
const REDIRECT_URI = '<redirect URI>';
const ROLE = '<app role>';
const USER = '<SNOWFLAKE_USER>';

interface SnowflakeObjectParams {
  /** The app's role for prose ('the app’s role' when none is set) and for SQL ('<app role>'). */
  role: string;
  roleSql: string;
  step: string;
  objectKind?: 'secret' | 'function' | 'integration';
  objectName?: string;
}

interface SnowflakeLoginParams {
  variant: 'refused';
  code: string;
  message: string;
  user: string;
  role?: string;
  authenticator: string;
  /** 'environment' or 'connections.toml [name]'. */
  source: string;
}

export const catalog = {
  // ── Signing in: the connect journey ──────────────────────────────────────────────────────────
  state_invalid: entry({
    group: 'sign-in',
    when: 'The callback URL was opened without its `state` (by hand, or by another page).',
    status: 400,
    title: 'This sign-in cannot be finished',
    why: 'The provider’s answer carries no state, so the app cannot tell which sign-in it belongs to. This happens when the callback URL is opened by hand or by another page.',
    fix: 'Start the connection again from this app.',
    retryConnect: true,
  }),
  state_expired: entry({
    group: 'sign-in',
    when: 'The sign-in was older than 10 minutes, used already (a reload), or the app restarted in between.',
    status: 400,
    title: 'This sign-in expired, start again',
    why: 'The app does not know this sign-in: it was already used, it is older than 10 minutes, or the app restarted since it began. Each sign-in works once.',
    fix: 'Start the connection again.',
    retryConnect: true,
  }),
  state_other_browser: entry({
    group: 'sign-in',
    when: 'The callback reached a browser without the cookie of the one that started the sign-in.',
    status: 400,
    title: 'This sign-in was started in another browser',
    why: 'The sign-in can only be finished in the browser that started it (a cookie ties the two together). The cookie is missing or different here, so the app refused it without using the code.',
    fix: 'Start the connection again in this browser, and finish it here.',
    retryConnect: true,
  }),
  consent_denied: entry<{ provider: string }>({
    group: 'sign-in',
    when: 'Deny was chosen on the provider’s consent screen.',
    status: 400,
    title: 'Access was not granted',
    why: (p) =>
      `You (or the account’s administrator) chose Deny on the ${p.provider} consent screen, so no token was issued. Nothing was written to Snowflake.`,
    fix: 'Connect again and choose Allow, keeping every requested permission ticked.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER } }],
  }),
  provider_callback_error: entry<{
    provider: string;
    error: string;
    description?: string;
    redirectUri: string;
  }>({
    group: 'sign-in',
    when: 'The provider sent the browser back with `?error=…` (e.g. `invalid_scope`, `server_error`, `redirect_uri_mismatch`) instead of a code; its error and description are on the page.',
    status: 400,
    title: (p) => `${p.provider} returned an error instead of a code`,
    why: (p) => `The provider answered "${p.error}"${detailOf(p.description)}.`,
    fix: (p) =>
      p.error === 'redirect_uri_mismatch'
        ? `Register ${p.redirectUri} exactly as the client’s redirect URI, or set OAUTH_REDIRECT_URI to the registered one.`
        : 'Connect again; if it repeats, the provider’s message says what to change.',
    retryConnect: true,
    examples: [
      {
        label: 'any error',
        params: {
          provider: PROVIDER,
          error: '<error>',
          description: '<description>',
          redirectUri: REDIRECT_URI,
        },
      },
      {
        label: '`redirect_uri_mismatch`',
        params: {
          provider: PROVIDER,
          error: 'redirect_uri_mismatch',
          description: '<description>',
          redirectUri: REDIRECT_URI,
        },
      },
    ],
  }),
  scope_missing: entry<{ missing: readonly string[] }>({
    group: 'sign-in',
    when: 'A permission was unticked on the consent screen; the page names it. The token obtained was revoked (or dropped), nothing was written.',
    status: 403,
    title: 'A permission the connection needs was not granted',
    why: (p) =>
      `The consent screen lets you untick permissions; these were not granted: ${p.missing.join(', ')}. Without them Snowflake cannot read your steps. Nothing was written to Snowflake.`,
    fix: 'Connect again and keep every requested permission ticked.',
    retryConnect: true,
    examples: [{ params: { missing: ['<scope>'] } }],
  }),
  no_refresh_token: entry<{ variant: 'google-health' | 'other'; permissionsUrl: string }>({
    group: 'sign-in',
    when: 'The token response had no refresh token: no offline access, or a proxy dropped `access_type` / `prompt`.',
    status: 502,
    title: 'The provider did not return a refresh token',
    why: (p) =>
      p.variant === 'google-health'
        ? 'Google returns a refresh token only for offline access when the consent screen was shown. The app asks for both (access_type=offline, prompt=consent), so a proxy or an older grant for this client interfered, or the client is of a type that gets no refresh tokens.'
        : 'The provider’s answer had no refresh token, so Snowflake would have nothing to use.',
    fix: (p) =>
      `Remove the app’s earlier access at ${p.permissionsUrl}, then connect again. If you set OAUTH_AUTHORIZATION_URL to a proxy, make sure it passes access_type and prompt through.`,
    retryConnect: true,
    examples: [
      {
        label: 'Google Health API',
        params: { variant: 'google-health', permissionsUrl: '<account permissions page>' },
      },
      {
        label: 'legacy Fitbit Web API',
        params: { variant: 'other', permissionsUrl: '<account permissions page>' },
      },
    ],
  }),
  different_account: entry<{ previousUserId: string; userId: string }>({
    group: 'sign-in',
    when: 'You signed in as another user than the one whose token the secret holds: the app asks before replacing it (a question, not a failure).',
    status: 200,
    title: 'This is a different account',
    why: (p) =>
      `The secret now holds the token of user ${p.previousUserId}; you signed in as ${p.userId}. Writing replaces the connection for everything that uses the secret.`,
    fix: 'Choose “Write this account’s token” to switch, or “Cancel” to keep the current connection (the new token is then revoked or dropped).',
    examples: [{ params: { previousUserId: '<previous user>', userId: '<you>' } }],
  }),
  held_token_gone: entry({
    group: 'sign-in',
    when: '“Retry saving” (or “Write this account’s token”) was pressed for a token the app no longer holds: it was saved, expired (and was revoked or dropped), the app restarted, or this is another browser.',
    status: 410,
    title: 'There is no token waiting to be saved',
    why: 'The token from that sign-in is no longer held: it was saved already, it was held longer than allowed and was revoked (or dropped), the app restarted, or this is another browser.',
    fix: 'Start the connection again.',
    retryConnect: true,
  }),

  // ── The provider: token endpoint and identity call ──────────────────────────────────────────
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
    fix: 'Switch to the Google Health API: set PROVIDER=google-health with a Google OAuth client (see the README, "Going live"), run sql/setup-google-health.sql, and connect again. The new identity\'s legacyUserId links the connection to data stored under the old Fitbit user ID.',
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

  // ── Snowflake ────────────────────────────────────────────────────────────────────────────────
  snowflake_login_failed: entry<
    SnowflakeLoginParams | { variant: 'key_unusable'; user: string; message: string; source: string }
  >({
    group: 'snowflake',
    when: 'Snowflake refused the app’s sign-in (its code and message are on the page), or the driver could not use the private key. See the README, “Signing in to Snowflake”.',
    status: 502,
    title: (p) =>
      p.variant === 'key_unusable'
        ? 'The app could not use its private key'
        : 'Snowflake refused the app’s sign-in',
    why: (p) =>
      p.variant === 'key_unusable'
        ? `The Snowflake driver could not read the private key for ${p.user} (${p.message}); settings from ${p.source}.`
        : `Snowflake answered ${p.code}: ${p.message} (user ${p.user}, ${p.authenticator} sign-in, settings from ${p.source}).`,
    fix: (p) =>
      p.variant === 'key_unusable'
        ? 'Point SNOWFLAKE_PRIVATE_KEY_FILE at the PKCS#8 private key (rsa_key.p8, "-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"), with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if it is encrypted, and restart the app.'
        : loginFix(p),
    examples: [
      {
        label:
          'the driver could not read `SNOWFLAKE_PRIVATE_KEY_FILE` (wrong path, not PKCS#8, wrong or missing passphrase)',
        params: {
          variant: 'key_unusable',
          user: USER,
          message: '<driver message>',
          source: '<settings source>',
        },
      },
      ...(
        [
          ['`390144` JWT invalid, key-pair sign-in', '390144', 'SNOWFLAKE_JWT'],
          ['`394400` token invalid, programmatic access token', '394400', 'PROGRAMMATIC_ACCESS_TOKEN'],
          ['`390318` OAuth access token expired', '390318', 'OAUTH'],
          ['`390309` OAuth access token of another user', '390309', 'OAUTH'],
          ['another OAuth refusal', '<code>', 'OAUTH'],
          ['browser (SSO) sign-in', '<code>', 'EXTERNALBROWSER'],
          ['`390100` wrong password', '390100', 'SNOWFLAKE'],
          ['`394508` MFA required', '394508', 'USERNAME_PASSWORD_MFA'],
          ['`390127` passcode refused', '390127', 'USERNAME_PASSWORD_MFA'],
          ['`390120` MFA push denied', '390120', 'USERNAME_PASSWORD_MFA'],
          ['`390189` role not granted (any sign-in)', '390189', 'SNOWFLAKE'],
          ['`390101` user locked (any sign-in)', '390101', 'SNOWFLAKE'],
          ['`390102` user disabled (any sign-in)', '390102', 'SNOWFLAKE'],
        ] as const
      ).map(([label, code, authenticator]) => ({
        label,
        params: {
          variant: 'refused' as const,
          code,
          message: '<Snowflake’s message>',
          user: USER,
          role: '<SNOWFLAKE_ROLE>',
          authenticator,
          source: 'environment',
        },
      })),
    ],
  }),
  snowflake_unreachable: entry<{ step: string; code?: string; account: string; accessUrl?: string }>({
    group: 'snowflake',
    when: 'The network is down, or `SNOWFLAKE_ACCOUNT` / `SNOWFLAKE_ACCESS_URL` is wrong. A token that was not written waits in memory: fix the setting, then **Retry saving**.',
    status: 504,
    title: 'Could not reach Snowflake',
    why: (p) => `The connection to Snowflake failed while ${p.step} (${p.code || 'network error'}).`,
    fix: (p) =>
      `Check your network and the account identifier SNOWFLAKE_ACCOUNT=${p.account}${p.accessUrl ? ` (and SNOWFLAKE_ACCESS_URL=${p.accessUrl})` : ''}, then try again.`,
    examples: [{ params: { step: STEP, code: '<code>', account: '<account>', accessUrl: '<access URL>' } }],
  }),
  snowflake_timeout: entry<{ seconds: number | string; step: string }>({
    group: 'snowflake',
    when: 'A statement took longer than `SNOWFLAKE_TIMEOUT_SECONDS`; it may still have run. A held token is then only forgotten, never revoked, since Snowflake may already have it.',
    status: 504,
    title: 'Snowflake did not answer in time',
    why: (p) =>
      `Snowflake gave no answer within ${p.seconds} s while ${p.step}. The app asked Snowflake to cancel it, but the statement may still have run: it is not known whether it took effect.`,
    fix: 'Check Snowflake’s status and the warehouse or network, then retry (doing it again is safe). If Snowflake is just slow, raise SNOWFLAKE_TIMEOUT_SECONDS.',
    examples: [{ params: { seconds: '<SNOWFLAKE_TIMEOUT_SECONDS>', step: STEP } }],
  }),
  snowflake_privilege: entry<SnowflakeObjectParams>({
    group: 'snowflake',
    when: '`003001` insufficient privileges: e.g. the app’s role does not own the secret. Run the statement shown, then **Retry saving**.',
    status: 403,
    title: (p) => `Snowflake says ${p.role} may not do this`,
    why: (p) =>
      `While ${p.step}, Snowflake refused with "insufficient privileges". ${p.objectKind === 'secret' ? 'Changing a secret’s token needs OWNERSHIP of the secret.' : ''}`.trim(),
    fix: (p) =>
      privilegeSql(p)
        ? `Give ${p.role} the privilege with the statement below, then retry.`
        : `Grant ${p.role} the privilege Snowflake names above, then retry.`,
    fixSql: privilegeSql,
    examples: [
      {
        label: 'writing the secret',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'writing the secret',
          objectKind: 'secret',
          objectName: '<secret>',
        },
      },
      {
        label: 'calling the check function',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'running the check function',
          objectKind: 'function',
          objectName: '<function>',
        },
      },
      { label: 'anything else', params: { role: ROLE, roleSql: ROLE, step: STEP } },
    ],
  }),
  snowflake_object_missing: entry<SnowflakeObjectParams>({
    group: 'snowflake',
    when: '`002003`: the secret (or the check function, or the integration) does not exist, or the app’s role cannot see it. Run the setup script (or fix the name), then **Retry saving**.',
    status: 404,
    title: (p) =>
      `Snowflake cannot find the ${p.objectKind ?? 'object'}${p.objectName ? ` ${p.objectName}` : ''}`,
    why: (p) =>
      `While ${p.step}, Snowflake said it does not exist or ${p.role} is not authorized to see it (Snowflake gives one answer for both).`,
    fix: (p) =>
      `Create it with the setup script (see the Setup page or \`npm run sql -- setup-<provider>\`), or grant ${p.role} USAGE on it and on its database and schema. If the name is wrong, fix ${p.objectKind === 'function' ? 'SNOWFLAKE_CHECK_FUNCTION' : 'SNOWFLAKE_SECRET'}.`,
    fixSql: (p) =>
      p.objectKind === 'function' && p.objectName
        ? `-- run as the function's owner, once it exists\nGRANT USAGE ON FUNCTION ${p.objectName}() TO ROLE ${p.roleSql};`
        : undefined,
    examples: [
      {
        label: 'the secret',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'writing the secret',
          objectKind: 'secret',
          objectName: '<secret>',
        },
      },
      {
        label: 'the check function',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'running the check function',
          objectKind: 'function',
          objectName: '<function>',
        },
      },
    ],
  }),
  snowflake_no_warehouse: entry<{ user: string; role: string; roleSql: string }>({
    group: 'snowflake',
    when: 'The check function needs a running warehouse and the app’s session has none.',
    status: 409,
    title: 'No warehouse to run the check in',
    why: 'Calling a function needs a running warehouse, and the app’s session has none.',
    fix: (p) =>
      `Set SNOWFLAKE_WAREHOUSE (e.g. FITBIT_WH), or give the user a default: ALTER USER ${p.user} SET DEFAULT_WAREHOUSE = FITBIT_WH; and grant ${p.role} USAGE on it.`,
    fixSql: (p) =>
      `GRANT USAGE ON WAREHOUSE FITBIT_WH TO ROLE ${p.roleSql};\nALTER USER ${p.user} SET DEFAULT_WAREHOUSE = FITBIT_WH;`,
    examples: [{ params: { user: USER, role: ROLE, roleSql: ROLE } }],
  }),
  snowflake_error: entry<{ step: string; code?: string; message: string }>({
    group: 'snowflake',
    when: 'Any other Snowflake error; its code and message are on the page. Fix what it names, then **Retry saving** or run the check again.',
    status: 502,
    title: (p) => `Snowflake returned an error while ${p.step}`,
    why: (p) => `Snowflake answered ${p.code || 'an error'}: ${p.message}`,
    fix: 'Read Snowflake’s message above; fix what it names and try again.',
    examples: [{ params: { step: STEP, code: '<code>', message: '<Snowflake’s message>' } }],
  }),
  secret_write_failed: entry<{ detail: string }>({
    group: 'snowflake',
    when: '`ALTER SECRET` failed in a way no other code describes; the token waits in memory (never on disk): fix the cause, then **Retry saving** before the hold expires (or **Cancel**: the token is then revoked or dropped).',
    status: 502,
    title: 'Writing the secret failed',
    why: (p) => p.detail,
    fix: 'Retry saving.',
    examples: [{ params: { detail: '<the error>' } }],
  }),

  // ── The app's own guards and pages ───────────────────────────────────────────────────────────
  host_not_allowed: entry<{ allowed: string; host: string }>({
    group: 'guard',
    when: 'The request named a host the app does not serve (DNS-rebinding protection).',
    status: 421,
    title: 'This address is not served',
    why: (p) =>
      `The app answers only to ${p.allowed}; this request named “${p.host}”. That is how DNS-rebinding attacks from other web pages look.`,
    fix: 'Open the app at http://localhost:<port>/ (or the PUBLIC_URL you configured).',
    examples: [{ params: { allowed: '<allowed hosts>', host: '<host>' } }],
  }),
  csrf_invalid: entry<{ variant: 'form_token' } | { variant: 'cross_site'; mode: string; dest: string }>({
    group: 'guard',
    when: 'A form was posted without this app’s anti-forgery token, or your browser said another site (or another port on this computer) made the request: other sites may only link here.',
    status: 403,
    title: (p) =>
      p.variant === 'form_token' ? 'This request was refused' : 'A request from another site was refused',
    why: (p) =>
      p.variant === 'form_token'
        ? 'The form did not come from this app’s own page (its anti-forgery token is missing or wrong). Another web page may have tried to act on your behalf, or the page was open from before the app restarted.'
        : `Your browser says another web site made this request (${p.mode}, ${p.dest}), not a link you followed. This app does not let other sites load its pages or trigger its actions, because even loading a page can start a sign-in or sign in to Snowflake.`,
    fix: (p) =>
      p.variant === 'form_token'
        ? 'Go back to the app’s page, reload it, and press the button again.'
        : 'Open the app yourself (type its address, or use a bookmark or a link), then use its buttons.',
    examples: [
      { label: 'a form without the anti-forgery token', params: { variant: 'form_token' } },
      {
        label: 'a request another site made (an image, script, frame, `fetch()` or form post)',
        params: { variant: 'cross_site', mode: '<fetch mode>', dest: '<destination>' },
      },
    ],
  }),
  unauthorized: entry<{ variant: 'bearer' | 'admin_token' }>({
    group: 'guard',
    when: 'The app runs with `ADMIN_TOKEN` (a non-loopback bind) and the request had no session, a wrong bearer token, or a bearer token sent to something other than `/status.json`. Monitors and `npm run status -- --url` send `Authorization: Bearer <ADMIN_TOKEN>`.',
    status: 401,
    title: 'Sign in to this app first',
    why: (p) =>
      p.variant === 'bearer'
        ? 'The bearer token is wrong, or was sent to a page other than /status.json.'
        : 'This app is reachable beyond this computer, so every page needs the admin token.',
    fix: 'Open /login and enter the ADMIN_TOKEN this app was started with.',
    examples: [
      { label: 'a bearer token', params: { variant: 'bearer' } },
      { label: 'no session', params: { variant: 'admin_token' } },
    ],
  }),
  bad_request: entry<
    | { variant: 'no_code' }
    | { variant: 'repeated_param' | 'oversized_param'; name: string }
    | { variant: 'unreadable'; status: number; type: string }
  >({
    group: 'guard',
    when: 'A request the app cannot read: a callback with neither a code nor an error, a parameter twice or longer than any provider sends (a mangled or tampered link), a form over 8 kB or with too many fields, an undecodable address.',
    status: (p) => (p.variant === 'unreadable' ? p.status : 400),
    title: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'The provider’s answer has no code';
        case 'repeated_param':
          return 'The request has a repeated parameter';
        case 'oversized_param':
          return 'The request has an oversized parameter';
        case 'unreadable':
          return 'The request could not be read';
      }
    },
    why: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'The callback was reached without an authorization code or an error.';
        case 'repeated_param':
          return `“${p.name}” appears more than once, so the app cannot tell which one is meant.`;
        case 'oversized_param':
          return `“${p.name}” is longer than any provider sends.`;
        case 'unreadable':
          return `The request was malformed or too large (${p.type}).`;
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'Start the connection again.';
        case 'unreadable':
          return 'Go back to the app’s page and try again.';
        default:
          return 'Start the connection again from the app’s page.';
      }
    },
    retryConnect: (p) => p.variant !== 'unreadable',
    examples: [
      { label: '`/callback` with neither a code nor an error', params: { variant: 'no_code' } },
      { label: 'a repeated parameter', params: { variant: 'repeated_param', name: '<parameter>' } },
      { label: 'an oversized parameter', params: { variant: 'oversized_param', name: '<parameter>' } },
      {
        label: 'a malformed or oversized request',
        status: '400, 413 or 415',
        params: { variant: 'unreadable', status: 400, type: '<reason>' },
      },
    ],
  }),
  not_found: entry<
    | { variant: 'no_route'; method: string; path: string }
    | { variant: 'bad_link' | 'result_gone' }
    | { variant: 'post_only'; path: string; what: string; where: string }
  >({
    group: 'guard',
    when: 'The app has no page at that address (or not for that method), a link is not valid, a result page has expired, or an action’s address was opened as a page.',
    status: (p) =>
      (p.variant === 'no_route' && p.method !== 'GET' && p.method !== 'HEAD') || p.variant === 'post_only'
        ? 405
        : 404,
    title: (p) => {
      switch (p.variant) {
        case 'result_gone':
          return 'This result is no longer available';
        case 'post_only':
          return 'This address is a button, not a page';
        default:
          return 'Nothing here';
      }
    },
    why: (p) => {
      switch (p.variant) {
        case 'no_route':
          return `This app has no ${p.method} ${p.path}.`;
        case 'bad_link':
          return 'That link is not valid.';
        case 'result_gone':
          return 'Results are kept for 30 minutes, in this browser only, and not across restarts.';
        case 'post_only':
          return `${p.path} ${p.what}, so it only answers the button's POST: opening it as a page does nothing.`;
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'result_gone':
          return 'See the Status page for the current state of the connection.';
        case 'post_only':
          return `Use the button: ${p.where}.`;
        default:
          return 'Go to the home page.';
      }
    },
    examples: [
      {
        label: 'no page at that address',
        status: '404 (405 for a method other than GET)',
        params: { variant: 'no_route', method: '<method>', path: '<path>' },
      },
      { label: 'a link with an invalid ID', params: { variant: 'bad_link' } },
      {
        label: 'a result page kept 30 minutes, in memory, for the browser that signed in only',
        params: { variant: 'result_gone' },
      },
      {
        label: 'an action (`/check`, `/reauthorize`, `/held/…/save`, `/setup/reveal`, …) opened as a page',
        params: {
          variant: 'post_only',
          path: '<path>',
          what: '<what the action does>',
          where: '<where its button is>',
        },
      },
    ],
  }),
  internal: entry({
    group: 'guard',
    when: 'A bug: no specific page exists for what happened. The log line for the request has the details; please report it.',
    status: 500,
    title: 'Something went wrong inside the app',
    why: 'An unexpected error happened. The details are in the app’s log (no token values are logged).',
    fix: 'Try again. If it keeps happening, run with LOG_LEVEL=debug and report the log lines around the failure.',
  }),
};

export type ErrorCode = keyof typeof catalog;

/** The params a code's texts take (`{}` when none). */
export type ErrorParams<C extends ErrorCode> = (typeof catalog)[C] extends Entry<infer P> ? P : never;

/** What a code and its params say: everything the page shows except the upstream error. */
export interface ErrorText {
  status: number;
  title: string;
  why: string;
  fix: string;
  fixSql?: string;
  retryConnect: boolean;
}

const text = <P>(t: Text<P>, p: P): string => (typeof t === 'function' ? t(p) : t);

export function errorText<C extends ErrorCode>(code: C, params: ErrorParams<C>): ErrorText {
  const e = catalog[code] as unknown as Entry<ErrorParams<C>>;
  const retry = e.retryConnect;
  return {
    status: typeof e.status === 'function' ? e.status(params) : e.status,
    title: text(e.title, params),
    why: text(e.why, params),
    fix: text(e.fix, params),
    fixSql: e.fixSql?.(params),
    retryConnect: typeof retry === 'function' ? retry(params) : (retry ?? false),
  };
}

/** One code as the docs describe it: each situation rendered with placeholders. */
export interface ErrorDoc {
  code: ErrorCode;
  group: ErrorGroup;
  when: string;
  situations: (Omit<ErrorText, 'status'> & { label?: string; status: string })[];
}

export function errorDocs(): ErrorDoc[] {
  return (Object.keys(catalog) as ErrorCode[]).map((code) => {
    const e = catalog[code] as unknown as Entry<unknown>;
    const examples: readonly ErrorExample<unknown>[] = e.examples ?? [{ params: {} }];
    return {
      code,
      group: e.group,
      when: e.when,
      situations: examples.map((x) => {
        const t = errorText(code, x.params as ErrorParams<typeof code>);
        return { ...t, label: x.label, status: x.status ?? String(t.status) };
      }),
    };
  });
}

function privilegeSql(p: SnowflakeObjectParams): string | undefined {
  if (p.objectKind === 'secret' && p.objectName)
    return `-- run as the secret's owner or an administrator\nGRANT OWNERSHIP ON SECRET ${p.objectName} TO ROLE ${p.roleSql} COPY CURRENT GRANTS;`;
  if (p.objectKind === 'function' && p.objectName)
    return `GRANT USAGE ON FUNCTION ${p.objectName}() TO ROLE ${p.roleSql};`;
  return undefined;
}

/** The fix for a refused Snowflake sign-in: by Snowflake's code, then by the way the app signs in. */
function loginFix(p: SnowflakeLoginParams): string {
  const { user, code } = p;
  const via = p.source === 'environment' ? '' : ` (settings from ${p.source})`;
  // Refusals that do not depend on how the app signed in.
  switch (code) {
    case '390189':
      return `SNOWFLAKE_ROLE=${p.role ?? ''} is not granted to ${user}${p.authenticator === 'PROGRAMMATIC_ACCESS_TOKEN' || p.authenticator === 'OAUTH' ? ', or the token is restricted to another role' : ''}: grant it (GRANT ROLE ${p.role ?? '<role>'} TO USER ${user};) or change SNOWFLAKE_ROLE${via}.`;
    case '390101':
      return `${user} is locked after too many failed sign-ins. Wait for the lock to expire or ask an administrator: ALTER USER ${user} SET MINS_TO_UNLOCK = 0;`;
    case '390102':
      return `${user} is disabled. An administrator can enable it: ALTER USER ${user} SET DISABLED = FALSE;`;
  }
  switch (p.authenticator) {
    case 'SNOWFLAKE_JWT':
      return `Check that SNOWFLAKE_PRIVATE_KEY_FILE is the private half of the key registered for ${user} (DESC USER ${user} shows RSA_PUBLIC_KEY_FP; register it with ALTER USER ${user} SET RSA_PUBLIC_KEY = '…';), and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted${via}.`;
    case 'PROGRAMMATIC_ACCESS_TOKEN':
      return `Check SNOWFLAKE_TOKEN${via}: the programmatic access token may be wrong, expired, revoked or for another user. Create a new one with ALTER USER ${user} ADD PROGRAMMATIC ACCESS TOKEN fitbit_connect; and restart the app with it.`;
    case 'OAUTH':
      if (code === '390318')
        return 'The OAuth access token in SNOWFLAKE_TOKEN has expired (they last minutes). Get a fresh one from your authorization server and restart the app, or use key-pair sign-in, which does not expire.';
      if (code === '390309')
        return `SNOWFLAKE_TOKEN was issued to another user than SNOWFLAKE_USER=${user}: use a token issued for ${user}, or set SNOWFLAKE_USER to the token's user.`;
      return `Check SNOWFLAKE_TOKEN${via}: Snowflake does not accept it as an OAuth access token for this account. Get a fresh one and restart the app.`;
    case 'EXTERNALBROWSER':
      return `Sign in as ${user} in the browser window the app opened (SNOWFLAKE_USER must be the identity you pick there), and check that your account's SSO (SAML) integration is set up. For an unattended app, use key-pair sign-in.`;
    default:
      // SNOWFLAKE (password) and USERNAME_PASSWORD_MFA.
      if (code === '394508' || code === '390124' || code === '390126' || code === '390132')
        return `${user} must pass MFA: set SNOWFLAKE_PASSCODE to the current code from the authenticator app and restart the app. A passcode works once, so the app must be restarted with a new one whenever it signs in again: use key-pair sign-in for a service.`;
      if (code === '390127')
        return 'Snowflake refused SNOWFLAKE_PASSCODE: it is wrong, expired, or already used (each passcode works once). Set the current code from the authenticator app and restart the app.';
      if (code === '390120')
        return `The MFA request was denied on ${user}'s phone. Approve it, or set SNOWFLAKE_PASSCODE to the current code and restart the app.`;
      return `Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD${via} (or switch to key-pair sign-in with SNOWFLAKE_PRIVATE_KEY_FILE, which Snowflake recommends for services).`;
  }
}
