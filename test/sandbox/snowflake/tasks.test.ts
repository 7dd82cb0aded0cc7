// Tasks through the real snowflake-sdk: created suspended, resumed by a role whose owner holds EXECUTE
// TASK, run when the stand-in's clock passes their cron time (POST /sandbox/clock) or at once by EXECUTE
// TASK, as the owner role on the task's warehouse; every run in TASK_HISTORY. Tests wait for the runs to
// settle (POST /sandbox/tasks/wait), never for a duration.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { type Conn, connect, destroy, exec, failure } from './driver.js';

let sb: SnowflakeSandbox;
let admin: Conn;
let pipeline: Conn;
let app: Conn;
let dir: string;

const START = '2026-11-28T06:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function run(conn: Conn, statements: string[]): Promise<void> {
  for (const sql of statements) await exec(conn, sql);
}

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const advance = (ms: number) => control('/sandbox/clock', { advanceMs: ms });
const settle = async (task?: string) =>
  expect((await control('/sandbox/tasks/wait', { task })).idle).toBe(true);

const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());

interface HistoryRow {
  state: string;
  scheduled: string | null;
  started: string | null;
  next: string | null;
  from: string;
  code: unknown;
  message: unknown;
}

async function history(conn: Conn, task: string): Promise<HistoryRow[]> {
  const rows = await exec(
    conn,
    `SELECT * FROM TABLE(demo.INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '${task}', RESULT_LIMIT => 10))`,
  );
  return rows.map((r) => ({
    state: r.STATE as string,
    scheduled: iso(r.SCHEDULED_TIME),
    started: iso(r.QUERY_START_TIME),
    next: iso(r.NEXT_SCHEDULED_TIME),
    from: r.SCHEDULED_FROM as string,
    code: r.ERROR_CODE,
    message: r.ERROR_MESSAGE,
  }));
}

const procedure = (name: string, args: string, body: string) =>
  `CREATE OR REPLACE PROCEDURE demo.public.${name}(${args}) RETURNS VARCHAR LANGUAGE PYTHON
     RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' AS $$${body}$$`;

const LOAD = `
def run(session, days):
    role = session.sql("SELECT CURRENT_ROLE() AS R").collect()[0].R
    return f"loaded {days} days as {role}"
`;

// Holds its run open until the test creates the file: an event, not a duration.
const WAIT_FOR = `
import os, time

def run(session, path):
    while not os.path.exists(path):
        time.sleep(0.01)
    return "released"
`;

