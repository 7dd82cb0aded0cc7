// The daily load (sql/pipeline-google-health.sql) against the stand-ins, through the real snowflake-sdk and
// openid-client: its task runs FITBIT_LOAD, whose MERGEs read FITBIT_DAILY_DATA (the stand-in's Python runner
// against the Health API stand-in). No test waits for a duration: runs are started with EXECUTE TASK or by
// moving both stand-ins' clocks past 07:00 UTC, and awaited with the Snowflake stand-in's waitForTasks().
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { consent } from '../../sandbox/oauth/consent.js';
import { SyntheticHealth } from '../../sandbox/oauth/daily-data.js';
import { seedUsers } from '../../sandbox/oauth/seed.js';
import { fromEpochDay, isoDate } from '../../sandbox/oauth/steps.js';
import { createLogger } from '../../server/log.js';
import { type DataKind, getProfile } from '../../server/providers/index.js';
import { newAppKeyPair } from '../../server/sandbox-mode.js';
import { pipelineDefaults } from '../../server/setup/defaults.js';
import { templateValues } from '../../server/setup/inputs.js';
import { renderScript, splitStatements } from '../../server/setup/templates.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';
import { type Conn, connect, destroy, exec, failure } from '../sandbox/snowflake/driver.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const DAY_MS = 86_400_000;
const REDIRECT = 'http://localhost:8787/callback';
const HEALTH_USER_ID = '4815162342'; // alice's Google Health user id on the stand-in
const TASK = 'FITBIT.PUBLIC.FITBIT_DAILY_LOAD';
const RUNS = 'FITBIT.PUBLIC.FITBIT_LOAD_RUNS';
const KINDS: DataKind[] = ['steps', 'distance', 'calories', 'active_minutes', 'resting_heart_rate', 'sleep'];
const TABLES = pipelineDefaults('google-health')!.tables as Record<DataKind, string>;
// A whole load may make ~120 API calls through ~50 Python function runs.
const LOAD_MS = 120_000;

interface Run {
  ACCOUNT: string;
  OUTCOME: string;
  ROWS_CHANGED: number;
  LATEST_DAY: string | null;
  ERROR_CODE: string | null;
  ERROR_MESSAGE: string | null;
  DETAIL: Record<string, { rows_changed: number; latest_day: string | null; error_code: string | null }>;
}

let sb: Sandbox;
let admin: Conn;
let app: Conn;
const keys = newAppKeyPair();
const alice = seedUsers().find((u) => u.id === 'alice')!;

const iso = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? v.toISOString().slice(0, 10)
      : String(v).slice(0, 10);
const at = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
const dayOf = (ms: number) => isoDate(fromEpochDay(Math.floor(ms / DAY_MS)));

async function control(base: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
  return res.json();
}
const oauth = (path: string, body?: unknown) => control(sb.oauth.url, path, body ?? {});
const oauthNow = async () =>
  Date.parse(((await control(sb.oauth.url, '/sandbox/clock')) as { now: string }).now);
const engineNow = async () =>
  Date.parse(((await control(sb.snowflake.url, '/sandbox/clock')) as { now: string }).now);

/** Moves both stand-ins' clocks; the Snowflake one last, since its jump starts the runs now due. */
async function advanceClocks(ms: number): Promise<void> {
  await oauth('/sandbox/advance-clock', { seconds: ms / 1000 });
  await control(sb.snowflake.url, '/sandbox/clock', { advanceMs: ms });
  expect(await sb.snowflake.waitForTasks(LOAD_MS)).toBe(true);
}

/** What the app's "Load now" does: EXECUTE TASK as its own role; then the run settles. */
async function loadNow(): Promise<Run> {
  await exec(app, `EXECUTE TASK ${TASK}`);
  expect(await sb.snowflake.waitForTasks(LOAD_MS)).toBe(true);
  return latestRun();
}

async function latestRun(): Promise<Run> {
  const [row] = await exec(app, `SELECT * FROM ${RUNS} ORDER BY STARTED_AT DESC LIMIT 1`);
  const detail = typeof row!.DETAIL === 'string' ? JSON.parse(row!.DETAIL) : row!.DETAIL;
  return { ...(row as unknown as Run), LATEST_DAY: iso(row!.LATEST_DAY), DETAIL: detail };
}

