// Reads the daily load's state back (sql/pipeline-<provider>.sql). Two kinds of statement, kept apart:
//   - SHOW TASKS and SHOW TABLES: metadata, no warehouse, so a page load may run them;
//   - FITBIT_LOAD_RUNS and TASK_HISTORY: queries on the warehouse, run only after an end-to-end check and
//     while following a "Load now" (never on a page load).
// As in chain-reader.ts the parsing is total: a value in an odd shape becomes an Unreadable saying what was
// seen, never an exception, so one odd answer cannot fail a page.
import { DEFAULT_ACCOUNT } from '../accounts/names.js';
import { isAppError } from '../errors/index.js';
import { type Field, isUnreadable, textOf, toDate, Unreadable } from './chain-reader.js';
import type { SnowflakeSession } from './session.js';
import { type QualifiedName, quoteLiteral } from './sql.js';

type Row = Record<string, unknown>;

/** What SHOW TASKS says about the load's task. */
export interface TaskFacts {
  owner: Field<string>;
  /** `started` or `suspended` as Snowflake prints them (lower case); anything else as seen. */
  state: Field<string>;
  /** The SCHEDULE text, e.g. `USING CRON 0 7 * * * UTC`; null when the task has none. */
  schedule: string | null;
  /** null: serverless (no warehouse). */
  warehouse: string | null;
  definition: string | null;
  /** last_committed_on: when the task's definition was last set. */
  committedOn: Date | null;
  lastSuspendedReason: string | null;
}

/** One row of FITBIT_LOAD_RUNS, as read: one account's part of a run of the load. */
export interface LoadRunRow {
  runId: string;
  /** The account's label (ACCOUNT). */
  account: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: string;
  rowsChanged: number | null;
  /** YYYY-MM-DD */
  latestDay: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Per kind: rows changed, latest day, error code (the procedure's DETAIL). */
  detail: Record<string, KindDetail>;
}

export interface KindDetail {
  rowsChanged: number | null;
  latestDay: string | null;
  errorCode: string | null;
  skipped: boolean;
}

/** One run of the task, from TASK_HISTORY. */
export interface TaskRunRow {
  /** null for the SCHEDULED row of the next run. */
  queryId: string | null;
  database: string | null;
  schema: string | null;
  /** SCHEDULED, EXECUTING, SUCCEEDED, FAILED, FAILED_AND_AUTO_SUSPENDED, CANCELLED, SKIPPED. */
  state: string;
  /** Snowflake's error code, six digits (TASK_HISTORY answers a NUMBER: 2003 is 002003). */
  errorCode: string | null;
  errorMessage: string | null;
  scheduledTime: Date | null;
  queryStartTime: Date | null;
  completedTime: Date | null;
  /** SCHEDULE or EXECUTE_TASK. */
  scheduledFrom: string | null;
}

/** Column names in any case. */
function lower(row: unknown): Row {
  if (row === null || typeof row !== 'object') return {};
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) if (!(k.toLowerCase() in out)) out[k.toLowerCase()] = v;
  return out;
}

const text = (v: unknown): string | null => {
  const t = textOf(v)?.trim();
  return t ? t : null;
};

/** A day as YYYY-MM-DD: a Date (midnight UTC), or text starting with one. */
function day(v: unknown): string | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  const m = /^(\d{4}-\d\d-\d\d)/.exec(textOf(v)?.trim() ?? '');
  return m ? m[1]! : null;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(textOf(v));
  return Number.isFinite(n) ? n : null;
}

const time = (v: unknown): Date | null =>
  v === null || v === undefined || v === '' ? null : (toDate(v) ?? null);

function required(row: Row, name: string, statement: string): Field<string> {
  if (!(name in row)) return new Unreadable(`${statement} answered without a ${name} column`);
  return text(row[name]) ?? new Unreadable(`${statement} answered an empty ${name}`);
}

/** The procedure's DETAIL: a VARIANT, as an object or JSON text; anything else is none. */
function detailOf(v: unknown): Record<string, KindDetail> {
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      return {};
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: Record<string, KindDetail> = {};
  for (const [kind, d] of Object.entries(parsed as Record<string, unknown>)) {
    const r = lower(d);
    out[kind] = {
      rowsChanged: num(r.rows_changed),
      latestDay: day(r.latest_day),
      errorCode: text(r.error_code),
      skipped: r.skipped === true,
    };
  }
  return out;
}

/** `002003` from 2003, '2003' or '002003'; other codes (load_error, token_revoked) as they are. */
export function snowflakeCode(v: unknown): string | null {
  const t = text(v);
  if (t === null) return null;
  return /^\d{1,6}$/.test(t) ? t.padStart(6, '0') : t;
}

/** The task named `task`, or null when SHOW TASKS lists none (not created, or the role may not see it). */
export async function showTask(session: SnowflakeSession, task: QualifiedName): Promise<TaskFacts | null> {
  const [db, schema, name] = task.sql.split('.') as [string, string, string];
  const rows = await session.execute<Row>(
    `SHOW TASKS LIKE ${quoteLiteral(task.parts[2]!)} IN SCHEMA ${db}.${schema}`,
    { ctx: { step: 'reading the daily load’s task' } },
  );
  // LIKE takes _ as a wildcard: pick the task by its exact name.
  const found = (Array.isArray(rows) ? rows : [])
    .map(lower)
    .find((r) => text(r.name) === task.parts[2] || text(r.name) === name);
  if (!found) return null;
  const st = required(found, 'state', 'SHOW TASKS');
  return {
    owner: required(found, 'owner', 'SHOW TASKS'),
    state: isUnreadable(st) ? st : st.toLowerCase(),
    schedule: text(found.schedule),
    warehouse: text(found.warehouse),
    definition: text(found.definition),
    committedOn: time(found.last_committed_on),
    lastSuspendedReason: text(found.last_suspended_reason),
  };
}

