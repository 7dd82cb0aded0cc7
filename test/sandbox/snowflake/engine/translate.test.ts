// The Snowflake → DuckDB translation: what SQL it writes (pure), and what each translated function answers
// when DuckDB runs it through the engine (the stand-in's clock is NOW, a Saturday).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { tokenize } from '../../../../sandbox/snowflake/lexer.js';
import { strftimeFormat, translate } from '../../../../sandbox/snowflake/tables/translate.js';
import { admin, fails, NOW, objects, one, setupEngine } from './helpers.js';

function sql(text: string, binds: { type: string; value: string | null }[] = []) {
  return translate(tokenize(text), { text, binds });
}

const days = (ymd: string) => String(Date.parse(`${ymd}T00:00:00Z`) / 86_400_000);
const epoch = (iso: string) => `${Date.parse(iso) / 1000}.000000000`;

describe('translation (pure)', () => {
  it('quotes identifiers upper-case unless quoted, and names tables through the callback', () => {
    const t = sql('SELECT day, "Mixed" FROM fitbit.public.steps s WHERE s.steps > ? ORDER BY day', [
      { type: 'FIXED', value: '5' },
    ]);
    expect(t.sql).toBe(
      'SELECT "DAY", "Mixed" FROM "FITBIT"."PUBLIC"."STEPS" AS "S" WHERE "S"."STEPS" > (5) ORDER BY "DAY"',
    );
    expect(t.refs.map((r) => [r.name, r.use])).toEqual([[['FITBIT', 'PUBLIC', 'STEPS'], 'read']]);
    expect(t.bindsUsed).toBe(1);
    expect(t.readsData).toBe(true);
  });

  it('gives unaliased expressions Snowflake column names, and upper-cases aliases', () => {
    expect(sql('SELECT SUM(steps), MAX(day) AS last_day, COUNT(*) "n" FROM t').sql).toBe(
      'SELECT SUM("STEPS") AS "SUM(STEPS)", MAX("DAY") AS "LAST_DAY", COUNT(*) AS "n" FROM "T"',
    );
  });

  it('maps the date functions to DuckDB expressions, the sf_* macros and the clock', () => {
    // The type of DATEADD's argument decides its result: known (CURRENT_DATE) → the typed expression;
    // unknown → the macro overloaded by type.
    expect(sql("SELECT DATEADD(day, -7, CURRENT_DATE()) d, DATEADD('hour', 1, x) h FROM t").sql).toBe(
      `SELECT CAST(sf_current_date() + sf_interval('day', - 7) AS DATE) AS "D", sf_dateadd_time('hour', 1, "X") AS "H" FROM "T"`,
    );
    const typed = translate(tokenize('SELECT DATEADD(day, 1, MAX(day)) FROM t'), {
      text: 'SELECT DATEADD(day, 1, MAX(day)) FROM t',
      columnTypes: new Map([['DAY', 'DATE']]),
    });
    expect(typed.sql).toBe(
      `SELECT CAST(MAX("DAY") + sf_interval('day', 1) AS DATE) AS "DATEADD(DAY, 1, MAX(DAY))" FROM "T"`,
    );
    expect(sql("SELECT DATE_TRUNC('WEEK', day) w, DATEDIFF(dd, a, b) n FROM t").sql).toBe(
      `SELECT time_bucket(INTERVAL '1 week', "DAY") AS "W", sf_datediff('day', "A", "B") AS "N" FROM "T"`,
    );
    expect(sql('SELECT CURRENT_TIMESTAMP, SYSDATE() FROM t').sql).toBe(
      'SELECT sf_current_timestamp() AS "CURRENT_TIMESTAMP", sf_sysdate() AS "SYSDATE()" FROM "T"',
    );
  });

  it('rewrites IFF, NVL, DIV0, ZEROIFNULL and casts', () => {
    expect(
      sql('SELECT IFF(a > 1, a, 0) x, NVL(a, 0) y, DIV0(a, b) z, ZEROIFNULL(a) w, a::NUMBER(10,2) v FROM t')
        .sql,
    ).toBe(
      'SELECT (CASE WHEN "A" > 1 THEN "A" ELSE 0 END) AS "X", coalesce("A", 0) AS "Y", ' +
        '(CASE WHEN ("B") = 0 THEN 0 ELSE ("A") / ("B") END) AS "Z", coalesce("A", 0) AS "W", "A" ::DECIMAL(10,2) AS "V" FROM "T"',
    );
  });

  it('records a MERGE: target, source, actions; TABLE(udtf) becomes a placeholder table with its binds', () => {
    const t = sql(
      `MERGE INTO steps t USING (SELECT * FROM TABLE(f(?, 'x'))) s ON t.day = s.day
       WHEN MATCHED AND t.steps <> s.steps THEN UPDATE SET t.steps = s.steps
       WHEN NOT MATCHED THEN INSERT (day, steps) VALUES (s.day, s.steps)`,
      [{ type: 'TEXT', value: 'steps' }],
    );
    expect(t.kind).toBe('MERGE');
    expect(t.sql).toBe(
      'MERGE INTO "STEPS" AS "T" USING (SELECT * FROM "sf_udtf_0") AS "S" ON "T"."DAY" = "S"."DAY" ' +
        'WHEN MATCHED AND "T"."STEPS" <> "S"."STEPS" THEN UPDATE SET "STEPS" = "S"."STEPS" ' +
        'WHEN NOT MATCHED THEN INSERT ("DAY", "STEPS") VALUES ("S"."DAY", "S"."STEPS")',
    );
    expect(t.merge?.actions).toEqual(['update', 'insert']);
    expect(t.udtfs).toHaveLength(1);
    expect(t.udtfs[0]!.firstBind).toBe(0);
    expect(t.udtfs[0]!.tokens.map((x) => x.raw).join('')).toBe("f(?,'x')");
    expect(t.refs.map((r) => r.use)).toEqual(['merge']);
  });

  it('leaves CTE names alone and reads the rest as tables', () => {
    const t = sql('WITH w AS (SELECT day FROM steps) SELECT * FROM w JOIN other o ON o.day = w.day');
    expect(t.sql).toBe(
      'WITH "W" AS (SELECT "DAY" FROM "STEPS") SELECT * FROM "W" JOIN "OTHER" AS "O" ON "O"."DAY" = "W"."DAY"',
    );
    expect(t.refs.map((r) => r.name.join('.'))).toEqual(['STEPS', 'OTHER']);
  });

  it('points syntax errors at the token, as the engine does', async () => {
    const e = await fails(Promise.resolve().then(() => sql('SELECT a FROM')));
    expect(e.message).toBe("SQL compilation error:\nsyntax error line 1 at position 13 unexpected '<EOF>'.");
  });

  it('converts TO_CHAR / TO_DATE formats', () => {
    expect(strftimeFormat('YYYY-MM-DD HH24:MI:SS')).toBe('%Y-%m-%d %H:%M:%S');
    expect(strftimeFormat('DD/MM/YYYY "at" HH12AM')).toBe('%d/%m/%Y at %I%p');
    expect(strftimeFormat('DY, MON DD')).toBe('%a, %b %d');
  });
});

