// The Streamlit dashboard's queries (streamlit/queries.py), run against the Snowflake stand-in through the real
// snowflake-sdk, as a role that may read the landing tables and nothing else. The SQL comes from queries.py
// itself, through a python3 helper (test/support/dashboard-queries.py) that imports it without Streamlit.
// The rendering (streamlit/streamlit_app.py) cannot run here: it is checked for taking every statement
// from queries.py, and its deployment files for naming the right files.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../sandbox/snowflake/server.js';
import { renderScript, splitStatements } from '../../server/setup/templates.js';
import { type Conn, connect, destroy, exec, failure } from '../sandbox/snowflake/driver.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const APP_DIR = path.join(ROOT, 'streamlit');
const HELPER = path.join(ROOT, 'test/support/dashboard-queries.py');

type Row = Record<string, unknown>;
type Statement = { sql: string; params: string[] };
type Built = Statement | { error: string };
type Call = { fn: string; args?: unknown[]; kwargs?: Record<string, unknown> };

function python(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // -B: no __pycache__ left in streamlit/.
    execFile('python3', ['-B', HELPER, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

type Answer = {
  settings: { database: string; schema: string; kinds: string[] };
  results: Built[];
  loaded: string[];
};

function build(calls: Call[], config: Record<string, string> = {}): Promise<Answer> {
  return python(['queries', APP_DIR, JSON.stringify({ config, calls })]) as Promise<Answer>;
}

async function query(call: Call, config: Record<string, string> = {}): Promise<Statement> {
  const [built] = (await build([call], config)).results;
  if (!built || 'error' in built) throw new Error(`queries.${call.fn}: ${built ? built.error : 'no answer'}`);
  return built;
}

// ---- the stand-in, the landing tables and their rows ----

const KIND_TABLES = [
  'FITBIT_STEPS',
  'FITBIT_DISTANCE',
  'FITBIT_CALORIES',
  'FITBIT_ACTIVE_MINUTES',
  'FITBIT_RESTING_HEART_RATE',
  'FITBIT_SLEEP',
];

// The landing tables as the pipeline script creates them (its CREATE TABLE statements, rendered with its
// defaults): the dashboard is tested against the tables the pipeline really makes.
const LANDING_TABLES = splitStatements(renderScript('pipeline-google-health', {}))
  .map((statement) => statement.replace(/^(--[^\n]*\n|\s)+/, ''))
  .filter((statement) =>
    KIND_TABLES.some((t) => statement.startsWith(`CREATE TABLE IF NOT EXISTS FITBIT.PUBLIC.${t} (`)),
  );

const SETUP = [
  'CREATE DATABASE FITBIT',
  ...LANDING_TABLES,
  // The pipeline's run log exists beside them, but readers get no SELECT on it: the dashboard must not need it.
  `CREATE TABLE FITBIT.PUBLIC.FITBIT_LOAD_RUNS (RUN_ID VARCHAR, STARTED_AT TIMESTAMP_NTZ, FINISHED_AT TIMESTAMP_NTZ,
     OUTCOME VARCHAR, ROWS_CHANGED NUMBER, LATEST_DAY DATE, ERROR_CODE VARCHAR, ERROR_MESSAGE VARCHAR, DETAIL VARIANT)`,
  'CREATE ROLE FITBIT_READER',
  'GRANT USAGE ON DATABASE FITBIT TO ROLE FITBIT_READER',
  'GRANT USAGE ON SCHEMA FITBIT.PUBLIC TO ROLE FITBIT_READER',
  'GRANT USAGE ON WAREHOUSE SANDBOX_WH TO ROLE FITBIT_READER',
  ...KIND_TABLES.map((t) => `GRANT SELECT ON TABLE FITBIT.PUBLIC.${t} TO ROLE FITBIT_READER`),
  "CREATE USER DASHBOARD_VIEWER PASSWORD = 'viewer-pw' DEFAULT_ROLE = FITBIT_READER DEFAULT_WAREHOUSE = SANDBOX_WH",
  'GRANT ROLE FITBIT_READER TO USER DASHBOARD_VIEWER',
];

// Two accounts' labels (ACCOUNT): the built-in one and one the connect app added.
const A = 'default';
const B = 'erin';
const LOADED_A = '2026-11-23 07:00:05';
const LOADED_B = '2026-11-27 07:00:09';

function days(from: string, n: number): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

// Steps, a few weeks (Mondays: 11-02, 11-09, 11-16, 11-23), two accounts, with gaps: A has no row on 11-05,
// B has nothing in the week of 11-16 and stops on 11-26; A stops on 11-22.
const STEPS: [string, string, number][] = [
  ...days('2026-11-02', 7)
    .map((d, i): [string, string, number] => [A, d, 1000 * (i + 1)])
    .filter(([, d]) => d !== '2026-11-05'),
  ...days('2026-11-09', 7).map((d): [string, string, number] => [A, d, 8000]),
  ...days('2026-11-16', 7).map((d): [string, string, number] => [A, d, 9000]),
  ...days('2026-11-09', 7).map((d, i): [string, string, number] => [B, d, 3000 + 1000 * i]),
  ...days('2026-11-23', 4).map((d): [string, string, number] => [B, d, 2000]),
];

const loadedAt = (account: string) => (account === A ? LOADED_A : LOADED_B);
const sqlValue = (v: string | number | null) =>
  v === null ? 'NULL' : typeof v === 'number' ? `${v}` : `'${v}'`;
const values = (rows: (string | number | null)[][]) =>
  rows.map((r) => `(${[...r, loadedAt(r[0] as string)].map(sqlValue).join(', ')})`).join(',\n');

const SEED = [
  `INSERT INTO FITBIT.PUBLIC.FITBIT_STEPS (ACCOUNT, DAY, STEPS, LOADED_AT) VALUES ${values(STEPS)}`,
  // Active zone minutes: A's watch was off on 11-11 (no row); B wore it on 11-09 only.
  `INSERT INTO FITBIT.PUBLIC.FITBIT_ACTIVE_MINUTES
     (ACCOUNT, DAY, ACTIVE_ZONE_MINUTES, FAT_BURN_MINUTES, CARDIO_MINUTES, PEAK_MINUTES, LOADED_AT)
   VALUES ${values([
     [A, '2026-11-09', 30, 20, 8, 2],
     [A, '2026-11-10', 45, 30, 10, 5],
     [B, '2026-11-09', 15, 15, 0, 0],
   ])}`,
  // Sleep lands on the day the night ends: A slept the nights ending 11-10 and 11-11 (not 11-12), B 11-10.
  `INSERT INTO FITBIT.PUBLIC.FITBIT_SLEEP
     (ACCOUNT, DAY, SLEEP_MINUTES, IN_BED_MINUTES, SLEEP_EFFICIENCY, DEEP_MINUTES, LIGHT_MINUTES, REM_MINUTES,
      AWAKE_MINUTES, LOADED_AT)
   VALUES ${values([
     [A, '2026-11-10', 420, 460, 91, 80, 250, 90, 40],
     [A, '2026-11-11', 390, 430, 91, 70, 240, 80, 40],
     [B, '2026-11-10', 480, 500, 96, 100, 280, 100, 20],
   ])}`,
  `INSERT INTO FITBIT.PUBLIC.FITBIT_RESTING_HEART_RATE (ACCOUNT, DAY, RESTING_HEART_RATE, LOADED_AT)
   VALUES ${values([[A, '2026-11-27', 58]])}`,
  `INSERT INTO FITBIT.PUBLIC.FITBIT_CALORIES (ACCOUNT, DAY, CALORIES_KCAL, LOADED_AT)
   VALUES ${values([[B, '2026-11-20', 2150.5]])}`,
  // FITBIT_DISTANCE stays empty: nothing landed yet.
];

let sb: SnowflakeSandbox;
let admin: Conn;
let viewer: Conn;

beforeAll(async () => {
  sb = await startSnowflakeSandbox({ port: 0, warn: () => {} });
  admin = await connect(sb.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
  for (const sql of [...SETUP, ...SEED]) await exec(admin, sql);
  viewer = await connect(sb.url, { username: 'DASHBOARD_VIEWER', password: 'viewer-pw' });
});

afterAll(async () => {
  if (viewer) await destroy(viewer);
  if (admin) await destroy(admin);
  await sb?.close();
});

// Runs one of queries.py's queries as the reader, with its binds; dates come back as YYYY-MM-DD.
async function read(call: Call, config: Record<string, string> = {}): Promise<Row[]> {
  const { sql, params } = await query(call, config);
  const rows = await exec(viewer, sql, params);
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, v instanceof Date && k !== 'LAST_CHANGED_AT' ? isoDay(v) : v]),
    ),
  );
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

describe('the dashboard queries against the landing tables', () => {
  it('daily series: one row per account and day in the range, gaps left as gaps, the account as a bind', async () => {
    expect(
      await read({ fn: 'daily_series', args: ['steps', '2026-11-03', '2026-11-06'], kwargs: { account: A } }),
    ).toEqual([
      { DAY: '2026-11-03', ACCOUNT: A, STEPS: 2000 },
      { DAY: '2026-11-04', ACCOUNT: A, STEPS: 3000 },
      { DAY: '2026-11-06', ACCOUNT: A, STEPS: 5000 },
    ]);
    expect(await read({ fn: 'daily_series', args: ['steps', '2026-11-09', '2026-11-10'] })).toEqual([
      { DAY: '2026-11-09', ACCOUNT: A, STEPS: 8000 },
      { DAY: '2026-11-09', ACCOUNT: B, STEPS: 3000 },
      { DAY: '2026-11-10', ACCOUNT: A, STEPS: 8000 },
      { DAY: '2026-11-10', ACCOUNT: B, STEPS: 4000 },
    ]);
    // Every value column of a kind with a breakdown.
    expect(
      await read({ fn: 'daily_series', args: ['sleep', '2026-11-10', '2026-11-10'], kwargs: { account: B } }),
    ).toEqual([
      {
        DAY: '2026-11-10',
        ACCOUNT: B,
        SLEEP_MINUTES: 480,
        IN_BED_MINUTES: 500,
        SLEEP_EFFICIENCY: 96,
        DEEP_MINUTES: 100,
        LIGHT_MINUTES: 280,
        REM_MINUTES: 100,
        AWAKE_MINUTES: 20,
      },
    ]);
  });

  it('weekly averages: Snowflake weeks from Monday, whole weeks, averaged over the days with data', async () => {
    // The range starts on Wednesday 11-04: its week still starts on Monday 11-02.
    expect(await read({ fn: 'weekly_averages', args: ['steps', '2026-11-04', '2026-11-28'] })).toEqual([
      { WEEK: '2026-11-02', ACCOUNT: A, AVG_STEPS: 4000, DAYS_WITH_DATA: 6 }, // 24,000 over 6 days, 11-05 missing
      { WEEK: '2026-11-09', ACCOUNT: A, AVG_STEPS: 8000, DAYS_WITH_DATA: 7 },
      { WEEK: '2026-11-09', ACCOUNT: B, AVG_STEPS: 6000, DAYS_WITH_DATA: 7 },
      { WEEK: '2026-11-16', ACCOUNT: A, AVG_STEPS: 9000, DAYS_WITH_DATA: 7 },
      { WEEK: '2026-11-23', ACCOUNT: B, AVG_STEPS: 2000, DAYS_WITH_DATA: 4 },
    ]);
    expect(
      await read({
        fn: 'weekly_averages',
        args: ['steps', '2026-11-01', '2026-11-15'],
        kwargs: { account: B },
      }),
    ).toEqual([{ WEEK: '2026-11-09', ACCOUNT: B, AVG_STEPS: 6000, DAYS_WITH_DATA: 7 }]);
    // Each value column is averaged, rounded to one decimal.
    expect(
      await read({
        fn: 'weekly_averages',
        args: ['active_minutes', '2026-11-09', '2026-11-15'],
        kwargs: { account: A },
      }),
    ).toEqual([
      {
        WEEK: '2026-11-09',
        ACCOUNT: A,
        AVG_ACTIVE_ZONE_MINUTES: 37.5,
        AVG_FAT_BURN_MINUTES: 25,
        AVG_CARDIO_MINUTES: 9,
        AVG_PEAK_MINUTES: 3.5,
        DAYS_WITH_DATA: 2,
      },
    ]);
  });

  it("sleep vs activity: each day's activity beside the night that followed, never across accounts", async () => {
    expect(await read({ fn: 'sleep_vs_activity', args: ['2026-11-09', '2026-11-11'] })).toEqual([
      {
        DAY: '2026-11-09',
        ACCOUNT: A,
        STEPS: 8000,
        ACTIVE_ZONE_MINUTES: 30,
        SLEEP_DAY: '2026-11-10',
        SLEEP_MINUTES: 420,
        SLEEP_EFFICIENCY: 91,
      },
      {
        DAY: '2026-11-09',
        ACCOUNT: B,
        STEPS: 3000,
        ACTIVE_ZONE_MINUTES: 15,
        SLEEP_DAY: '2026-11-10',
        SLEEP_MINUTES: 480,
        SLEEP_EFFICIENCY: 96,
      },
      {
        DAY: '2026-11-10',
        ACCOUNT: A,
        STEPS: 8000,
        ACTIVE_ZONE_MINUTES: 45,
        SLEEP_DAY: '2026-11-11',
        SLEEP_MINUTES: 390,
        SLEEP_EFFICIENCY: 91,
      },
      // B: no active minutes on 11-10, no night ending 11-11.
      {
        DAY: '2026-11-10',
        ACCOUNT: B,
        STEPS: 4000,
        ACTIVE_ZONE_MINUTES: null,
        SLEEP_DAY: null,
        SLEEP_MINUTES: null,
        SLEEP_EFFICIENCY: null,
      },
      // A: watch off on 11-11 (no active minutes) and that night (no sleep ending 11-12).
      {
        DAY: '2026-11-11',
        ACCOUNT: A,
        STEPS: 8000,
        ACTIVE_ZONE_MINUTES: null,
        SLEEP_DAY: null,
        SLEEP_MINUTES: null,
        SLEEP_EFFICIENCY: null,
      },
      {
        DAY: '2026-11-11',
        ACCOUNT: B,
        STEPS: 5000,
        ACTIVE_ZONE_MINUTES: null,
        SLEEP_DAY: null,
        SLEEP_MINUTES: null,
        SLEEP_EFFICIENCY: null,
      },
    ]);
    const onlyB = await read({
      fn: 'sleep_vs_activity',
      args: ['2026-11-09', '2026-11-11'],
      kwargs: { account: B },
    });
    expect(onlyB.map((r) => [r.DAY, r.ACCOUNT, r.SLEEP_MINUTES])).toEqual([
      ['2026-11-09', B, 480],
      ['2026-11-10', B, null],
      ['2026-11-11', B, null],
    ]);
  });

  it('freshness: latest day, last change, days landed and days behind per kind, from the landing tables', async () => {
    const all = await read({ fn: 'freshness', args: ['2026-11-28'] });
    const byKind = Object.fromEntries(all.map((r) => [r.KIND, r]));
    expect(all.map((r) => r.KIND)).toEqual([
      'active_minutes',
      'calories',
      'distance',
      'resting_heart_rate',
      'sleep',
      'steps',
    ]);
    expect(byKind.steps).toMatchObject({ LATEST_DAY: '2026-11-26', DAYS_LANDED: 31, DAYS_BEHIND: 2 });
    expect((byKind.steps!.LAST_CHANGED_AT as Date).toISOString()).toBe('2026-11-27T07:00:09.000Z');
    expect(byKind.resting_heart_rate).toMatchObject({
      LATEST_DAY: '2026-11-27',
      DAYS_LANDED: 1,
      DAYS_BEHIND: 1,
    });
    expect(byKind.sleep).toMatchObject({ LATEST_DAY: '2026-11-11', DAYS_LANDED: 3, DAYS_BEHIND: 17 });
    // Nothing landed: no latest day, no change, nothing behind to count.
    expect(byKind.distance).toEqual({
      KIND: 'distance',
      LATEST_DAY: null,
      LAST_CHANGED_AT: null,
      DAYS_LANDED: 0,
      DAYS_BEHIND: null,
    });

    const a = Object.fromEntries(
      (await read({ fn: 'freshness', args: ['2026-11-28'], kwargs: { account: A } })).map((r) => [r.KIND, r]),
    );
    expect(a.steps).toMatchObject({ LATEST_DAY: '2026-11-22', DAYS_LANDED: 20, DAYS_BEHIND: 6 });
    expect((a.steps!.LAST_CHANGED_AT as Date).toISOString()).toBe('2026-11-23T07:00:05.000Z');
    expect(a.calories).toMatchObject({ LATEST_DAY: null, DAYS_LANDED: 0 });
  });

  it('accounts: every account in any landing table, once', async () => {
    expect(LANDING_TABLES).toHaveLength(KIND_TABLES.length);
    expect(await read({ fn: 'accounts' })).toEqual([{ ACCOUNT: A }, { ACCOUNT: B }]);
    expect(await read({ fn: 'accounts' }, { FITBIT_DASHBOARD_KINDS: 'resting_heart_rate' })).toEqual([
      { ACCOUNT: A },
    ]);
  });

  it('an account value is only ever a bind: a quote in it finds nothing and changes no statement', async () => {
    const sneaky = "x' OR '1'='1";
    const built = await query({
      fn: 'daily_series',
      args: ['steps', '2026-11-01', '2026-11-30'],
      kwargs: { account: sneaky },
    });
    expect(built.sql).not.toContain(sneaky);
    expect(built.params).toContain(sneaky);
    expect(await exec(viewer, built.sql, built.params)).toEqual([]);
  });

  it('the reader cannot read FITBIT_LOAD_RUNS, and no dashboard query names anything but a landing table', async () => {
    expect((await failure(exec(viewer, 'SELECT COUNT(*) FROM FITBIT.PUBLIC.FITBIT_LOAD_RUNS'))).code).toBe(
      '002003',
    );
    const { results } = await build(ALL_CALLS);
    const targets = new Set<string>();
    for (const r of results) {
      if ('error' in r) throw new Error(r.error);
      for (const m of r.sql.matchAll(/\b(?:FROM|JOIN)\s+([A-Za-z0-9_$.]+)/g)) targets.add(m[1]!);
    }
    expect([...targets].sort()).toEqual(KIND_TABLES.map((t) => `FITBIT.PUBLIC.${t}`).sort());
  });
});

const ALL_CALLS: Call[] = [
  ...['steps', 'distance', 'calories', 'active_minutes', 'resting_heart_rate', 'sleep'].flatMap((k) => [
    { fn: 'daily_series', args: [k, '2026-11-01', '2026-11-28'] },
    { fn: 'weekly_averages', args: [k, '2026-11-01', '2026-11-28'], kwargs: { account: A } },
  ]),
  { fn: 'sleep_vs_activity', args: ['2026-11-01', '2026-11-28'] },
  { fn: 'freshness', args: ['2026-11-28'] },
  { fn: 'accounts' },
];

describe('queries.py on its own', () => {
  it('imports neither streamlit nor snowpark, and every query runs on the stand-in', async () => {
    const answer = await build(ALL_CALLS);
    expect(answer.loaded).toEqual([]);
    for (const r of answer.results) {
      if ('error' in r) throw new Error(r.error);
      await exec(viewer, r.sql, r.params);
    }
  });

  it('names come from one place: FITBIT.PUBLIC by default, the configuration otherwise, validated', async () => {
    const config = { FITBIT_DASHBOARD_DATABASE: 'analytics', FITBIT_DASHBOARD_SCHEMA: 'Health_2' };
    const answer = await build([{ fn: 'daily_series', args: ['sleep', '2026-11-01', '2026-11-02'] }], config);
    expect(answer.settings).toMatchObject({ database: 'ANALYTICS', schema: 'HEALTH_2' });
    expect((answer.results[0] as Statement).sql).toContain('FROM ANALYTICS.HEALTH_2.FITBIT_SLEEP');

    const bad = await python([
      'queries',
      APP_DIR,
      JSON.stringify({ config: { FITBIT_DASHBOARD_SCHEMA: 'PUBLIC; DROP' }, calls: [] }),
    ]).then(
      () => 'accepted',
      (err: Error) => err.message,
    );
    expect(bad).toContain('FITBIT_DASHBOARD_SCHEMA must be an unquoted Snowflake identifier');

    const { results } = await build([
      { fn: 'daily_series', args: ['weight', '2026-11-01', '2026-11-02'] },
      { fn: 'daily_series', args: ['steps', '2026-11-01; DROP', '2026-11-02'] },
    ]);
    expect(results[0]).toEqual({ error: expect.stringContaining("unknown data kind 'weight'") });
    expect(results[1]).toEqual({ error: expect.stringContaining('Invalid isoformat') });
  });
});

// ---- the rendering and the deployment files ----

type AppShape = { imports: string[]; strings: string[]; sql_calls: { line: number; arg: string | null }[] };

// What SQL looks like, in any case: a statement in a string literal of the app would be SQL outside queries.py.
const SQL_SHAPES = [
  /\bselect\b[\s\S]*\bfrom\b/i,
  /\b(?:insert|merge)\s+into\b/i,
  /\bdelete\s+from\b/i,
  /\bupdate\s+\S+\s+set\b/i,
  /\b(?:create|alter|drop)\s+(?:or\s+replace\s+)?(?:table|view|task|procedure|function|secret|stage|streamlit)\b/i,
  /\b(?:call\s+\w+\s*\(|execute\s+task|show\s+(?:tables|tasks|grants))\b/i,
  /\bFITBIT_[A-Z_]+\b/,
];

describe('streamlit_app.py', () => {
  it('takes every statement from queries.py: no SQL in its strings, one session.sql call on a variable', async () => {
    const app = (await python(['app', path.join(APP_DIR, 'streamlit_app.py')])) as AppShape;
    expect(app.imports).toContain('queries');
    expect(app.strings.length).toBeGreaterThan(0);
    for (const s of app.strings) for (const shape of SQL_SHAPES) expect(s).not.toMatch(shape);
    expect(app.sql_calls).toEqual([{ line: expect.any(Number), arg: 'Name' }]);
  });

  it('the same grep, on the text: no SQL keyword after a quote anywhere in the file', () => {
    const text = readFileSync(path.join(APP_DIR, 'streamlit_app.py'), 'utf8');
    expect(text).not.toMatch(
      /['"]\s*(?:SELECT|WITH|INSERT|MERGE|UPDATE|DELETE|CREATE|ALTER|DROP|GRANT|CALL|SHOW)\b/i,
    );
    expect(text).toMatch(/from snowflake\.snowpark\.context import get_active_session/);
  });
});

// The two YAML files use block mappings and sequences of scalars only; this reads exactly that subset (YAML
// 1.2 core scalars) and refuses anything else, so a file outside it fails here rather than parse wrongly.
type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

function parseYamlSubset(text: string): Yaml {
  const lines = text
    .split('\n')
    .map((raw, n) => ({ n: n + 1, raw: raw.replace(/(^|\s)#.*$/, '').replace(/\s+$/, '') }))
    .filter((l) => l.raw.trim() !== '')
    .map((l) => ({ ...l, indent: l.raw.length - l.raw.trimStart().length, body: l.raw.trim() }));
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`YAML subset, line ${lines[i]?.n ?? 'end'}: ${why}`);
  };
  const scalar = (s: string): Yaml => {
    if (/^'(?:[^']|'')*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    if (/^"[^"\\]*"$/.test(s)) return s.slice(1, -1);
    if (/^[[{&*!|>%@`'"]/.test(s) || /: |\s#/.test(s)) fail(`not a plain scalar: ${s}`);
    if (/^-?\d+$/.test(s)) return Number(s);
    if (s === 'true' || s === 'false') return s === 'true';
    if (s === 'null' || s === '~') return null;
    return s;
  };
  const block = (indent: number): Yaml => {
    if (lines[i]!.body.startsWith('- ') || lines[i]!.body === '-') {
      const items: Yaml[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.body.startsWith('- ')) {
        const item = lines[i]!.body.slice(2).trim();
        if (/^[\w.-]+:(\s|$)/.test(item)) fail('mappings in sequences are outside the subset');
        items.push(scalar(item));
        i++;
      }
      return items;
    }
    const map: { [key: string]: Yaml } = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const m = /^([A-Za-z_][\w.-]*):(?:\s+(.*))?$/.exec(lines[i]!.body) ?? fail('expected "key: value"');
      const [, key, value] = m;
      if (key! in map) fail(`duplicate key ${key}`);
      i++;
      if (value !== undefined) map[key!] = scalar(value);
      else if (i < lines.length && lines[i]!.indent > indent) map[key!] = block(lines[i]!.indent);
      else map[key!] = null;
    }
    return map;
  };
  const doc = block(0);
  if (i < lines.length) fail('unexpected indentation');
  return doc;
}

const yamlFile = (name: string) =>
  parseYamlSubset(readFileSync(path.join(APP_DIR, name), 'utf8')) as Record<string, Yaml>;

describe('deployment files', () => {
  it('environment.yml: the Snowflake Anaconda channel and the packages the app imports', () => {
    const env = yamlFile('environment.yml');
    expect(env.name).toEqual(expect.any(String));
    expect(env.channels).toEqual(['snowflake']);
    expect(env.dependencies).toEqual(
      expect.arrayContaining(['streamlit', 'snowflake-snowpark-python', 'pandas']),
    );
    // Python itself is chosen by the runtime, never pinned here.
    expect((env.dependencies as string[]).some((d) => /^python\b/.test(d))).toBe(false);
  });

  it('snowflake.yml: one streamlit entity (definition_version 2) naming the app, queries.py and environment.yml', () => {
    const project = yamlFile('snowflake.yml');
    expect(project.definition_version).toBe(2);
    const entities = Object.values(project.entities as Record<string, Record<string, Yaml>>);
    expect(entities).toHaveLength(1);
    const app = entities[0]!;
    expect(app.type).toBe('streamlit');
    expect(app.main_file).toBe('streamlit_app.py');
    expect(app.query_warehouse).toEqual(expect.any(String));
    expect(app.stage).toEqual(expect.any(String));
    expect((app.identifier as Record<string, Yaml>).name).toEqual(expect.any(String));
    // Every file the app needs is uploaded: each .py in streamlit/ and environment.yml, and nothing missing.
    const present = readdirSync(APP_DIR);
    const needed = present.filter((f) => f.endsWith('.py')).concat('environment.yml');
    expect([...(app.artifacts as string[])].sort()).toEqual(needed.sort());
    // Templates name only variables the env section defines.
    const env = project.env as Record<string, Yaml>;
    const used = [
      ...readFileSync(path.join(APP_DIR, 'snowflake.yml'), 'utf8').matchAll(/<%\s*ctx\.env\.(\w+)\s*%>/g),
    ];
    expect(used.length).toBeGreaterThan(0);
    for (const [, name] of used) expect(env).toHaveProperty(name!);
    expect(env).toMatchObject({ dashboard_database: 'FITBIT', dashboard_schema: 'PUBLIC' });
  });
});
