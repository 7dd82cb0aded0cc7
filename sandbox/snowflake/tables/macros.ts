// The DuckDB side of the translation (translate.ts): session settings that match Snowflake's defaults, and
// macros with Snowflake's semantics where DuckDB's built-ins differ. DATEADD and TO_CHAR depend on their
// argument's type: translate.ts writes the typed expression when it knows the type (a table's column, a
// cast, CURRENT_DATE, …) and otherwise these macros, overloaded by argument type (DuckDB ≥ 1.4), so
// DATEADD(day, 1, <DATE>) stays a DATE as in Snowflake (DuckDB cannot pick an overload for an aggregate). The clock is a DuckDB variable the store sets before every statement (the stand-in's clock,
// which tests move), so views and column defaults read it when they run, not when they were created.

/** Set once per connection. */
export const SETTINGS = [
  // The stand-in computes dates in UTC (CURRENT_DATE, TO_DATE of a timestamp), as its other SQL does.
  "SET TimeZone = 'UTC'",
  // Snowflake sorts NULLs last ascending and first descending (DEFAULT_NULL_ORDERING = LAST).
  "SET default_null_order = 'nulls_last_on_asc_first_on_desc'",
  "SET VARIABLE sf_now = TIMESTAMPTZ '1970-01-01 00:00:00+00'",
];

/** The variable holding the stand-in's clock, set before each statement. */
export function setClock(ms: number): string {
  return `SET VARIABLE sf_now = TIMESTAMPTZ '${new Date(ms).toISOString()}'`;
}

// An interval of n parts; Snowflake truncates a fractional n for date parts.
const INTERVAL = `CASE p
    WHEN 'year' THEN to_months(CAST(trunc(n) AS INTEGER) * 12)
    WHEN 'quarter' THEN to_months(CAST(trunc(n) AS INTEGER) * 3)
    WHEN 'month' THEN to_months(CAST(trunc(n) AS INTEGER))
    WHEN 'week' THEN to_days(CAST(trunc(n) AS INTEGER) * 7)
    WHEN 'day' THEN to_days(CAST(trunc(n) AS INTEGER))
    WHEN 'hour' THEN to_hours(CAST(trunc(n) AS BIGINT))
    WHEN 'minute' THEN to_minutes(CAST(trunc(n) AS BIGINT))
    WHEN 'second' THEN to_seconds(CAST(trunc(n) AS BIGINT))
    WHEN 'millisecond' THEN to_milliseconds(CAST(trunc(n) AS BIGINT))
    WHEN 'microsecond' THEN to_microseconds(CAST(trunc(n) AS BIGINT))
  END`;

export const MACROS = [
  `CREATE MACRO sf_current_timestamp() AS getvariable('sf_now')`,
  `CREATE MACRO sf_current_date() AS CAST(getvariable('sf_now') AS DATE)`,
  `CREATE MACRO sf_sysdate() AS CAST(getvariable('sf_now') AS TIMESTAMP)`,
  `CREATE MACRO sf_interval(p, n) AS ${INTERVAL}`,
  // DATEADD with a date part (year … day): a DATE stays a DATE.
  `CREATE MACRO sf_dateadd_date
     (p, n, x DATE) AS CAST(x + sf_interval(p, n) AS DATE),
     (p, n, x TIMESTAMP) AS x + sf_interval(p, n),
     (p, n, x TIMESTAMPTZ) AS x + sf_interval(p, n),
     (p, n, x VARCHAR) AS CAST(x AS TIMESTAMP) + sf_interval(p, n)`,
  // DATEADD with a time part (hour …): a DATE becomes a TIMESTAMP_NTZ.
  `CREATE MACRO sf_dateadd_time
     (p, n, x DATE) AS CAST(x AS TIMESTAMP) + sf_interval(p, n),
     (p, n, x TIMESTAMP) AS x + sf_interval(p, n),
     (p, n, x TIMESTAMPTZ) AS x + sf_interval(p, n),
     (p, n, x VARCHAR) AS CAST(x AS TIMESTAMP) + sf_interval(p, n)`,
  // DATEDIFF counts the part's boundaries crossed. DuckDB's date_diff does for every part but week (it
  // counts whole weeks): weeks are counted between their Mondays (WEEK_START = 0). Untyped, so an aggregate
  // argument works (DuckDB cannot pick a typed overload for one).
  `CREATE MACRO sf_diff(p, a, b) AS CASE p
     WHEN 'week' THEN date_diff('day', date_trunc('week', a), date_trunc('week', b)) // 7
     ELSE date_diff(p, a, b)
   END`,
  `CREATE MACRO sf_datediff(p, a, b) AS sf_diff(p, CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP))`,
  `CREATE MACRO sf_to_date(x) AS CAST(CAST(x AS TIMESTAMP) AS DATE)`,
  // TO_CHAR with no format: the session's output formats (DATE_OUTPUT_FORMAT YYYY-MM-DD, timestamps
  // YYYY-MM-DD HH24:MI:SS.FF3 as the stand-in's session parameters say).
  `CREATE MACRO sf_to_char
     (x DATE) AS strftime(x, '%Y-%m-%d'),
     (x TIMESTAMP) AS strftime(x, '%Y-%m-%d %H:%M:%S.%g'),
     (x TIMESTAMPTZ) AS strftime(x, '%Y-%m-%d %H:%M:%S.%g +0000'),
     (x) AS CAST(x AS VARCHAR)`,
];
