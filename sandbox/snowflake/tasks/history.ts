// INFORMATION_SCHEMA.TASK_HISTORY([RESULT_LIMIT => n] [, TASK_NAME => '…'] [, DATABASE_NAME => '…']
// [, SCHEMA_NAME => '…'] [, ERROR_ONLY => TRUE|FALSE] [, ROOT_TASK_ID => '…']): the runs of the tasks the
// role may see (OWNERSHIP, MONITOR or OPERATE on the task, MONITOR EXECUTION, or ACCOUNTADMIN), and for
// each started task the SCHEDULED row of its next run, newest SCHEDULED_TIME first, in Snowflake's
// documented columns and types (ERROR_CODE is a NUMBER: 002003 reads as 2003). Like
// QUERY_HISTORY_BY_SESSION, the stand-in requires a warehouse for it (Snowflake's documentation does not
// say) and counts it as warehouse use.
import { qualify } from '../catalog.js';
import { type Ctx, compileError, noCurrentDatabase, reachDatabase } from '../context.js';
import type { ResultSet, SqlError } from '../contract.js';
import type { Expr } from '../parser.js';
import { cols, rs, ts } from '../results.js';
import type { Task, TaskRun } from './model.js';
import { nextDue } from './schedule.js';
import { liveTasks } from './scheduler.js';

const FUNCTION = 'TASK_HISTORY';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

export const TASK_HISTORY_COLUMNS = cols(
  'QUERY_ID NAME DATABASE_NAME SCHEMA_NAME QUERY_TEXT CONDITION_TEXT STATE ERROR_CODE:fixed ERROR_MESSAGE ' +
    'SCHEDULED_TIME:timestamp_ltz QUERY_START_TIME:timestamp_ltz NEXT_SCHEDULED_TIME:timestamp_ltz ' +
    'COMPLETED_TIME:timestamp_ltz ROOT_TASK_ID GRAPH_VERSION:fixed RUN_ID:fixed RETURN_VALUE SCHEDULED_FROM ' +
    'ATTEMPT_NUMBER:fixed CONFIG QUERY_HASH QUERY_HASH_VERSION:fixed QUERY_PARAMETERIZED_HASH ' +
    'QUERY_PARAMETERIZED_HASH_VERSION:fixed GRAPH_RUN_GROUP_ID BACKFILL_INFO:variant SPCS_JOB_ID:fixed',
);

type CallExpr = Extract<Expr, { t: 'call' }>;

/** INFORMATION_SCHEMA.TASK_HISTORY, <db>.INFORMATION_SCHEMA.TASK_HISTORY or SNOWFLAKE.INFORMATION_SCHEMA.… */
export function isTaskHistoryCall(call: CallExpr): boolean {
  const n = call.name;
  return (n.length === 2 || n.length === 3) && n.at(-2) === 'INFORMATION_SCHEMA' && n.at(-1) === FUNCTION;
}

function bad(message: string): SqlError {
  return compileError(`${message} (function ${FUNCTION}).`, '001044', '42P13');
}

interface Filters {
  limit: number;
  taskName: string | null;
  database: string | null;
  schema: string | null;
  errorOnly: boolean;
  rootTaskId: string | null;
}

/** A name argument: case-insensitive unless double-quoted, as the function documents. */
function nameArg(s: string): string {
  const m = /^"(.*)"$/.exec(s);
  return m ? m[1]!.replaceAll('""', '"') : s.toUpperCase();
}

function filters(call: CallExpr): Filters {
  const f: Filters = {
    limit: DEFAULT_LIMIT,
    taskName: null,
    database: null,
    schema: null,
    errorOnly: false,
    rootTaskId: null,
  };
  for (const a of call.args) {
    if (a.t !== 'named') throw bad('the sandbox takes only named arguments (TASK_NAME => …)');
    const lit = a.e.t === 'lit' ? a.e.v : null;
    const str = () => {
      if (lit?.t !== 'str') throw bad(`argument ${a.name} must be a string constant`);
      return lit.v;
    };
    switch (a.name) {
      case 'RESULT_LIMIT': {
        const n = lit?.t === 'num' ? Number(lit.v) : Number.NaN;
        if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
          throw bad(`RESULT_LIMIT must be between 1 and ${MAX_LIMIT}`);
        f.limit = n;
        break;
      }
      case 'TASK_NAME':
        f.taskName = str().toUpperCase();
        break;
      case 'DATABASE_NAME':
        f.database = nameArg(str());
        break;
      case 'SCHEMA_NAME':
        f.schema = nameArg(str());
        break;
      case 'ROOT_TASK_ID':
        f.rootTaskId = str();
        break;
      case 'ERROR_ONLY':
        if (lit?.t !== 'bool') throw bad('argument ERROR_ONLY must be TRUE or FALSE');
        f.errorOnly = lit.v;
        break;
      case 'SCHEDULED_TIME_RANGE_START':
      case 'SCHEDULED_TIME_RANGE_END':
        throw bad(`${a.name} is not supported by the sandbox; filter with TASK_NAME and RESULT_LIMIT`);
      default:
        throw bad(`unknown argument ${a.name}`);
    }
  }
  if (f.schema !== null && f.database === null) throw bad('SCHEMA_NAME needs DATABASE_NAME');
  return f;
}

