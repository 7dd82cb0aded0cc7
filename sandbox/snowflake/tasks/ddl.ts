// CREATE / ALTER / DROP / EXECUTE TASK, with the privileges Snowflake documents: CREATE TASK on the schema
// (USAGE on the warehouse, or EXECUTE MANAGED TASK for a serverless task) to create; OWNERSHIP or OPERATE
// to resume, suspend or execute, and then the owner role must itself hold EXECUTE TASK (and USAGE on the
// warehouse, or EXECUTE MANAGED TASK); only the owner sets properties, and only on a suspended task.
import { randomUUID } from 'node:crypto';
import { type Catalog, qualify } from '../catalog.js';
import {
  type Ctx,
  checkProps,
  compileError,
  pBool,
  pName,
  pNum,
  propError,
  pStr,
  pStrOrNull,
  reachSchema,
  require,
  requireAccount,
  requireCreateIn,
  schemaObjPath,
} from '../context.js';
import { type ResultSet, SqlError } from '../contract.js';
import { base, existing } from '../ddl/common.js';
import { lookup, missingKey } from '../ddl/lookup.js';
import { displayIdent, splitStatements } from '../lexer.js';
import { Cursor, type Name, type Prop } from '../parser.js';
import { Access, insufficient, notFound } from '../privileges.js';
import { status } from '../results.js';
import { parseStatementText } from '../statements.js';
import type { Task } from './model.js';
import type { TaskStmt } from './parse.js';
import { nextDue, parseSchedule } from './schedule.js';

const PROPS = [
  'WAREHOUSE',
  'USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE',
  'SCHEDULE',
  'COMMENT',
  'CONFIG',
  'ALLOW_OVERLAPPING_EXECUTION',
  'SUSPEND_TASK_AFTER_NUM_FAILURES',
  // Accepted, without effect in the stand-in (no timeouts, retries or session parameters are modelled):
  'USER_TASK_TIMEOUT_MS',
  'TASK_AUTO_RETRY_ATTEMPTS',
  'LOG_LEVEL',
  'TIMEZONE',
  'QUERY_TAG',
  'STATEMENT_TIMEOUT_IN_SECONDS',
];

const SIZES = ['XSMALL', 'SMALL', 'MEDIUM', 'LARGE', 'XLARGE', 'XXLARGE'];

function taskRef(name: Name) {
  return { type: 'TASK' as const, name };
}

/** The task's SQL must be one statement the stand-in can parse: checked when it is set, as Snowflake
 *  compiles it then. */
function checkDefinition(sql: string): void {
  const spans = splitStatements(sql);
  if (spans.length !== 1) {
    throw compileError('A task runs one SQL statement (or a CALL of a procedure).', '001003', '42000');
  }
  parseStatementText(new Cursor(spans[0]!.tokens, sql));
}

/** The warehouse named by WAREHOUSE = w, which the creating (or altering) role must be able to use. */
function warehouseProp(ctx: Ctx, p: Prop): string {
  const [name] = pName(p);
  const wh = name && ctx.cat.warehouses.get(name);
  if (!wh || !ctx.access.any('WAREHOUSE', qualify(wh.name), wh.owner))
    throw notFound('WAREHOUSE', qualify(name!));
  require(ctx, 'WAREHOUSE', qualify(wh.name), wh.owner, ['USAGE', 'OWNERSHIP'], qualify(wh.name));
  return wh.name;
}

