-- Test fixture: sql/pipeline-google-health.sql as released before several accounts (commit 20f882d), which
-- test/integration/pipeline-accounts.test.ts runs before the current script to test the upgrade.
-- fitbit-snowflake-connect: the daily load for the google-health provider: one table per data kind, filled
-- every day from FITBIT_DAILY_DATA by a task, in the secret's database and schema.
--
-- What it creates, and why each piece:
--   pipeline role           owns the tables, the procedure and the task (a task runs as its owner): it may
--                           call the check and data functions and write its own tables, nothing else
--   tables                  FITBIT_STEPS, FITBIT_DISTANCE, FITBIT_CALORIES, FITBIT_ACTIVE_MINUTES,
--                           FITBIT_RESTING_HEART_RATE, FITBIT_SLEEP (one row per account and civil date) and
--                           FITBIT_LOAD_RUNS (one row per load: what the app's status page shows)
--   procedure FITBIT_LOAD   for each configured kind, MERGEs FITBIT_DAILY_DATA into its table, window by window
--   task FITBIT_DAILY_LOAD  calls it every day at 07:00 UTC, on the warehouse (serverless: see section 3)
--   grants                  readers: SELECT on the tables; the app's role: MONITOR and OPERATE on the task
--                           (SHOW TASKS, EXECUTE TASK for "Load now") and SELECT on FITBIT_LOAD_RUNS
--
-- How to run it: after sql/setup-google-health.sql (it uses that script's database, warehouse, roles and
-- functions), top to bottom as a user who holds ACCOUNTADMIN: only an account administrator may grant
-- EXECUTE TASK on the account, which a task's owner needs.
--   fitbit-snowflake-connect renders it filled in: `npm run sql -- pipeline-google-health` (or its /setup page).
--   With the Snowflake CLI 3.0.0 or later (the first release that reads the variable syntax used here):
--     snow sql -f sql/pipeline-google-health.sql -D "data_kinds=steps,sleep" … (every name has a default).
--   Safe to re-run, and how to apply a change: the role and tables are created only if missing (a re-run never
--   loses data), the task is created only if missing and then suspended, set from the script and resumed.
--   Only the procedure is replaced: nothing is bound to it (the task calls it by name, and no grant is given
--   on it), so a re-run ships the new code.
--
-- Variables (defaults): database FITBIT, schema PUBLIC, warehouse FITBIT_WH, owner_role SYSADMIN, app_role
--   FITBIT_CONNECT_APP_ROLE, reader_role FITBIT_READER, check_function FITBIT_CONNECTION_CHECK, data_function
--   FITBIT_DAILY_DATA (all as given to the setup script), pipeline_role FITBIT_PIPELINE_ROLE, load_procedure
--   FITBIT_LOAD, load_task FITBIT_DAILY_LOAD, runs_table FITBIT_LOAD_RUNS, history_days 365 (how far back the
--   first load reaches), schedule 'USING CRON 0 7 * * * UTC', data_kinds (the kinds to load, PIPELINE_DATA_TYPES:
--   default all six). The six data tables keep their names: the dashboard (streamlit/) reads them.

----------------------------------------------------------------------------------------------------------
-- 1. ACCOUNTADMIN: the pipeline role, and the account privilege a task's owner needs to run it.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

CREATE ROLE IF NOT EXISTS <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>
  COMMENT = 'fitbit-snowflake-connect: owns the daily tables, the load procedure and its task';
-- Custom roles roll up to the database owner, as Snowflake recommends (and so the user running this script,
-- through ACCOUNTADMIN, may use it in section 3).
GRANT ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %> TO ROLE <% owner_role | default("SYSADMIN") %>;
-- A task runs with its owner's privileges, and its owner must hold EXECUTE TASK on the account.
GRANT EXECUTE TASK ON ACCOUNT TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
-- Serverless task instead of the warehouse (section 3 says how): its owner needs this too.
-- GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;

----------------------------------------------------------------------------------------------------------
-- 2. Database owner (SYSADMIN by default): what the pipeline role may use and create in the schema.
----------------------------------------------------------------------------------------------------------
USE ROLE <% owner_role | default("SYSADMIN") %>;

GRANT USAGE ON DATABASE <% database | default("FITBIT") %> TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
GRANT USAGE ON SCHEMA <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %> TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
GRANT CREATE TABLE, CREATE PROCEDURE, CREATE TASK ON SCHEMA <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %> TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
-- The task's warehouse, and the functions the load calls: the check (whose account the rows are) and the data.
GRANT USAGE ON WAREHOUSE <% warehouse | default("FITBIT_WH") %> TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>() TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% data_function | default("FITBIT_DAILY_DATA") %>(VARCHAR, DATE, DATE) TO ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;

----------------------------------------------------------------------------------------------------------
-- 3. The pipeline role: its tables, the load procedure, the task, and the grants on them.
----------------------------------------------------------------------------------------------------------
USE ROLE <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;

-- One table per data kind, keyed by (ACCOUNT, DAY): ACCOUNT is the Google Health user id, DAY the civil date
-- in the user's time zone, LOADED_AT (UTC) when the row last changed. Created only if missing: a re-run keeps
-- the data. Snowflake does not enforce the primary keys; the load's MERGE keeps them true.
CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_STEPS (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date, in the user''s time zone',
  STEPS NUMBER COMMENT 'steps that day',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily steps, loaded by FITBIT_LOAD';

CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_DISTANCE (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date, in the user''s time zone',
  DISTANCE_M FLOAT COMMENT 'meters that day',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily distance, loaded by FITBIT_LOAD';

CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_CALORIES (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date, in the user''s time zone',
  CALORIES_KCAL FLOAT COMMENT 'total calories (basal and active), kcal',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily calories, loaded by FITBIT_LOAD';

CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_ACTIVE_MINUTES (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date, in the user''s time zone',
  ACTIVE_ZONE_MINUTES NUMBER COMMENT 'the three zones added up, as the API gives them',
  FAT_BURN_MINUTES NUMBER COMMENT 'minutes in the fat burn heart rate zone',
  CARDIO_MINUTES NUMBER COMMENT 'minutes in the cardio heart rate zone',
  PEAK_MINUTES NUMBER COMMENT 'minutes in the peak heart rate zone',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily active zone minutes, loaded by FITBIT_LOAD';

CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_RESTING_HEART_RATE (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date, in the user''s time zone',
  RESTING_HEART_RATE NUMBER COMMENT 'beats per minute',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily resting heart rate, loaded by FITBIT_LOAD';

CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_SLEEP (
  ACCOUNT VARCHAR NOT NULL COMMENT 'Google Health user id',
  DAY DATE NOT NULL COMMENT 'civil date the sleep ended on (the night before that morning, and naps that day)',
  SLEEP_MINUTES NUMBER COMMENT 'minutes asleep',
  IN_BED_MINUTES NUMBER COMMENT 'minutes in the sleep periods',
  SLEEP_EFFICIENCY NUMBER COMMENT 'asleep / in bed, percent',
  DEEP_MINUTES NUMBER COMMENT 'NULL when no session that day has stages',
  LIGHT_MINUTES NUMBER COMMENT 'NULL when no session that day has stages',
  REM_MINUTES NUMBER COMMENT 'NULL when no session that day has stages',
  AWAKE_MINUTES NUMBER COMMENT 'minutes awake in the sleep periods',
  LOADED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'when this row last changed (UTC)',
  PRIMARY KEY (ACCOUNT, DAY)
) COMMENT = 'fitbit-snowflake-connect: daily sleep, loaded by FITBIT_LOAD';

-- One row per load, written by the procedure at its end: what the app's status page shows.
CREATE TABLE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% runs_table | default("FITBIT_LOAD_RUNS") %> (
  RUN_ID VARCHAR NOT NULL,
  STARTED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'UTC',
  FINISHED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'UTC',
  OUTCOME VARCHAR NOT NULL COMMENT 'ok | partial (some kinds failed) | failed (nothing could load)',
  ROWS_CHANGED NUMBER NOT NULL COMMENT 'rows inserted or updated, every kind',
  LATEST_DAY DATE COMMENT 'the latest day any table holds for the account',
  ERROR_CODE VARCHAR COMMENT 'the FITBIT_CONNECT_ERROR code (token_revoked, rate_limited, scope_missing, …) or a Snowflake error code',
  ERROR_MESSAGE VARCHAR,
  DETAIL VARIANT COMMENT 'per kind: {rows_changed, latest_day, error_code, error_message, from, to}',
  PRIMARY KEY (RUN_ID)
) COMMENT = 'fitbit-snowflake-connect: one row per run of FITBIT_LOAD';

-- The load. For each configured kind: the latest DAY its table holds for the connected account, less 7 days
-- (devices sync late: a re-read window), or today less HISTORY_DAYS when it holds none; then, oldest first,
-- one MERGE per API-sized window (90 days, 14 for calories) from FITBIT_DAILY_DATA. Each MERGE commits on its
-- own, so a run that stops keeps what it loaded, and the next one resumes from there. Rows whose values did not
-- change are left alone, so loading twice changes nothing. Errors: token_revoked stops the run (every kind
-- would fail), any other error stops that kind and the others go on. A failed load still returns normally (the
-- row in FITBIT_LOAD_RUNS says what failed): a task whose runs fail is suspended after 10 failures in a row,
-- and then would not catch up after a re-authorization.
-- EXECUTE AS OWNER: the task and "Load now" run it as the pipeline role, whoever started them.
-- CREATE OR REPLACE on purpose: nothing is bound to a procedure (the task calls it by name), and no grant on it
-- is lost (none is given), so a re-run ships the new code.
CREATE OR REPLACE PROCEDURE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_procedure | default("FITBIT_LOAD") %>(HISTORY_DAYS NUMBER)
  RETURNS VARCHAR
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('snowflake-snowpark-python')
  HANDLER = 'run'
  COMMENT = 'fitbit-snowflake-connect: loads the daily tables from FITBIT_DAILY_DATA; returns a one-line summary'
  EXECUTE AS OWNER
AS $$
import datetime
import json
import re
import uuid

SCHEMA = '<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>'
DATA_FUNCTION = SCHEMA + '.<% data_function | default("FITBIT_DAILY_DATA") %>'
CHECK_FUNCTION = SCHEMA + '.<% check_function | default("FITBIT_CONNECTION_CHECK") %>'
RUNS = SCHEMA + '.<% runs_table | default("FITBIT_LOAD_RUNS") %>'
# PIPELINE_DATA_TYPES: the kinds to load, in this order.
CONFIGURED = '<% data_kinds | default("steps,distance,calories,active_minutes,resting_heart_rate,sleep") %>'
# Devices sync late: each run re-reads this many days before the latest one a table holds.
TRAILING_DAYS = 7
# kind: (its table, days per FITBIT_DAILY_DATA call, ((table column, function column), ...)). The days are the
# API's window for the kind (14 for total-calories, 90 for the rest), so each MERGE asks for one window.
KINDS = {
    'steps': ('FITBIT_STEPS', 90, (('STEPS', 'STEPS'),)),
    'distance': ('FITBIT_DISTANCE', 90, (('DISTANCE_M', 'DISTANCE_M'),)),
    'calories': ('FITBIT_CALORIES', 14, (('CALORIES_KCAL', 'CALORIES_KCAL'),)),
    'active_minutes': ('FITBIT_ACTIVE_MINUTES', 90, (
        ('ACTIVE_ZONE_MINUTES', 'ACTIVE_ZONE_MINUTES'), ('FAT_BURN_MINUTES', 'ACTIVE_ZONE_MINUTES_FAT_BURN'),
        ('CARDIO_MINUTES', 'ACTIVE_ZONE_MINUTES_CARDIO'), ('PEAK_MINUTES', 'ACTIVE_ZONE_MINUTES_PEAK'))),
    'resting_heart_rate': ('FITBIT_RESTING_HEART_RATE', 90, (('RESTING_HEART_RATE', 'RESTING_HEART_RATE'),)),
    'sleep': ('FITBIT_SLEEP', 90, (
        ('SLEEP_MINUTES', 'SLEEP_MINUTES'), ('IN_BED_MINUTES', 'SLEEP_IN_BED_MINUTES'),
        ('SLEEP_EFFICIENCY', 'SLEEP_EFFICIENCY'), ('DEEP_MINUTES', 'SLEEP_DEEP_MINUTES'),
        ('LIGHT_MINUTES', 'SLEEP_LIGHT_MINUTES'), ('REM_MINUTES', 'SLEEP_REM_MINUTES'),
        ('AWAKE_MINUTES', 'SLEEP_AWAKE_MINUTES'))),
}
# The functions' errors carry a stable prefix (sql/README.md, "Errors the functions raise").
TAGGED = re.compile(r'FITBIT_CONNECT_ERROR\[(\w+)\]:?\s*([^\n]*)')
DAY = datetime.timedelta(days=1)


class LoadError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def error_of(exc):
    # (code, message): the function's FITBIT_CONNECT_ERROR code, else Snowflake's error code.
    if isinstance(exc, LoadError):
        return exc.code, exc.message
    text = str(getattr(exc, 'raw_message', None) or getattr(exc, 'message', None) or exc)
    tagged = TAGGED.search(text)
    if tagged:
        # Snowflake appends where the Python error was raised: the message is the function's own.
        message = re.sub(r'\s+in function \S+ with handler \S+$', '', tagged.group(2).strip())
        return tagged.group(1), message[:1000]
    code = getattr(exc, 'sql_error_code', None)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (str(code).zfill(6) if code is not None else 'load_error'), (lines[0] if lines else '')[:1000]


def one(session, sql, params=None):
    rows = session.sql(sql, params=params).collect()
    return rows[0] if rows else None


def account_of(session):
    # Whose data the secret reads: the rows are keyed by it, so a switch to another account backfills anew.
    value = one(session, 'SELECT ' + CHECK_FUNCTION + '() AS IDENTITY')[0]
    identity = json.loads(value) if isinstance(value, str) else (value or {})
    account = str(identity.get('healthUserId') or '')
    if not account:
        raise LoadError('api_error', CHECK_FUNCTION + ' returned no healthUserId')
    return account


def latest(session, table, account):
    return one(session, 'SELECT MAX(DAY) AS LATEST FROM ' + table + ' WHERE ACCOUNT = ?', [account])[0]


def as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def merge(session, kind, table, columns, start, end):
    # One window of the function into the table: new days inserted, changed days updated, the rest untouched.
    names = [column for column, _ in columns]
    picked = ', '.join(source + ' AS ' + column for column, source in columns)
    changed = ' OR '.join('t.' + c + ' IS DISTINCT FROM s.' + c for c in names)
    sql = ('MERGE INTO ' + table + ' t USING (SELECT ACCOUNT, DAY, ' + picked + ' FROM TABLE('
           + DATA_FUNCTION + '(?, ?::DATE, ?::DATE))) s ON t.ACCOUNT = s.ACCOUNT AND t.DAY = s.DAY'
           + ' WHEN MATCHED AND (' + changed + ') THEN UPDATE SET '
           + ', '.join(c + ' = s.' + c for c in names) + ', LOADED_AT = SYSDATE()'
           + ' WHEN NOT MATCHED THEN INSERT (ACCOUNT, DAY, ' + ', '.join(names) + ', LOADED_AT)'
           + ' VALUES (s.ACCOUNT, s.DAY, ' + ', '.join('s.' + c for c in names) + ', SYSDATE())')
    counts = one(session, sql, [kind, start.isoformat(), end.isoformat()]).as_dict()
    return int(counts.get('number of rows inserted') or 0) + int(counts.get('number of rows updated') or 0)


def load_kind(session, kind, account, today, history):
    table_name, days, columns = KINDS[kind]
    table = SCHEMA + '.' + table_name
    last = as_date(latest(session, table, account))
    start = last - TRAILING_DAYS * DAY if last else today - history * DAY
    out = {'rows_changed': 0, 'from': start.isoformat(), 'to': today.isoformat(), 'error_code': None}
    window = start
    try:
        while window <= today:
            end = min(window + (days - 1) * DAY, today)
            out['rows_changed'] += merge(session, kind, table, columns, window, end)
            window = end + DAY
    except Exception as exc:  # the windows before this one are committed: the next run resumes after them
        out['error_code'], out['error_message'] = error_of(exc)
    newest = as_date(latest(session, table, account))
    out['latest_day'] = newest.isoformat() if newest else None
    return out


def run(session, history_days):
    started = one(session, 'SELECT SYSDATE() AS NOW')[0]
    today = as_date(started)
    history = max(0, int(history_days if history_days is not None else 365))
    kinds = [k.strip().lower() for k in CONFIGURED.split(',') if k.strip()]
    detail, stop = {}, None
    try:
        account = account_of(session)
    except Exception as exc:
        stop = error_of(exc)
    for kind in kinds:
        if stop:
            detail[kind] = {'rows_changed': 0, 'latest_day': None, 'error_code': stop[0], 'skipped': True}
        elif kind not in KINDS:
            detail[kind] = {'rows_changed': 0, 'latest_day': None, 'error_code': 'bad_request',
                            'error_message': 'unknown kind: use any of ' + ', '.join(KINDS)}
        else:
            detail[kind] = load_kind(session, kind, account, today, history)
            if detail[kind]['error_code'] == 'token_revoked':
                stop = (detail[kind]['error_code'], detail[kind]['error_message'])

    failures = [(k, d) for k, d in detail.items() if d['error_code']]
    rows = sum(d['rows_changed'] for d in detail.values())
    days = [d['latest_day'] for d in detail.values() if d.get('latest_day')]
    latest_day = max(days) if days else None
    if stop or (failures and len(failures) == len(detail)):
        outcome = 'failed'
    else:
        outcome = 'partial' if failures else 'ok'
    if stop:
        code, message = stop
    elif failures:
        kind, first = failures[0]
        code, message = first['error_code'], kind + ': ' + first.get('error_message', '')
    else:
        code, message = None, None

    session.sql('INSERT INTO ' + RUNS + ' (RUN_ID, STARTED_AT, FINISHED_AT, OUTCOME, ROWS_CHANGED, LATEST_DAY,'
                ' ERROR_CODE, ERROR_MESSAGE, DETAIL) SELECT ?, ?::TIMESTAMP_NTZ, SYSDATE(), ?, ?, ?::DATE, ?, ?,'
                ' PARSE_JSON(?)',
                params=[str(uuid.uuid4()), started.strftime('%Y-%m-%d %H:%M:%S.%f'), outcome, rows, latest_day,
                        code, message, json.dumps(detail)]).collect()

    summary = outcome + ': ' + str(rows) + ' rows changed, latest day ' + (latest_day or 'none')
    if code:
        return summary + '; ' + code + ': ' + message
    return summary + '; ' + ', '.join(k + ' ' + str(d['rows_changed']) for k, d in detail.items())
$$;

-- The daily task: 07:00 UTC, after most devices have synced the day before. Created only if missing, then
-- suspended (a task's settings change only while it is suspended), set from this script and resumed at the end,
-- so a re-run applies a new schedule or history without losing the task's history.
CREATE TASK IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %>
  WAREHOUSE = <% warehouse | default("FITBIT_WH") %>
  SCHEDULE = '<% schedule | default("USING CRON 0 7 * * * UTC") %>'
  COMMENT = 'fitbit-snowflake-connect: the daily load of the Fitbit tables'
  AS CALL <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_procedure | default("FITBIT_LOAD") %>(<% history_days | default("365") %>);
ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> SUSPEND;
ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> SET
  WAREHOUSE = <% warehouse | default("FITBIT_WH") %>
  SCHEDULE = '<% schedule | default("USING CRON 0 7 * * * UTC") %>'
  COMMENT = 'fitbit-snowflake-connect: the daily load of the Fitbit tables';
-- Serverless instead of the warehouse (no 60-second minimum per run; sql/README.md compares the costs): uncomment
-- the EXECUTE MANAGED TASK grant in section 1, and use these two statements in place of the ALTER TASK … SET above.
-- ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> UNSET WAREHOUSE;
-- ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> SET USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' SCHEDULE = '<% schedule | default("USING CRON 0 7 * * * UTC") %>';
ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> MODIFY AS CALL <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_procedure | default("FITBIT_LOAD") %>(<% history_days | default("365") %>);

-- Readers query the tables (and how fresh they are); nothing else is granted on them. No FUTURE grants: they
-- would hand readers whatever anyone creates in the schema later.
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_STEPS TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_DISTANCE TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_CALORIES TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_ACTIVE_MINUTES TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_RESTING_HEART_RATE TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_SLEEP TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% runs_table | default("FITBIT_LOAD_RUNS") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;

-- The app's role: SHOW TASKS (state, schedule; no warehouse) with MONITOR, "Load now" (EXECUTE TASK) with
-- OPERATE, and the runs' outcomes with SELECT on FITBIT_LOAD_RUNS. Not the data tables.
GRANT MONITOR, OPERATE ON TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT SELECT ON TABLE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% runs_table | default("FITBIT_LOAD_RUNS") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;

-- Last: the task starts running on its schedule.
ALTER TASK <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %> RESUME;
