// The Health API stand-in's data types beyond steps: each one's request and answer shapes, the scope it is
// read under, its range limit, its pages, the per-user quota, days without data, and late syncs.
import type * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { ACTIVITY, api, connect, control, G, googleConfig, googleParams, SLEEP } from './helpers.js';

const HEALTH_METRICS = `${G}health_metrics_and_measurements.readonly`;
const ALL = [ACTIVITY, HEALTH_METRICS, SLEEP];

let sb: OAuthSandbox;
let config: client.Configuration;

beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  config = await googleConfig(sb);
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await control(sb, '/sandbox/reset');
});

async function token(scopes: string[] = ALL, user = 'alice'): Promise<string> {
  return (await connect(config, googleParams(scopes), { user })).tokens.access_token;
}

type Civil = { year: number; month: number; day: number };
const day = (iso: string): Civil => {
  const [year, month, d] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day: d };
};
const addDays = (iso: string, n: number) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
const rollupPath = (dataType: string) => `/v4/users/me/dataTypes/${dataType}/dataPoints:dailyRollUp`;
const rollupBody = (from: string, to: string, extra: Record<string, unknown> = {}) => ({
  range: { start: { date: day(from) }, end: { date: day(to) } },
  ...extra,
});
const listPath = (dataType: string, params: Record<string, string>) =>
  `/v4/users/me/dataTypes/${dataType}/dataPoints?${new URLSearchParams(params)}`;

interface RollupPoint {
  civilStartTime: { date: Civil };
  civilEndTime: { date: Civil };
  [value: string]: unknown;
}
const points = (json: Record<string, unknown>) => json.rollupDataPoints as RollupPoint[];
const errorOf = (json: Record<string, unknown>) =>
  json.error as { code: number; status: string; message: string; details?: Array<{ reason?: string }> };

const ROLLUPS = [
  {
    dataType: 'distance',
    field: 'distance',
    maxDays: 90,
    check: (v: Record<string, unknown>) => {
      // int64 millimeters, as a string: 2,000-16,000 steps of 70-80 cm.
      expect(Object.keys(v)).toEqual(['millimetersSum']);
      expect(v.millimetersSum).toMatch(/^\d+$/);
      expect(Number(v.millimetersSum)).toBeGreaterThan(1_000_000);
      expect(Number(v.millimetersSum)).toBeLessThan(14_000_000);
    },
  },
  {
    dataType: 'total-calories',
    field: 'totalCalories',
    maxDays: 14,
    check: (v: Record<string, unknown>) => {
      // A double in kcal, as a JSON number.
      expect(Object.keys(v)).toEqual(['kcalSum']);
      expect(typeof v.kcalSum).toBe('number');
      expect(v.kcalSum as number).toBeGreaterThan(1400);
      expect(v.kcalSum as number).toBeLessThan(3000);
    },
  },
  {
    dataType: 'active-zone-minutes',
    field: 'activeZoneMinutes',
    maxDays: 90,
    check: (v: Record<string, unknown>) => {
      expect(Object.keys(v).sort()).toEqual([
        'sumInCardioHeartZone',
        'sumInFatBurnHeartZone',
        'sumInPeakHeartZone',
      ]);
      for (const n of Object.values(v)) expect(n).toMatch(/^\d+$/);
    },
  },
] as const;

