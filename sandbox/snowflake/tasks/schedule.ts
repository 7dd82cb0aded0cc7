// A task's SCHEDULE: 'USING CRON <expr> <time_zone>' or '<num> { HOURS | MINUTES | SECONDS }' (also
// HOUR, MINUTE, SECOND, H, M, S), with CREATE TASK's documented bounds: 10-691200 seconds, 1-11520 minutes,
// 1-192 hours. An interval counts from the base Snowflake sets when the task is resumed or its schedule set.
import { compileError } from '../context.js';
import type { SqlError } from '../contract.js';
import { type Cron, CronError, nextCronTime, parseCron, type Zone, zone } from './cron.js';

export type Schedule =
  | { kind: 'cron'; text: string; cron: Cron; zone: Zone }
  | { kind: 'interval'; text: string; ms: number };

const UNITS: { re: RegExp; ms: number; min: number; max: number }[] = [
  { re: /^(SECONDS?|S)$/i, ms: 1000, min: 10, max: 691_200 },
  { re: /^(MINUTES?|M)$/i, ms: 60_000, min: 1, max: 11_520 },
  { re: /^(HOURS?|H)$/i, ms: 3_600_000, min: 1, max: 192 },
];

function invalid(text: string, why: string): SqlError {
  // Snowflake's wording for a bad schedule is not documented; the stand-in says what is wrong.
  return compileError(`invalid value [${text}] for parameter 'SCHEDULE': ${why}`, '002029', '42601');
}

/** Parses the SCHEDULE string; a compilation error says what is wrong with it. */
export function parseSchedule(text: string): Schedule {
  const t = text.trim();
  const cron = /^USING\s+CRON\s+(.+)$/i.exec(t);
  if (cron) {
    const parts = cron[1]!.trim().split(/\s+/);
    if (parts.length !== 6) {
      throw invalid(text, "expected 'USING CRON <minute> <hour> <day> <month> <weekday> <time_zone>'");
    }
    try {
      return { kind: 'cron', text: t, cron: parseCron(parts.slice(0, 5).join(' ')), zone: zone(parts[5]!) };
    } catch (e) {
      if (e instanceof CronError) throw invalid(text, e.message);
      throw e;
    }
  }
  const m = /^(\d+)\s*([A-Za-z]+)$/.exec(t);
  const unit = m ? UNITS.find((u) => u.re.test(m[2]!)) : undefined;
  if (!m || !unit) {
    throw invalid(text, "expected 'USING CRON <expr> <time_zone>' or '<num> { HOURS | MINUTES | SECONDS }'");
  }
  const n = Number(m[1]);
  if (n < unit.min || n > unit.max) throw invalid(text, `the interval must be ${unit.min} to ${unit.max}`);
  return { kind: 'interval', text: t, ms: n * unit.ms };
}

/** The first due time strictly after `after`; an interval runs at base + k·interval, k ≥ 1. */
export function nextDue(s: Schedule, after: number, base: number | null): number | null {
  if (s.kind === 'cron') return nextCronTime(s.cron, s.zone, after);
  if (base === null) return after + s.ms;
  return base + Math.max(1, Math.floor((after - base) / s.ms) + 1) * s.ms;
}