async function counts(): Promise<Record<DataKind, number>> {
  const out = {} as Record<DataKind, number>;
  for (const kind of KINDS)
    out[kind] = Number((await exec(admin, `SELECT COUNT(*) AS N FROM ${TABLES[kind]}`))[0]!.N);
  return out;
}

/** The days from..to (inclusive) that have data of each kind for alice, by the stand-in's own data source. */
function expectedCounts(fromMs: number, toMs: number, nowMs: number): Record<DataKind, number> {
  const h = new SyntheticHealth({ now: () => nowMs, lateSync: () => undefined });
  const has: Record<DataKind, (d: ReturnType<typeof fromEpochDay>) => boolean> = {
    steps: (d) => h.steps(alice, d) !== undefined,
    distance: (d) => h.distanceMm(alice, d) !== undefined,
    calories: (d) => h.totalKcal(alice, d) !== undefined,
    active_minutes: (d) => h.zoneMinutes(alice, d) !== undefined,
    resting_heart_rate: (d) => h.restingBpm(alice, d) !== undefined,
    sleep: (d) => h.sleepSessions(alice, d).length > 0,
  };
  const out = {} as Record<DataKind, number>;
  for (const kind of KINDS) {
    out[kind] = 0;
    for (let e = Math.floor(fromMs / DAY_MS); e <= Math.floor(toMs / DAY_MS); e++) {
      if (has[kind](fromEpochDay(e))) out[kind] += 1;
    }
  }
  return out;
}

/** Health API requests since the log was cleared, by path (identity, each data type). */
async function apiRequests(): Promise<Record<string, number>> {
  const { requests } = (await control(sb.oauth.url, '/sandbox/requests')) as { requests: { path: string }[] };
  const out: Record<string, number> = {};
  for (const r of requests) {
    if (!r.path.startsWith('/v4/')) continue;
    const key = r.path.replace(/^\/v4\/users\/me\/(dataTypes\/)?/, '').replace(/\/dataPoints.*$/, '');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
const clearRequests = () => fetch(`${sb.oauth.url}/sandbox/requests`, { method: 'DELETE' });

/** A consent for alice through openid-client, as the app gets one. */
async function grant(): Promise<client.TokenEndpointResponse> {
  const config = await client.discovery(
    new URL(sb.oauth.url),
    'sandbox-client-id',
    'sandbox-client-secret',
    client.ClientSecretPost('sandbox-client-secret'),
    { execute: [client.allowInsecureRequests] },
  );
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: getProfile('google-health').defaultScopes.join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    access_type: 'offline',
    prompt: 'consent',
  });
  const callback = await consent(url.href, { user: 'alice' });
  return client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
}

/** What the app does after a connect: write the refresh token as its own least-privileged user. */
async function connectAlice(): Promise<client.TokenEndpointResponse> {
  const tokens = await grant();
  await exec(
    app,
    `ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '${tokens.refresh_token}'`,
  );
  return tokens;
}

const pipelineScript = (values: Record<string, string> = {}) =>
  renderScript('pipeline-google-health', {
    ...templateValues(
      { provider: 'google-health', clientId: '', clientSecret: '', scopes: [] },
      'pipeline-google-health',
    ),
    ...values,
  });

