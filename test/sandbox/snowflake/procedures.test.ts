// Python stored procedures through the real snowflake-sdk: CALL runs the handler with a Snowpark-like
// session whose statements run in the stand-in's engine as the procedure's owner (EXECUTE AS OWNER), on
// the caller's warehouse; a table function it calls runs in another Python worker while it waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { type Conn, connect, destroy, exec, failure } from './driver.js';

let sb: SnowflakeSandbox;
let admin: Conn;
let app: Conn;

async function run(conn: Conn, statements: string[]): Promise<void> {
  for (const sql of statements) await exec(conn, sql);
}

const procedure = (name: string, args: string, returns: string, body: string, extra = '') =>
  `CREATE OR REPLACE PROCEDURE demo.public.${name}(${args}) RETURNS ${returns} LANGUAGE PYTHON
     RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' ${extra}
     AS $$${body}$$`;

const NUMBERS = `
class Numbers:
    def process(self, n):
        for i in range(1, n + 1):
            yield (i,)
`;

// Reads a table function the caller may not use, and reports who it ran as.
const SUM_NUMBERS = `
from snowflake.snowpark import Session

def run(session: Session, n):
    rows = session.sql("SELECT * FROM TABLE(demo.public.numbers(?))", params=[n]).collect()
    who = session.sql("SELECT CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W, CURRENT_DATABASE() AS D").collect()[0]
    functions = session.sql("SHOW USER FUNCTIONS IN SCHEMA demo.public").collect()
    return {
        "sum": sum(r.N for r in rows),
        "count": len(rows),
        "first": rows[0].as_dict(),
        "role": who.R,
        "warehouse": who["W"],
        "database": who[2],
        "functions": sorted(f["name"] for f in functions),
    }
`;

const CATCHES = `
from snowflake.snowpark.exceptions import SnowparkSQLException

def run(session):
    try:
        session.sql("SELECT demo.public.no_such_function()").collect()
    except SnowparkSQLException as e:
        return {"code": e.sql_error_code, "raw": e.raw_message, "message": e.message, "qid": e.sfqid}
    return {}
`;

const LETS_IT_FAIL = `
def run(session):
    session.sql("SELECT demo.public.no_such_function()").collect()
    return "unreachable"
`;

const RAISES = `
def run(session, what):
    raise ValueError("bad input: " + what)
`;

