// INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION as the app will use it to find its own ALTER SECRET, and
// queryHistoryRedaction: 'none' (default: the token literal stays in the query text) or 'redacted'.
// Real snowflake-sdk over real sockets.
import type snowflake from 'snowflake-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Conn, connect, destroy, exec, failure } from '../snowflake/driver.js';
import { buildChain, googleRefreshToken, lit, type Pair, startPair } from './helpers.js';

const DB = 'QH';
const HISTORY =
  'SELECT query_text, query_id, query_type, start_time FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 10))';
let p: Pair;
const extra: Conn[] = [];

afterEach(async () => {
  for (const c of extra.splice(0)) await destroy(c);
  await p?.close();
});

/** Runs a statement and returns the query id the driver saw. */
function execWithId(conn: Conn, sqlText: string): Promise<string> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      complete: (err: snowflake.SnowflakeError | undefined, stmt: snowflake.RowStatement) =>
        err ? reject(err) : resolve(stmt.getQueryId()),
    });
  });
}

async function writeAndLookUp(): Promise<{
  token: string;
  alterId: string;
  rows: Record<string, unknown>[];
}> {
  await buildChain(p.conn, DB);
  await exec(p.conn, `USE DATABASE ${DB}`);
  const token = await googleRefreshToken(p.oauth);
  const alterId = await execWithId(
    p.conn,
    `ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ${lit(token)}`,
  );
  return { token, alterId, rows: await exec(p.conn, HISTORY) };
}

describe('QUERY_HISTORY_BY_SESSION', () => {
  it("lists the session's own queries, newest first (the running one included), in Snowflake's column names", async () => {
    p = await startPair();
    const { alterId, rows } = await writeAndLookUp();
    expect(rows).toHaveLength(9); // the six statements of buildChain, USE, ALTER SECRET and this SELECT
    expect(Object.keys(rows[0]!)).toEqual(['QUERY_TEXT', 'QUERY_ID', 'QUERY_TYPE', 'START_TIME']);
    expect(rows[0]).toMatchObject({ QUERY_TEXT: HISTORY, QUERY_TYPE: 'SELECT' });
    expect(rows[1]).toMatchObject({ QUERY_ID: alterId, QUERY_TYPE: 'ALTER' });
    expect(rows[2]!.QUERY_TEXT).toBe(`USE DATABASE ${DB}`);
    expect(rows[0]!.START_TIME).toBeInstanceOf(Date);
    const starts = rows.map((r) => (r.START_TIME as Date).getTime());
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);

    // Every column, without a limit (100 by default), and fully qualified.
    const all = await exec(
      p.conn,
      `SELECT * FROM TABLE(${DB}.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION())`,
    );
    expect(Object.keys(all[0]!)).toEqual([
      'QUERY_ID',
      'QUERY_TEXT',
      'DATABASE_NAME',
      'SCHEMA_NAME',
      'QUERY_TYPE',
      'SESSION_ID',
      'USER_NAME',
      'ROLE_NAME',
      'WAREHOUSE_NAME',
      'EXECUTION_STATUS',
      'ERROR_CODE',
      'ERROR_MESSAGE',
      'START_TIME',
      'END_TIME',
      'TOTAL_ELAPSED_TIME',
    ]);
    expect(all).toHaveLength(10);
    expect(all[0]).toMatchObject({ EXECUTION_STATUS: 'RUNNING', END_TIME: null, USER_NAME: 'SANDBOX_ADMIN' });
    expect(all.find((r) => r.QUERY_ID === alterId)).toMatchObject({
      EXECUTION_STATUS: 'SUCCESS',
      DATABASE_NAME: DB,
      ROLE_NAME: 'ACCOUNTADMIN',
      WAREHOUSE_NAME: 'SANDBOX_WH',
    });
  });

  it("shows failed queries with their error, and never another session's queries", async () => {
    p = await startPair();
    await exec(p.conn, 'CREATE DATABASE IF NOT EXISTS QH');
    await exec(p.conn, 'USE DATABASE QH');
    await failure(exec(p.conn, 'DESCRIBE SECRET QH.PUBLIC.MISSING'));
    const other = await connect(p.snowflake.url, { password: 'sandbox' });
    extra.push(other);
    await exec(other, "SELECT 'from another session'");
    const rows = await exec(
      p.conn,
      'SELECT * FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 2))',
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      QUERY_TEXT: 'DESCRIBE SECRET QH.PUBLIC.MISSING',
      EXECUTION_STATUS: 'FAILED_WITH_ERROR',
      ERROR_CODE: '002003',
    });
    const mine = await exec(
      p.conn,
      'SELECT query_text FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION())',
    );
    expect(mine.map((r) => r.QUERY_TEXT)).not.toContain("SELECT 'from another session'");
  });

  it('needs a warehouse (and counts as warehouse use) and a current database or a qualified name', async () => {
    p = await startPair();
    const noWarehouse = await connect(p.snowflake.url, { password: 'sandbox', warehouse: 'NONE_SUCH' });
    extra.push(noWarehouse);
    await exec(noWarehouse, 'CREATE DATABASE IF NOT EXISTS QH');
    expect((await failure(exec(noWarehouse, HISTORY))).code).toBe('000606');
    expect((await failure(exec(p.conn, HISTORY))).code).toBe('090105');
    const before = p.snowflake.warehouseStatements();
    await exec(
      p.conn,
      'SELECT query_id FROM TABLE(QH.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 1))',
    );
    expect(p.snowflake.warehouseStatements()).toBe(before + 1);
    for (const bad of [
      'SELECT * FROM TABLE(QH.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 0))',
      'SELECT * FROM TABLE(QH.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 10001))',
      'SELECT * FROM TABLE(QH.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(SESSION_ID => 1))',
      'SELECT no_such_column FROM TABLE(QH.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION())',
    ]) {
      expect((await failure(exec(p.conn, bad))).code, bad).toMatch(/^00/);
    }
  });
});

describe('queryHistoryRedaction', () => {
  it("none (default): the ALTER SECRET's text in the history holds the refresh token", async () => {
    p = await startPair();
    const { token, alterId, rows } = await writeAndLookUp();
    const alter = rows.find((r) => r.QUERY_ID === alterId);
    expect(alter?.QUERY_TEXT).toBe(`ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ${lit(token)}`);
    // The stand-in's own statement log never shows it.
    const log = await (await fetch(`${p.snowflake.url}/sandbox/statements`)).text();
    expect(log).not.toContain(token);
  });

  it("redacted: the literal is replaced by '***', as Snowflake redacts passwords", async () => {
    p = await startPair({ queryHistoryRedaction: 'redacted' });
    const { token, alterId, rows } = await writeAndLookUp();
    const alter = rows.find((r) => r.QUERY_ID === alterId);
    expect(alter?.QUERY_TEXT).toBe(`ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = '***'`);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});
