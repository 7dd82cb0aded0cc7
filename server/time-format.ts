// Times as people read them, said one way everywhere: durations in words (`3 h`, `26 h`, `daily`) for the
// pages, /status.json's sentences and `npm run status`; and, on pages, a moment as local time in the
// server's time zone with the zone named, how long ago it was on the app's clock, and the exact ISO 8601
// in a <time> element (datetime and hover title). Pages never show a bare ISO timestamp.

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** How long, rounded down to the largest unit that reads well: `45 s`, `12 min`, `3 h`, `30 h`, `4 days`. */
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

/** `at` relative to `now` (both ms since the epoch): `just now`, `3 h ago`, `in 2 days`. */
export function formatRelative(atMs: number, nowMs: number): string {
  const seconds = (nowMs - atMs) / 1000;
  if (seconds >= 0) return formatAgo(seconds);
  return -seconds < MINUTE ? 'in under a minute' : `in ${formatAge(-seconds)}`;
}

/** An ISO 8601 date-time with a zone, as the app writes them (Date#toISOString) and Snowflake answers them. */
const ISO_IN_TEXT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export interface TimeFormat {
  /** The server's time zone (IANA name), as the local times are given in. */
  readonly timeZone: string;
  /** Local time with the zone: `1 Dec 2026, 17:44 UTC`. An unreadable time is returned as given. */
  local(at: string | Date): string;
  /** Against the app's clock: `3 min ago`, `just now`, `in 2 days`. */
  relative(at: string | Date): string;
  /**
   * HTML: `<time datetime="ISO" title="ISO">local</time>`, followed by ` (3 min ago)` unless
   * `relative: false`.
   */
  html(at: string | Date, opts?: { relative?: boolean }): string;
  /** HTML: `s` escaped, with every ISO 8601 time in it shown as html() does. For sentences that name times. */
  text(s: string | null | undefined): string;
}

/**
 * The pages' time helper. `now` is the app's clock (ms since the epoch); `timeZone` defaults to the
 * server's (TZ, or the system's).
 */
export function timeFormat(now: () => number, timeZone?: string): TimeFormat {
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const parse = (at: string | Date): Date | undefined => {
    const d = at instanceof Date ? at : new Date(at);
    return Number.isNaN(d.getTime()) ? undefined : d;
  };
  const local = (at: string | Date) => {
    const d = parse(at);
    return d ? fmt.format(d) : String(at);
  };
  const relative = (at: string | Date) => {
    const d = parse(at);
    return d ? formatRelative(d.getTime(), now()) : '';
  };
  const html = (at: string | Date, opts: { relative?: boolean } = {}) => {
    const d = parse(at);
    if (!d) return escapeHtml(String(at));
    const iso = d.toISOString();
    const rel =
      opts.relative === false ? '' : ` <span class="ago">(${formatRelative(d.getTime(), now())})</span>`;
    return `<time datetime="${iso}" title="${iso}">${escapeHtml(fmt.format(d))}</time>${rel}`;
  };
  return {
    timeZone: zone,
    local,
    relative,
    html,
    text: (s) => escapeHtml(s ?? '').replace(ISO_IN_TEXT, (m) => html(m)),
  };
}
