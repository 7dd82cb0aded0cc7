// Tables and views in the engine: DDL and its answers, privileges decided by the stand-in's catalog,
// DML counts, MERGE's idempotence and its table-function source, lazy loading and reset of the DuckDB rows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FunctionInvocation,
  type FunctionResult,
  type SessionState,
  type SqlEngine,
  SqlError,
} from '../../../../sandbox/snowflake/contract.js';
import { createEngine } from '../../../../sandbox/snowflake/engine.js';
import { admin, as, fails, NOW, objects, one, script } from './helpers.js';

const days = (ymd: string) => String(Date.parse(`${ymd}T00:00:00Z`) / 86_400_000);

/** What the fake table function answers: rows by kind, or an error. */
let udtfRows: Record<string, (string | null)[][]>;
let calls: FunctionInvocation[];
let engine: SqlEngine;

function newEngine(): SqlEngine {
  return createEngine({
    runner: {
      async run(inv): Promise<FunctionResult> {
        calls.push(inv);
        const kind = String(inv.args[0]);
        if (kind === 'broken') {
          throw new SqlError(
            '100357',
            'P0000',
            'Python Interpreter Error:\nFITBIT_CONNECT_ERROR[rate_limited] slow down',
          );
        }
        return inv.kind === 'table'
          ? { kind: 'table', rows: udtfRows[kind] ?? [] }
          : { kind: 'scalar', value: 'x' };
      },
    },
    now: () => NOW,
  });
}

const SETUP = `
CREATE DATABASE fitbit;
CREATE ROLE pipeline; CREATE ROLE reader; CREATE ROLE stranger;
GRANT USAGE ON DATABASE fitbit TO ROLE pipeline;
GRANT USAGE ON SCHEMA fitbit.public TO ROLE pipeline;
GRANT CREATE TABLE ON SCHEMA fitbit.public TO ROLE pipeline;
GRANT CREATE VIEW ON SCHEMA fitbit.public TO ROLE pipeline;
GRANT USAGE ON DATABASE fitbit TO ROLE reader;
GRANT USAGE ON SCHEMA fitbit.public TO ROLE reader;
CREATE FUNCTION fitbit.public.daily(kind VARCHAR, start_date DATE, end_date DATE)
  RETURNS TABLE (account VARCHAR, day DATE, steps NUMBER, distance_m FLOAT)
  LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'Daily'
AS $$
class Daily:
    def process(self, kind, start_date, end_date):
        yield ('alice', start_date, 1, 1.0)
$$;
GRANT USAGE ON FUNCTION fitbit.public.daily(VARCHAR, DATE, DATE) TO ROLE pipeline;
`;

const CREATE_STEPS = `CREATE TABLE fitbit.public.steps (
  account VARCHAR NOT NULL,
  day DATE NOT NULL,
  steps NUMBER,
  distance_m FLOAT,
  loaded_at TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP(),
  PRIMARY KEY (account, day)
)`;

const MERGE = (kind = 'steps') => `MERGE INTO fitbit.public.steps t
USING (SELECT account, day, steps, distance_m
       FROM TABLE(fitbit.public.daily('${kind}', '2026-11-01'::DATE, '2026-11-04'::DATE))) s
  ON t.account = s.account AND t.day = s.day
WHEN MATCHED AND (t.steps IS DISTINCT FROM s.steps OR t.distance_m IS DISTINCT FROM s.distance_m)
  THEN UPDATE SET steps = s.steps, distance_m = s.distance_m, loaded_at = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (account, day, steps, distance_m, loaded_at)
  VALUES (s.account, s.day, s.steps, s.distance_m, CURRENT_TIMESTAMP())`;

const inSchema = { database: 'FITBIT', schema: 'PUBLIC', warehouse: 'SANDBOX_WH' };
let pipeline: SessionState;
let reader: SessionState;
let sa: SessionState;

beforeEach(async () => {
  udtfRows = {
    steps: [
      ['alice', '2026-11-01', '8000', '6100.5'],
      ['alice', '2026-11-02', '9000', '6900.25'],
      ['alice', '2026-11-03', '7000', null],
    ],
  };
  calls = [];
  engine = newEngine();
  await script(engine, admin(), SETUP);
  pipeline = as('PIPELINE', inSchema);
  reader = as('READER', inSchema);
  sa = as('ACCOUNTADMIN', inSchema);
});