/** Applies CREATE's or ALTER … SET's properties. */
function applyProps(ctx: Ctx, task: Task, props: Prop[], creating: boolean): void {
  checkProps(props, PROPS);
  const has = (n: string) => props.some((p) => p.name === n);
  if (has('WAREHOUSE') && has('USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE')) {
    throw compileError(
      "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE applies to serverless tasks only: don't set it with WAREHOUSE.",
      '002029',
    );
  }
  for (const p of props) {
    switch (p.name) {
      case 'WAREHOUSE':
        task.warehouse = warehouseProp(ctx, p);
        task.managedInitialWarehouseSize = null;
        break;
      case 'USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE': {
        const size = pStr(p).toUpperCase().replace('-', '');
        if (!SIZES.includes(size)) throw propError(p);
        task.managedInitialWarehouseSize = size;
        task.warehouse = null;
        break;
      }
      case 'SCHEDULE':
        task.schedule = parseSchedule(pStr(p));
        task.intervalBase = ctx.cat.clock(); // Snowflake resets an interval's base when it is set
        break;
      case 'COMMENT':
        task.comment = pStrOrNull(p);
        break;
      case 'CONFIG':
        task.config = pStrOrNull(p);
        break;
      case 'ALLOW_OVERLAPPING_EXECUTION':
        task.allowOverlappingExecution = pBool(p);
        break;
      case 'SUSPEND_TASK_AFTER_NUM_FAILURES': {
        const n = pNum(p);
        if (!Number.isInteger(n) || n < 0) throw propError(p);
        task.suspendAfterFailures = n;
        break;
      }
    }
  }
  // A serverless task needs EXECUTE MANAGED TASK of whoever makes it one.
  if (task.warehouse === null && (creating || has('USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE'))) {
    requireAccount(ctx, 'EXECUTE MANAGED TASK');
  }
}

type Create = Extract<TaskStmt, { k: 'createTask' }>;

export function createTask(ctx: Ctx, s: Create): ResultSet {
  const [db, schema, name] = schemaObjPath(ctx, s.name);
  const sc = reachSchema(ctx, db, schema);
  requireCreateIn(ctx, sc, 'TASK');
  const task: Task = {
    ...base(ctx, name, null),
    database: db,
    schema,
    id: randomUUID(),
    warehouse: null,
    managedInitialWarehouseSize: null,
    schedule: null,
    definition: s.definition,
    state: 'suspended', // Snowflake creates every task suspended
    allowOverlappingExecution: false,
    suspendAfterFailures: 10,
    consecutiveFailures: 0,
    config: null,
    lastCommittedOn: null,
    lastSuspendedOn: null,
    lastSuspendedReason: null,
    intervalBase: null,
    nextRun: null,
    graphVersion: 1,
  };
  const short = displayIdent(name);
  const key = qualify(db, schema, name);
  if (s.ifNotExists && sc.tasks.has(name)) return existing(ctx, s, sc.tasks.get(name), 'TASK', key, short)!;
  applyProps(ctx, task, s.props, true);
  checkDefinition(s.definition);
  const early = existing(ctx, s, sc.tasks.get(name), 'TASK', key, short);
  if (early) return early;
  sc.tasks.set(name, task);
  return status(`Task ${short} successfully created.`);
}

/** SqlError for a run the owner role may not start, or null. Checked on RESUME, EXECUTE TASK and each run. */
export function ownerCannotRun(cat: Catalog, task: Task): SqlError | null {
  const owner = new Access(cat, task.owner);
  // Snowflake's words for a missing EXECUTE TASK; the others follow them (their wording is not documented).
  const refuse = (what: string) =>
    new SqlError(
      '003001',
      '42501',
      `Cannot execute task ${displayIdent(task.name)}, ${what} must be granted to owner role`,
    );
  if (!owner.account('EXECUTE TASK')) return refuse('EXECUTE TASK privilege');
  if (task.warehouse === null) {
    return owner.account('EXECUTE MANAGED TASK') ? null : refuse('EXECUTE MANAGED TASK privilege');
  }
  const wh = cat.warehouses.get(task.warehouse);
  if (!wh || !owner.has('WAREHOUSE', qualify(wh.name), wh.owner, ['USAGE', 'OWNERSHIP'])) {
    return refuse(`USAGE privilege on warehouse ${qualify(task.warehouse)}`);
  }
  return null;
}

function found(ctx: Ctx, name: Name) {
  const f = lookup(ctx, taskRef(name));
  return f?.on === 'TASK' ? f : undefined;
}

function notSuspended(task: Task): SqlError {
  // Snowflake's message; its code is not documented (the stand-in's own).
  return new SqlError(
    '091089',
    '22000',
    `Unable to update graph with root task ${qualify(task.database, task.schema, task.name)} since that root task is not suspended.`,
  );
}

type Alter = Extract<TaskStmt, { k: 'alterTask' }>;

