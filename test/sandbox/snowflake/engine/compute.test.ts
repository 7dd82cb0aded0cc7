// The warehouse model on the engine's clock: suspend after AUTO_SUSPEND seconds idle, resume for a statement
// that needs compute, a Python function's cold start after its warehouse (re)started, ALTER WAREHOUSE …
// RESUME | SUSPEND and SHOW WAREHOUSES' state. No sleeps: the clock is moved, and the waits the model asks
// for are recorded instead of slept (they are real time only where the latency model is on).
import { beforeEach, describe, expect, it } from 'vitest';
import { latencyModel, NO_LATENCY, REALISTIC_LATENCY } from '../../../../sandbox/snowflake/compute.js';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { createEngine } from '../../../../sandbox/snowflake/engine.js';
import { admin, as, fails, NOW, objects, one, SETUP, script } from './helpers.js';

let engine: SqlEngine;
let nowMs: number;
/** Every wait the model asked for, in order; each resolves when the test says (or at once). */
let waits: number[];
let hold: boolean;
let release: () => void;
let s: SessionState;

const advance = (seconds: number) => {
  nowMs += seconds * 1000;
};
const state = async (name = 'TEST_WH') =>
  objects(await one(engine, s, `SHOW WAREHOUSES LIKE '${name}'`))[0]?.state;
const check = (session = s) => one(engine, session, 'SELECT fitbit.public.connection_check()');

beforeEach(async () => {
  nowMs = NOW.getTime();
  waits = [];
  hold = false;
  let held: (() => void)[] = [];
  release = () => {
    const all = held;
    held = [];
    for (const r of all) r();
  };
  engine = createEngine({
    runner: { run: async () => ({ kind: 'scalar', value: 'ok' }) },
    now: () => new Date(nowMs),
    sleep: (ms) => {
      waits.push(ms);
      return hold ? new Promise<void>((r) => held.push(r)) : Promise.resolve();
    },
  });
  engine.compute!.setLatency(REALISTIC_LATENCY);
  s = admin();
  await script(engine, s, SETUP);
  await script(
    engine,
    s,
    `CREATE WAREHOUSE test_wh WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE;
     USE WAREHOUSE test_wh;`,
  );
});

describe('the latency model', () => {
  it('defaults near a real account; off waits for nothing; numbers override the realistic ones', () => {
    expect(latencyModel('realistic')).toEqual({ resumeMs: 1500, coldStartMs: 1500 });
    expect(latencyModel()).toEqual(NO_LATENCY);
    expect(latencyModel({ coldStartMs: 0 })).toEqual({ resumeMs: 1500, coldStartMs: 0 });
    expect(latencyModel({ model: 'off', resumeMs: 10 })).toEqual({ resumeMs: 10, coldStartMs: 0 });
    expect(() => latencyModel({ resumeMs: -1 })).toThrow();
  });
});

describe('a warehouse suspends and resumes on the engine clock', () => {
  it('CREATE starts a warehouse unless INITIALLY_SUSPENDED; the seeded one sleeps', async () => {
    expect(await state()).toBe('SUSPENDED');
    await one(engine, s, 'CREATE WAREHOUSE busy_wh AUTO_SUSPEND = 60');
    expect(await state('BUSY_WH')).toBe('STARTED');
    expect(await state('SANDBOX_WH')).toBe('SUSPENDED');
    expect(waits).toEqual([]);
  });

  it('a function call on a suspended warehouse waits for the resume, then for its cold start', async () => {
    await check();
    expect(waits).toEqual([1500, 1500]);
    expect(await state()).toBe('STARTED');
    expect(engine.compute!.counts).toMatchObject({ resumes: 1, coldStarts: 1, waitedMs: 3000 });
    // Warm: running warehouse, function already called on it.
    advance(59);
    await check();
    expect(waits).toEqual([1500, 1500]);
    // AUTO_SUSPEND counts from the last statement: 60 s idle and it sleeps, and its functions go cold.
    advance(59);
    expect(await state()).toBe('STARTED');
    advance(1);
    expect(await state()).toBe('SUSPENDED');
    await check();
    expect(waits).toEqual([1500, 1500, 1500, 1500]);
    expect(engine.compute!.counts.resumes).toBe(2);
  });

  it('reads that need no compute never resume it', async () => {
    await one(engine, s, 'DESCRIBE SECRET fitbit.public.google_cred');
    await one(engine, s, 'SELECT CURRENT_USER(), CURRENT_WAREHOUSE()');
    await one(engine, s, 'SHOW WAREHOUSES');
    expect(await state()).toBe('SUSPENDED');
    expect(waits).toEqual([]);
  });

  it('with the model off nothing waits, and the state is kept all the same', async () => {
    engine.compute!.setLatency(NO_LATENCY);
    await check();
    expect(waits).toEqual([]);
    expect(await state()).toBe('STARTED');
    expect(engine.compute!.counts).toMatchObject({ resumes: 1, coldStarts: 1, waitedMs: 0 });
  });

  it('statements arriving during a resume wait for the same one (RESUMING meanwhile)', async () => {
    hold = true;
    const first = check();
    const second = check();
    await Promise.resolve();
    expect(await state()).toBe('RESUMING');
    release();
    // Both waited for the one resume; each then waits for the function's cold start (the first only).
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second]);
    expect(engine.compute!.counts).toMatchObject({ resumes: 1, coldStarts: 1 });
    expect(await state()).toBe('STARTED');
  });

  it('AUTO_RESUME = FALSE: a suspended warehouse fails the statement as Snowflake does', async () => {
    await one(engine, s, 'ALTER WAREHOUSE test_wh SET AUTO_RESUME = FALSE');
    const e = await fails(check());
    expect(e.code).toBe('000606');
    expect(waits).toEqual([]);
  });
});

