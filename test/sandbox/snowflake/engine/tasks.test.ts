// Tasks in the engine on its own, with a clock the test moves: catch-up after a jump, auto-suspension
// after failures, ownership transfer, grants, TASK_HISTORY's arguments, reset.
import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { SqlError } from '../../../../sandbox/snowflake/contract.js';
import { createEngine, type NestedStatement } from '../../../../sandbox/snowflake/engine.js';
import { admin, fails, objects, one, script } from './helpers.js';

const MINUTE = 60_000;
const _DAY = 86_400_000;
let now: number;
let engine: SqlEngine;
let heard: NestedStatement[];
let failing: boolean;
const wh: SessionState = { ...admin(), warehouse: 'SANDBOX_WH' };

beforeEach(async () => {
  now = Date.parse('2026-11-28T06:00:00Z');
  heard = [];
  failing = false;
  engine = createEngine({
    runner: {
      async run() {
        if (failing) throw new SqlError('100357', 'P0000', 'Python Interpreter Error:\nboom');
        return { kind: 'scalar', value: 'ok' };
      },
    },
    now: () => new Date(now),
    onNestedStatement: (s) => heard.push(s),
  });
  await script(
    engine,
    wh,
    `CREATE DATABASE demo;
     CREATE FUNCTION demo.public.f() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'h' AS 'x';
     CREATE TASK demo.public.every_minute WAREHOUSE = SANDBOX_WH SCHEDULE = 'USING CRON * * * * * UTC'
       AS SELECT demo.public.f()`,
  );
});

const tick = async (ms: number) => {
  now += ms;
  engine.tasks!.tick();
  expect(await engine.tasks!.idle()).toBe(true);
};
const runs = () => engine.tasks!.runs();

describe('the scheduler', () => {
  it('after a long jump runs only the last 100 due times', async () => {
    await one(engine, wh, 'ALTER TASK demo.public.every_minute RESUME');
    await tick(3 * 60 * MINUTE); // 180 due times passed
    expect(runs()).toHaveLength(100);
    expect(new Date(runs()[0]!.scheduledTime).toISOString()).toBe('2026-11-28T07:21:00.000Z');
    expect(new Date(runs().at(-1)!.scheduledTime).toISOString()).toBe('2026-11-28T09:00:00.000Z');
    // the task body ran as the owner role, as SYSTEM, on the task's warehouse
    expect(heard.at(-1)).toMatchObject({
      origin: 'task',
      user: 'SYSTEM',
      role: 'ACCOUNTADMIN',
      usedWarehouse: true,
    });
  });

  it('suspends a task after SUSPEND_TASK_AFTER_NUM_FAILURES consecutive failures', async () => {
    failing = true;
    await script(
      engine,
      wh,
      `ALTER TASK demo.public.every_minute SET SUSPEND_TASK_AFTER_NUM_FAILURES = 3;
       ALTER TASK demo.public.every_minute RESUME`,
    );
    await tick(10 * MINUTE);
    expect(runs().map((r) => r.state)).toEqual(['FAILED', 'FAILED', 'FAILED_AND_AUTO_SUSPENDED']);
    expect(runs()[0]).toMatchObject({ errorCode: '100357', errorMessage: 'Python Interpreter Error:\nboom' });
    const [shown] = objects(await one(engine, wh, 'SHOW TASKS'));
    expect(shown).toMatchObject({ state: 'suspended', last_suspended_reason: 'SUSPENDED_DUE_TO_ERRORS' });
  });

  it('stops running a dropped task, and forgets every run on reset', async () => {
    await one(engine, wh, 'ALTER TASK demo.public.every_minute RESUME');
    await tick(2 * MINUTE);
    expect(runs()).toHaveLength(2);
    await one(engine, wh, 'DROP TASK demo.public.every_minute');
    await tick(5 * MINUTE);
    expect(runs()).toHaveLength(2);
    engine.reset();
    expect(runs()).toHaveLength(0);
  });

  it('runs the owner role’s tasks no more once it loses EXECUTE TASK: each due run fails', async () => {
    await one(engine, wh, 'ALTER TASK demo.public.every_minute RESUME');
    await one(engine, wh, 'REVOKE EXECUTE TASK ON ACCOUNT FROM ROLE accountadmin');
    await tick(MINUTE);
    expect(runs()[0]).toMatchObject({
      state: 'FAILED',
      errorMessage: 'Cannot execute task EVERY_MINUTE, EXECUTE TASK privilege must be granted to owner role',
    });
    expect(heard).toHaveLength(0); // the body never ran
  });
});

