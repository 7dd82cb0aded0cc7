// Tables through the real snowflake-sdk against the stand-in, with a real Python table function: the driver
// decodes dates, timestamps and numbers as it would from Snowflake; MERGE from TABLE(udtf) is idempotent;
// privileges, warehouse counting, reset and lazy loading as a test sees them from outside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { type Conn, connect, destroy, exec, failure } from './driver.js';

let sb: SnowflakeSandbox;
let admin: Conn;
const now = new Date('2026-11-28T12:00:00Z');

const SETUP = [
  'CREATE DATABASE fitbit',
  `CREATE TABLE fitbit.public.daily (
     account VARCHAR NOT NULL, day DATE NOT NULL, steps NUMBER, distance_m FLOAT,
     loaded_at TIMESTAMP_NTZ, PRIMARY KEY (account, day))`,
  // A small Python table function, run by python3 as Snowflake would run it.
  `CREATE FUNCTION fitbit.public.days(start_date DATE, n NUMBER, fail BOOLEAN)
     RETURNS TABLE (account VARCHAR, day DATE, steps NUMBER, distance_m FLOAT)
     LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'Days'
   AS $$
import datetime

class Days:
    def process(self, start_date, n, fail):
        if fail:
            raise ValueError("FITBIT_CONNECT_ERROR[rate_limited] too many requests")
        for i in range(n):
            yield ("alice", start_date + datetime.timedelta(days=i), 1000 + i, 700.5 + i)
$$`,
  'CREATE ROLE reader',
  'GRANT USAGE ON DATABASE fitbit TO ROLE reader',
  'GRANT USAGE ON SCHEMA fitbit.public TO ROLE reader',
  "CREATE USER reader_user PASSWORD = 'reader-pw' DEFAULT_ROLE = reader DEFAULT_WAREHOUSE = SANDBOX_WH",
  'GRANT ROLE reader TO USER reader_user',
];

const merge = (fail = false) => `
MERGE INTO fitbit.public.daily t
USING (SELECT * FROM TABLE(fitbit.public.days('2026-11-01'::DATE, 3, ${fail}))) s
  ON t.account = s.account AND t.day = s.day
WHEN MATCHED AND (t.steps <> s.steps OR t.distance_m <> s.distance_m)
  THEN UPDATE SET steps = s.steps, distance_m = s.distance_m, loaded_at = SYSDATE()
WHEN NOT MATCHED THEN INSERT (account, day, steps, distance_m, loaded_at)
  VALUES (s.account, s.day, s.steps, s.distance_m, SYSDATE())`;

