// SCHEDULE strings: cron expressions as CREATE TASK documents them (fields, L, nL, /n, names, both day
// fields OR-ed), time zones, and intervals counted from their base.
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../../../sandbox/snowflake/contract.js';
import { nextDue, parseSchedule } from '../../../../sandbox/snowflake/tasks/schedule.js';

const at = (iso: string) => Date.parse(iso);
const next = (schedule: string, after: string, base: string | null = null) => {
  const t = nextDue(parseSchedule(schedule), at(after), base === null ? null : at(base));
  return t === null ? null : new Date(t).toISOString();
};
/** The first `n` due times after `after`. */
const series = (schedule: string, after: string, n: number) => {
  const s = parseSchedule(schedule);
  const out: string[] = [];
  let t: number | null = at(after);
  while (out.length < n && t !== null) {
    t = nextDue(s, t, null);
    if (t !== null) out.push(new Date(t).toISOString().slice(0, 16));
  }
  return out;
};

describe('cron schedules', () => {
  it('runs daily at the given time, strictly after the moment asked about', () => {
    expect(next('USING CRON 0 7 * * * UTC', '2026-11-28T06:00:00Z')).toBe('2026-11-28T07:00:00.000Z');
    // resumed during the matching minute: the next occurrence, as Snowflake documents
    expect(next('USING CRON 0 7 * * * UTC', '2026-11-28T07:00:05Z')).toBe('2026-11-29T07:00:00.000Z');
    expect(next('USING CRON 0 7 * * * UTC', '2026-11-28T07:00:00Z')).toBe('2026-11-29T07:00:00.000Z');
  });

  it('takes lists, ranges, steps and names', () => {
    expect(series('USING CRON 0/20 6,18 * * * UTC', '2026-11-28T05:00:00Z', 4)).toEqual([
      '2026-11-28T06:00',
      '2026-11-28T06:20',
      '2026-11-28T06:40',
      '2026-11-28T18:00',
    ]);
    expect(series('USING CRON 0 3 * * MON-FRI UTC', '2026-11-27T04:00:00Z', 2)).toEqual([
      '2026-11-30T03:00', // 27 Nov 2026 is a Friday: the next weekday is Monday
      '2026-12-01T03:00',
    ]);
    expect(series('USING CRON 30 1 1 JAN,JUL * UTC', '2026-11-28T00:00:00Z', 2)).toEqual([
      '2027-01-01T01:30',
      '2027-07-01T01:30',
    ]);
  });

  it('knows the last day of the month, and the last given weekday', () => {
    expect(series('USING CRON 0 0 L * * UTC', '2027-01-15T00:00:00Z', 3)).toEqual([
      '2027-01-31T00:00',
      '2027-02-28T00:00',
      '2027-03-31T00:00',
    ]);
    expect(series('USING CRON 0 12 * * 5L UTC', '2026-11-01T00:00:00Z', 2)).toEqual([
      '2026-11-27T12:00', // the last Friday of November 2026
      '2026-12-25T12:00',
    ]);
  });

  it('runs on days matching either day field when both are given', () => {
    expect(series('USING CRON 0 0 10 * TUE UTC', '2026-11-30T00:00:00Z', 3)).toEqual([
      '2026-12-01T00:00', // Tuesday
      '2026-12-08T00:00', // Tuesday
      '2026-12-10T00:00', // the 10th, a Thursday
    ]);
  });

  it('reads the time in its zone', () => {
    // 07:00 in Los Angeles is 15:00 UTC in winter (PST) and 14:00 UTC in summer (PDT)
    expect(next('USING CRON 0 7 * * * America/Los_Angeles', '2026-11-28T00:00:00Z')).toBe(
      '2026-11-28T15:00:00.000Z',
    );
    expect(next('USING CRON 0 7 * * * America/Los_Angeles', '2026-07-01T00:00:00Z')).toBe(
      '2026-07-01T14:00:00.000Z',
    );
    expect(next('USING CRON 0 7 * * * Etc/GMT-2', '2026-11-28T00:00:00Z')).toBe('2026-11-28T05:00:00.000Z');
  });

  it('never runs a date that does not exist', () => {
    expect(next('USING CRON 0 0 30 2 * UTC', '2026-01-01T00:00:00Z')).toBeNull();
  });

  it.each([
    ['USING CRON 0 7 * * UTC', "expected 'USING CRON <minute> <hour> <day> <month> <weekday> <time_zone>'"],
    ['USING CRON 60 7 * * * UTC', "'60' is not a valid minute (0-59)"],
    ['USING CRON 0 7 * * 7 UTC', "'7' is not a valid day of week (0-6)"],
    ['USING CRON 0 7 * FOO * UTC', "'FOO' is not a valid month (1-12)"],
    ['USING CRON 0 7 5-1 * * UTC', "'5-1' is an empty range"],
    ['USING CRON */0 7 * * * UTC', 'has an invalid step'],
    ['USING CRON 0 7 * * * Nowhere/Town', "unknown time zone 'Nowhere/Town'"],
  ])('refuses %s', (schedule, why) => {
    let error: unknown;
    try {
      parseSchedule(schedule);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SqlError);
    expect((error as SqlError).message).toContain(`invalid value [${schedule}] for parameter 'SCHEDULE'`);
    expect((error as SqlError).message).toContain(why);
  });
});

describe('interval schedules', () => {
  it('runs every interval from its base (the resume time)', () => {
    expect(next('10 MINUTES', '2026-11-28T09:03:00Z', '2026-11-28T09:03:00Z')).toBe(
      '2026-11-28T09:13:00.000Z',
    );
    expect(next('10 MINUTES', '2026-11-28T09:13:00Z', '2026-11-28T09:03:00Z')).toBe(
      '2026-11-28T09:23:00.000Z',
    );
    expect(next('10 MINUTES', '2026-11-28T09:30:00Z', '2026-11-28T09:03:00Z')).toBe(
      '2026-11-28T09:33:00.000Z',
    );
  });

  it('takes HOURS, MINUTE, SECONDS, H, M and S within the documented bounds', () => {
    expect(parseSchedule('2 HOURS')).toMatchObject({ kind: 'interval', ms: 7_200_000 });
    expect(parseSchedule('1 MINUTE')).toMatchObject({ ms: 60_000 });
    expect(parseSchedule('60 M')).toMatchObject({ ms: 3_600_000 });
    expect(parseSchedule('10 SECONDS')).toMatchObject({ ms: 10_000 });
    expect(() => parseSchedule('5 SECONDS')).toThrow('the interval must be 10 to 691200');
    expect(() => parseSchedule('193 HOURS')).toThrow('the interval must be 1 to 192');
    expect(() => parseSchedule('5 DAYS')).toThrow("expected 'USING CRON <expr> <time_zone>'");
  });
});