/** The SCHEDULED row of a started task's next run. */
function scheduledRun(t: Task): TaskRun | null {
  if (t.state !== 'started' || t.nextRun === null || !t.schedule) return null;
  return {
    queryId: '',
    taskId: t.id,
    name: t.name,
    database: t.database,
    schema: t.schema,
    queryText: t.definition,
    state: 'EXECUTING',
    errorCode: null,
    errorMessage: null,
    scheduledTime: t.nextRun,
    queryStartTime: 0,
    nextScheduledTime: nextDue(t.schedule, t.nextRun, t.intervalBase),
    completedTime: null,
    graphVersion: t.graphVersion,
    scheduledFrom: 'SCHEDULE',
    graphRunGroupId: '',
  };
}

export function taskHistory(ctx: Ctx, call: CallExpr, requireWarehouse: (ctx: Ctx) => void): ResultSet {
  if (call.name.length === 3) {
    if (call.name[0] !== 'SNOWFLAKE') reachDatabase(ctx, call.name[0]!);
  } else if (!ctx.session.database) throw noCurrentDatabase();
  const f = filters(call);
  requireWarehouse(ctx);
  const a = ctx.access;
  const everything = a.roles.has('ACCOUNTADMIN') || a.account('MONITOR EXECUTION');
  const tasks = new Map(liveTasks(ctx.cat).map((t) => [t.id, t]));
  const visible = (t: Task | undefined) =>
    everything ||
    (t !== undefined &&
      a.has('TASK', qualify(t.database, t.schema, t.name), t.owner, ['OWNERSHIP', 'MONITOR', 'OPERATE']));
  const reaches = (db: string, sc: string) => {
    const d = ctx.cat.databases.get(db);
    const s = d?.schemas.get(sc);
    const ok = (on: 'DATABASE' | 'SCHEMA', key: string, owner: string) =>
      a.has(on, key, owner, ['USAGE', 'OWNERSHIP']);
    return !!d && !!s && ok('DATABASE', qualify(db), d.owner) && ok('SCHEMA', qualify(db, sc), s.owner);
  };
  const scheduled = [...tasks.values()].flatMap((t) => scheduledRun(t) ?? []);
  const rows = [...ctx.tasks.runs(), ...scheduled]
    .filter((r) => visible(tasks.get(r.taskId)))
    .filter((r) => f.taskName === null || r.name.toUpperCase() === f.taskName)
    .filter((r) => f.database === null || r.database === f.database)
    .filter((r) => f.schema === null || r.schema === f.schema)
    .filter((r) => f.rootTaskId === null || r.taskId === f.rootTaskId)
    .filter((r) => !f.errorOnly || r.state.startsWith('FAILED'))
    .sort((x, y) => y.scheduledTime - x.scheduledTime || y.queryStartTime - x.queryStartTime)
    .slice(0, f.limit)
    .map((r) => {
      const isScheduled = r.queryId === '';
      const named = reaches(r.database, r.schema);
      return [
        isScheduled ? null : r.queryId,
        r.name,
        named ? r.database : null,
        named ? r.schema : null,
        r.queryText,
        null,
        isScheduled ? 'SCHEDULED' : r.state,
        r.errorCode === null ? null : String(Number(r.errorCode)),
        r.errorMessage,
        ts(r.scheduledTime),
        isScheduled ? null : ts(r.queryStartTime),
        ts(r.nextScheduledTime),
        ts(r.completedTime),
        r.taskId,
        String(r.graphVersion),
        String(r.scheduledTime),
        null,
        r.scheduledFrom,
        '1',
        tasks.get(r.taskId)?.config ?? null,
        null,
        null,
        null,
        null,
        isScheduled ? null : r.graphRunGroupId,
        null,
        null,
      ];
    });
  return rs(TASK_HISTORY_COLUMNS, rows, true);
}
