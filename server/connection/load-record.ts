// The last daily load as the app keeps it (in memory, and in the history's 'load' events): what
// FITBIT_LOAD_RUNS said about the newest run, or, when the task's newest run failed before the procedure
// could write its row (a privilege taken away), what TASK_HISTORY said. Times are Snowflake's (UTC).
import type { KindDetail, LoadRunRow, TaskRunRow } from '../snowflake/pipeline-reader.js';
import { runIsOver } from '../snowflake/pipeline-reader.js';

export interface LastLoad {
  /** FITBIT_LOAD_RUNS.RUN_ID, or the task run's query id. */
  runId: string;
  source: 'runs_table' | 'task_history';
  startedAt: string | null;
  finishedAt: string | null;
  /** ok | partial (some kinds failed) | failed (nothing could load). */
  outcome: string;
  rowsChanged: number | null;
  /** The latest day any table holds for the account (YYYY-MM-DD). */
  latestDay: string | null;
  /** The FITBIT_CONNECT_ERROR code (token_revoked, rate_limited, …) or Snowflake's six-digit code. */
  errorCode: string | null;
  errorMessage: string | null;
  kinds: Record<string, KindDetail>;
}

/** What the app last read about the load, and when (the app's clock). */
export interface LoadReading {
  /** When the app last read it. */
  readAt: string;
  /** When the app first saw this run (a failure first seen before a re-authorization is about the old token). */
  firstSeenAt: string;
  /** null: no load has run yet. */
  load: LastLoad | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The last load, from the newest FITBIT_LOAD_RUNS row and the task's recent runs (newest first). */
export function lastLoadOf(row: LoadRunRow | null, runs: readonly TaskRunRow[]): LastLoad | null {
  const finished = row?.finishedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  // A failed run that ended after the newest row wrote none: the procedure itself failed.
  const failedRun = runs.find(
    (r) =>
      r.queryId !== null &&
      runIsOver(r) &&
      r.state !== 'SUCCEEDED' &&
      r.state !== 'SKIPPED' &&
      (r.completedTime?.getTime() ?? Number.NEGATIVE_INFINITY) > finished,
  );
  if (failedRun)
    return {
      runId: failedRun.queryId!,
      source: 'task_history',
      startedAt: iso(failedRun.queryStartTime),
      finishedAt: iso(failedRun.completedTime),
      outcome: 'failed',
      rowsChanged: 0,
      // Nothing was landed by this run: the newest day is still the one the last row named.
      latestDay: row?.latestDay ?? null,
      errorCode: failedRun.errorCode ?? failedRun.state.toLowerCase(),
      errorMessage: failedRun.errorMessage,
      kinds: {},
    };
  if (!row) return null;
  return {
    runId: row.runId,
    source: 'runs_table',
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    outcome: row.outcome,
    rowsChanged: row.rowsChanged,
    latestDay: row.latestDay,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    kinds: row.detail,
  };
}