afterEach(async () => {
  await engine.close?.();
});

const count = async (s: SessionState, table = 'steps') =>
  (await one(engine, s, `SELECT COUNT(*) AS n FROM ${table}`)).rows[0]![0];

describe('loading DuckDB lazily', () => {
  it('a stand-in that never touches a table never loads DuckDB; the first table statement does', async () => {
    await one(engine, sa, 'SHOW TABLES');
    await one(engine, sa, 'SELECT CURRENT_ROLE()');
    expect(engine.tablesLoaded?.()).toBe(false);
    await one(engine, pipeline, CREATE_STEPS);
    expect(engine.tablesLoaded?.()).toBe(true);
  });
});

describe('CREATE, SHOW, DESCRIBE, DROP', () => {
  it('answers as Snowflake does, and the catalog keeps the owner', async () => {
    expect((await one(engine, pipeline, CREATE_STEPS)).rows).toEqual([['Table STEPS successfully created.']]);
    const again = await fails(one(engine, pipeline, CREATE_STEPS));
    expect([again.code, again.message]).toEqual([
      '002002',
      "SQL compilation error:\nObject 'STEPS' already exists.",
    ]);
    const ine = CREATE_STEPS.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS');
    expect((await one(engine, pipeline, ine)).rows).toEqual([['STEPS already exists, statement succeeded.']]);

    const shown = objects(await one(engine, pipeline, "SHOW TABLES LIKE 'st%' IN SCHEMA fitbit.public"));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      name: 'STEPS',
      database_name: 'FITBIT',
      schema_name: 'PUBLIC',
      kind: 'TABLE',
      owner: 'PIPELINE',
      rows: '0',
    });
    const desc = objects(await one(engine, pipeline, 'DESC TABLE steps'));
    expect(desc.map((c) => [c.name, c.type, c['null?'], c.default, c['primary key']])).toEqual([
      ['ACCOUNT', 'VARCHAR(16777216)', 'N', null, 'Y'],
      ['DAY', 'DATE', 'N', null, 'Y'],
      ['STEPS', 'NUMBER(38,0)', 'Y', null, 'N'],
      ['DISTANCE_M', 'FLOAT', 'Y', null, 'N'],
      ['LOADED_AT', 'TIMESTAMP_NTZ(9)', 'Y', 'CURRENT_TIMESTAMP()', 'N'],
    ]);
    expect((await one(engine, pipeline, 'DROP TABLE steps')).rows).toEqual([['STEPS successfully dropped.']]);
    expect((await one(engine, pipeline, 'DROP TABLE IF EXISTS steps')).rows).toEqual([
      ['Drop statement executed successfully (STEPS already dropped).'],
    ]);
    const gone = await fails(one(engine, pipeline, 'DROP TABLE steps'));
    expect([gone.code, gone.message]).toEqual([
      '002003',
      "SQL compilation error:\nTable 'FITBIT.PUBLIC.STEPS' does not exist or not authorized.",
    ]);
  });

  it('DESCRIBE SCHEMA lists the tables and views the role can see', async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, 'CREATE VIEW recent AS SELECT * FROM steps');
    const rows = objects(await one(engine, pipeline, 'DESCRIBE SCHEMA fitbit.public'));
    expect(rows.map((r) => [r.name, r.kind])).toEqual([
      ['RECENT', 'VIEW'],
      ['STEPS', 'TABLE'],
    ]);
    expect((await one(engine, reader, 'DESCRIBE SCHEMA fitbit.public')).rows).toEqual([]);
  });

  it('maps the Snowflake types and keeps quoted names as written', async () => {
    await one(
      engine,
      pipeline,
      'CREATE TABLE t (a INT, b NUMBER(10,2), c FLOAT, d STRING, e TEXT, f BOOLEAN, g DATE, h TIMESTAMP_LTZ, ' +
        'i TIMESTAMP_TZ, j VARIANT, k VARCHAR(20), "MiXed" INTEGER)',
    );
    const desc = objects(await one(engine, pipeline, 'DESCRIBE TABLE fitbit.public.t'));
    expect(desc.map((c) => `${c.name} ${c.type}`)).toEqual([
      'A NUMBER(38,0)',
      'B NUMBER(10,2)',
      'C FLOAT',
      'D VARCHAR(16777216)',
      'E VARCHAR(16777216)',
      'F BOOLEAN',
      'G DATE',
      'H TIMESTAMP_LTZ(9)',
      'I TIMESTAMP_TZ(9)',
      'J VARIANT',
      'K VARCHAR(20)',
      'MiXed NUMBER(38,0)',
    ]);
    await one(engine, pipeline, `INSERT INTO t (a, b, "MiXed") VALUES (1, 2.345, 3)`);
    const r = await one(engine, pipeline, 'SELECT a, b, "MiXed" FROM t');
    expect(r.columns.map((c) => [c.name, c.type, c.scale ?? 0])).toEqual([
      ['A', 'fixed', 0],
      ['B', 'fixed', 2],
      ['MiXed', 'fixed', 0],
    ]);
    expect(r.rows).toEqual([['1', '2.35', '3']]);
    expect((await fails(one(engine, pipeline, 'SELECT nope FROM t'))).message).toBe(
      "SQL compilation error: error line 1 at position 7\ninvalid identifier 'NOPE'",
    );
  });

  it('CREATE OR REPLACE needs ownership, drops the rows and the grants (COPY GRANTS keeps them)', async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, "INSERT INTO steps (account, day) VALUES ('alice', '2026-11-01')");
    await one(engine, pipeline, 'GRANT SELECT ON TABLE steps TO ROLE reader');
    await one(engine, pipeline, CREATE_STEPS.replace('CREATE TABLE', 'CREATE OR REPLACE TABLE'));
    expect(await count(pipeline)).toBe('0');
    expect((await fails(count(reader))).code).toBe('002003');
    await one(engine, pipeline, 'GRANT SELECT ON TABLE steps TO ROLE reader');
    await one(
      engine,
      pipeline,
      `${CREATE_STEPS.replace('CREATE TABLE', 'CREATE OR REPLACE TABLE')} COPY GRANTS`,
    );
    expect(await count(reader)).toBe('0');
    await one(engine, sa, 'GRANT CREATE TABLE ON SCHEMA fitbit.public TO ROLE reader');
    const e = await fails(
      one(engine, reader, CREATE_STEPS.replace('CREATE TABLE', 'CREATE OR REPLACE TABLE')),
    );
    expect(e.code).toBe('003001');
  });

  it('ALTER TABLE … ADD COLUMN [IF NOT EXISTS] (for re-runnable scripts); other ALTERs are refused', async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, "INSERT INTO steps (account, day) VALUES ('a', '2026-11-01')");
    const add = "ALTER TABLE steps ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'api'";
    expect((await one(engine, pipeline, add)).rows).toEqual([['Statement executed successfully.']]);
    await one(engine, pipeline, add);
    expect(objects(await one(engine, pipeline, 'SELECT source FROM steps'))).toEqual([{ SOURCE: 'api' }]);
    expect((await fails(one(engine, pipeline, 'ALTER TABLE steps ADD source VARCHAR'))).code).toBe('002025');
    expect((await fails(one(engine, reader, 'ALTER TABLE steps ADD x INT'))).code).toBe('002003');
    expect((await fails(one(engine, pipeline, 'ALTER TABLE steps RENAME TO s2'))).code).toBe('001003');
  });

  it('creating needs CREATE TABLE on the schema (or owning it); DDL needs no warehouse', async () => {
    const e = await fails(one(engine, reader, CREATE_STEPS));
    expect([e.code, e.message]).toEqual([
      '003001',
      "SQL access control error:\nInsufficient privileges to operate on schema 'PUBLIC'",
    ]);
    const r = await one(engine, { ...pipeline, warehouse: null }, CREATE_STEPS);
    expect(r.usedWarehouse).toBe(false);
  });

  it('CREATE TABLE … AS SELECT and views (owner-rights: a reader of the view need not read the table)', async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, MERGE());
    const ctas = await one(
      engine,
      pipeline,
      'CREATE TABLE copy AS SELECT day, steps * 2 AS double_steps FROM steps',
    );
    expect(ctas.rows).toEqual([['Table COPY successfully created.']]);
    expect(
      objects(await one(engine, pipeline, 'DESCRIBE TABLE copy')).map((c) => `${c.name} ${c.type}`),
    ).toEqual(['DAY DATE', 'DOUBLE_STEPS NUMBER(38,0)']);
    await one(
      engine,
      pipeline,
      "CREATE VIEW weekly COMMENT = 'per week' AS SELECT DATE_TRUNC('week', day) AS week, SUM(steps) AS steps FROM steps GROUP BY 1",
    );
    await one(engine, pipeline, 'GRANT SELECT ON VIEW weekly TO ROLE reader');
    expect(objects(await one(engine, reader, 'SELECT * FROM weekly ORDER BY week'))).toEqual([
      { WEEK: days('2026-10-26'), STEPS: '8000' },
      { WEEK: days('2026-11-02'), STEPS: '16000' },
    ]);
    expect((await fails(count(reader))).code).toBe('002003');
    const views = objects(await one(engine, reader, 'SHOW VIEWS IN SCHEMA fitbit.public'));
    expect(views.map((v) => [v.name, v.owner, v.comment, v.is_secure])).toEqual([
      ['WEEKLY', 'PIPELINE', 'per week', 'false'],
    ]);
    expect(objects(await one(engine, reader, 'DESC VIEW weekly')).map((c) => `${c.name} ${c.type}`)).toEqual([
      'WEEK DATE',
      'STEPS NUMBER(38,0)',
    ]);
    const e = await fails(one(engine, pipeline, "INSERT INTO weekly VALUES ('2026-11-01', 1)"));
    expect(e.code).toBe('002003');
  });
});

