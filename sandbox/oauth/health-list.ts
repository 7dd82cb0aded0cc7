import type { Request, Response } from 'express';
import { civilAt, type DataTypeId, type SleepSession, type SyntheticHealth } from './daily-data.js';
import { badRequest, decodePageToken, encodePageToken, type Problem } from './health-errors.js';
import { FAMILIES, int } from './health-rollup.js';
import { fromEpochDay, toEpochDay } from './steps.js';
import { sha256hex } from './tokens.js';
import type { SandboxUser } from './types.js';

// GET /v4/users/{user}/dataTypes/{dataType}/dataPoints for the data types the app lands that have no daily
// rollup of the daily value: daily-resting-heart-rate (a "Daily" record) and sleep (a "Session" record).
//
// Confirmed in Google's reference (users.dataTypes.dataPoints/list, ListDataPointsRequest.filter, the
// DataPoint resource and the filter guide at developers.google.com/health/filters):
// - query parameters filter (AIP-160), pageSize, pageToken, dataSourceFamily; the answer
//   {"dataPoints":[…], "nextPageToken"} ("empty if the response is complete");
// - pageSize: default 1440, at most 10000 (larger is truncated); for sleep (and exercise) default 25, at
//   most 25;
// - filter fields: `{daily_summary_data_type}.date` (>=, <, a YYYY-MM-DD literal, AND), for sleep only
//   `sleep.interval.end_time` (RFC 3339) and `sleep.interval.civil_end_time` (YYYY-MM-DD[THH:mm:ss]), with
//   AND and OR; the data type is snake_case in a filter, and a hyphen there is 400 INVALID_DATA_POINT_FILTER;
// - "Data points in the response will be ordered by the interval start time in descending order";
// - DailyRestingHeartRate {date: google.type.Date, beatsPerMinute: int64}; Sleep {interval:
//   SessionTimeInterval {startTime, startUtcOffset, endTime, endUtcOffset, civilStartTime, civilEndTime},
//   type, summary: SleepSummary {minutesInSleepPeriod, minutesAsleep, minutesAwake, minutesToFallAsleep,
//   minutesAfterWakeUp, stagesSummary: [{type, minutes, count}]}}, int64 values as strings; sleep data
//   points are identifiable (name users/{user}/dataTypes/sleep/dataPoints/{id}).
// Not confirmed, chosen cautiously:
// - any limit on the range a list filter may span (none is documented: none here; the app asks for
//   90-day windows anyway);
// - the enum spellings of Sleep.type (STAGES, CLASSIC) and of the stage types (AWAKE, LIGHT, DEEP, REM,
//   ASLEEP, RESTLESS): the reference names AWAKE, DEEP, REM and LIGHT, and ASLEEP and RESTLESS for classic
//   sleep; the rest is our guess;
// - the DataPoint's dataSource (its enum values are not spelled out): left out, as optional fields are;
// - OR in sleep filters: refused here (400), as nothing the app sends uses it;
// - the order of daily data points (no interval): by date, newest first, like sessions.

const DEFAULT_PAGE_SIZE = 1440;
const MAX_PAGE_SIZE = 10_000;
const SESSION_PAGE_SIZE = 25;

type Bound = { op: '>=' | '<'; value: number };

interface ListSpec {
  /** The snake_case name filters use. */
  filterName: string;
  defaultPageSize: number;
  maxPageSize: number;
  /** Filter members: what each literal must look like, and how it becomes a comparable number. */
  members: Record<string, (literal: string) => number | undefined>;
  /** The data points of one civil day, each with the number every member of the filter compares. */
  day(
    h: SyntheticHealth,
    user: SandboxUser,
    day: number,
  ): Array<{ keys: Record<string, number>; point: object }>;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CIVIL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/;

/** A civil date (and time) as minutes since 1970-01-01T00:00 civil. */
function civilMinutes(literal: string, timeAllowed: boolean): number | undefined {
  const m = (timeAllowed ? CIVIL : DATE).exec(literal);
  if (!m) return undefined;
  const [y, mo, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const ms = Date.UTC(y!, mo! - 1, d!, hh!, mm!, ss!);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || hh! > 23 || mm! > 59 || ss! > 59)
    return undefined;
  return ms / 60_000;
}

function physicalMinutes(literal: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(literal)) return undefined;
  const ms = Date.parse(literal);
  return Number.isNaN(ms) ? undefined : ms / 60_000;
}