/** Whether SHOW TABLES lists the table (a role sees a table it holds any privilege on). */
export async function tableVisible(session: SnowflakeSession, table: QualifiedName): Promise<boolean> {
  const [db, schema] = table.sql.split('.') as [string, string];
  const rows = await session.execute<Row>(
    `SHOW TABLES LIKE ${quoteLiteral(table.parts[2]!)} IN SCHEMA ${db}.${schema}`,
    { ctx: { step: 'looking for the daily load’s tables' } },
  );
  return (Array.isArray(rows) ? rows : []).map(lower).some((r) => text(r.name) === table.parts[2]);
}

/**
 * The account's newest row in FITBIT_LOAD_RUNS (`account`: its label, a bind value), or null when none has
 * run for it. On the warehouse.
 */
export async function readLastRun(
  session: SnowflakeSession,
  runs: QualifiedName,
  account: string,
): Promise<LoadRunRow | null> {
  const columns =
    'RUN_ID, STARTED_AT, FINISHED_AT, OUTCOME, ROWS_CHANGED, LATEST_DAY, ERROR_CODE, ERROR_MESSAGE, DETAIL';
  const ctx = { step: 'reading the last daily load' };
  let rows: Row[];
  try {
    rows = await session.execute<Row>(
      `SELECT ${columns}, ACCOUNT FROM ${runs.sql} WHERE ACCOUNT = ? ORDER BY FINISHED_AT DESC LIMIT 1`,
      { binds: [account], ctx },
    );
  } catch (e) {
    // A table from before accounts (the pipeline script not re-run since): all its runs are the default's.
    if (!(isAppError(e) && e.upstream?.code === '000904' && /\bACCOUNT\b/.test(e.upstream.message ?? '')))
      throw e;
    if (account !== DEFAULT_ACCOUNT) return null;
    rows = await session.execute<Row>(
      `SELECT ${columns} FROM ${runs.sql} ORDER BY FINISHED_AT DESC LIMIT 1`,
      {
        ctx,
      },
    );
  }
  const r = lower(Array.isArray(rows) ? rows[0] : undefined);
  const runId = text(r.run_id);
  if (!runId) return null;
  return {
    runId,
    account: text(r.account) ?? account,
    startedAt: time(r.started_at),
    finishedAt: time(r.finished_at),
    outcome: text(r.outcome)?.toLowerCase() ?? 'unknown',
    rowsChanged: num(r.rows_changed),
    latestDay: day(r.latest_day),
    errorCode: snowflakeCode(r.error_code),
    errorMessage: text(r.error_message),
    detail: detailOf(r.detail),
  };
}

/**
 * The task's recent runs, newest first (TASK_HISTORY, on the warehouse): they tell a run that failed before
 * the procedure could write its row (a privilege taken away), and when the run "Load now" started is over.
 */
export async function readTaskRuns(
  session: SnowflakeSession,
  task: QualifiedName,
  limit = 20,
): Promise<TaskRunRow[]> {
  const [db] = task.sql.split('.') as [string];
  const rows = await session.execute<Row>(
    'SELECT QUERY_ID, DATABASE_NAME, SCHEMA_NAME, STATE, ERROR_CODE, ERROR_MESSAGE, SCHEDULED_TIME, ' +
      'QUERY_START_TIME, COMPLETED_TIME, SCHEDULED_FROM ' +
      `FROM TABLE(${db}.INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => ${quoteLiteral(task.parts[2]!)}, ` +
      `RESULT_LIMIT => ${Math.max(1, Math.floor(limit))}))`,
    { ctx: { step: 'reading the daily load’s task history' } },
  );
  return (
    (Array.isArray(rows) ? rows : [])
      .map(lower)
      .map((r) => ({
        queryId: text(r.query_id),
        database: text(r.database_name),
        schema: text(r.schema_name),
        state: text(r.state)?.toUpperCase() ?? 'UNKNOWN',
        errorCode: snowflakeCode(r.error_code),
        errorMessage: text(r.error_message),
        scheduledTime: time(r.scheduled_time),
        queryStartTime: time(r.query_start_time),
        completedTime: time(r.completed_time),
        scheduledFrom: text(r.scheduled_from)?.toUpperCase() ?? null,
      }))
      // TASK_NAME matches the name in any schema: keep this task's (a run whose schema is hidden stays).
      .filter(
        (r) =>
          (r.database === null || r.database === task.parts[0]) &&
          (r.schema === null || r.schema === task.parts[1]),
      )
      .sort(
        (a, b) =>
          (b.scheduledTime?.getTime() ?? 0) - (a.scheduledTime?.getTime() ?? 0) ||
          (b.queryStartTime?.getTime() ?? 0) - (a.queryStartTime?.getTime() ?? 0),
      )
  );
}

/** A run that is over: it succeeded, failed, was cancelled or skipped. */
export const runIsOver = (r: TaskRunRow): boolean => !['SCHEDULED', 'EXECUTING', 'UNKNOWN'].includes(r.state);