const FAILS = `
def run(session):
    raise ValueError("the API said no")
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-tasks-'));
  // A still base clock: the engine's time is START plus what the tests advance, to the millisecond.
  sb = await startSnowflakeSandbox({ port: 0, now: () => new Date(START) });
  admin = await connect(sb.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
  await run(admin, [
    'CREATE DATABASE demo',
    'CREATE ROLE pipeline_role',
    'CREATE ROLE app_role',
    'GRANT USAGE ON DATABASE demo TO ROLE pipeline_role',
    'GRANT USAGE ON SCHEMA demo.public TO ROLE pipeline_role',
    'GRANT CREATE PROCEDURE, CREATE TASK ON SCHEMA demo.public TO ROLE pipeline_role',
    'GRANT USAGE ON DATABASE demo TO ROLE app_role',
    'GRANT USAGE ON SCHEMA demo.public TO ROLE app_role',
    "CREATE USER pipeline_user PASSWORD = 'pipe-pw' DEFAULT_ROLE = pipeline_role DEFAULT_WAREHOUSE = SANDBOX_WH",
    'GRANT ROLE pipeline_role TO USER pipeline_user',
    "CREATE USER app_user PASSWORD = 'app-pw' DEFAULT_ROLE = app_role DEFAULT_WAREHOUSE = SANDBOX_WH",
    'GRANT ROLE app_role TO USER app_user',
  ]);
  pipeline = await connect(sb.url, { username: 'pipeline_user', password: 'pipe-pw' });
  app = await connect(sb.url, { username: 'app_user', password: 'app-pw' });
  await run(pipeline, [
    procedure('load', 'days NUMBER', LOAD),
    procedure('wait_for', 'path VARCHAR', WAIT_FOR),
    procedure('fails', '', FAILS),
    `CREATE TASK demo.public.daily_load WAREHOUSE = SANDBOX_WH SCHEDULE = 'USING CRON 0 7 * * * UTC'
       COMMENT = 'the daily load' AS CALL demo.public.load(365)`,
  ]);
});

afterAll(async () => {
  for (const c of [app, pipeline, admin]) if (c) await destroy(c);
  await sb?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a scheduled task', () => {
  it('is created suspended; SHOW TASKS and DESCRIBE TASK answer without a warehouse', async () => {
    const noWarehouse = await connect(sb.url, {
      username: 'pipeline_user',
      password: 'pipe-pw',
      warehouse: 'NONE',
    });
    const [shown] = await exec(noWarehouse, "SHOW TASKS LIKE 'daily%' IN SCHEMA demo.public");
    await destroy(noWarehouse);
    expect(shown).toMatchObject({
      name: 'DAILY_LOAD',
      database_name: 'DEMO',
      schema_name: 'PUBLIC',
      owner: 'PIPELINE_ROLE',
      comment: 'the daily load',
      warehouse: 'SANDBOX_WH',
      schedule: 'USING CRON 0 7 * * * UTC',
      predecessors: '[]',
      state: 'suspended',
      definition: 'CALL demo.public.load(365)',
      condition: null,
      allow_overlapping_execution: 'false',
      last_committed_on: null,
      owner_role_type: 'ROLE',
      last_suspended_reason: null,
    });
    expect(Object.keys(shown!)).toEqual(
      expect.arrayContaining([
        'created_on',
        'id',
        'error_integration',
        'last_suspended_on',
        'config',
        'budget',
      ]),
    );
    const [described] = await exec(pipeline, 'DESCRIBE TASK demo.public.daily_load');
    expect(described).toEqual(shown);
  });

  it('resumes only once its owner holds EXECUTE TASK, and only for a role with OWNERSHIP or OPERATE', async () => {
    const noPrivilege = await failure(exec(pipeline, 'ALTER TASK demo.public.daily_load RESUME'));
    expect(noPrivilege.code).toBe('003001');
    expect(noPrivilege.message).toBe(
      'Cannot execute task DAILY_LOAD, EXECUTE TASK privilege must be granted to owner role',
    );
    await exec(admin, 'GRANT EXECUTE TASK ON ACCOUNT TO ROLE pipeline_role');
    const stranger = await failure(exec(app, 'ALTER TASK demo.public.daily_load RESUME'));
    expect(stranger.code).toBe('002003');
    expect(stranger.message).toContain("Task 'DEMO.PUBLIC.DAILY_LOAD' does not exist or not authorized.");

    await exec(pipeline, 'ALTER TASK demo.public.daily_load RESUME');
    const [shown] = await exec(pipeline, "SHOW TASKS LIKE 'DAILY_LOAD' IN DATABASE demo");
    expect(shown!.state).toBe('started');
    expect(iso(shown!.last_committed_on)).toBe(START);
    expect(await history(pipeline, 'daily_load')).toEqual([
      {
        state: 'SCHEDULED',
        scheduled: '2026-11-28T07:00:00.000Z',
        started: null,
        next: '2026-11-29T07:00:00.000Z',
        from: 'SCHEDULE',
        code: null,
        message: null,
      },
    ]);
  });

  it('runs when the clock passes its cron time, once per due time, as its owner', async () => {
    await advance(HOUR + 5 * 60_000); // 07:05
    await settle('demo.public.daily_load');
    const [next, ran] = await history(pipeline, 'daily_load');
    expect(next).toMatchObject({ state: 'SCHEDULED', scheduled: '2026-11-29T07:00:00.000Z' });
    expect(ran).toEqual({
      state: 'SUCCEEDED',
      scheduled: '2026-11-28T07:00:00.000Z',
      started: '2026-11-28T07:05:00.000Z',
      next: '2026-11-29T07:00:00.000Z',
      from: 'SCHEDULE',
      code: null,
      message: null,
    });
    const log = (await (await fetch(`${sb.url}/sandbox/statements`)).json()) as Record<string, unknown>[];
    expect(log.filter((s) => s.origin === 'task').at(-1)).toMatchObject({
      user: 'SYSTEM',
      role: 'PIPELINE_ROLE',
      sqlText: 'CALL demo.public.load(365)',
      ok: true,
      usedWarehouse: true,
    });

    await advance(2 * DAY); // 07:05 two days later: two due times passed
    await settle();
    const runs = (await history(pipeline, 'daily_load')).filter((r) => r.state !== 'SCHEDULED');
    expect(runs.map((r) => [r.state, r.scheduled])).toEqual([
      ['SUCCEEDED', '2026-11-30T07:00:00.000Z'],
      ['SUCCEEDED', '2026-11-29T07:00:00.000Z'],
      ['SUCCEEDED', '2026-11-28T07:00:00.000Z'],
    ]);
  });

  it('is changed only while suspended, by its owner', async () => {
    const started = await failure(
      exec(pipeline, "ALTER TASK demo.public.daily_load SET SCHEDULE = '5 MINUTES'"),
    );
    expect(started.message).toBe(
      'Unable to update graph with root task DEMO.PUBLIC.DAILY_LOAD since that root task is not suspended.',
    );
    await run(pipeline, [
      'ALTER TASK demo.public.daily_load SUSPEND',
      "ALTER TASK demo.public.daily_load SET SCHEDULE = '5 MINUTES'",
      'ALTER TASK demo.public.daily_load RESUME',
    ]);
    const [shown] = await exec(pipeline, "SHOW TASKS LIKE 'DAILY_LOAD'");
    expect(shown).toMatchObject({
      schedule: '5 MINUTES',
      state: 'started',
      last_suspended_reason: 'USER_SUSPENDED',
    });
    const before = (await history(pipeline, 'daily_load')).length;
    await advance(11 * 60_000); // two intervals from the resume
    await settle('DAILY_LOAD');
    expect((await history(pipeline, 'daily_load')).length - before).toBe(2);
    await exec(pipeline, 'ALTER TASK demo.public.daily_load SUSPEND');
    expect((await history(pipeline, 'daily_load'))[0]!.state).toBe('SUCCEEDED'); // no SCHEDULED row now
  });
});

describe('EXECUTE TASK and the app role', () => {
  it('shows the task with MONITOR, and runs it at once with OPERATE, returning before the run ends', async () => {
    const release = join(dir, 'release');
    await exec(
      pipeline,
      `CREATE TASK demo.public.manual WAREHOUSE = SANDBOX_WH AS CALL demo.public.wait_for('${release}')`,
    );
    expect(await exec(app, 'SHOW TASKS IN SCHEMA demo.public')).toEqual([]);

    await exec(pipeline, 'GRANT MONITOR ON TASK demo.public.manual TO ROLE app_role');
    expect((await exec(app, 'SHOW TASKS IN SCHEMA demo.public')).map((t) => t.name)).toEqual(['MANUAL']);
    const monitorOnly = await failure(exec(app, 'EXECUTE TASK demo.public.manual'));
    expect(monitorOnly.code).toBe('003001');
    expect(monitorOnly.message).toContain("Insufficient privileges to operate on task 'MANUAL'");

    await exec(pipeline, 'GRANT OPERATE ON TASK demo.public.manual TO ROLE app_role');
    const [answer] = await exec(app, 'EXECUTE TASK demo.public.manual');
    expect(answer!.status).toBe('Task MANUAL is scheduled to run immediately.');
    // The run holds until the file exists: EXECUTE TASK has returned while it executes.
    expect(await history(app, 'manual')).toMatchObject([{ state: 'EXECUTING', from: 'EXECUTE_TASK' }]);
    await writeFile(release, '');
    await settle('manual');
    expect(await history(app, 'manual')).toMatchObject([{ state: 'SUCCEEDED', from: 'EXECUTE_TASK' }]);
    // EXECUTE TASK itself used no warehouse; the run's CALL did.
    const log = (await (await fetch(`${sb.url}/sandbox/statements`)).json()) as Record<string, unknown>[];
    expect(log.find((e) => e.sqlText === 'EXECUTE TASK demo.public.manual')).toMatchObject({
      usedWarehouse: false,
    });
    expect(log.filter((e) => e.origin === 'task').at(-1)).toMatchObject({
      role: 'PIPELINE_ROLE',
      usedWarehouse: true,
    });
    // EXECUTE TASK does not resume a suspended task.
    const [shown] = await exec(app, 'SHOW TASKS IN SCHEMA demo.public');
    expect(shown!.state).toBe('suspended');
    expect(shown!.last_committed_on).not.toBeNull();

    const runs = (await control('/sandbox/tasks/runs?task=DEMO.PUBLIC.MANUAL')) as unknown as Record<
      string,
      unknown
    >[];
    expect(runs).toMatchObject([
      { task: 'DEMO.PUBLIC.MANUAL', state: 'SUCCEEDED', scheduledFrom: 'EXECUTE_TASK' },
    ]);
  });

  it('records a failing body FAILED, with the error', async () => {
    await run(pipeline, [
      'CREATE TASK demo.public.broken WAREHOUSE = SANDBOX_WH AS CALL demo.public.fails()',
      'CREATE TASK demo.public.unknown_fn WAREHOUSE = SANDBOX_WH AS SELECT demo.public.no_such_function()',
      'EXECUTE TASK demo.public.broken',
      'EXECUTE TASK demo.public.unknown_fn',
    ]);
    await settle();
    const [broken] = await history(pipeline, 'broken');
    expect(broken).toMatchObject({ state: 'FAILED', code: 100357 });
    expect(broken!.message).toContain('ValueError: the API said no');
    expect(broken!.message).toContain('in function FAILS with handler run');
    const [unknown] = await history(pipeline, 'unknown_fn');
    expect(unknown).toMatchObject({
      state: 'FAILED',
      code: 2141, // TASK_HISTORY's ERROR_CODE is a NUMBER
      message: 'SQL compilation error:\nUnknown user-defined function DEMO.PUBLIC.NO_SUCH_FUNCTION.',
    });
    const failed = await exec(
      pipeline,
      'SELECT NAME, STATE FROM TABLE(demo.INFORMATION_SCHEMA.TASK_HISTORY(ERROR_ONLY => TRUE))',
    );
    expect(failed.map((r) => r.NAME).sort()).toEqual(['BROKEN', 'UNKNOWN_FN']);
  });

  it('sees TASK_HISTORY only of tasks it holds a privilege on', async () => {
    const seen = await exec(app, 'SELECT NAME FROM TABLE(demo.INFORMATION_SCHEMA.TASK_HISTORY())');
    expect(new Set(seen.map((r) => r.NAME))).toEqual(new Set(['MANUAL']));
  });
});

describe('the clock', () => {
  it('is read and set over /sandbox/clock, and CURRENT_DATE follows it', async () => {
    const read = await control('/sandbox/clock');
    expect(read.offsetMs).toBeGreaterThan(0);
    const set = await control('/sandbox/clock', { now: '2027-01-31T23:30:00Z' });
    expect(set).toEqual({
      now: '2027-01-31T23:30:00.000Z',
      offsetMs: Date.parse('2027-01-31T23:30:00Z') - Date.parse(START),
    });
    const [row] = await exec(app, 'SELECT CURRENT_DATE() AS D');
    expect(new Date(row!.D as string).toISOString().slice(0, 10)).toBe('2027-01-31');
    const bad = await fetch(`${sb.url}/sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: -1 }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('task DDL', () => {
  it('needs CREATE TASK on the schema, and USAGE on the warehouse', async () => {
    const noCreate = await failure(
      exec(app, 'CREATE TASK demo.public.mine WAREHOUSE = SANDBOX_WH AS SELECT 1'),
    );
    expect(noCreate.code).toBe('003001');
    await exec(admin, 'CREATE WAREHOUSE private_wh');
    const noWarehouse = await failure(
      exec(pipeline, 'CREATE TASK demo.public.elsewhere WAREHOUSE = private_wh AS SELECT 1'),
    );
    expect(noWarehouse.code).toBe('002003');
    const serverless = await failure(
      exec(
        pipeline,
        "CREATE TASK demo.public.serverless USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' AS SELECT 1",
      ),
    );
    expect(serverless.code).toBe('003001'); // EXECUTE MANAGED TASK on the account
  });

  it('refuses a bad schedule and a body it cannot parse', async () => {
    const cron = await failure(
      exec(
        pipeline,
        "CREATE TASK demo.public.t1 WAREHOUSE = SANDBOX_WH SCHEDULE = 'USING CRON 0 25 * * * UTC' AS SELECT 1",
      ),
    );
    expect(cron.message).toContain("invalid value [USING CRON 0 25 * * * UTC] for parameter 'SCHEDULE'");
    const zone = await failure(
      exec(
        pipeline,
        "CREATE TASK demo.public.t1 WAREHOUSE = SANDBOX_WH SCHEDULE = 'USING CRON 0 7 * * * Mars/Base' AS SELECT 1",
      ),
    );
    expect(zone.message).toContain("unknown time zone 'Mars/Base'");
    const body = await failure(
      exec(pipeline, 'CREATE TASK demo.public.t1 WAREHOUSE = SANDBOX_WH AS FROBNICATE'),
    );
    expect(body.code).toBe('001003');
  });

  it('DROP TASK needs OWNERSHIP', async () => {
    expect((await failure(exec(app, 'DROP TASK demo.public.manual'))).code).toBe('003001');
    const [dropped] = await exec(pipeline, 'DROP TASK demo.public.manual');
    expect(dropped!.status).toBe('MANUAL successfully dropped.');
    expect(await exec(app, 'SHOW TASKS IN SCHEMA demo.public')).toEqual([]);
  });
});
