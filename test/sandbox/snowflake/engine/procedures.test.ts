// CALL in the engine on its own: the invocation a procedure's handler gets, and its statements' session
// (owner's or caller's rights), through a fake runner that plays the handler.
import { beforeEach, describe, expect, it } from 'vitest';
import type { FunctionInvocation, SqlAnswer, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { createEngine, type NestedStatement } from '../../../../sandbox/snowflake/engine.js';
import { admin, as, fails, objects, one, script } from './helpers.js';

let engine: SqlEngine;
let calls: FunctionInvocation[];
let heard: NestedStatement[];
/** What the fake handler runs through session.sql. */
let statements: { sql: string; params?: unknown[] }[];
let answers: SqlAnswer[];

beforeEach(async () => {
  calls = [];
  heard = [];
  answers = [];
  statements = [{ sql: 'SELECT CURRENT_ROLE() AS R, CURRENT_DATABASE() AS D, CURRENT_WAREHOUSE() AS W' }];
  engine = createEngine({
    runner: {
      async run(inv) {
        calls.push(inv);
        for (const s of statements) answers.push(await inv.sql!(s.sql, s.params ?? []));
        return { kind: 'scalar', value: '{"done":true}' };
      },
    },
    now: () => new Date('2026-11-28T12:00:00Z'),
    onNestedStatement: (s) => heard.push(s),
  });
  await script(
    engine,
    admin(),
    `CREATE DATABASE demo;
     CREATE ROLE owner_role; CREATE ROLE caller_role;
     GRANT USAGE ON DATABASE demo TO ROLE owner_role; GRANT USAGE ON SCHEMA demo.public TO ROLE owner_role;
     GRANT CREATE PROCEDURE ON SCHEMA demo.public TO ROLE owner_role;
     GRANT USAGE ON DATABASE demo TO ROLE caller_role; GRANT USAGE ON SCHEMA demo.public TO ROLE caller_role;
     GRANT ROLE owner_role TO USER sandbox_admin; GRANT ROLE caller_role TO USER sandbox_admin;
     USE ROLE owner_role;
     CREATE PROCEDURE demo.public.p(days NUMBER, since DATE) RETURNS VARIANT LANGUAGE PYTHON
       RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' AS 'def run(s, d, t): pass';
     GRANT USAGE ON PROCEDURE demo.public.p(NUMBER, DATE) TO ROLE caller_role`,
  );
});

const caller = () => as('CALLER_ROLE', { warehouse: 'SANDBOX_WH', database: 'OTHER' });

describe('CALL', () => {
  it("gives the handler a procedure invocation whose statements run as the owner, on the caller's warehouse", async () => {
    const r = await one(engine, caller(), "CALL demo.public.p(7, '2026-11-01')");
    expect(r.usedWarehouse).toBe(true);
    expect(r.columns).toEqual([{ name: 'P', type: 'variant', nullable: true }]);
    expect(r.rows).toEqual([['{"done":true}']]);
    expect(calls[0]).toMatchObject({
      functionName: 'DEMO.PUBLIC.P',
      kind: 'procedure',
      handler: 'run',
      argTypes: ['NUMBER', 'DATE'],
      args: [7, '2026-11-01'],
    });
    const [answer] = answers;
    expect(answer).toMatchObject({
      ok: true,
      columns: [
        { name: 'R', type: 'text' },
        { name: 'D', type: 'text' },
        { name: 'W', type: 'text' },
      ],
      rows: [['OWNER_ROLE', 'DEMO', 'SANDBOX_WH']],
    });
    expect(heard).toMatchObject([
      { origin: 'procedure', role: 'OWNER_ROLE', user: 'SANDBOX_ADMIN', ok: true },
    ]);
  });

  it('answers a refused statement as an error, with binds from the handler', async () => {
    statements = [
      { sql: 'SELECT ?::NUMBER AS N', params: [{ type: 'FIXED', value: '5' }] },
      { sql: 'SELECT demo.public.nothing()' },
      { sql: 'SELECT 1; SELECT 2' },
    ];
    await one(engine, caller(), "CALL demo.public.p(1, '2026-11-01')");
    expect(answers[0]).toMatchObject({ ok: true, rows: [['5']] });
    expect(answers[1]).toMatchObject({
      ok: false,
      code: '002141',
      message: 'SQL compilation error:\nUnknown user-defined function DEMO.PUBLIC.NOTHING.',
    });
    expect(answers[2]).toMatchObject({ ok: false, code: '000008' });
    expect(heard.map((h) => h.ok)).toEqual([true, false, false]);
  });

  it('EXECUTE AS CALLER runs them as the caller, in the caller’s context', async () => {
    await one(engine, as('OWNER_ROLE'), 'ALTER PROCEDURE demo.public.p(NUMBER, DATE) EXECUTE AS CALLER');
    await one(engine, caller(), "CALL demo.public.p(days => 1, since => '2026-11-01')");
    expect(answers[0]).toMatchObject({ rows: [['CALLER_ROLE', 'OTHER', 'SANDBOX_WH']] });
  });

  it('refuses a mix of named and positional arguments, a wrong count, and an unknown procedure', async () => {
    expect((await fails(one(engine, caller(), "CALL demo.public.p(1, since => '2026-11-01')"))).code).toBe(
      '001003',
    );
    expect((await fails(one(engine, caller(), 'CALL demo.public.p(1)'))).code).toBe('001044');
    const unknown = await fails(one(engine, caller(), 'CALL demo.public.nope()'));
    expect(unknown.message).toBe('SQL compilation error:\nUnknown user-defined function DEMO.PUBLIC.NOPE.');
    expect(calls).toHaveLength(0);
  });

  it('SHOW PROCEDURES lists what the role may see, and SHOW GRANTS TO ROLE the ownership', async () => {
    const shown = objects(await one(engine, caller(), 'SHOW PROCEDURES IN DATABASE demo'));
    expect(shown.map((p) => [p.name, p.arguments])).toEqual([['P', 'P(NUMBER, DATE) RETURN VARIANT']]);
    expect(await one(engine, as('PUBLIC'), 'SHOW PROCEDURES IN ACCOUNT')).toMatchObject({ rows: [] });
    const grants = objects(await one(engine, admin(), 'SHOW GRANTS TO ROLE owner_role'));
    expect(grants.filter((g) => g.granted_on === 'PROCEDURE')).toMatchObject([
      { privilege: 'OWNERSHIP', name: 'DEMO.PUBLIC.P(NUMBER, DATE)' },
    ]);
  });
});
