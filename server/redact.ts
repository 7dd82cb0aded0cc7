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