describe.each(ROLLUPS)('Health API: dailyRollUp for $dataType', ({ dataType, field, maxDays, check }) => {
  it('answers one point a day with civil times and the value in its documented shape, the same every time', async () => {
    const t = await token();
    const body = rollupBody('2026-10-01', '2026-10-08');
    const a = await api(sb, rollupPath(dataType), t, body);
    expect(a.status).toBe(200);
    const pts = points(a.json);
    expect(pts).toHaveLength(7);
    pts.forEach((p, i) => {
      expect(p.civilStartTime.date).toEqual(day(addDays('2026-10-01', i)));
      expect(p.civilEndTime.date).toEqual(day(addDays('2026-10-01', i + 1)));
      if (p[field] !== undefined) check(p[field] as Record<string, unknown>);
    });
    expect(pts.some((p) => p[field] !== undefined)).toBe(true);
    expect(a.json.nextPageToken).toBeUndefined();
    expect((await api(sb, rollupPath(dataType), t, body)).json).toEqual(a.json);
    const bob = await api(sb, rollupPath(dataType), await token(ALL, 'bob'), body);
    expect(bob.json).not.toEqual(a.json);
  });

  it(`takes at most ${maxDays} days, closed-open`, async () => {
    const t = await token();
    const ok = await api(
      sb,
      rollupPath(dataType),
      t,
      rollupBody('2026-01-01', addDays('2026-01-01', maxDays)),
    );
    expect(ok.status).toBe(200);
    expect(points(ok.json)).toHaveLength(maxDays);
    const over = await api(
      sb,
      rollupPath(dataType),
      t,
      rollupBody('2026-01-01', addDays('2026-01-01', maxDays + 1)),
    );
    expect(over.status).toBe(400);
    expect(errorOf(over.json)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(errorOf(over.json).message).toContain(`maximum range for ${dataType} is ${maxDays} days`);
  });

  it('pages with pageSize and nextPageToken', async () => {
    const t = await token();
    const base = rollupBody('2026-06-01', addDays('2026-06-01', maxDays));
    const all = points((await api(sb, rollupPath(dataType), t, base)).json);
    const collected: RollupPoint[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const r = await api(sb, rollupPath(dataType), t, {
        ...base,
        pageSize: 5,
        ...(pageToken ? { pageToken } : {}),
      });
      expect(r.status).toBe(200);
      collected.push(...points(r.json));
      pageToken = r.json.nextPageToken as string | undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(Math.ceil(maxDays / 5));
    expect(collected).toEqual(all);
  });

  it('needs activity_and_fitness.readonly, and names it', async () => {
    const r = await api(
      sb,
      rollupPath(dataType),
      await token([SLEEP, HEALTH_METRICS]),
      rollupBody('2026-01-01', '2026-01-02'),
    );
    expect(r.status).toBe(403);
    expect(errorOf(r.json).details?.[0]?.reason).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    expect(r.headers.get('www-authenticate')).toContain(`scope="${ACTIVITY}"`);
  });
});

describe('Health API: days without data', () => {
  async function zoneRollup(t: string) {
    return points(
      (await api(sb, rollupPath('active-zone-minutes'), t, rollupBody('2026-07-01', '2026-09-29'))).json,
    );
  }

  it('a day the device was not worn is a point without a value (default) or no point (switch)', async () => {
    const t = await token();
    const withPoints = await zoneRollup(t);
    expect(withPoints).toHaveLength(90);
    const empty = withPoints.filter((p) => p.activeZoneMinutes === undefined);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.length).toBeLessThan(20);
    for (const p of empty) expect(Object.keys(p).sort()).toEqual(['civilEndTime', 'civilStartTime']);
    // Steps, distance and calories are counted every day all the same.
    const steps = points(
      (await api(sb, rollupPath('steps'), t, rollupBody('2026-07-01', '2026-09-29'))).json,
    );
    expect(steps.every((p) => p.steps !== undefined)).toBe(true);

    sb.setBehaviour({ rollupEmptyWindows: 'omitted' });
    const omitted = await zoneRollup(t);
    expect(omitted).toEqual(withPoints.filter((p) => p.activeZoneMinutes !== undefined));
  });

  it('has no data before the membership started or after today', async () => {
    const t = await token(ALL, 'bob'); // member since 2026-03-14
    const r = points((await api(sb, rollupPath('steps'), t, rollupBody('2026-03-10', '2026-03-18'))).json);
    expect(r.map((p) => p.steps !== undefined)).toEqual([false, false, false, false, true, true, true, true]);
    const clock = (await (await fetch(`${sb.url}/sandbox/clock`)).json()) as { now: string };
    const today = clock.now.slice(0, 10);
    const ahead = points((await api(sb, rollupPath('steps'), t, rollupBody(today, addDays(today, 3)))).json);
    expect(ahead[0]?.steps).toBeDefined();
    expect(ahead.slice(1).every((p) => p.steps === undefined)).toBe(true);
  });
});

interface RhrPoint {
  dailyRestingHeartRate: { date: Civil; beatsPerMinute: string };
}
interface SleepPoint {
  name: string;
  sleep: {
    interval: {
      startTime: string;
      endTime: string;
      startUtcOffset: string;
      endUtcOffset: string;
      civilStartTime: { date: Civil; time: Record<string, number> };
      civilEndTime: { date: Civil; time: Record<string, number> };
    };
    type: string;
    summary: {
      minutesInSleepPeriod: string;
      minutesAsleep: string;
      minutesAwake: string;
      stagesSummary: Array<{ type: string; minutes: string; count: string }>;
    };
  };
}

const rhrFilter = (from: string, to: string) =>
  `daily_resting_heart_rate.date >= "${from}" AND daily_resting_heart_rate.date < "${to}"`;
const sleepFilter = (from: string, to: string) =>
  `sleep.interval.civil_end_time >= "${from}" AND sleep.interval.civil_end_time < "${to}"`;

describe('Health API: list for daily-resting-heart-rate', () => {
  const rhr = (params: Record<string, string>) => listPath('daily-resting-heart-rate', params);

  it('answers each day with data, newest first, closed-open, bpm as an int64 string', async () => {
    const t = await token();
    const r = await api(sb, rhr({ filter: rhrFilter('2026-09-01', '2026-10-01') }), t);
    expect(r.status).toBe(200);
    const pts = r.json.dataPoints as RhrPoint[];
    expect(pts.length).toBeGreaterThan(20);
    expect(pts.length).toBeLessThan(30); // some days the device was not worn
    const isos = pts.map((p) => {
      const d = p.dailyRestingHeartRate.date;
      return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
    });
    expect(isos).toEqual([...isos].sort().reverse());
    expect(isos.every((d) => d >= '2026-09-01' && d < '2026-10-01')).toBe(true);
    for (const p of pts) {
      expect(Object.keys(p)).toEqual(['dailyRestingHeartRate']);
      expect(p.dailyRestingHeartRate.beatsPerMinute).toMatch(/^\d+$/);
      expect(Number(p.dailyRestingHeartRate.beatsPerMinute)).toBeGreaterThanOrEqual(54);
      expect(Number(p.dailyRestingHeartRate.beatsPerMinute)).toBeLessThan(68);
    }
    expect(r.json.nextPageToken).toBeUndefined();
    // Every day the zone-minutes rollup has a value has a resting heart rate too: both need the device.
    const zones = points(
      (await api(sb, rollupPath('active-zone-minutes'), t, rollupBody('2026-09-01', '2026-10-01'))).json,
    );
    expect(zones.filter((p) => p.activeZoneMinutes !== undefined)).toHaveLength(pts.length);
  });

  it('takes a year at once (no range limit is documented for list) and pages through it', async () => {
    const t = await token();
    const year = await api(sb, rhr({ filter: rhrFilter('2025-10-01', '2026-10-01') }), t);
    expect(year.status).toBe(200);
    const all = year.json.dataPoints as RhrPoint[];
    expect(all.length).toBeGreaterThan(300);
    const collected: RhrPoint[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const r = await api(
        sb,
        rhr({
          filter: rhrFilter('2025-10-01', '2026-10-01'),
          pageSize: '100',
          ...(pageToken ? { pageToken } : {}),
        }),
        t,
      );
      expect(r.status).toBe(200);
      collected.push(...(r.json.dataPoints as RhrPoint[]));
      pageToken = (r.json.nextPageToken as string | undefined) ?? '';
      pages++;
    } while (pageToken);
    expect(pages).toBe(Math.ceil(all.length / 100));
    expect(collected).toEqual(all);
    // A page token belongs to its query.
    const first = await api(sb, rhr({ filter: rhrFilter('2025-10-01', '2026-10-01'), pageSize: '100' }), t);
    const other = await api(
      sb,
      rhr({
        filter: rhrFilter('2025-10-02', '2026-10-01'),
        pageSize: '100',
        pageToken: first.json.nextPageToken as string,
      }),
      t,
    );
    expect(other.status).toBe(400);
  });

  it('needs health_metrics_and_measurements.readonly, and names it', async () => {
    const r = await api(
      sb,
      rhr({ filter: rhrFilter('2026-09-01', '2026-09-08') }),
      await token([ACTIVITY, SLEEP]),
    );
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toContain(`scope="${HEALTH_METRICS}"`);
  });

  const refusals: Array<[string, Record<string, string>, RegExp, string | undefined]> = [
    [
      'a hyphen in the filter',
      { filter: 'daily-resting-heart-rate.date >= "2026-09-01"' },
      /underscores/,
      'INVALID_DATA_POINT_FILTER',
    ],
    [
      'another member',
      { filter: 'daily_resting_heart_rate.interval.start_time >= "2026-09-01"' },
      /use daily_resting_heart_rate\.date/,
      'INVALID_DATA_POINT_FILTER',
    ],
    [
      'another data type',
      { filter: 'sleep.interval.civil_end_time >= "2026-09-01"' },
      /Invalid filter field/,
      'INVALID_DATA_POINT_FILTER',
    ],
    [
      'a date with a time',
      { filter: 'daily_resting_heart_rate.date >= "2026-09-01T00:00:00"' },
      /Invalid value/,
      'INVALID_DATA_POINT_FILTER',
    ],
    [
      '<=',
      { filter: 'daily_resting_heart_rate.date <= "2026-09-01"' },
      /use >= or </,
      'INVALID_DATA_POINT_FILTER',
    ],
    [
      'an unknown parameter',
      { filter: rhrFilter('2026-09-01', '2026-09-08'), from: '2026-09-01' },
      /Cannot bind query parameter/,
      undefined,
    ],
    ['a non-numeric pageSize', { pageSize: 'ten' }, /TYPE_INT32/, undefined],
  ];
  it.each(refusals)('refuses %s with 400 INVALID_ARGUMENT', async (_name, params, message, reason) => {
    const r = await api(sb, rhr(params), await token());
    expect(r.status).toBe(400);
    expect(errorOf(r.json)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(errorOf(r.json).message).toMatch(message);
    if (reason) expect(errorOf(r.json).details?.some((d) => d.reason === reason)).toBe(true);
  });
});

describe('Health API: list for sleep', () => {
  const sleep = (params: Record<string, string>) => listPath('sleep', params);

  it('answers sessions ending in the range, newest first, with their summary as int64 strings', async () => {
    const t = await token();
    const r = await api(sb, sleep({ filter: sleepFilter('2026-09-01', '2026-09-11') }), t);
    expect(r.status).toBe(200);
    const pts = r.json.dataPoints as SleepPoint[];
    expect(pts.length).toBeGreaterThan(5);
    const starts = pts.map((p) => p.sleep.interval.startTime);
    expect(starts).toEqual([...starts].sort().reverse());
    for (const p of pts) {
      expect(p.name).toMatch(/^users\/4815162342\/dataTypes\/sleep\/dataPoints\/\d+$/);
      const { interval, summary } = p.sleep;
      expect(interval.endTime > interval.startTime).toBe(true);
      expect(interval.startUtcOffset).toBe('3600s'); // alice lives in Berlin
      const end = interval.civilEndTime.date;
      expect(
        new Date(Date.UTC(end.year, end.month - 1, end.day)).toISOString().slice(0, 10) >= '2026-09-01',
      ).toBe(true);
      for (const v of [summary.minutesInSleepPeriod, summary.minutesAsleep, summary.minutesAwake])
        expect(v).toMatch(/^\d+$/);
      expect(Number(summary.minutesAsleep) + Number(summary.minutesAwake)).toBe(
        Number(summary.minutesInSleepPeriod),
      );
      const staged = summary.stagesSummary.filter((s) => ['LIGHT', 'DEEP', 'REM', 'ASLEEP'].includes(s.type));
      expect(staged.reduce((n, s) => n + Number(s.minutes), 0)).toBe(Number(summary.minutesAsleep));
    }
    // The physical end time filters the same sessions here (no session ends near midnight).
    const physical = await api(
      sb,
      sleep({
        filter:
          'sleep.interval.end_time >= "2026-08-31T23:00:00Z" AND sleep.interval.end_time < "2026-09-10T23:00:00Z"',
      }),
      t,
    );
    expect(physical.json.dataPoints).toEqual(pts);
  });

  it('pages 25 sessions at most, whatever pageSize asks', async () => {
    const t = await token();
    const filter = sleepFilter('2026-06-01', '2026-08-30'); // 90 days
    const collected: SleepPoint[] = [];
    let pageToken = '';
    const sizes: number[] = [];
    do {
      const r = await api(sb, sleep({ filter, pageSize: '100', ...(pageToken ? { pageToken } : {}) }), t);
      expect(r.status).toBe(200);
      sizes.push((r.json.dataPoints as SleepPoint[]).length);
      collected.push(...(r.json.dataPoints as SleepPoint[]));
      pageToken = (r.json.nextPageToken as string | undefined) ?? '';
    } while (pageToken);
    expect(sizes.slice(0, -1).every((n) => n === 25)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(collected.map((p) => p.name)).size).toBe(collected.length);
  });

  it('needs sleep.readonly, and names it; has no daily rollup', async () => {
    const r = await api(
      sb,
      sleep({ filter: sleepFilter('2026-09-01', '2026-09-08') }),
      await token([ACTIVITY, HEALTH_METRICS]),
    );
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toContain(`scope="${SLEEP}"`);
    const rollup = await api(sb, rollupPath('sleep'), await token(), rollupBody('2026-09-01', '2026-09-08'));
    expect(rollup.status).toBe(400);
    expect(errorOf(rollup.json).status).toBe('INVALID_ARGUMENT');
  });

  it('refuses a civil start time filter (sleep filters by its end) and a hyphenated type', async () => {
    const t = await token();
    for (const filter of [
      'sleep.interval.civil_start_time >= "2026-09-01"',
      'daily-sleep.interval.end_time >= "2026-09-01T00:00:00Z"',
    ]) {
      const r = await api(sb, sleep({ filter }), t);
      expect(r.status, filter).toBe(400);
      expect(errorOf(r.json).details?.some((d) => d.reason === 'INVALID_DATA_POINT_FILTER')).toBe(true);
    }
  });
});

describe('Health API: the per-user quota counts every endpoint', () => {
  it('answers 429 RESOURCE_EXHAUSTED on every endpoint once 300 requests were made in a minute', async () => {
    const t = await token();
    const clock = (await (await fetch(`${sb.url}/sandbox/clock`)).json()) as { now: string };
    await control(sb, `/sandbox/advance-clock?seconds=${60 - new Date(clock.now).getUTCSeconds()}`);
    const calls: Array<() => ReturnType<typeof api>> = [
      () => api(sb, rollupPath('steps'), t, rollupBody('2026-01-01', '2026-01-02')),
      () => api(sb, rollupPath('distance'), t, rollupBody('2026-01-01', '2026-01-02')),
      () => api(sb, rollupPath('total-calories'), t, rollupBody('2026-01-01', '2026-01-02')),
      () => api(sb, rollupPath('active-zone-minutes'), t, rollupBody('2026-01-01', '2026-01-02')),
      () =>
        api(sb, listPath('daily-resting-heart-rate', { filter: rhrFilter('2026-01-01', '2026-01-02') }), t),
      () => api(sb, listPath('sleep', { filter: sleepFilter('2026-01-01', '2026-01-02') }), t),
    ];
    for (let i = 0; i < 300; i++) {
      const r = await calls[i % calls.length]!();
      if (r.status !== 200) throw new Error(`request ${i} answered ${r.status}`);
    }
    for (const call of calls) {
      const limited = await call();
      expect(limited.status).toBe(429);
      expect(errorOf(limited.json)).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    await control(sb, '/sandbox/advance-clock?seconds=60');
    expect((await calls[5]!()).status).toBe(200);
  });
});

describe('POST /sandbox/late-sync', () => {
  async function lateSync(body: unknown) {
    const res = await control(sb, '/sandbox/late-sync', body);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it("changes a past day's value of each data type, as a device syncing days later would", async () => {
    const t = await token();
    const stepsOf = async () =>
      points((await api(sb, rollupPath('steps'), t, rollupBody('2026-10-10', '2026-10-11'))).json)[0]?.steps;
    const before = await stepsOf();
    expect((await lateSync({ user: 'alice', date: '2026-10-10', kind: 'steps', value: 12_345 })).status).toBe(
      200,
    );
    expect(await stepsOf()).toEqual({ countSum: '12345' });
    expect(before).not.toEqual({ countSum: '12345' });

    await lateSync({ user: 'alice', date: '2026-10-10', kind: 'distance', value: 8765.432 });
    await lateSync({ user: 'alice', date: '2026-10-10', kind: 'calories', value: 2500.5 });
    await lateSync({
      user: 'alice',
      date: '2026-10-10',
      kind: 'active_minutes',
      value: { fatBurn: 10, cardio: 5, peak: 1 },
    });
    await lateSync({ user: 'alice', date: '2026-10-10', kind: 'daily-resting-heart-rate', value: 71 });
    await lateSync({ user: 'alice', date: '2026-10-10', kind: 'sleep', value: 333 });
    const value = async (dataType: string, field: string) =>
      points((await api(sb, rollupPath(dataType), t, rollupBody('2026-10-10', '2026-10-11'))).json)[0]?.[
        field
      ];
    expect(await value('distance', 'distance')).toEqual({ millimetersSum: '8765432' });
    expect(await value('total-calories', 'totalCalories')).toEqual({ kcalSum: 2500.5 });
    expect(await value('active-zone-minutes', 'activeZoneMinutes')).toEqual({
      sumInFatBurnHeartZone: '10',
      sumInCardioHeartZone: '5',
      sumInPeakHeartZone: '1',
    });
    const rhr = await api(
      sb,
      listPath('daily-resting-heart-rate', { filter: rhrFilter('2026-10-10', '2026-10-11') }),
      t,
    );
    expect(rhr.json.dataPoints).toEqual([
      { dailyRestingHeartRate: { date: day('2026-10-10'), beatsPerMinute: '71' } },
    ]);
    const night = await api(sb, listPath('sleep', { filter: sleepFilter('2026-10-10', '2026-10-11') }), t);
    const sessions = night.json.dataPoints as SleepPoint[];
    expect(sessions.map((s) => s.sleep.summary.minutesAsleep)).toEqual(['333']);

    // null: the day has no data after all; a reset forgets every late sync.
    await lateSync({ user: 'alice', date: '2026-10-10', kind: 'resting_heart_rate', value: null });
    const none = await api(
      sb,
      listPath('daily-resting-heart-rate', { filter: rhrFilter('2026-10-10', '2026-10-11') }),
      t,
    );
    expect(none.json.dataPoints).toEqual([]);
    await control(sb, '/sandbox/reset');
    const t2 = await token();
    expect(
      points((await api(sb, rollupPath('steps'), t2, rollupBody('2026-10-10', '2026-10-11'))).json)[0]?.steps,
    ).toEqual(before);
  });

  it('refuses an unknown user, kind or date, and zones for another kind', async () => {
    for (const bad of [
      { user: 'mallory', date: '2026-10-10', kind: 'steps', value: 1 },
      { user: 'alice', date: '2026-10-10', kind: 'heart-rate', value: 1 },
      { user: 'alice', date: '2026-02-30', kind: 'steps', value: 1 },
      { user: 'alice', date: '2026-10-10', kind: 'steps', value: { fatBurn: 1, cardio: 1, peak: 1 } },
      { user: 'alice', date: '2026-10-10', kind: 'steps', value: -5 },
    ]) {
      expect((await lateSync(bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });
});