describe('privileges on tables', () => {
  beforeEach(async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, MERGE());
  });

  it('a role without SELECT gets "does not exist or not authorized"; the owner and a granted reader read', async () => {
    const e = await fails(count(reader));
    expect([e.code, e.sqlState, e.message]).toEqual([
      '002003',
      '42S02',
      "SQL compilation error:\nObject 'FITBIT.PUBLIC.STEPS' does not exist or not authorized.",
    ]);
    expect(objects(await one(engine, reader, 'SHOW TABLES'))).toEqual([]);
    expect(await count(pipeline)).toBe('3');
    await one(engine, pipeline, 'GRANT SELECT ON TABLE fitbit.public.steps TO ROLE reader');
    expect(await count(reader)).toBe('3');
    expect(objects(await one(engine, reader, 'SHOW TABLES')).map((t) => t.name)).toEqual(['STEPS']);
    const ins = await fails(
      one(engine, reader, "INSERT INTO steps (account, day) VALUES ('x', '2026-01-01')"),
    );
    expect([ins.code, ins.message]).toEqual([
      '003001',
      "SQL access control error:\nInsufficient privileges to operate on table 'STEPS'",
    ]);
    await one(engine, pipeline, 'REVOKE SELECT ON TABLE steps FROM ROLE reader');
    expect((await fails(count(reader))).code).toBe('002003');
  });

  it('a role that cannot use the schema does not see it at all', async () => {
    const e = await fails(count(as('STRANGER', inSchema)));
    expect(e.message).toBe("SQL compilation error:\nDatabase 'FITBIT' does not exist or not authorized.");
  });

  it('only the owner (or MANAGE GRANTS) grants; SHOW GRANTS ON TABLE lists owner and grantees', async () => {
    await one(engine, pipeline, 'GRANT SELECT ON TABLE steps TO ROLE reader');
    expect((await fails(one(engine, reader, 'GRANT SELECT ON TABLE steps TO ROLE stranger'))).code).toBe(
      '003001',
    );
    const g = objects(await one(engine, reader, 'SHOW GRANTS ON TABLE steps'));
    expect(g.map((r) => [r.privilege, r.granted_on, r.name, r.grantee_name])).toEqual([
      ['OWNERSHIP', 'TABLE', 'FITBIT.PUBLIC.STEPS', 'PIPELINE'],
      ['SELECT', 'TABLE', 'FITBIT.PUBLIC.STEPS', 'READER'],
    ]);
    const bad = await fails(one(engine, pipeline, 'GRANT USAGE ON TABLE steps TO ROLE reader'));
    expect(bad.code).toBe('003011');
    const toRole = objects(await one(engine, sa, 'SHOW GRANTS TO ROLE reader'));
    expect(toRole.some((r) => r.privilege === 'SELECT' && r.granted_on === 'TABLE')).toBe(true);
  });

  it('GRANT OWNERSHIP transfers the table; dependent grants need COPY or REVOKE CURRENT GRANTS', async () => {
    await one(engine, pipeline, 'GRANT SELECT ON TABLE steps TO ROLE reader');
    const e = await fails(one(engine, pipeline, 'GRANT OWNERSHIP ON TABLE steps TO ROLE reader'));
    expect(e.code).toBe('003111');
    await one(engine, pipeline, 'GRANT OWNERSHIP ON TABLE steps TO ROLE reader COPY CURRENT GRANTS');
    expect(objects(await one(engine, reader, 'SHOW TABLES'))[0]!.owner).toBe('READER');
    expect(await count(reader)).toBe('3');
    expect((await fails(count(pipeline))).code).toBe('002003');
  });

  it('ON ALL TABLES grants what exists; ON FUTURE TABLES what is created later (MANAGE GRANTS only)', async () => {
    await one(engine, sa, 'GRANT SELECT ON ALL TABLES IN SCHEMA fitbit.public TO ROLE reader');
    expect(await count(reader)).toBe('3');
    await one(engine, pipeline, 'CREATE TABLE later (a INT)');
    expect((await fails(count(reader, 'later'))).code).toBe('002003');
    const e = await fails(
      one(engine, pipeline, 'GRANT SELECT ON FUTURE TABLES IN SCHEMA fitbit.public TO ROLE reader'),
    );
    expect(e.code).toBe('003001');
    await one(engine, sa, 'GRANT SELECT ON FUTURE TABLES IN SCHEMA fitbit.public TO ROLE reader');
    await one(engine, pipeline, 'CREATE TABLE later2 (a INT)');
    expect(await count(reader, 'later2')).toBe('0');
    expect(objects(await one(engine, sa, 'SHOW FUTURE GRANTS IN SCHEMA fitbit.public'))).toMatchObject([
      { privilege: 'SELECT', grant_on: 'TABLE', grantee_name: 'READER' },
    ]);
    await one(engine, sa, 'REVOKE SELECT ON FUTURE TABLES IN SCHEMA fitbit.public FROM ROLE reader');
    await one(engine, pipeline, 'CREATE TABLE later3 (a INT)');
    expect((await fails(count(reader, 'later3'))).code).toBe('002003');
  });
});