describe('ALTER WAREHOUSE … RESUME | SUSPEND', () => {
  it('RESUME IF SUSPENDED answers once it runs; again it does nothing; plain RESUME then fails', async () => {
    await one(engine, s, 'ALTER WAREHOUSE test_wh RESUME IF SUSPENDED');
    expect(waits).toEqual([1500]);
    expect(await state()).toBe('STARTED');
    await one(engine, s, 'ALTER WAREHOUSE test_wh RESUME IF SUSPENDED');
    expect(waits).toEqual([1500]);
    const e = await fails(one(engine, s, 'ALTER WAREHOUSE test_wh RESUME'));
    expect(e.message).toBe("Invalid state. Warehouse 'TEST_WH' cannot be resumed since it is not suspended.");
    // The function still goes cold on its first call: a resume starts no Python.
    await check();
    expect(waits).toEqual([1500, 1500]);
  });

  it('SUSPEND stops it (and its functions go cold); a suspended one cannot be suspended', async () => {
    await check();
    await one(engine, s, 'ALTER WAREHOUSE test_wh SUSPEND');
    expect(await state()).toBe('SUSPENDED');
    const e = await fails(one(engine, s, 'ALTER WAREHOUSE test_wh SUSPEND'));
    expect(e.message).toBe("Invalid state. Warehouse 'TEST_WH' cannot be suspended.");
    await check();
    expect(engine.compute!.counts).toMatchObject({ resumes: 2, coldStarts: 2 });
  });

  it('a statement running when SUSPEND comes finishes, and does not resume the warehouse again', async () => {
    await one(engine, s, 'ALTER WAREHOUSE test_wh RESUME');
    hold = true;
    const running = check(); // waits in its cold start
    await new Promise((r) => setImmediate(r));
    await one(engine, s, 'ALTER WAREHOUSE test_wh SUSPEND');
    release();
    await running;
    expect(await state()).toBe('SUSPENDED');
    expect(engine.compute!.counts.resumes).toBe(1);
  });

  it("without a name: the session's warehouse", async () => {
    await one(engine, s, 'ALTER WAREHOUSE RESUME IF SUSPENDED');
    expect(await state()).toBe('STARTED');
    await one(engine, s, 'ALTER WAREHOUSE SUSPEND');
    expect(await state()).toBe('SUSPENDED');
  });

  it('needs OPERATE (or ownership): USAGE lets a role run on it, not resume it', async () => {
    await script(
      engine,
      s,
      `CREATE ROLE user_only; CREATE ROLE operator;
       GRANT USAGE ON WAREHOUSE test_wh TO ROLE user_only;
       GRANT USAGE, OPERATE ON WAREHOUSE test_wh TO ROLE operator;
       GRANT ROLE user_only TO USER sandbox_admin; GRANT ROLE operator TO USER sandbox_admin;`,
    );
    const e = await fails(
      one(engine, as('USER_ONLY', { warehouse: 'TEST_WH' }), 'ALTER WAREHOUSE test_wh RESUME IF SUSPENDED'),
    );
    expect(e.code).toBe('003001');
    await one(
      engine,
      as('OPERATOR', { warehouse: 'TEST_WH' }),
      'ALTER WAREHOUSE test_wh RESUME IF SUSPENDED',
    );
    expect(await state()).toBe('STARTED');
    const missing = await fails(one(engine, s, 'ALTER WAREHOUSE no_such_wh RESUME'));
    expect(missing.code).toBe('002003');
    await one(engine, s, 'ALTER WAREHOUSE IF EXISTS no_such_wh RESUME');
  });
});
