// When a task runs next, from the SCHEDULE text SHOW TASKS answers ('USING CRON 0 7 * * * UTC'): SHOW TASKS has
// no next-run column, and TASK_HISTORY (which has one) needs a warehouse, which page loads never use. Five
// cron fields as CREATE TASK documents them (minute, hour, day of month with L, month with JAN-DEC, day of
// week 0-6 or SUN-SAT with nL; *, lists, ranges, /n steps; both day fields restricted: either matches) in a
// tz database time zone. An interval schedule ('60 MINUTES') counts from a base SHOW TASKS does not give:
// its next run is not known here. (The Snowflake stand-in has its own parser; the app may not import it.)

interface Cron {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  lastDay: boolean;
  months: Set<number>;
  weekdays: Set<number>;
  lastWeekdays: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One field's values, or undefined when it is not one the app can read. */
function field(text: string, min: number, max: number, names?: string[]): Set<number> | undefined {
  const num = (t: string) => {
    const i = names?.indexOf(t.toUpperCase()) ?? -1;
    const n = i >= 0 ? min + i : /^\d+$/.test(t) ? Number(t) : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) return undefined;
    let from = min;
    let to = max;
    if (range !== '*') {
      const [a, b] = range.split('-') as [string, string | undefined];
      const lo = num(a);
      const hi = b === undefined ? (stepText === undefined ? lo : max) : num(b);
      if (lo === undefined || hi === undefined || hi < lo) return undefined;
      [from, to] = [lo, hi];
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function parseCron(fields: string[]): Cron | undefined {
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const domItems = dom.split(',');
  const lastDay = domItems.some((x) => x.toUpperCase() === 'L');
  const dowItems = dow.split(',');
  const lastWeekdays = new Set<number>();
  const plainDow: string[] = [];
  for (const x of dowItems) {
    const m = /^(\w+)L$/i.exec(x);
    if (x.toUpperCase() === 'L') lastWeekdays.add(6);
    else if (m) {
      const d = [...(field(m[1]!, 0, 6, WEEKDAYS) ?? [])];
      if (d.length !== 1) return undefined;
      lastWeekdays.add(d[0]!);
    } else plainDow.push(x);
  }
  const plainDom = domItems.filter((x) => x.toUpperCase() !== 'L');
  const minutes = field(mi, 0, 59);
  const hours = field(h, 0, 23);
  const days = plainDom.length ? field(plainDom.join(','), 1, 31) : new Set<number>();
  const months = field(mon, 1, 12, MONTHS);
  const weekdays = plainDow.length ? field(plainDow.join(','), 0, 6, WEEKDAYS) : new Set<number>();
  if (!minutes || !hours || !days || !months || !weekdays) return undefined;
  return {
    minutes: [...minutes].sort((a, b) => a - b),
    hours: [...hours].sort((a, b) => a - b),
    days,
    lastDay,
    months,
    weekdays,
    lastWeekdays,
    dayRestricted: dom !== '*',
    weekdayRestricted: dow !== '*',
  };
}

/** How far a time zone's wall clock is ahead of UTC at an instant (ms); undefined for an unknown zone. */
function zoneOffset(name: string): ((instant: number) => number) | undefined {
  if (/^(UTC|GMT|Etc\/UTC|Etc\/GMT|Z)$/i.test(name)) return () => 0;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return (instant) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
    const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
    return wall - Math.floor(instant / 1000) * 1000;
  };
}

function dayMatches(c: Cron, y: number, m: number, d: number): boolean {
  if (!c.months.has(m + 1)) return false;
  const daysInMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const dow = new Date(Date.UTC(y, m, d)).getUTCDay();
  const byDay = c.days.has(d) || (c.lastDay && d === daysInMonth);
  const byWeekday = c.weekdays.has(dow) || (c.lastWeekdays.has(dow) && d + 7 > daysInMonth);
  if (c.dayRestricted && c.weekdayRestricted) return byDay || byWeekday;
  if (c.dayRestricted) return byDay;
  if (c.weekdayRestricted) return byWeekday;
  return true;
}

const DAY_MS = 86_400_000;
/** A schedule that matches nothing for this long (30 February) never runs. */
const HORIZON_DAYS = 5 * 366;

export type NextRun =
  | { kind: 'at'; at: Date }
  /** An interval schedule, or one that matches no day for five years. */
  | { kind: 'unknown'; why: string }
  | { kind: 'unreadable'; why: string };

/** The first run strictly after `after` that the SCHEDULE text gives. */
export function nextRun(schedule: string, after: Date): NextRun {
  const text = schedule.trim();
  const cron = /^USING\s+CRON\s+(.+)$/i.exec(text);
  if (!cron) {
    if (/^\d+\s*[A-Za-z]+$/.test(text))
      return { kind: 'unknown', why: `an interval (${text}) counts from when the task was resumed` };
    return { kind: 'unreadable', why: `a schedule the app cannot read (${text.slice(0, 60)})` };
  }
  const parts = cron[1]!.trim().split(/\s+/);
  const c = parts.length === 6 ? parseCron(parts.slice(0, 5)) : undefined;
  const offset = parts.length === 6 ? zoneOffset(parts[5]!) : undefined;
  if (!c || !offset)
    return { kind: 'unreadable', why: `a schedule the app cannot read (${text.slice(0, 60)})` };
  const afterMs = after.getTime();
  // Walk the zone's wall-clock days from the one `after` falls on; the first matching minute past `after` wins.
  const startWall = afterMs + offset(afterMs);
  const first = Math.floor(startWall / DAY_MS) * DAY_MS;
  for (let i = 0; i <= HORIZON_DAYS; i++) {
    const day = new Date(first + i * DAY_MS);
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
    if (!dayMatches(c, y, m, d)) continue;
    for (const h of c.hours)
      for (const mi of c.minutes) {
        const wall = Date.UTC(y, m, d, h, mi);
        // The instant whose wall time this is (the offset of that instant, found in two steps).
        const instant = wall - offset(wall - offset(wall));
        if (instant > afterMs) return { kind: 'at', at: new Date(instant) };
      }
  }
  return { kind: 'unknown', why: 'the schedule matches no day in the next five years' };
}