describe('each translated function, run by DuckDB', () => {
  let engine: SqlEngine;
  let s: SessionState;
  beforeEach(() => {
    ({ engine } = setupEngine());
    s = { ...admin(), warehouse: 'SANDBOX_WH' };
  });
  afterEach(async () => {
    await engine.close?.();
  });

  /** One row of the expressions, over a one-row subquery (so the query goes to DuckDB). */
  async function row(list: string): Promise<Record<string, string | null>> {
    const r = await one(engine, s, `SELECT ${list} FROM (SELECT 1 AS one) AS x`);
    return objects(r)[0]!;
  }

  async function types(list: string): Promise<string[]> {
    return (await one(engine, s, `SELECT ${list} FROM (SELECT 1 AS one) AS x`)).columns.map((c) => c.type);
  }

  it('CURRENT_DATE, CURRENT_TIMESTAMP and SYSDATE() read the stand-in clock', async () => {
    expect(
      await row('CURRENT_DATE() AS a, CURRENT_DATE AS b, CURRENT_TIMESTAMP() AS c, SYSDATE() AS d'),
    ).toEqual({
      A: days('2026-11-28'),
      B: days('2026-11-28'),
      C: epoch(NOW.toISOString()),
      D: epoch(NOW.toISOString()),
    });
    const bare = await one(engine, { ...admin() }, 'SELECT CURRENT_TIMESTAMP, CURRENT_TIMESTAMP() AS t');
    expect(bare.rows).toEqual([[epoch(NOW.toISOString()), epoch(NOW.toISOString())]]);
    expect(await types('CURRENT_DATE(), CURRENT_TIMESTAMP(), SYSDATE()')).toEqual([
      'date',
      'timestamp_ltz',
      'timestamp_ntz',
    ]);
  });

  it('DATEADD / DATE_ADD keep a DATE a DATE for date parts, a time part makes a timestamp', async () => {
    expect(
      await row(
        "DATEADD(day, -7, '2026-11-28'::DATE) AS a, DATE_ADD('month', 1, '2026-01-31'::DATE) AS b, " +
          "DATEADD(year, 1, '2024-02-29'::DATE) AS c, DATEADD(hour, 2, '2026-01-31'::DATE) AS d, " +
          'DATEADD(week, 2, CURRENT_DATE()) AS e',
      ),
    ).toEqual({
      A: days('2026-11-21'),
      B: days('2026-02-28'),
      C: days('2025-02-28'),
      D: epoch('2026-01-31T02:00:00Z'),
      E: days('2026-12-12'),
    });
    expect(
      await types("DATEADD(day, 1, '2026-01-01'::DATE), DATEADD(minute, 1, '2026-01-01'::DATE)"),
    ).toEqual(['date', 'timestamp_ntz']);
  });

  it('DATEDIFF counts boundaries, weeks between Mondays', async () => {
    expect(
      await row(
        "DATEDIFF(day, '2026-11-01'::DATE, '2026-11-28'::DATE) AS a, " +
          "DATEDIFF(week, '2026-11-29'::DATE, '2026-11-30'::DATE) AS b, " +
          "DATEDIFF(week, '2026-11-30'::DATE, '2026-12-06'::DATE) AS c, " +
          "DATEDIFF(month, '2026-01-31'::DATE, '2026-02-01'::DATE) AS d, " +
          "DATEDIFF('day', '2026-11-27'::DATE, CURRENT_DATE()) AS e",
      ),
    ).toEqual({ A: '27', B: '1', C: '0', D: '1', E: '1' });
  });

  it('DATE_TRUNC: weeks start on Monday (WEEK_START 0), a DATE stays a DATE', async () => {
    expect(
      await row(
        "DATE_TRUNC('week', '2026-11-29'::DATE) AS a, DATE_TRUNC('WEEK', '2026-11-23'::DATE) AS b, " +
          "DATE_TRUNC('month', '2026-11-29'::DATE) AS c, DATE_TRUNC('day', '2026-11-29 13:14:15'::TIMESTAMP_NTZ) AS d",
      ),
    ).toEqual({
      A: days('2026-11-23'),
      B: days('2026-11-23'),
      C: days('2026-11-01'),
      D: epoch('2026-11-29T00:00:00Z'),
    });
    expect(await types("DATE_TRUNC('week', '2026-11-29'::DATE)")).toEqual(['date']);
  });

  it('TO_DATE and TO_CHAR / TO_VARCHAR of a date', async () => {
    expect(
      await row(
        "TO_DATE('2026-11-02') AS a, TO_DATE('02/11/2026', 'DD/MM/YYYY') AS b, TO_DATE('2026-11-02 10:00:00') AS c, " +
          "TO_CHAR('2026-11-02'::DATE) AS d, TO_VARCHAR('2026-11-02'::DATE, 'YYYY-MM') AS e, " +
          "TO_CHAR('2026-11-02 10:11:12'::TIMESTAMP) AS f",
      ),
    ).toEqual({
      A: days('2026-11-02'),
      B: days('2026-11-02'),
      C: days('2026-11-02'),
      D: '2026-11-02',
      E: '2026-11',
      F: '2026-11-02 10:11:12.000',
    });
  });

  it('IFF, NVL, COALESCE, ZEROIFNULL, DIV0, ROUND, GREATEST / LEAST (NULL if any argument is)', async () => {
    expect(
      await row(
        "IFF(1 > 0, 'yes', 'no') AS a, NVL(NULL, 5) AS b, COALESCE(NULL, NULL, 3) AS c, ZEROIFNULL(NULL) AS d, " +
          'DIV0(10, 0) AS e, DIV0(10, 4) AS f, ROUND(2.345, 2) AS g, ROUND(2.5) AS h, ' +
          'GREATEST(1, 3, 2) AS i, GREATEST(1, NULL) AS j, LEAST(4, 2) AS k',
      ),
    ).toEqual({
      A: 'yes',
      B: '5',
      C: '3',
      D: '0',
      E: '0',
      F: '2.5',
      G: '2.35',
      H: '3',
      I: '3',
      J: null,
      K: '2',
    });
  });

  it('casts with :: and CAST map Snowflake types', async () => {
    expect(
      await row(
        "'5'::NUMBER + 1 AS a, '2026-11-02'::DATE AS b, 12::VARCHAR AS c, CAST('1.5' AS FLOAT) AS d, " +
          "'{\"a\": 1}'::VARIANT AS e, 'true'::BOOLEAN AS f, '3.14159'::NUMBER(10,2) AS g",
      ),
    ).toEqual({ A: '6', B: days('2026-11-02'), C: '12', D: '1.5', E: '{"a": 1}', F: 'true', G: '3.14' });
    expect(await types("'5'::NUMBER, '1'::FLOAT, 1::STRING, '{}'::VARIANT, '3.1'::NUMBER(10,2)")).toEqual([
      'fixed',
      'real',
      'text',
      'variant',
      'fixed',
    ]);
  });

  it('aggregates, windows and CTEs', async () => {
    const agg = await one(
      engine,
      s,
      'SELECT COUNT(*), COUNT(n), SUM(n), AVG(n), MIN(n), MAX(n) FROM ' +
        '(SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT NULL) AS v',
    );
    expect(objects(agg)).toEqual([
      { 'COUNT(*)': '3', 'COUNT(N)': '2', 'SUM(N)': '3', 'AVG(N)': '1.5', 'MIN(N)': '1', 'MAX(N)': '2' },
    ]);
    const win = await one(
      engine,
      s,
      'WITH v AS (SELECT 3 AS n UNION ALL SELECT 1 UNION ALL SELECT 2) ' +
        'SELECT n, ROW_NUMBER() OVER (ORDER BY n) AS rn, ' +
        'SUM(n) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running ' +
        'FROM v ORDER BY n DESC LIMIT 2',
    );
    expect(objects(win)).toEqual([
      { N: '3', RN: '3', RUNNING: '6' },
      { N: '2', RN: '2', RUNNING: '3' },
    ]);
  });

  it('sorts NULLs last ascending and first descending, as Snowflake does', async () => {
    const q = (dir: string) =>
      one(
        engine,
        s,
        `SELECT n FROM (SELECT 1 AS n UNION ALL SELECT NULL UNION ALL SELECT 2) AS v ORDER BY n ${dir}`,
      );
    expect((await q('ASC')).rows).toEqual([['1'], ['2'], [null]]);
    expect((await q('DESC')).rows).toEqual([[null], ['2'], ['1']]);
  });

  it('a FROM-less SELECT with a translated function runs without a warehouse; one over rows needs it', async () => {
    const noWh = { ...admin() };
    const r = await one(
      engine,
      noWh,
      "SELECT IFF(TRUE, 'a', 'b') AS x, DATE_TRUNC('month', CURRENT_DATE()) AS m",
    );
    expect(objects(r)).toEqual([{ X: 'a', M: days('2026-11-01') }]);
    expect(r.usedWarehouse).toBe(false);
    expect((await fails(one(engine, noWh, 'SELECT 1 FROM (SELECT 1) AS x'))).code).toBe('000606');
  });

  it('FROM-less SELECTs the engine already evaluates stay on its path (DuckDB not loaded)', async () => {
    const r = await one(
      engine,
      s,
      "SELECT CURRENT_ROLE(), TO_DATE('2026-11-02'), DATEADD(day, 1, CURRENT_DATE())",
    );
    expect(r.rows[0]).toEqual(['ACCOUNTADMIN', days('2026-11-02'), days('2026-11-29')]);
    expect(engine.tablesLoaded?.()).toBe(false);
  });
});