describe('the daily load', () => {
  // 06:00 UTC on a day ahead of the real clock, on both stand-ins: an hour before the task is due.
  let t0 = 0;
  let today = '';
  let firstRun: { requests: Record<string, number>; run: Run } | undefined;

  beforeAll(async () => {
    sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
    const now = Date.now();
    t0 = (Math.floor(now / DAY_MS) + 1) * DAY_MS + 6 * 3_600_000;
    today = dayOf(t0);
    await oauth('/sandbox/advance-clock', { seconds: (t0 - (await oauthNow())) / 1000 });
    await control(sb.snowflake.url, '/sandbox/clock', { now: new Date(t0).toISOString() });

    admin = await connect(sb.snowflake.url, { password: 'sandbox' });
    const setup = renderScript(
      'setup-google-health',
      templateValues(
        {
          provider: 'google-health',
          clientId: 'sandbox-client-id',
          clientSecret: 'sandbox-client-secret',
          scopes: getProfile('google-health').defaultScopes,
          appPublicKey: keys.publicKey,
        },
        'setup-google-health',
      ),
    );
    // As sandbox mode and `snow sql -f` run them: the setup script, then the pipeline script.
    await exec(admin, setup, undefined, { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, pipelineScript(), undefined, { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    await exec(admin, 'USE WAREHOUSE SANDBOX_WH');
    app = await connect(sb.snowflake.url, {
      username: 'FITBIT_CONNECT_APP',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: keys.privateKey,
    });
    await connectAlice();
  }, 60_000);

  afterAll(async () => {
    if (app) await destroy(app);
    if (admin) await destroy(admin);
    await sb?.close();
  });

  it('creates the tables, the procedure and a started task owned by the pipeline role', async () => {
    const tables = (await exec(admin, 'SHOW TABLES IN SCHEMA FITBIT.PUBLIC')).map(
      (r) => `${r.name} ${r.owner}`,
    );
    expect(tables.sort()).toEqual(
      [...KINDS.map((k) => TABLES[k].split('.').pop()!), 'FITBIT_LOAD_RUNS']
        .sort()
        .map((t) => `${t} FITBIT_PIPELINE_ROLE`),
    );
    const [task] = await exec(app, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(task).toMatchObject({
      owner: 'FITBIT_PIPELINE_ROLE',
      warehouse: 'FITBIT_WH',
      schedule: 'USING CRON 0 7 * * * UTC',
      state: 'started',
      definition: 'CALL FITBIT.PUBLIC.FITBIT_LOAD(NULL, 365)',
    });
    const procs = await exec(admin, "SHOW PROCEDURES LIKE 'FITBIT_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(procs.map((p) => p.arguments)).toEqual(['FITBIT_LOAD(VARCHAR, NUMBER) RETURN VARCHAR']);
  });

  it('backfills a year of every kind on the first run, and says so in FITBIT_LOAD_RUNS', async () => {
    await clearRequests();
    const run = await loadNow();
    firstRun = { requests: await apiRequests(), run };
    const expected = expectedCounts(t0 - 365 * DAY_MS, t0, t0);
    expect(expected.steps).toBe(366);
    expect(expected.sleep).toBeGreaterThan(300);
    expect(await counts()).toEqual(expected);
    expect(run).toMatchObject({ OUTCOME: 'ok', ERROR_CODE: null, ERROR_MESSAGE: null, LATEST_DAY: today });
    expect(run.ROWS_CHANGED).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    for (const kind of KINDS) {
      expect(run.DETAIL[kind]).toMatchObject({
        rows_changed: expected[kind],
        latest_day: today,
        error_code: null,
      });
    }
    // The values are the API's, keyed by the account (the default one: the configured secret) and the civil
    // date, with the Health user id they were read as.
    const h = new SyntheticHealth({ now: () => t0, lateSync: () => undefined });
    const steps = await exec(
      admin,
      `SELECT ACCOUNT, HEALTH_USER_ID, DAY, STEPS FROM ${TABLES.steps} ORDER BY DAY`,
    );
    expect(new Set(steps.map((r) => `${r.ACCOUNT} ${r.HEALTH_USER_ID}`))).toEqual(
      new Set([`default ${HEALTH_USER_ID}`]),
    );
    expect(run).toMatchObject({ ACCOUNT: 'default' });
    expect(iso(steps[0]!.DAY)).toBe(dayOf(t0 - 365 * DAY_MS));
    for (const r of steps)
      expect(r.STEPS).toBe(h.steps(alice, fromEpochDay(Date.parse(iso(r.DAY)!) / DAY_MS)));
  });

  it('stays within the 300 requests a minute for a full backfill: one API window per MERGE', async () => {
    const requests = firstRun!.requests;
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(300);
    // 366 days: 5 windows of 90 days, 27 of 14 for calories; one identity call per function call.
    expect(requests).toMatchObject({
      identity: 5 * 5 + 27,
      steps: 5,
      distance: 5,
      'total-calories': 27,
      'active-zone-minutes': 5,
      'daily-resting-heart-rate': 5,
    });
    expect(requests.sleep).toBeGreaterThanOrEqual(5); // 25 sessions a page
    expect(total).toBe(5 * 5 + 27 + 5 * 4 + 27 + requests.sleep!);
  });

  it('changes nothing when run again: no row updated, LOADED_AT kept', async () => {
    const loadedAt = async () =>
      (await exec(admin, `SELECT DAY, LOADED_AT FROM ${TABLES.sleep} ORDER BY DAY`)).map(
        (r) => `${iso(r.DAY)} ${at(r.LOADED_AT)}`,
      );
    const before = { counts: await counts(), sleep: await loadedAt() };
    const run = await loadNow();
    expect(run).toMatchObject({ OUTCOME: 'ok', ROWS_CHANGED: 0, LATEST_DAY: today });
    for (const kind of KINDS) expect(run.DETAIL[kind]).toMatchObject({ rows_changed: 0, error_code: null });
    expect(await counts()).toEqual(before.counts);
    expect(await loadedAt()).toEqual(before.sleep);
  });

  it('picks up a late sync of yesterday on the next run: that one row updated', async () => {
    const yesterday = dayOf(t0 - DAY_MS);
    const row = async () =>
      (await exec(admin, `SELECT STEPS, LOADED_AT FROM ${TABLES.steps} WHERE DAY = ?`, [yesterday]))[0]!;
    const before = await row();
    expect(before.STEPS).not.toBe(4321);
    await oauth('/sandbox/late-sync', { user: 'alice', date: yesterday, kind: 'steps', value: 4321 });
    const run = await loadNow();
    expect(run).toMatchObject({ OUTCOME: 'ok', ROWS_CHANGED: 1 });
    expect(run.DETAIL.steps).toMatchObject({ rows_changed: 1 });
    const after = await row();
    expect(after.STEPS).toBe(4321);
    expect(at(after.LOADED_AT)).toBeGreaterThan(at(before.LOADED_AT));
  });

  it('lets the app role see and start the task and read the runs, not the data; readers read the tables', async () => {
    // The app: SHOW TASKS without a warehouse, EXECUTE TASK (tested above), FITBIT_LOAD_RUNS.
    const bare = await connect(sb.snowflake.url, {
      username: 'FITBIT_CONNECT_APP',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: keys.privateKey,
      warehouse: 'NO_SUCH_WH',
    });
    try {
      expect(await exec(bare, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC")).toHaveLength(1);
    } finally {
      await destroy(bare);
    }
    expect((await exec(app, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N).toBeGreaterThan(0);
    for (const kind of KINDS) {
      const denied = await failure(exec(app, `SELECT COUNT(*) FROM ${TABLES[kind]}`));
      expect(String(denied.code)).toBe('002003');
    }
    const appGrants = (await exec(admin, 'SHOW GRANTS TO ROLE FITBIT_CONNECT_APP_ROLE'))
      .map((r) => `${r.privilege} ${r.granted_on} ${r.name}`)
      .filter((g) => /TASK|TABLE|PROCEDURE/.test(g))
      .sort();
    expect(appGrants).toEqual([`MONITOR TASK ${TASK}`, `OPERATE TASK ${TASK}`, `SELECT TABLE ${RUNS}`]);
    const denied = await failure(exec(app, "CALL FITBIT.PUBLIC.FITBIT_LOAD('default', 1)"));
    expect(String(denied.code)).toMatch(/^00(2003|3001|2141)$/);

    // A person holding the reader role: SELECT on every table, nothing more.
    await exec(
      admin,
      "CREATE USER IF NOT EXISTS ANALYST PASSWORD = 'analyst-pw' DEFAULT_ROLE = FITBIT_READER",
    );
    await exec(admin, 'GRANT ROLE FITBIT_READER TO USER ANALYST');
    const reader = await connect(sb.snowflake.url, {
      username: 'ANALYST',
      password: 'analyst-pw',
      role: 'FITBIT_READER',
      warehouse: 'FITBIT_WH',
    });
    try {
      // The query sql/README.md gives for "your own steps", as written there.
      const readme = readFileSync(new URL('../../sql/README.md', import.meta.url), 'utf8');
      const block = /\*\*Your own steps\*\*[^\n]*\n\n```sql\n([\s\S]*?)```/.exec(readme)![1]!;
      let rows: Record<string, unknown>[] = [];
      for (const statement of splitStatements(block)) rows = await exec(reader, statement);
      expect(rows.length).toBeGreaterThan(365);
      expect(Object.keys(rows[0]!)).toEqual(['DAY', 'STEPS']);
      expect(iso(rows[0]!.DAY)).toBe(today);
      const n = await exec(
        reader,
        `SELECT COUNT(*) AS N FROM ${TABLES.steps} s JOIN ${TABLES.sleep} z ON s.ACCOUNT = z.ACCOUNT AND s.DAY = z.DAY`,
      );
      expect(Number(n[0]!.N)).toBeGreaterThan(300);
      expect((await exec(reader, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N).toBeGreaterThan(0);
      const write = await failure(exec(reader, `DELETE FROM ${TABLES.steps}`));
      expect(String(write.code)).toBe('003001');
      const start = await failure(exec(reader, `EXECUTE TASK ${TASK}`));
      expect(String(start.code)).toMatch(/^00(2003|3001)$/);
    } finally {
      await destroy(reader);
      await exec(admin, 'DROP USER ANALYST');
    }
  });

  it('resumes a backfill a rate limit stopped: the windows before it are kept, the next run goes on from them', async () => {
    for (const kind of KINDS) await exec(admin, `TRUNCATE TABLE ${TABLES[kind]}`);
    const tokens = await connectAlice();
    // Spend the minute's quota (300 per user and client, as Google counts it) but 40 requests: steps and
    // distance (10 each: an identity call and a window per function call) go through, then calories stops
    // after 10 of its windows.
    const clock = await oauthNow();
    await oauth('/sandbox/advance-clock', { seconds: 60 - new Date(clock).getUTCSeconds() });
    // In parallel, so the whole test stays well inside the stand-in's minute.
    const spend = async () => {
      const res = await fetch(`${sb.oauth.url}/v4/users/me/identity`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      return res.status;
    };
    for (let batch = 0; batch < 10; batch++) {
      expect(await Promise.all(Array.from({ length: 26 }, spend))).toEqual(Array(26).fill(200));
    }
    const full = expectedCounts(t0 - 365 * DAY_MS, t0, t0);
    const stopped = await loadNow();
    expect(stopped).toMatchObject({ OUTCOME: 'partial', ERROR_CODE: 'rate_limited' });
    expect(stopped.ERROR_MESSAGE).toMatch(/^calories: the provider rate-limited this account .*retry later/);
    expect(stopped.ERROR_MESSAGE).not.toContain(tokens.access_token);
    expect(stopped.DETAIL.steps).toMatchObject({ rows_changed: full.steps, error_code: null });
    expect(stopped.DETAIL.distance).toMatchObject({ rows_changed: full.distance, error_code: null });
    for (const kind of ['calories', 'active_minutes', 'resting_heart_rate', 'sleep'] as const) {
      expect(stopped.DETAIL[kind]?.error_code, kind).toBe('rate_limited');
    }
    // Calories kept its first windows, 14 days each from a year ago: the next run resumes after them.
    const kept = await counts();
    expect(kept.calories).toBeGreaterThan(0);
    expect(kept.calories % 14).toBe(0);
    expect(kept.calories).toBeLessThan(full.calories);
    expect(stopped.DETAIL.calories!.latest_day).toBe(dayOf(t0 - 365 * DAY_MS + (kept.calories - 1) * DAY_MS));
    expect([kept.active_minutes, kept.resting_heart_rate, kept.sleep]).toEqual([0, 0, 0]);

    // A minute later the quota is back.
    await oauth('/sandbox/advance-clock', { seconds: 60 });
    await clearRequests();
    const resumed = await loadNow();
    expect(resumed).toMatchObject({ OUTCOME: 'ok', ERROR_CODE: null, LATEST_DAY: today });
    expect(await counts()).toEqual(full);
    // From the latest day kept less the 7-day re-read window, 14 days a call.
    const rest = 365 - (kept.calories - 1) + 7 + 1;
    expect((await apiRequests())['total-calories']).toBe(Math.ceil(rest / 14));
    expect(resumed.DETAIL.calories!.rows_changed).toBe(full.calories - kept.calories);
  });

  it('runs by itself when the clock passes 07:00 UTC', async () => {
    const before = (await exec(admin, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N;
    await advanceClocks(59 * 60_000); // 06:59 on the engine (a minute or so is real time passed)
    const runs = async () =>
      (
        (await control(sb.snowflake.url, `/sandbox/tasks/runs?task=${TASK}`)) as {
          scheduledFrom: string;
          scheduledTime: string;
          state: string;
        }[]
      ).filter((r) => r.scheduledFrom === 'SCHEDULE');
    if ((await engineNow()) < t0 + 3_600_000) expect(await runs()).toEqual([]);
    await advanceClocks(3 * 60_000);
    const scheduled = await runs();
    expect(scheduled).toEqual([
      expect.objectContaining({ state: 'SUCCEEDED', scheduledTime: new Date(t0 + 3_600_000).toISOString() }),
    ]);
    expect((await exec(admin, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N).toBe(Number(before) + 1);
    expect(await latestRun()).toMatchObject({ OUTCOME: 'ok', ROWS_CHANGED: 0, LATEST_DAY: today });
  });

  it('fails the load after a revocation, and catches up the missed days once re-authorized', async () => {
    await oauth('/sandbox/revoke-all');
    const failed = await loadNow();
    expect(failed).toMatchObject({ OUTCOME: 'failed', ERROR_CODE: 'token_revoked', ROWS_CHANGED: 0 });
    expect(failed.ERROR_MESSAGE).toMatch(/re-authorize/);
    for (const kind of KINDS)
      expect(failed.DETAIL[kind]).toMatchObject({ rows_changed: 0, error_code: 'token_revoked' });
    const before = await counts();

    // The next day's scheduled run fails the same way; the task keeps running (it is not suspended).
    await advanceClocks(DAY_MS);
    expect(await latestRun()).toMatchObject({ OUTCOME: 'failed', ERROR_CODE: 'token_revoked' });
    expect(await counts()).toEqual(before);
    const [task] = await exec(app, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(task!.state).toBe('started');

    // Re-authorized: the day after, the scheduled run loads the two days missed (and re-reads the week).
    await connectAlice();
    await advanceClocks(DAY_MS);
    const caughtUp = await latestRun();
    const newToday = dayOf(t0 + 2 * DAY_MS);
    expect(caughtUp).toMatchObject({ OUTCOME: 'ok', ERROR_CODE: null, LATEST_DAY: newToday });
    expect(await counts()).toEqual(expectedCounts(t0 - 365 * DAY_MS, t0 + 2 * DAY_MS, t0 + 2 * DAY_MS));
    expect(caughtUp.DETAIL.steps).toMatchObject({ rows_changed: 2, latest_day: newToday });
  });

  it('can be run again: data, task and its history kept; a new schedule applied, the task resumed', async () => {
    const before = {
      counts: await counts(),
      runs: (await exec(admin, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N,
    };
    const [taskBefore] = await exec(admin, `SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC`);
    await exec(admin, pipelineScript({ schedule: 'USING CRON 30 6 * * * UTC' }), undefined, {
      MULTI_STATEMENT_COUNT: 0,
    });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await counts()).toEqual(before.counts);
    expect((await exec(admin, `SELECT COUNT(*) AS N FROM ${RUNS}`))[0]!.N).toBe(before.runs);
    const [task] = await exec(admin, `SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC`);
    expect(task).toMatchObject({
      id: taskBefore!.id,
      state: 'started',
      schedule: 'USING CRON 30 6 * * * UTC',
    });
    // The app's grants on the task survive (it was never replaced).
    expect(await exec(app, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC")).toHaveLength(1);
    expect((await loadNow()).OUTCOME).toBe('ok');
  });

  it('runs serverless as the script’s commented alternative says: no warehouse used', async () => {
    // Uncomment the EXECUTE MANAGED TASK grant and the two serverless statements, in place of the SET.
    const script = pipelineScript()
      .replace(
        /^-- (?=GRANT EXECUTE MANAGED TASK|ALTER TASK \S+ (UNSET WAREHOUSE|SET USER_TASK_MANAGED))/gm,
        '',
      )
      .replace(/^ALTER TASK \S+ SET\n {2}WAREHOUSE = [^;]*;\n/m, '');
    expect(script).toContain("SET USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'");
    expect(script).not.toMatch(/ SET\s+WAREHOUSE = /);
    await exec(admin, script, undefined, { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    const [task] = await exec(app, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(task).toMatchObject({ warehouse: null, state: 'started' });
    const stats = async () =>
      ((await control(sb.snowflake.url, '/sandbox/stats')) as { warehouseStatements: number })
        .warehouseStatements;
    const before = await stats();
    await oauth('/sandbox/late-sync', { user: 'alice', date: dayOf(t0), kind: 'sleep', value: 300 });
    expect(await loadNow()).toMatchObject({ OUTCOME: 'ok', ROWS_CHANGED: 1 });
    // latestRun() above read FITBIT_LOAD_RUNS on the app's warehouse: one statement.
    expect(await stats()).toBe(before + 1);
  });

  it('teardown drops the task, procedure, tables and pipeline role', async () => {
    await exec(admin, renderScript('teardown', {}), undefined, { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await exec(admin, 'SHOW TABLES IN DATABASE FITBIT')).toEqual([]);
    expect(await exec(admin, 'SHOW TASKS IN DATABASE FITBIT')).toEqual([]);
    expect(await exec(admin, 'SHOW PROCEDURES IN DATABASE FITBIT')).toEqual([]);
    expect(await exec(admin, "SHOW ROLES LIKE 'FITBIT_PIPELINE_ROLE'")).toEqual([]);
  });
});

describe('sandbox mode', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('shows the pipeline script on /setup, between setup and teardown, copyable (it holds no secret)', async () => {
    const page = (await h.agent.get('/setup')).text;
    const at = (name: string) => page.indexOf(`id="sql-${name}"`);
    expect(at('setup-google-health')).toBeGreaterThan(0);
    expect(at('pipeline-google-health')).toBeGreaterThan(at('setup-google-health'));
    expect(at('teardown')).toBeGreaterThan(at('pipeline-google-health'));
    expect(/<button[^>]*id="copy-pipeline-google-health"[^>]*>/.exec(page)?.[0]).not.toMatch(/\sdisabled\b/);
    expect(page).toContain('CREATE TABLE IF NOT EXISTS FITBIT.PUBLIC.FITBIT_STEPS (');
  });

  it('provisions the daily load too: Connect, then "Load now", lands a year of data', async () => {
    const res = await h.connectAndFollow();
    expect(res.status).toBe(200);
    // "Load now" is EXECUTE TASK in the app's own session, with its least-privileged role.
    const session = new SnowflakeSession(h.config.snowflake.connection, createLogger('silent'));
    try {
      await session.execute(`EXECUTE TASK ${TASK}`);
    } finally {
      await session.close();
    }
    expect(await h.sandbox.sandbox.snowflake.waitForTasks(LOAD_MS)).toBe(true);
    const [run] = await h.admin(`SELECT OUTCOME, ROWS_CHANGED FROM ${RUNS}`);
    expect(run).toMatchObject({ OUTCOME: 'ok' });
    const [steps] = await h.admin(`SELECT COUNT(*) AS N FROM ${TABLES.steps}`);
    expect(Number(steps!.N)).toBe(366);
  });
});