const duration = (ms: number) => `${ms / 1000}s`;

function civilDateTime(ms: number, offsetMs: number) {
  const c = civilAt(ms, offsetMs);
  const time: Record<string, number> = {};
  // TimeOfDay in proto3 JSON: zero fields are left out.
  if (c.hours) time.hours = c.hours;
  if (c.minutes) time.minutes = c.minutes;
  return { date: { year: c.year, month: c.month, day: c.day }, time };
}

function sleepPoint(user: SandboxUser, s: SleepSession): object {
  return {
    name: `users/${user.healthUserId}/dataTypes/sleep/dataPoints/${s.id}`,
    sleep: {
      interval: {
        startTime: new Date(s.startMs).toISOString().replace('.000Z', 'Z'),
        startUtcOffset: duration(s.offsetMs),
        endTime: new Date(s.endMs).toISOString().replace('.000Z', 'Z'),
        endUtcOffset: duration(s.offsetMs),
        civilStartTime: civilDateTime(s.startMs, s.offsetMs),
        civilEndTime: civilDateTime(s.endMs, s.offsetMs),
      },
      type: s.type,
      summary: {
        minutesInSleepPeriod: String(s.minutesInSleepPeriod),
        minutesAfterWakeUp: '0',
        minutesToFallAsleep: '0',
        minutesAsleep: String(s.minutesAsleep),
        minutesAwake: String(s.minutesAwake),
        stagesSummary: s.stages.map((st) => ({
          type: st.type,
          minutes: String(st.minutes),
          count: String(st.count),
        })),
      },
    },
  };
}

export const LISTS: Partial<Record<DataTypeId, ListSpec>> = {
  'daily-resting-heart-rate': {
    filterName: 'daily_resting_heart_rate',
    defaultPageSize: DEFAULT_PAGE_SIZE,
    maxPageSize: MAX_PAGE_SIZE,
    members: { date: (l) => civilMinutes(l, false) },
    day: (h, user, d) => {
      const date = fromEpochDay(d);
      const bpm = h.restingBpm(user, date);
      if (bpm === undefined) return [];
      return [
        {
          keys: { date: d * 1440 },
          point: { dailyRestingHeartRate: { date, beatsPerMinute: String(bpm) } },
        },
      ];
    },
  },
  sleep: {
    filterName: 'sleep',
    defaultPageSize: SESSION_PAGE_SIZE,
    maxPageSize: SESSION_PAGE_SIZE,
    members: {
      'interval.civil_end_time': (l) => civilMinutes(l, true),
      'interval.end_time': physicalMinutes,
    },
    day: (h, user, d) =>
      h
        .sleepSessions(user, fromEpochDay(d))
        .sort((a, b) => b.startMs - a.startMs)
        .map((s) => ({
          keys: {
            'interval.civil_end_time': (s.endMs + s.offsetMs) / 60_000,
            'interval.end_time': s.endMs / 60_000,
          },
          point: sleepPoint(user, s),
        })),
  },
};

interface Filter {
  /** member → its bounds */
  bounds: Array<{ member: string; bound: Bound }>;
}

const FILTER_ERROR = 'INVALID_DATA_POINT_FILTER';