beforeAll(async () => {
  sb = await startSnowflakeSandbox({ port: 0 });
  admin = await connect(sb.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
  await run(admin, [
    'CREATE DATABASE demo',
    'CREATE ROLE pipeline_role',
    'CREATE ROLE app_role',
    'GRANT USAGE ON DATABASE demo TO ROLE pipeline_role',
    'GRANT USAGE ON SCHEMA demo.public TO ROLE pipeline_role',
    'GRANT CREATE PROCEDURE ON SCHEMA demo.public TO ROLE pipeline_role',
    'GRANT USAGE ON DATABASE demo TO ROLE app_role',
    'GRANT USAGE ON SCHEMA demo.public TO ROLE app_role',
    'GRANT ROLE pipeline_role TO USER sandbox_admin',
    "CREATE USER app_user PASSWORD = 'app-pw' DEFAULT_ROLE = app_role DEFAULT_WAREHOUSE = SANDBOX_WH",
    'GRANT ROLE app_role TO USER app_user',
    `CREATE FUNCTION demo.public.numbers(n NUMBER) RETURNS TABLE (N NUMBER) LANGUAGE PYTHON
       RUNTIME_VERSION = '3.11' HANDLER = 'Numbers' AS $$${NUMBERS}$$`,
    'GRANT USAGE ON FUNCTION demo.public.numbers(NUMBER) TO ROLE pipeline_role',
    'USE ROLE pipeline_role',
    procedure('sum_numbers', 'n NUMBER', 'VARIANT', SUM_NUMBERS, 'EXECUTE AS OWNER'),
    procedure('catches', '', 'VARIANT', CATCHES),
    procedure('lets_it_fail', '', 'VARCHAR', LETS_IT_FAIL),
    procedure('raises', 'what VARCHAR', 'VARCHAR', RAISES),
    'GRANT USAGE ON PROCEDURE demo.public.sum_numbers(NUMBER) TO ROLE app_role',
    'GRANT USAGE ON PROCEDURE demo.public.catches() TO ROLE app_role',
    'GRANT USAGE ON PROCEDURE demo.public.lets_it_fail() TO ROLE app_role',
    'GRANT USAGE ON PROCEDURE demo.public.raises(VARCHAR) TO ROLE app_role',
    'USE ROLE accountadmin',
  ]);
  app = await connect(sb.url, { username: 'app_user', password: 'app-pw' });
});

afterAll(async () => {
  if (app) await destroy(app);
  if (admin) await destroy(admin);
  await sb?.close();
});

describe('CALL of a Python procedure', () => {
  it("runs its statements as the owner, on the caller's warehouse, and answers one row named after it", async () => {
    const denied = await failure(exec(app, 'SELECT * FROM TABLE(demo.public.numbers(3))'));
    expect(denied.code).toBe('002141'); // the caller may not use the table function itself

    const before = sb.warehouseStatements();
    const rows = await exec(app, 'CALL demo.public.sum_numbers(4)');
    expect(Object.keys(rows[0]!)).toEqual(['SUM_NUMBERS']);
    expect(rows[0]!.SUM_NUMBERS).toEqual({
      sum: 10,
      count: 4,
      first: { N: 1 },
      role: 'PIPELINE_ROLE',
      warehouse: 'SANDBOX_WH',
      database: 'DEMO',
      functions: ['NUMBERS'],
    });
    // The CALL and each of its three statements ran on the warehouse.
    expect(sb.warehouseStatements() - before).toBe(4);
    const log = (await (await fetch(`${sb.url}/sandbox/statements`)).json()) as {
      sqlText: string;
      role: string;
      origin?: string;
      user: string;
    }[];
    const inner = log.filter((s) => s.origin === 'procedure').slice(-3);
    expect(inner.map((s) => [s.role, s.user])).toEqual([
      ['PIPELINE_ROLE', 'APP_USER'],
      ['PIPELINE_ROLE', 'APP_USER'],
      ['PIPELINE_ROLE', 'APP_USER'],
    ]);
    expect(inner[0]!.sqlText).toContain('TABLE(demo.public.numbers(?))');
  });

  it('takes arguments by name', async () => {
    const [row] = await exec(app, 'CALL demo.public.sum_numbers(n => 2)');
    expect((row!.SUM_NUMBERS as { sum: number }).sum).toBe(3);
  });

  it("raises Snowflake's error in Python as SnowparkSQLException, which the handler may catch", async () => {
    const [row] = await exec(app, 'CALL demo.public.catches()');
    const caught = row!.CATCHES as { code: number; raw: string; message: string; qid: string };
    expect(caught.code).toBe(2141);
    expect(caught.raw).toBe(
      'SQL compilation error:\nUnknown user-defined function DEMO.PUBLIC.NO_SUCH_FUNCTION.',
    );
    expect(caught.message).toMatch(/^002141 \(42601\): [0-9a-f-]{36}: SQL compilation error:/);
  });

  it('fails the CALL with 100357 when the handler lets an error out', async () => {
    const sqlError = await failure(exec(app, 'CALL demo.public.lets_it_fail()'));
    expect(sqlError.code).toBe('100357');
    expect(sqlError.message).toContain('Python Interpreter Error:');
    expect(sqlError.message).toContain('snowflake.snowpark.exceptions.SnowparkSQLException: (1304): 002141');
    expect(sqlError.message).toContain('in function LETS_IT_FAIL with handler run');

    const pyError = await failure(exec(app, "CALL demo.public.raises('x')"));
    expect(pyError.code).toBe('100357');
    expect(pyError.message).toContain('ValueError: bad input: x');
    expect(pyError.message).toContain('in function RAISES with handler run');
  });

  it('needs USAGE on the procedure, and a warehouse', async () => {
    await exec(admin, 'REVOKE USAGE ON PROCEDURE demo.public.raises(VARCHAR) FROM ROLE app_role');
    const unknown = await failure(exec(app, "CALL demo.public.raises('x')"));
    expect(unknown.code).toBe('002141');
    await exec(admin, 'GRANT USAGE ON PROCEDURE demo.public.raises(VARCHAR) TO ROLE app_role');

    const noWarehouse = await connect(sb.url, {
      username: 'app_user',
      password: 'app-pw',
      warehouse: 'NONE',
    });
    await exec(noWarehouse, 'USE ROLE app_role');
    const wh = await failure(exec(noWarehouse, 'CALL demo.public.sum_numbers(1)'));
    expect(wh.code).toBe('000606');
    await destroy(noWarehouse);
  });

  it('EXECUTE AS CALLER runs the statements as the caller', async () => {
    await run(admin, [
      'USE ROLE pipeline_role',
      procedure('as_caller', 'n NUMBER', 'VARIANT', SUM_NUMBERS, 'EXECUTE AS CALLER'),
      'GRANT USAGE ON PROCEDURE demo.public.as_caller(NUMBER) TO ROLE app_role',
      'USE ROLE accountadmin',
    ]);
    const err = await failure(exec(app, 'CALL demo.public.as_caller(2)'));
    expect(err.code).toBe('100357');
    expect(err.message).toContain('002141'); // the caller cannot use the table function
  });
});

describe('procedure DDL', () => {
  it('SHOW PROCEDURES, DESCRIBE PROCEDURE and SHOW GRANTS', async () => {
    const shown = await exec(app, "SHOW USER PROCEDURES LIKE 'SUM%' IN SCHEMA demo.public");
    expect(shown.map((r) => [r.name, r.arguments, r.catalog_name])).toEqual([
      ['SUM_NUMBERS', 'SUM_NUMBERS(NUMBER) RETURN VARIANT', 'DEMO'],
    ]);
    const described = await exec(app, 'DESCRIBE PROCEDURE demo.public.sum_numbers(NUMBER)');
    const props = Object.fromEntries(described.map((r) => [r.property, r.value]));
    expect(props).toMatchObject({
      signature: '(N NUMBER)',
      returns: 'VARIANT',
      language: 'PYTHON',
      'execute as': 'OWNER',
      handler: 'run',
      runtime_version: '3.11',
      packages: "['snowflake-snowpark-python']",
    });
    const grants = await exec(admin, 'SHOW GRANTS ON PROCEDURE demo.public.sum_numbers(NUMBER)');
    expect(grants.map((g) => [g.privilege, g.grantee_name])).toEqual([
      ['OWNERSHIP', 'PIPELINE_ROLE'],
      ['USAGE', 'APP_ROLE'],
    ]);
  });

  it('needs CREATE PROCEDURE on the schema, and the Snowpark package', async () => {
    const noPrivilege = await failure(exec(app, procedure('mine', '', 'VARCHAR', 'def run(s): return 1')));
    expect(noPrivilege.code).toBe('003001');
    const noSnowpark = await failure(
      exec(
        admin,
        `CREATE PROCEDURE demo.public.p() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11'
           PACKAGES = ('requests') HANDLER = 'run' AS 'def run(s): return 1'`,
      ),
    );
    expect(noSnowpark.message).toContain("'snowflake-snowpark-python'");
  });

  it('DROP PROCEDURE needs OWNERSHIP and takes the grants with it', async () => {
    const denied = await failure(exec(app, 'DROP PROCEDURE demo.public.raises(VARCHAR)'));
    expect(denied.code).toBe('003001');
    // ACCOUNTADMIN is not above a custom role nobody granted to it: only the owner drops.
    expect((await failure(exec(admin, 'DROP PROCEDURE demo.public.raises(VARCHAR)'))).code).toBe('003001');
    await exec(admin, 'USE ROLE pipeline_role');
    const [dropped] = await exec(admin, 'DROP PROCEDURE demo.public.raises(VARCHAR)');
    expect(dropped!.status).toBe('RAISES successfully dropped.');
    const gone = await failure(exec(app, "CALL demo.public.raises('x')"));
    expect(gone.code).toBe('002141');
    const [again] = await exec(admin, 'DROP PROCEDURE IF EXISTS demo.public.raises(VARCHAR)');
    expect(again!.status).toContain('already dropped');
    await exec(admin, 'USE ROLE accountadmin');
  });
});

describe("a procedure's time limit", () => {
  it('covers the statements it runs: a function still running when it passes ends the CALL', async () => {
    const limited = await startSnowflakeSandbox({ port: 0, procedureTimeoutMs: 1000 });
    const conn = await connect(limited.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
    try {
      await run(conn, [
        'CREATE DATABASE demo',
        // A table function that never returns on its own (its own limit is the functions' 30 s).
        `CREATE FUNCTION demo.public.stuck() RETURNS TABLE (N NUMBER) LANGUAGE PYTHON RUNTIME_VERSION = '3.11'
           HANDLER = 'Stuck' AS $$
import threading
class Stuck:
    def process(self):
        threading.Event().wait()
$$`,
        procedure(
          'waits',
          '',
          'VARCHAR',
          'def run(session):\n    session.sql("SELECT * FROM TABLE(demo.public.stuck())").collect()\n',
        ),
      ]);
      const err = await failure(exec(conn, 'CALL demo.public.waits()'));
      expect(err.code).toBe('100357');
      expect(err.message).toContain(
        'TimeoutError: the handler did not finish within 1000 ms in function WAITS',
      );
    } finally {
      await destroy(conn);
      await limited.close();
    }
  });
});
