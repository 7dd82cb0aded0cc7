import type { Response } from 'express';
import type { OAuthBehaviour } from './behaviour.js';
import type { DataTypeId, SyntheticHealth } from './daily-data.js';
import { badRequest, decodePageToken, encodePageToken, isObject, type Problem } from './health-errors.js';
import { type CivilDate, fromEpochDay, toEpochDay, validCivilDate } from './steps.js';
import { sha256hex } from './tokens.js';
import type { SandboxUser } from './types.js';

// POST /v4/users/{user}/dataTypes/{dataType}/dataPoints:dailyRollUp for the data types the app lands.
//
// Confirmed in Google's reference (developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/
// dailyRollUp and the DailyRollupDataPoint value types):
// - the body: range (a closed-open CivilTimeInterval aligned with the window), windowSizeDays (default 1),
//   pageSize (default 1440, at most 10000: larger values are truncated), pageToken (every other field
//   unchanged), dataSourceFamily (all-sources, google-wearables, google-sources);
// - "The maximum range for calories-in-heart-rate-zone, heart-rate, active-minutes and total-calories is 14
//   days. The maximum range for all other data types is 90 days." So total-calories: 14; steps, distance and
//   active-zone-minutes (not in that list; active-minutes is another data type): 90;
// - the answer: {"rollupDataPoints":[{civilStartTime, civilEndTime, <value>}], "nextPageToken"}, with the
//   value per data type: steps {countSum: int64}, distance {millimetersSum: int64}, totalCalories
//   {kcalSum: double}, activeZoneMinutes {sumInFatBurnHeartZone, sumInCardioHeartZone, sumInPeakHeartZone:
//   int64}. int64 values are JSON strings (proto3 JSON), doubles numbers.
// Not confirmed, chosen cautiously:
// - what a window without data looks like: a point with no value (the reference: "values for each
//   aggregation time window"), or no point: the rollupEmptyWindows switch (behaviour.ts);
// - the wording of the errors (a range over the limit, a data type without dailyRollUp): Google's
//   INVALID_ARGUMENT envelope with our own words;
// - whether a data type without a daily rollup (sleep) is 400 or 404: 400 INVALID_ARGUMENT here.

const DEFAULT_PAGE_SIZE = 1440;
const MAX_PAGE_SIZE = 10_000;

interface RollupSpec {
  /** The longest range the reference allows for this data type, in days. */
  maxDays: number;
  /** The rolled-up value of the days [from, to) (epoch days), or undefined when none of them has data. */
  value(h: SyntheticHealth, user: SandboxUser, from: number, to: number): Record<string, unknown> | undefined;
}