describe('DML', () => {
  beforeEach(async () => {
    await one(engine, pipeline, CREATE_STEPS);
  });

  it('counts rows inserted, updated (and multi-joined), deleted; takes binds; TRUNCATE empties', async () => {
    const binds = [
      { type: 'TEXT', value: 'alice' },
      { type: 'TEXT', value: '2026-11-01' },
      { type: 'FIXED', value: '10' },
      { type: 'TEXT', value: 'alice' },
      { type: 'TEXT', value: '2026-11-02' },
      { type: 'FIXED', value: '20' },
    ];
    const ins = await one(
      engine,
      pipeline,
      'INSERT INTO steps (account, day, steps) VALUES (?, ?, ?), (?, ?, ?)',
      binds,
    );
    expect(objects(ins)).toEqual([{ 'number of rows inserted': '2' }]);
    expect(ins.usedWarehouse).toBe(true);
    const upd = await one(engine, pipeline, 'UPDATE steps SET steps = steps + 1 WHERE day > ?', [
      { type: 'TEXT', value: '2026-11-01' },
    ]);
    expect(objects(upd)).toEqual([
      { 'number of rows updated': '1', 'number of multi-joined rows updated': '0' },
    ]);
    const del = await one(engine, pipeline, "DELETE FROM steps WHERE account = 'alice' AND steps < 15");
    expect(objects(del)).toEqual([{ 'number of rows deleted': '1' }]);
    expect((await one(engine, pipeline, 'TRUNCATE TABLE steps')).rows).toEqual([
      ['Statement executed successfully.'],
    ]);
    expect(await count(pipeline)).toBe('0');
  });

  it('enforces NOT NULL (a PRIMARY KEY column is NOT NULL) but not PRIMARY KEY uniqueness, as Snowflake', async () => {
    const e = await fails(
      one(engine, pipeline, "INSERT INTO steps (account, day) VALUES (NULL, '2026-11-01')"),
    );
    expect(e.code).toBe('100072');
    await one(
      engine,
      pipeline,
      "INSERT INTO steps (account, day) VALUES ('a', '2026-11-01'), ('a', '2026-11-01')",
    );
    expect(await count(pipeline)).toBe('2');
  });

  it('refuses VARIANT functions in VALUES, as Snowflake does; INSERT … SELECT takes them', async () => {
    await one(engine, pipeline, 'CREATE TABLE runs (id INT, detail VARIANT)');
    const e = await fails(one(engine, pipeline, `INSERT INTO runs VALUES (1, PARSE_JSON('{"a": 1}'))`));
    expect([e.code, e.message]).toEqual([
      '002014',
      `SQL compilation error:\nInvalid expression [PARSE_JSON('{"a": 1}')] in VALUES clause`,
    ]);
    await one(engine, pipeline, `INSERT INTO runs SELECT 1, PARSE_JSON('{"a": 1}')`);
    const r = await one(engine, pipeline, 'SELECT detail FROM runs');
    expect(r.columns[0]!.type).toBe('variant');
    expect(JSON.parse(r.rows[0]![0]!)).toEqual({ a: 1 });
  });

  it('every statement over rows needs a running warehouse', async () => {
    const noWh = { ...pipeline, warehouse: null };
    for (const sql of [
      'SELECT * FROM steps',
      "INSERT INTO steps (account, day) VALUES ('a', '2026-01-01')",
      MERGE(),
    ]) {
      expect((await fails(one(engine, noWh, sql))).code).toBe('000606');
    }
    expect(calls).toHaveLength(0);
  });
});

