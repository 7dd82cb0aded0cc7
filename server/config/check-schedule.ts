// The scheduled end-to-end check and how old its proof may get before the verdict stops saying
// `connected`: the defaults per mode, and the one rule tying them together.

export const DAY_SECONDS = 86_400;
/** How late a scheduled proof may be before it counts as stale: a slow or retried check, a restart. */
export const PROOF_MARGIN_SECONDS = 7_200;

/**
 * Daily in live mode: soon enough to notice a revocation within a day, and to keep a Google refresh
 * token from dying after six months unused. Off in sandbox mode: its stand-ins cost nothing, but nothing
 * there dies unused either, and checks appearing by themselves would change the history a demo is showing.
 */
export function defaultCheckInterval(sandbox: boolean): number {
  return sandbox ? 0 : DAY_SECONDS;
}

/** One interval plus the margin; with the schedule off, as if it ran daily (26 h). */
export function defaultProofMaxAge(intervalSeconds: number): number {
  return (intervalSeconds || DAY_SECONDS) + PROOF_MARGIN_SECONDS;
}

/** The interval and the proof's age limit, defaults applied; a limit within the interval is a problem. */
export function resolveCheckSchedule(
  sandbox: boolean,
  set: { interval: number | undefined; maxAge: number | undefined },
  problems: string[],
  names: { interval: string; maxAge: string },
): { checkIntervalSeconds: number; proofMaxAgeSeconds: number } {
  const checkIntervalSeconds = set.interval ?? defaultCheckInterval(sandbox);
  const proofMaxAgeSeconds = set.maxAge ?? defaultProofMaxAge(checkIntervalSeconds);
  // Otherwise the verdict would turn `unproven` between two scheduled checks, every time.
  if (checkIntervalSeconds > 0 && proofMaxAgeSeconds <= checkIntervalSeconds)
    problems.push(
      `${names.maxAge} (${proofMaxAgeSeconds} s) must be longer than ${names.interval} (${checkIntervalSeconds} s${set.interval === undefined ? ', the default' : ''}), or every proof goes stale before the next scheduled check: raise it, or leave it unset (${defaultProofMaxAge(checkIntervalSeconds)} s).`,
    );
  return { checkIntervalSeconds, proofMaxAgeSeconds };
}
