// What a scheduled end-to-end check costs in warehouse credits, for the page, /status.json and the docs.
// Snowflake bills a running warehouse per second with a 60-second minimum each time it starts
// (https://docs.snowflake.com/en/user-guide/warehouses-overview, "Warehouse size" and billing), and an
// XSMALL warehouse, the setup script's, uses 1 credit an hour; each size up doubles it. A check is one call
// of the check function: it resumes the warehouse if suspended, so it costs at least that minimum.

export const XSMALL_CREDITS_PER_HOUR = 1;
/** Snowflake's minimum billed time each time a warehouse starts (or resumes). */
export const MIN_BILLED_SECONDS = 60;

const DAY_SECONDS = 86_400;
const PERIOD_DAYS = 30;

/** About one check's credits on an XSMALL warehouse that was suspended (the 60-second minimum): 0.017. */
export function xsmallCreditsPerCheck(): number {
  return round((XSMALL_CREDITS_PER_HOUR * MIN_BILLED_SECONDS) / 3600, 3);
}

/**
 * About the credits per 30 days of checks every `intervalSeconds` on an XSMALL warehouse: 0.5 for a daily
 * check. Never more than a warehouse running the whole time (checks closer together than a minute keep it up).
 */
export function xsmallCreditsPer30Days(intervalSeconds: number): number {
  if (intervalSeconds <= 0) return 0;
  const checks = (PERIOD_DAYS * DAY_SECONDS) / intervalSeconds;
  const alwaysOn = PERIOD_DAYS * 24 * XSMALL_CREDITS_PER_HOUR;
  return round(Math.min(alwaysOn, checks * ((XSMALL_CREDITS_PER_HOUR * MIN_BILLED_SECONDS) / 3600)), 2);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