async function control(path: string, body: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

beforeAll(async () => {
  sb = await startSnowflakeSandbox({ port: 0, now: () => now, warn: () => {} });
  admin = await connect(sb.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
  for (const sql of SETUP) await exec(admin, sql);
});

afterAll(async () => {
  if (admin) await destroy(admin);
  await sb?.close();
});

describe('tables through snowflake-sdk', () => {
  it('MERGE from TABLE(python udtf) inserts, and the same MERGE again reports 0 rows updated', async () => {
    const before = sb.warehouseStatements();
    expect(await exec(admin, merge())).toEqual([
      { 'number of rows inserted': 3, 'number of rows updated': 0 },
    ]);
    expect(await exec(admin, merge())).toEqual([
      { 'number of rows inserted': 0, 'number of rows updated': 0 },
    ]);
    expect(sb.warehouseStatements() - before).toBe(2);
  });

  it('decodes DATE, TIMESTAMP_NTZ, NUMBER and FLOAT as it does from Snowflake', async () => {
    const rows = await exec(
      admin,
      'SELECT day, steps, distance_m, loaded_at FROM fitbit.public.daily ORDER BY day',
    );
    expect(rows).toHaveLength(3);
    const first = rows[0]!;
    expect(first.DAY).toBeInstanceOf(Date);
    expect((first.DAY as Date).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(first.STEPS).toBe(1000);
    expect(first.DISTANCE_M).toBe(700.5);
    expect((first.LOADED_AT as Date).toISOString()).toBe(now.toISOString());
    expect((rows[2]!.DAY as Date).toISOString().slice(0, 10)).toBe('2026-11-03');
  });

  it('runs the dashboard-style query: weekly sums, binds, aggregates', async () => {
    const rows = await exec(
      admin,
      `SELECT DATE_TRUNC('week', day) AS week, SUM(steps) AS steps, ROUND(AVG(distance_m), 1) AS avg_m,
              COUNT(*) AS days, MAX(day) AS latest
         FROM fitbit.public.daily WHERE day >= ? GROUP BY 1 ORDER BY 1`,
      ['2026-10-01'],
    );
    expect(rows.map((r) => ({ ...r, WEEK: (r.WEEK as Date).toISOString().slice(0, 10) }))).toEqual([
      { WEEK: '2026-10-26', STEPS: 1000, AVG_M: 700.5, DAYS: 1, LATEST: expect.any(Date) },
      { WEEK: '2026-11-02', STEPS: 2003, AVG_M: 702, DAYS: 2, LATEST: expect.any(Date) },
    ]);
    const [fresh] = await exec(
      admin,
      'SELECT DATEDIFF(day, MAX(day), CURRENT_DATE()) AS days_behind FROM fitbit.public.daily',
    );
    expect(fresh).toEqual({ DAYS_BEHIND: 25 });
  });

  it('a failing table function fails the MERGE with its Python error; nothing changes', async () => {
    const err = await failure(exec(admin, merge(true)));
    expect(err.code).toBe('100357');
    expect(err.message).toContain('FITBIT_CONNECT_ERROR[rate_limited] too many requests');
    const [n] = await exec(admin, 'SELECT COUNT(*) AS N FROM fitbit.public.daily');
    expect(n).toEqual({ N: 3 });
  });

  it("a role without SELECT gets Snowflake's error; granted, it reads", async () => {
    const reader = await connect(sb.url, { username: 'reader_user', password: 'reader-pw' });
    const err = await failure(exec(reader, 'SELECT * FROM fitbit.public.daily'));
    expect(err.code).toBe('002003');
    expect(err.sqlState).toBe('42S02');
    expect(err.message).toBe(
      "SQL compilation error:\nObject 'FITBIT.PUBLIC.DAILY' does not exist or not authorized.",
    );
    await exec(admin, 'GRANT SELECT ON TABLE fitbit.public.daily TO ROLE reader');
    expect(await exec(reader, 'SELECT COUNT(*) AS n FROM fitbit.public.daily')).toEqual([{ N: 3 }]);
    const tables = await exec(reader, 'SHOW TABLES IN SCHEMA fitbit.public');
    expect(tables.map((t) => [t.name, t.owner, t.rows])).toEqual([['DAILY', 'ACCOUNTADMIN', 3]]);
    await destroy(reader);
  });

  it('reset drops the rows with the catalog', async () => {
    await control('/sandbox/reset', {});
    const again = await connect(sb.url, { password: 'sandbox', warehouse: 'SANDBOX_WH' });
    const err = await failure(exec(again, 'SELECT * FROM fitbit.public.daily'));
    expect(err.code).toBe('002003');
    await exec(again, 'CREATE DATABASE fitbit');
    await exec(again, SETUP[1]!);
    expect(await exec(again, 'SELECT COUNT(*) AS n FROM fitbit.public.daily')).toEqual([{ N: 0 }]);
    await destroy(again);
  });
});

describe('loading DuckDB', () => {
  it('a stand-in that never touches a table never loads it', async () => {
    const other = await startSnowflakeSandbox({ port: 0, warn: () => {} });
    try {
      const conn = await connect(other.url, { password: 'sandbox' });
      await exec(conn, 'SELECT CURRENT_ROLE()');
      await exec(conn, 'SHOW TABLES IN ACCOUNT');
      expect(other.engine.tablesLoaded?.()).toBe(false);
      await destroy(conn);
    } finally {
      await other.close();
    }
    expect(sb.engine.tablesLoaded?.()).toBe(true);
  });
});