describe('MERGE', () => {
  beforeEach(async () => {
    await one(engine, pipeline, CREATE_STEPS);
  });

  it('from TABLE(udtf): inserts, then running it again changes nothing (0 rows updated)', async () => {
    const first = await one(engine, pipeline, MERGE());
    expect(objects(first)).toEqual([{ 'number of rows inserted': '3', 'number of rows updated': '0' }]);
    expect(first.usedWarehouse).toBe(true);
    expect(calls.map((c) => [c.functionName, c.args])).toEqual([
      ['FITBIT.PUBLIC.DAILY', ['steps', '2026-11-01', '2026-11-04']],
    ]);
    const second = await one(engine, pipeline, MERGE());
    expect(objects(second)).toEqual([{ 'number of rows inserted': '0', 'number of rows updated': '0' }]);
    const rows = objects(
      await one(engine, pipeline, 'SELECT day, steps, distance_m, loaded_at FROM steps ORDER BY day'),
    );
    expect(rows).toEqual([
      {
        DAY: days('2026-11-01'),
        STEPS: '8000',
        DISTANCE_M: '6100.5',
        LOADED_AT: `${NOW.getTime() / 1000}.000000000`,
      },
      {
        DAY: days('2026-11-02'),
        STEPS: '9000',
        DISTANCE_M: '6900.25',
        LOADED_AT: `${NOW.getTime() / 1000}.000000000`,
      },
      {
        DAY: days('2026-11-03'),
        STEPS: '7000',
        DISTANCE_M: null,
        LOADED_AT: `${NOW.getTime() / 1000}.000000000`,
      },
    ]);
  });

  it('aggregates of DATE columns keep their type through DATEADD, DATE_TRUNC, TO_CHAR, DATEDIFF', async () => {
    await one(engine, pipeline, MERGE());
    const r = await one(
      engine,
      pipeline,
      `SELECT MAX(day) AS latest, DATEADD(day, 1, MAX(day)) AS next_day, DATE_TRUNC('week', MAX(day)) AS wk,
              TO_CHAR(MAX(day)) AS shown, DATEDIFF(day, MAX(day), CURRENT_DATE()) AS behind,
              DATEADD(hour, 1, MIN(loaded_at)) AS later, TO_CHAR(MIN(loaded_at)) AS at
         FROM steps`,
    );
    expect(r.columns.map((c) => c.type)).toEqual([
      'date',
      'date',
      'date',
      'text',
      'fixed',
      'timestamp_ntz',
      'text',
    ]);
    expect(objects(r)).toEqual([
      {
        LATEST: days('2026-11-03'),
        NEXT_DAY: days('2026-11-04'),
        WK: days('2026-11-02'),
        SHOWN: '2026-11-03',
        BEHIND: '25',
        LATER: `${NOW.getTime() / 1000 + 3600}.000000000`,
        AT: '2026-11-28 12:00:00.000',
      },
    ]);
  });

  it('a late sync updates only the changed day', async () => {
    await one(engine, pipeline, MERGE());
    udtfRows.steps![2] = ['alice', '2026-11-03', '7500', '5000'];
    udtfRows.steps!.push(['alice', '2026-11-04', '100', null]);
    expect(objects(await one(engine, pipeline, MERGE()))).toEqual([
      { 'number of rows inserted': '1', 'number of rows updated': '1' },
    ]);
  });

  it('a DELETE clause adds "number of rows deleted"', async () => {
    await one(engine, pipeline, MERGE());
    const r = await one(
      engine,
      pipeline,
      `MERGE INTO steps t USING (SELECT 'alice' AS account, '2026-11-02'::DATE AS day) s
         ON t.account = s.account AND t.day = s.day WHEN MATCHED THEN DELETE`,
    );
    expect(objects(r)).toEqual([{ 'number of rows deleted': '1' }]);
    const all = await one(
      engine,
      pipeline,
      `MERGE INTO steps USING steps AS s ON steps.day = s.day
         WHEN MATCHED AND s.steps > 7500 THEN DELETE
         WHEN MATCHED THEN UPDATE SET steps = steps.steps
         WHEN NOT MATCHED THEN INSERT (account, day) VALUES (s.account, s.day)`,
    );
    expect(objects(all)).toEqual([
      { 'number of rows inserted': '0', 'number of rows updated': '1', 'number of rows deleted': '1' },
    ]);
  });

  it('a failing table function fails the MERGE with its error, and nothing changes', async () => {
    await one(engine, pipeline, MERGE());
    const e = await fails(one(engine, pipeline, MERGE('broken')));
    expect([e.code, e.message]).toEqual([
      '100357',
      'Python Interpreter Error:\nFITBIT_CONNECT_ERROR[rate_limited] slow down',
    ]);
    expect(await count(pipeline)).toBe('3');
  });

  it('refuses a source that matches one target row twice (ERROR_ON_NONDETERMINISTIC_MERGE)', async () => {
    await one(engine, pipeline, MERGE());
    udtfRows.steps!.push(['alice', '2026-11-01', '1', null]);
    const e = await fails(one(engine, pipeline, MERGE()));
    expect(e.code).toBe('100090');
    expect(e.message).toMatch(/^Duplicate row detected during DML action\nRow Values: \[/);
    expect(objects(await one(engine, pipeline, "SELECT steps FROM steps WHERE day = '2026-11-01'"))).toEqual([
      { STEPS: '8000' },
    ]);
  });

  it('needs USAGE on the function, and INSERT and UPDATE on the table', async () => {
    await one(engine, pipeline, 'GRANT SELECT ON TABLE steps TO ROLE reader');
    const noUpdate = await fails(one(engine, reader, MERGE()));
    expect(noUpdate.code).toBe('003001');
    await one(engine, pipeline, 'GRANT INSERT, UPDATE ON TABLE steps TO ROLE reader');
    const noUsage = await fails(one(engine, reader, MERGE()));
    expect(noUsage.code).toBe('002141');
  });
});

describe('reset', () => {
  it('drops the rows with the catalog', async () => {
    await one(engine, pipeline, CREATE_STEPS);
    await one(engine, pipeline, MERGE());
    engine.reset();
    const e = await fails(count(sa));
    expect(e.message).toBe("SQL compilation error:\nDatabase 'FITBIT' does not exist or not authorized.");
    await script(engine, admin(), SETUP);
    await one(engine, pipeline, CREATE_STEPS);
    expect(await count(pipeline)).toBe('0');
  });
});
