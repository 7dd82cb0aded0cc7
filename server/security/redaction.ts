// Everything the app does to keep tokens and secrets out of what it writes, in one place: the log fields
// pino censors by path, token-shaped runs in free text, and the literal after a secret-bearing SQL keyword.

// --- structured logs ------------------------------------------------------------------------------------

const SECRET_KEYS = [
  'refresh_token',
  'refreshToken',
  'access_token',
  'accessToken',
  'id_token',
  'token',
  'code',
  'code_verifier',
  'verifier',
  'client_secret',
  'clientSecret',
  'password',
  'passcode',
  'privateKey',
  'privateKeyPass',
  'authorization',
  'cookie',
  'set-cookie',
  'adminToken',
  'launchToken',
  'state',
];

/** Log fields pino replaces with '[redacted]', at the top level and two levels down. */
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
];

// --- upstream messages ----------------------------------------------------------------------------------
// Upstream messages are shown to users and kept in the history, but some providers quote the token
// they rejected (Fitbit: "Refresh token invalid: <token>"), and Snowflake relays such messages from
// the check function. Anything shaped like a token is replaced before a message goes anywhere.

// Long runs of token characters with mixed case and a digit (Google's `ya29.…`, `1//0…`, JWTs),
// or long hex (Fitbit codes and refresh tokens). Snowflake names (upper case) and URLs (lower case)
// don't match.
const TOKENISH = /[A-Za-z0-9._~+/=-]{24,}/g;
const HEX = /^[0-9a-f]{32,}$/i;

export function scrubTokens(text: string): string {
  return text.replace(TOKENISH, (run) => {
    if (HEX.test(run)) return '[redacted]';
    if (/[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run)) return '[redacted]';
    return run;
  });
}

// --- SQL text -------------------------------------------------------------------------------------------

/**
 * Belt and braces for free-text logs and Snowflake's messages (the driver may echo a statement): hides
 * the literal after any token-bearing keyword.
 */
export function scrubSqlSecrets(text: string): string {
  return text.replace(
    /(OAUTH_REFRESH_TOKEN|OAUTH_CLIENT_SECRET|PASSWORD|TOKEN_SECRET)(\s*=\s*)'(?:[^'\\]|\\[\s\S]|'')*'?/gi,
    "$1$2'***'",
  );
}
