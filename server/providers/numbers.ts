// Every number the app takes from a provider, range-checked in one place before it is used. A provider,
// or anything between it and the app, can send any JSON number: 1e300 (an invalid date, which broke the
// result page), a negative (an expiry in the past), 1e11 (the year 5195). An out-of-range number is
// refused and reported, never written; the token it came with is still good and is still written.
//
// The app takes one number from a provider: `refresh_token_expires_in` (Google, for time-limited grants),
// which becomes the secret's OAUTH_REFRESH_TOKEN_EXPIRY_TIME. It does not use `expires_in` (the access
// token serves one identity call, right away), which openid-client already refuses unless it is a finite
// number of 0 or more.

export interface NumberRule {
  /** The field as the provider names it. */
  field: string;
  min: number;
  max: number;
  /** What the provider claims with the value, for the report: "the refresh token lives 1e+300 s". */
  claim: (shown: string) => string;
  /** The range in words, for the report. */
  range: string;
}

const MINUTE = 60;
const YEAR = 365 * 24 * 3600;

/**
 * A refresh token's lifetime. Below a minute the token would expire before the end-to-end check that
 * follows the write could use it: a unit mix-up (days sent as seconds) or a bug, and writing it would make
 * Snowflake give up on a token that works. Above ten years it is no lifetime a provider gives (Google sends
 * the field only for time-limited grants, and Testing clients' tokens die after 7 days); ten years is still
 * a date every system stores.
 */
export const REFRESH_TOKEN_EXPIRES_IN: NumberRule = {
  field: 'refresh_token_expires_in',
  min: MINUTE,
  max: 10 * YEAR,
  claim: (shown) => `the refresh token lives ${shown} s`,
  range: 'a believable lifetime is between a minute and ten years',
};

/** The numbers of a token response the app uses. */
export const TOKEN_RESPONSE_NUMBERS: readonly NumberRule[] = [REFRESH_TOKEN_EXPIRES_IN];

/** A number the app refused: which field, the value as text (a number, or only its type), and why. */
export interface RefusedNumber {
  field: string;
  /** The value as sent when it is a number ("1e+300", "-5"); otherwise only its kind ("a string"). */
  shown: string;
  /** What the provider claimed, in words. */
  claim: string;
  range: string;
}

export type CheckedNumber = { ok: true; value: number } | ({ ok: false } & RefusedNumber);

/** Checks one provider number against its rule; undefined when the field is absent (or null). */
export function providerNumber(rule: NumberRule, value: unknown): CheckedNumber | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max)
    return { ok: true, value };
  // Only a number is shown as sent: any other value could be anything, a token included.
  const kind = Array.isArray(value) ? 'list' : typeof value;
  const shown = typeof value === 'number' ? String(value) : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
  return { ok: false, field: rule.field, shown, claim: rule.claim(shown), range: rule.range };
}

/**
 * A token response with every number the app uses checked: the refused ones are taken out (so nothing
 * downstream can use them) and listed.
 */
export function checkTokenResponse(response: Record<string, unknown>): {
  response: Record<string, unknown>;
  refused: RefusedNumber[];
} {
  const out = { ...response };
  const refused: RefusedNumber[] = [];
  for (const rule of TOKEN_RESPONSE_NUMBERS) {
    const checked = providerNumber(rule, response[rule.field]);
    if (!checked || checked.ok) continue;
    delete out[rule.field];
    const { ok: _ok, ...r } = checked;
    refused.push(r);
  }
  return { response: out, refused };
}