/** Sums a number per day over [from, to); undefined when no day has one. */
function sum(from: number, to: number, day: (d: CivilDate) => number | undefined): number | undefined {
  let total: number | undefined;
  for (let d = from; d < to; d++) {
    const v = day(fromEpochDay(d));
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

export const ROLLUPS: Partial<Record<DataTypeId, RollupSpec>> = {
  steps: {
    maxDays: 90,
    value: (h, u, from, to) => {
      const n = sum(from, to, (d) => h.steps(u, d));
      return n === undefined ? undefined : { steps: { countSum: String(n) } };
    },
  },
  distance: {
    maxDays: 90,
    value: (h, u, from, to) => {
      const mm = sum(from, to, (d) => h.distanceMm(u, d));
      return mm === undefined ? undefined : { distance: { millimetersSum: String(mm) } };
    },
  },
  'total-calories': {
    maxDays: 14,
    value: (h, u, from, to) => {
      const kcal = sum(from, to, (d) => h.totalKcal(u, d));
      return kcal === undefined ? undefined : { totalCalories: { kcalSum: Math.round(kcal * 100) / 100 } };
    },
  },
  'active-zone-minutes': {
    maxDays: 90,
    value: (h, u, from, to) => {
      const zones = [] as NonNullable<ReturnType<SyntheticHealth['zoneMinutes']>>[];
      for (let d = from; d < to; d++) {
        const z = h.zoneMinutes(u, fromEpochDay(d));
        if (z) zones.push(z);
      }
      if (zones.length === 0) return undefined;
      const total = (k: 'fatBurn' | 'cardio' | 'peak') => String(zones.reduce((s, z) => s + z[k], 0));
      return {
        activeZoneMinutes: {
          sumInFatBurnHeartZone: total('fatBurn'),
          sumInCardioHeartZone: total('cardio'),
          sumInPeakHeartZone: total('peak'),
        },
      };
    },
  },
};

/** Data types the real API has but does not roll up daily (the data types table lists no dailyRollup). */
export const NO_DAILY_ROLLUP: readonly string[] = ['sleep'];

export interface RollUpRequest {
  start: CivilDate;
  end: CivilDate;
  windowSizeDays: number;
  pageSize: number;
  pageToken: string | undefined;
  dataSourceFamily: string;
}

const KNOWN: Record<string, string[]> = {
  '': ['range', 'windowSizeDays', 'pageSize', 'pageToken', 'dataSourceFamily'],
  range: ['start', 'end'],
  'range.start': ['date', 'time'],
  'range.end': ['date', 'time'],
  'range.start.date': ['year', 'month', 'day'],
  'range.end.date': ['year', 'month', 'day'],
  'range.start.time': ['hours', 'minutes', 'seconds', 'nanos'],
  'range.end.time': ['hours', 'minutes', 'seconds', 'nanos'],
};

export const FAMILIES = ['all-sources', 'google-wearables', 'google-sources'].map(
  (f) => `users/me/dataSourceFamilies/${f}`,
);

/** Proto3 JSON: unknown fields are an error; int32 accepts a number or a numeric string. */
function checkFields(v: unknown, path: string): Problem | undefined {
  if (!isObject(v))
    return {
      field: path || 'body',
      message: `Invalid JSON payload received. Expected an object at '${path}'.`,
    };
  for (const key of Object.keys(v)) {
    if (!KNOWN[path]?.includes(key)) {
      const at = path ? ` at '${path}'` : '';
      return {
        field: path ? `${path}.${key}` : key,
        message: `Invalid JSON payload received. Unknown name "${key}"${at}: Cannot find field.`,
      };
    }
    const child = path ? `${path}.${key}` : key;
    if (KNOWN[child] && v[key] !== undefined) {
      const p = checkFields(v[key], child);
      if (p) return p;
    }
  }
  return undefined;
}

export function int(v: unknown, path: string): number | Problem {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  return { field: path, message: `Invalid value at '${path}' (TYPE_INT32), ${JSON.stringify(v)}` };
}

function civil(v: Record<string, unknown>, path: string): CivilDate | Problem {
  const dt = v[path.split('.').pop() as string];
  if (!isObject(dt) || !isObject(dt.date))
    return { field: `${path}.date`, message: `${path}.date is required.` };
  const date = dt.date;
  const parts: number[] = [];
  for (const k of ['year', 'month', 'day']) {
    const n = int(date[k] ?? 0, `${path}.date.${k}`);
    if (typeof n !== 'number') return n;
    parts.push(n);
  }
  const d = { year: parts[0] ?? 0, month: parts[1] ?? 0, day: parts[2] ?? 0 };
  if (!validCivilDate(d))
    return { field: `${path}.date`, message: `${path}.date is not a valid calendar date.` };
  if (isObject(dt.time)) {
    for (const k of ['hours', 'minutes', 'seconds', 'nanos']) {
      const n = int(dt.time[k] ?? 0, `${path}.time.${k}`);
      if (typeof n !== 'number') return n;
      if (n !== 0)
        return {
          field: `${path}.time`,
          message: `${path} must be aligned with the aggregation window (midnight).`,
        };
    }
  }
  return d;
}

export function parseRollUp(dataType: string, maxDays: number, body: unknown): RollUpRequest | Problem {
  const b = body === undefined ? {} : body;
  const unknown = checkFields(b, '');
  if (unknown) return unknown;
  const o = b as Record<string, unknown>;
  if (!isObject(o.range)) return { field: 'range', message: 'range is required.' };
  const start = civil(o.range, 'range.start');
  if ('field' in start) return start;
  const end = civil(o.range, 'range.end');
  if ('field' in end) return end;
  const days = toEpochDay(end) - toEpochDay(start);
  if (days <= 0) return { field: 'range', message: 'range.end must be after range.start.' };
  if (days > maxDays) {
    return {
      field: 'range',
      message: `The maximum range for ${dataType} is ${maxDays} days; got ${days} days.`,
    };
  }
  const windowSizeDays = int(o.windowSizeDays ?? 1, 'windowSizeDays');
  if (typeof windowSizeDays !== 'number') return windowSizeDays;
  if (windowSizeDays < 1) return { field: 'windowSizeDays', message: 'windowSizeDays must be positive.' };
  const pageSize = int(o.pageSize ?? 0, 'pageSize');
  if (typeof pageSize !== 'number') return pageSize;
  if (pageSize < 0) return { field: 'pageSize', message: 'pageSize must not be negative.' };
  const family = o.dataSourceFamily ?? FAMILIES[0];
  if (typeof family !== 'string' || !FAMILIES.includes(family)) {
    return { field: 'dataSourceFamily', message: `Unsupported dataSourceFamily: ${String(family)}` };
  }
  if (o.pageToken !== undefined && typeof o.pageToken !== 'string') {
    return { field: 'pageToken', message: 'pageToken must be a string.' };
  }
  return {
    start,
    end,
    windowSizeDays,
    pageSize: pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE),
    pageToken: o.pageToken || undefined,
    dataSourceFamily: family,
  };
}

export function rollUp(
  h: SyntheticHealth,
  behaviour: OAuthBehaviour,
  dataType: string,
  spec: RollupSpec,
  user: SandboxUser,
  q: RollUpRequest,
  res: Response,
) {
  // The page token binds to the query: Google requires every other field to be unchanged.
  const fingerprint = sha256hex(
    JSON.stringify([dataType, q.start, q.end, q.windowSizeDays, q.dataSourceFamily]),
  ).slice(0, 16);
  let offset = 0;
  if (q.pageToken) {
    const decoded = decodePageToken(q.pageToken);
    if (!decoded || decoded.f !== fingerprint)
      return badRequest(res, { field: 'pageToken', message: 'Invalid page token.' });
    offset = decoded.o;
  }
  const first = toEpochDay(q.start);
  const last = toEpochDay(q.end);
  const windows: Array<[number, number]> = [];
  for (let d = first; d < last; d += q.windowSizeDays)
    windows.push([d, Math.min(d + q.windowSizeDays, last)]);
  const page = windows.slice(offset, offset + q.pageSize);
  const rollupDataPoints = page.flatMap(([from, to]) => {
    const value = spec.value(h, user, from, to);
    if (value === undefined && behaviour.rollupEmptyWindows === 'omitted') return [];
    return [
      {
        civilStartTime: { date: fromEpochDay(from), time: {} },
        civilEndTime: { date: fromEpochDay(to), time: {} },
        ...value,
      },
    ];
  });
  const next = offset + page.length;
  const body: Record<string, unknown> = { rollupDataPoints };
  if (next < windows.length) body.nextPageToken = encodePageToken(next, fingerprint);
  res.json(body);
}
