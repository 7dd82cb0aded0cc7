// Durations in words, for people: how long ago the chain was last proven, and a limit or an interval.
// Server-side, so the pages, /status.json's words and `npm run status` say it the same way.

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** How long ago, rounded down to the largest unit that reads well: `45 s`, `12 min`, `3 h`, `30 h`, `4 days`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < MINUTE) return `${s} s`;
  if (s < HOUR) return `${Math.floor(s / MINUTE)} min`;
  // Hours up to two days: "30 h ago" says more than "1 day ago".
  if (s < 2 * DAY) return `${Math.floor(s / HOUR)} h`;
  return `${Math.floor(s / DAY)} days`;
}

/** How long ago, as a phrase: `just now` within a minute, else `3 h ago`. */
export function formatAgo(seconds: number): string {
  return seconds < MINUTE ? 'just now' : `${formatAge(seconds)} ago`;
}

/** A limit or an interval, exactly: `26 h`, `1 day`, `90 min`, `45 s`. */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= DAY && s % DAY === 0) return s === DAY ? '1 day' : `${s / DAY} days`;
  if (s >= HOUR && s % HOUR === 0) return `${s / HOUR} h`;
  if (s >= MINUTE && s % MINUTE === 0) return `${s / MINUTE} min`;
  return `${s} s`;
}

/** How often, for a schedule: `daily`, `hourly`, `every 6 h`. */
export function formatEvery(seconds: number): string {
  if (seconds === DAY) return 'daily';
  if (seconds === HOUR) return 'hourly';
  return `every ${formatSpan(seconds)}`;
}