function parseFilter(spec: ListSpec, text: string | undefined): Filter | Problem {
  if (text === undefined || text.trim() === '') return { bounds: [] };
  const bad = (message: string): Problem => ({ field: 'filter', message, reason: FILTER_ERROR });
  if (/\bOR\b/.test(text)) return bad('The sandbox does not serve OR in filters.');
  const bounds: Filter['bounds'] = [];
  for (const clause of text.trim().split(/\s+AND\s+/)) {
    const m = /^([A-Za-z0-9_.-]+)\s*(>=|<|<=|>|=|!=)\s*"([^"]*)"$/.exec(clause.trim());
    if (!m) return bad(`Invalid filter: ${clause.trim().slice(0, 80)}`);
    const [, field, op, literal] = m as unknown as [string, string, string, string];
    if (field.includes('-')) {
      return bad(`Invalid filter field ${field}: data types are written with underscores in filters.`);
    }
    const dot = field.indexOf('.');
    const type = field.slice(0, dot);
    const member = field.slice(dot + 1);
    if (dot < 0 || type !== spec.filterName || !spec.members[member]) {
      return bad(
        `Invalid filter field ${field}: use ${Object.keys(spec.members)
          .map((k) => `${spec.filterName}.${k}`)
          .join(' or ')}.`,
      );
    }
    if (op !== '>=' && op !== '<') return bad(`Unsupported operator ${op} for ${field}: use >= or <.`);
    const value = spec.members[member]!(literal);
    if (value === undefined) return bad(`Invalid value "${literal.slice(0, 40)}" for ${field}.`);
    bounds.push({ member, bound: { op, value } });
  }
  return { bounds };
}

const QUERY_FIELDS = ['filter', 'pageSize', 'pageToken', 'dataSourceFamily'];

/** The list endpoint: query, filter, order, pages. The caller has authenticated and authorized. */
export function listDataPoints(
  h: SyntheticHealth,
  nowMs: number,
  dataType: DataTypeId,
  spec: ListSpec,
  user: SandboxUser,
  req: Request,
  res: Response,
) {
  for (const key of Object.keys(req.query)) {
    if (!QUERY_FIELDS.includes(key)) {
      return badRequest(res, {
        field: key,
        message: `Invalid JSON payload received. Unknown name "${key.slice(0, 40)}": Cannot bind query parameter. Field '${key.slice(0, 40)}' could not be found in request message.`,
      });
    }
  }
  const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
  for (const key of QUERY_FIELDS) {
    if (req.query[key] !== undefined && q(key) === undefined) {
      return badRequest(res, { field: key, message: `${key} must be given once.` });
    }
  }
  const filter = parseFilter(spec, q('filter'));
  if ('field' in filter) return badRequest(res, filter);
  const size = int(q('pageSize') ?? 0, 'pageSize');
  if (typeof size !== 'number') return badRequest(res, size);
  if (size < 0) return badRequest(res, { field: 'pageSize', message: 'pageSize must not be negative.' });
  const pageSize = size === 0 ? spec.defaultPageSize : Math.min(size, spec.maxPageSize);
  const family = q('dataSourceFamily') ?? FAMILIES[0]!;
  if (!FAMILIES.includes(family)) {
    return badRequest(res, { field: 'dataSourceFamily', message: `Unsupported dataSourceFamily: ${family}` });
  }
  const fingerprint = sha256hex(JSON.stringify([dataType, filter.bounds, family])).slice(0, 16);
  let offset = 0;
  const token = q('pageToken');
  if (token) {
    const decoded = decodePageToken(token);
    if (!decoded || decoded.f !== fingerprint)
      return badRequest(res, { field: 'pageToken', message: 'Invalid page token.' });
    offset = decoded.o;
  }

  // The days that can hold a match: the user's whole span, narrowed by the bounds (a session ends at most a
  // day after the civil day it is listed under, and the offset moves a physical bound by less than a day).
  let first = toEpochDay(user.membershipStartDate);
  let last = toEpochDay({ year: 9999, month: 12, day: 31 });
  for (const { bound } of filter.bounds) {
    const day = Math.floor(bound.value / 1440);
    if (bound.op === '>=') first = Math.max(first, day - 1);
    else last = Math.min(last, day + 1);
  }
  // Data stops at the user's today (a day past the UTC one covers every offset).
  last = Math.min(last, Math.floor(nowMs / 86_400_000) + 1);
  const matches: object[] = [];
  // Newest first, as the reference says the answer is ordered.
  for (let d = last; d >= first; d--) {
    for (const { keys, point } of spec.day(h, user, d)) {
      const ok = filter.bounds.every(({ member, bound }) => {
        const v = keys[member]!;
        return bound.op === '>=' ? v >= bound.value : v < bound.value;
      });
      if (ok) matches.push(point);
    }
  }
  const page = matches.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = { dataPoints: page };
  if (offset + page.length < matches.length)
    body.nextPageToken = encodePageToken(offset + page.length, fingerprint);
  res.json(body);
}