export function alterTask(ctx: Ctx, s: Alter): ResultSet {
  const f = found(ctx, s.name);
  if (!f) {
    if (s.ifExists) return status('Statement executed successfully.');
    const m = missingKey(ctx, taskRef(s.name));
    throw notFound(m.on, m.key);
  }
  const task = f.obj;
  const now = ctx.cat.clock();
  const a = s.action;
  if (a.k === 'resume' || a.k === 'suspend') {
    require(ctx, 'TASK', f.key, task.owner, ['OWNERSHIP', 'OPERATE'], f.short);
    if (a.k === 'resume' && task.state === 'suspended') {
      const refused = ownerCannotRun(ctx.cat, task);
      if (refused) throw refused;
      task.state = 'started';
      task.lastCommittedOn = now;
      task.intervalBase = now;
      task.nextRun = task.schedule ? nextDue(task.schedule, now, now) : null;
    } else if (a.k === 'suspend' && task.state === 'started') {
      suspend(task, now, 'USER_SUSPENDED');
    }
    ctx.tasks.tick();
    return status('Statement executed successfully.');
  }
  require(ctx, 'TASK', f.key, task.owner, ['OWNERSHIP'], f.short);
  if (task.state !== 'suspended') throw notSuspended(task);
  if (a.k === 'set') applyProps(ctx, task, a.props, false);
  else if (a.k === 'modifyAs') {
    checkDefinition(a.definition);
    task.definition = a.definition;
  } else {
    for (const n of a.names) {
      if (n === 'COMMENT') task.comment = null;
      else if (n === 'SCHEDULE') task.schedule = null;
      else if (n === 'CONFIG') task.config = null;
      else if (n === 'WAREHOUSE') {
        requireAccount(ctx, 'EXECUTE MANAGED TASK'); // the task becomes serverless
        task.warehouse = null;
      } else if (n === 'SUSPEND_TASK_AFTER_NUM_FAILURES') task.suspendAfterFailures = 10;
      else if (n === 'ALLOW_OVERLAPPING_EXECUTION') task.allowOverlappingExecution = false;
      else if (!PROPS.includes(n))
        throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
  }
  task.graphVersion += 1;
  return status('Statement executed successfully.');
}

export function suspend(task: Task, now: number, reason: string): void {
  task.state = 'suspended';
  task.lastSuspendedOn = now;
  task.lastSuspendedReason = reason;
  task.nextRun = null;
}

/** GRANT OWNERSHIP ON TASK suspends it, as Snowflake does, until the new owner resumes it. */
export function suspendOnOwnershipChange(ctx: Ctx, task: Task): void {
  if (task.state === 'started') suspend(task, ctx.cat.clock(), 'GRANT_OWNERSHIP');
}

type Drop = Extract<TaskStmt, { k: 'dropTask' }>;

export function dropTask(ctx: Ctx, s: Drop): ResultSet {
  const f = found(ctx, s.name);
  if (!f) {
    if (s.ifExists) {
      return status(
        `Drop statement executed successfully (${displayIdent(s.name.at(-1)!)} already dropped).`,
      );
    }
    const m = missingKey(ctx, taskRef(s.name));
    throw notFound(m.on, m.key);
  }
  require(ctx, 'TASK', f.key, f.obj.owner, ['OWNERSHIP'], f.short);
  f.sc.tasks.delete(f.obj.name);
  ctx.cat.dropGrantsOn('TASK', f.key);
  ctx.tasks.tick();
  return status(`${f.short} successfully dropped.`);
}

type Execute = Extract<TaskStmt, { k: 'executeTask' }>;

/** EXECUTE TASK: returns at once; the run starts now, or after the one in progress (scheduler.ts). */
export function executeTask(ctx: Ctx, s: Execute): ResultSet {
  const f = found(ctx, s.name);
  if (!f) {
    const m = missingKey(ctx, taskRef(s.name));
    throw notFound(m.on, m.key);
  }
  if (!ctx.access.has('TASK', f.key, f.obj.owner, ['OWNERSHIP', 'OPERATE']))
    throw insufficient('TASK', f.short);
  const refused = ownerCannotRun(ctx.cat, f.obj);
  if (refused) throw refused;
  f.obj.lastCommittedOn = ctx.cat.clock();
  ctx.tasks.executeNow(f.obj);
  return status(`Task ${f.short} is scheduled to run immediately.`);
}
