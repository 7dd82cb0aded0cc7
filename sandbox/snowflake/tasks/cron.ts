// The cron side of a task's SCHEDULE = 'USING CRON <expr> <time_zone>', as CREATE TASK documents it: five
// fields (minute 0-59, hour 0-23, day of month 1-31 or L, month 1-12 or JAN-DEC, day of week 0-6 or
// SUN-SAT or nL), with *, lists, ranges and /n steps. When both day fields are restricted a day matching
// either runs (Snowflake's documented rule). Time zones are tz database names (Intl knows them); across a
// daylight-saving change the stand-in takes the offset of the moment found, which Snowflake documents as
// running twice or not at all: schedule outside 01:00-03:00 local, or in UTC, and the two agree.

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  /** Days of month; `lastDay` for L. */
  days: Set<number>;
  lastDay: boolean;
  months: Set<number>;
  /** Days of week (0 = Sunday); `lastWeekdays` for nL (the last such weekday of the month). */
  weekdays: Set<number>;
  lastWeekdays: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[]; // names[i] stands for min + i
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: WEEKDAYS },
];

export class CronError extends Error {}

function value(spec: FieldSpec, text: string): number {
  const i = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = i >= 0 ? spec.min + i : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
    throw new CronError(`'${text}' is not a valid ${spec.name} (${spec.min}-${spec.max})`);
  }
  return n;
}

/** One field's values; `last` collects the L forms of the two day fields. */
function field(spec: FieldSpec, text: string, last: Set<number> | null): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError(`empty item in the ${spec.name} field`);
    if (last && spec.name === 'day of month' && item.toUpperCase() === 'L') {
      last.add(0);
      continue;
    }
    const lastOf = /^(\w+)L$/i.exec(item);
    if (last && spec.name === 'day of week' && (lastOf || item.toUpperCase() === 'L')) {
      last.add(lastOf ? value(spec, lastOf[1]!) : 6);
      continue;
    }
    const [range, stepText] = item.split('/') as [string, string | undefined];
    let from = spec.min;
    let to = spec.max;
    if (range !== '*') {
      const [a, b] = range.split('-') as [string, string | undefined];
      from = value(spec, a);
      // `a/n` runs from a to the end of the field; `a` alone is just a.
      to = b !== undefined ? value(spec, b) : stepText !== undefined ? spec.max : from;
      if (to < from) throw new CronError(`'${range}' is an empty range in the ${spec.name} field`);
    }
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) throw new CronError(`'${item}' has an invalid step in the ${spec.name} field`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses the five fields; throws CronError saying what is wrong. */
export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError(`a cron expression has 5 fields, not ${parts.length}`);
  const lastDay = new Set<number>();
  const lastWeekdays = new Set<number>();
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string];
  return {
    minutes: field(FIELDS[0]!, mi, null),
    hours: field(FIELDS[1]!, h, null),
    days: field(FIELDS[2]!, dom, lastDay),
    lastDay: lastDay.size > 0,
    months: field(FIELDS[3]!, mon, null),
    weekdays: field(FIELDS[4]!, dow, lastWeekdays),
    lastWeekdays,
    dayRestricted: dom !== '*',
    weekdayRestricted: dow !== '*',
  };
}

// ---- time zones --------------------------------------------------------------------------------

/** A time zone: how far its wall clock is ahead of UTC at an instant (ms). */
export interface Zone {
  name: string;
  offsetAt(instantMs: number): number;
}

/** A tz database name (or UTC); throws CronError for a name Intl does not know. */
export function zone(name: string): Zone {
  if (/^(UTC|GMT|Etc\/UTC|Etc\/GMT|Z)$/i.test(name)) return { name, offsetAt: () => 0 };
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
    throw new CronError(`unknown time zone '${name}'`);
  }
  return {
    name,
    offsetAt(instantMs) {
      const p = Object.fromEntries(fmt.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
      const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
      return wall - Math.floor(instantMs / 1000) * 1000;
    },
  };
}

// ---- the next run ------------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A schedule that matches nothing in this long (e.g. 30 February) never runs. */
const HORIZON = 5 * 366 * DAY;

function dayMatches(c: Cron, wall: Date): boolean {
  const y = wall.getUTCFullYear();
  const m = wall.getUTCMonth();
  const d = wall.getUTCDate();
  const dow = wall.getUTCDay();
  const daysInMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const byDay = c.days.has(d) || (c.lastDay && d === daysInMonth);
  const byWeekday = c.weekdays.has(dow) || (c.lastWeekdays.has(dow) && d + 7 > daysInMonth);
  if (c.dayRestricted && c.weekdayRestricted) return byDay || byWeekday;
  if (c.dayRestricted) return byDay;
  if (c.weekdayRestricted) return byWeekday;
  return true;
}

/** The instant whose wall time in `z` is `wall` (the offset of that instant, found in two steps). */
function instantOf(z: Zone, wall: number): number {
  const guess = wall - z.offsetAt(wall);
  return wall - z.offsetAt(guess);
}

/** The first matching minute strictly after `afterMs` (a task resumed during a matching minute waits for
 *  the next one, as Snowflake documents), or null if none comes within five years. */
export function nextCronTime(c: Cron, z: Zone, afterMs: number): number | null {
  let instant = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  const end = afterMs + HORIZON;
  while (instant <= end) {
    const wallMs = instant + z.offsetAt(instant);
    const wall = new Date(wallMs);
    let nextWall: number | null = null;
    if (!c.months.has(wall.getUTCMonth() + 1)) {
      nextWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + 1, 1);
    } else if (!dayMatches(c, wall)) {
      nextWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
    } else if (!c.hours.has(wall.getUTCHours())) {
      nextWall = Math.floor(wallMs / HOUR) * HOUR + HOUR;
    } else if (!c.minutes.has(wall.getUTCMinutes())) {
      nextWall = wallMs + MINUTE;
    } else return instant;
    // Always forward, even where a daylight-saving change folds the wall clock back.
    instant = Math.max(instantOf(z, nextWall), instant + MINUTE);
  }
  return null;
}