describe('task privileges', () => {
  it('GRANT OWNERSHIP suspends the task; grants on a task are MONITOR and OPERATE', async () => {
    await script(
      engine,
      wh,
      `CREATE ROLE new_owner;
       GRANT USAGE ON DATABASE demo TO ROLE new_owner;
       GRANT USAGE ON SCHEMA demo.public TO ROLE new_owner;
       GRANT MONITOR, OPERATE ON TASK demo.public.every_minute TO ROLE new_owner;
       ALTER TASK demo.public.every_minute RESUME`,
    );
    const invalid = await fails(
      one(engine, wh, 'GRANT USAGE ON TASK demo.public.every_minute TO ROLE new_owner'),
    );
    expect(invalid.code).toBe('003011');
    await one(
      engine,
      wh,
      'GRANT OWNERSHIP ON TASK demo.public.every_minute TO ROLE new_owner COPY CURRENT GRANTS',
    );
    const [shown] = objects(await one(engine, wh, 'SHOW TASKS'));
    expect(shown).toMatchObject({
      owner: 'NEW_OWNER',
      state: 'suspended',
      last_suspended_reason: 'GRANT_OWNERSHIP',
    });
    const grants = objects(await one(engine, wh, 'SHOW GRANTS TO ROLE new_owner'));
    expect(
      grants
        .filter((g) => g.granted_on === 'TASK')
        .map((g) => g.privilege)
        .sort(),
    ).toEqual(['MONITOR', 'OPERATE', 'OWNERSHIP']);
  });
});

describe('TASK_HISTORY', () => {
  it('needs a warehouse, and a current database for the unqualified name', async () => {
    const noDb = await fails(
      one(engine, { ...wh, database: null }, 'SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())'),
    );
    expect(noDb.code).toBe('090105');
    const noWh = await fails(
      one(engine, { ...admin(), database: 'DEMO' }, 'SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())'),
    );
    expect(noWh.code).toBe('000606');
  });

  it('takes RESULT_LIMIT, TASK_NAME, DATABASE_NAME and SCHEMA_NAME, newest first', async () => {
    await one(engine, wh, 'ALTER TASK demo.public.every_minute RESUME');
    await tick(3 * MINUTE);
    const r = await one(
      engine,
      wh,
      `SELECT NAME, STATE, SCHEDULED_TIME FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY(
         TASK_NAME => 'every_minute', DATABASE_NAME => 'demo', SCHEMA_NAME => 'PUBLIC', RESULT_LIMIT => 2))`,
    );
    expect(r.usedWarehouse).toBe(true);
    expect(objects(r).map((x) => x.STATE)).toEqual(['SCHEDULED', 'SUCCEEDED']);
    const other = await one(
      engine,
      wh,
      `SELECT NAME FROM TABLE(demo.INFORMATION_SCHEMA.TASK_HISTORY(DATABASE_NAME => '"demo"'))`,
    );
    expect(other.rows).toEqual([]); // quoted: case-sensitive
    const bad = await fails(
      one(engine, wh, 'SELECT * FROM TABLE(demo.INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 0))'),
    );
    expect(bad.message).toContain('RESULT_LIMIT must be between 1 and 10000');
  });
});
