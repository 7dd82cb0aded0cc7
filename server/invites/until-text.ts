// How far away an invite's expiry is, said the same way everywhere on the invite pages: against one `now`
// per page and rounded to the minute, so that a link made a moment ago reads "in 3 days" both in its card
// and in the list (rounded down to the millisecond, 72 h less 5 ms read "in 2 days" in one and not the other).
import { formatRelative } from '../time-format.js';

const MINUTE_MS = 60_000;

/** `in 3 days`, `in 5 h`, `2 h ago`: `at` (ISO 8601) against `nowMs`, to the nearest minute. */
export function untilText(at: string, nowMs: number): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return '';
  // Within a minute the words are already coarse ("in under a minute", "just now"): nothing to round.
  if (Math.abs(ms - nowMs) < MINUTE_MS) return formatRelative(ms, nowMs);
  return formatRelative(nowMs + Math.round((ms - nowMs) / MINUTE_MS) * MINUTE_MS, nowMs);
}
