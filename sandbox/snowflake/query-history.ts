// INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION: the calling session's own queries, newest first, in
// Snowflake's column names (a subset of its columns). The protocol layer records each query in the
// session (recordQuery / finishQuery) before and after it runs, so the running query itself appears,
// as in Snowflake when END_TIME_RANGE_END is not given.
//
// Whether Snowflake needs a running warehouse for this table function its documentation does not say
// (its usage notes ask only for a current database or a fully qualified name); a SELECT … FROM TABLE(…)
// usually runs on one, and the app calls it with the warehouse its check already uses. The stand-in
// requires one, the cautious answer, and counts the statement as warehouse use.
import type { SnowflakeBehaviour } from './behaviour.js';
import { type Ctx, compileError, noCurrentDatabase, reachDatabase } from './context.js';
import type { QueryHistoryEntry, ResultSet, SessionState, SqlError } from './contract.js';
import type { Expr } from './parser.js';
import { cols, rs, ts } from './results.js';

const FUNCTION = 'QUERY_HISTORY_BY_SESSION';

/** As Snowflake documents RESULT_LIMIT: default 100, 1 to 10000. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

/** Kept per session; older entries are forgotten (Snowflake keeps 7 days, the stand-in a count). */
export const MAX_HISTORY_PER_SESSION = 1000;

export const QUERY_HISTORY_COLUMNS = cols(
  'QUERY_ID QUERY_TEXT DATABASE_NAME SCHEMA_NAME QUERY_TYPE SESSION_ID:fixed USER_NAME ROLE_NAME WAREHOUSE_NAME ' +
    'EXECUTION_STATUS ERROR_CODE ERROR_MESSAGE START_TIME:timestamp_ltz END_TIME:timestamp_ltz TOTAL_ELAPSED_TIME:fixed',
);

type CallExpr = Extract<Expr, { t: 'call' }>;

/** Whether a FROM TABLE(…) call names this table function: INFORMATION_SCHEMA.… or db.INFORMATION_SCHEMA.… */
export function isQueryHistoryCall(call: CallExpr): boolean {
  const n = call.name;
  return (n.length === 2 || n.length === 3) && n.at(-2) === 'INFORMATION_SCHEMA' && n.at(-1) === FUNCTION;
}

function badArgument(message: string): SqlError {
  return compileError(`${message} (function ${FUNCTION}).`, '001044', '42P13');
}

function integerArg(e: Expr, name: string): number {
  const v = e.t === 'lit' && e.v.t === 'num' ? Number(e.v.v) : Number.NaN;
  if (!Number.isInteger(v)) throw badArgument(`argument ${name} must be an integer constant`);
  return v;
}

/** The rows of QUERY_HISTORY_BY_SESSION for the calling session. Needs a warehouse (see above). */
export function queryHistory(ctx: Ctx, call: CallExpr, requireWarehouse: (ctx: Ctx) => void): ResultSet {
  if (call.name.length === 3) reachDatabase(ctx, call.name[0]!);
  else if (!ctx.session.database) throw noCurrentDatabase();
  let limit = DEFAULT_LIMIT;
  for (const a of call.args) {
    if (a.t !== 'named') throw badArgument('the sandbox takes only named arguments (RESULT_LIMIT => n)');
    if (a.name === 'RESULT_LIMIT') {
      limit = integerArg(a.e, a.name);
      if (limit < 1 || limit > MAX_LIMIT)
        throw badArgument(`RESULT_LIMIT must be between 1 and ${MAX_LIMIT}`);
    } else if (a.name === 'SESSION_ID') {
      if (integerArg(a.e, a.name) !== ctx.session.sessionId) {
        throw badArgument('the sandbox keeps only the calling session’s history: SESSION_ID must be its own');
      }
    } else if (a.name === 'END_TIME_RANGE_START' || a.name === 'END_TIME_RANGE_END') {
      throw badArgument(`${a.name} is not supported by the sandbox`);
    } else throw badArgument(`unknown argument ${a.name}`);
  }
  requireWarehouse(ctx);
  const newestFirst = [...(ctx.session.history ?? [])].reverse().slice(0, limit);
  const rows = newestFirst.map((q) => [
    q.queryId,
    q.queryText,
    q.database,
    q.schema,
    q.queryType,
    String(q.sessionId),
    q.user,
    q.role,
    q.warehouse,
    q.status,
    q.errorCode,
    q.errorMessage,
    ts(q.startTime),
    ts(q.endTime),
    q.endTime === null ? null : String(q.endTime - q.startTime),
  ]);
  return rs(QUERY_HISTORY_COLUMNS, rows, true);
}

/**
 * QUERY_TYPE as Snowflake names the common kinds. Its name for ALTER/CREATE SECRET is not documented
 * (the stand-in says ALTER / CREATE): find a statement by its query id, not by its type.
 */
export function queryTypeOf(sqlText: string): string {
  const words = sqlText
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .split(/\s+/, 3)
    .map((w) => w.toUpperCase().replace(/[^A-Z_]/g, ''));
  const [a = '', b = ''] = words;
  if (a === 'SELECT' || a === 'WITH') return 'SELECT';
  if (a === 'DESC' || a === 'DESCRIBE') return 'DESCRIBE';
  if (['SHOW', 'USE', 'GRANT', 'REVOKE', 'DROP', 'CALL'].includes(a)) return a;
  if ((a === 'CREATE' || a === 'ALTER') && (b === 'USER' || b === 'ROLE' || b === 'SESSION'))
    return `${a}_${b}`;
  if (a === 'CREATE' || a === 'ALTER') return a;
  return 'UNKNOWN';
}

/**
 * Starts a session's history entry for a query about to run, with its text as Snowflake would keep it:
 * as sent ('none', the cautious default: whether Snowflake redacts OAUTH_REFRESH_TOKEN is undocumented),
 * or with secret values replaced by '***' ('redacted', the way it redacts passwords).
 */
export function recordQuery(
  session: SessionState,
  q: { queryId: string; sqlText: string; at: number },
  behaviour: SnowflakeBehaviour,
  redact: (sql: string) => string,
): QueryHistoryEntry | undefined {
  if (session.sessionId === undefined) return undefined;
  session.history ??= [];
  let text = q.sqlText;
  if (behaviour.queryHistoryRedaction === 'redacted') {
    try {
      text = redact(q.sqlText);
    } catch {
      text = '(statement not shown: it could not be redacted)';
    }
  }
  const entry: QueryHistoryEntry = {
    queryId: q.queryId,
    queryText: text,
    queryType: queryTypeOf(q.sqlText),
    sessionId: session.sessionId,
    user: session.user,
    role: session.role,
    warehouse: session.warehouse,
    database: session.database,
    schema: session.schema,
    status: 'RUNNING',
    errorCode: null,
    errorMessage: null,
    startTime: q.at,
    endTime: null,
  };
  session.history.push(entry);
  if (session.history.length > MAX_HISTORY_PER_SESSION) {
    session.history.splice(0, session.history.length - MAX_HISTORY_PER_SESSION);
  }
  return entry;
}

/** Ends a history entry: success, or the error Snowflake reported. */
export function finishQuery(
  entry: QueryHistoryEntry | undefined,
  outcome: { ok: true } | { ok: false; code: string | null; message: string },
  at: number,
): void {
  if (!entry) return;
  entry.endTime = at;
  entry.status = outcome.ok ? 'SUCCESS' : 'FAILED_WITH_ERROR';
  if (!outcome.ok) {
    entry.errorCode = outcome.code;
    entry.errorMessage = outcome.message;
  }
}
