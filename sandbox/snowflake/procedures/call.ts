// CALL p(args): the handler runs in the Python runner as handler(session, *args), on the caller's
// warehouse. Its session.sql(…) statements come back over the runner's pipe and run here, in a session of
// their own: as the procedure's owner in the procedure's schema (EXECUTE AS OWNER, Snowflake's default),
// or as the caller. The answer is one row, one column named after the procedure.
import { randomUUID } from 'node:crypto';
import {
  buildInvocation,
  castTo,
  columnType,
  encode,
  evalExpr,
  onWarehouse,
  requireWarehouse,
} from '../calls.js';
import { fnDisplay, qualify } from '../catalog.js';
import { type Ctx, compileError } from '../context.js';
import { type Bind, type ResultSet, type SessionState, type SqlAnswer, SqlError } from '../contract.js';
import { displayIdent } from '../lexer.js';
import type { Expr } from '../parser.js';
import { insufficient } from '../privileges.js';
import { rs } from '../results.js';
import type { StoredProcedure } from './model.js';

type CallExpr = Extract<Expr, { t: 'call' }>;

function unknown(name: string): SqlError {
  // Snowflake words CALL's unknown procedure as for a function (its CREATE PROCEDURE answer says
  // "Function … successfully created." too); the exact text is not documented.
  return compileError(`Unknown user-defined function ${name}.`, '002141', '42601');
}

function resolve(ctx: Ctx, e: CallExpr): StoredProcedure {
  const s = ctx.session;
  const n = e.name;
  const path =
    n.length === 3
      ? n
      : n.length === 2 && s.database
        ? [s.database, n[0]!, n[1]!]
        : n.length === 1 && s.database && s.schema
          ? [s.database, s.schema, n[0]!]
          : null;
  if (!path) throw unknown(n.map(displayIdent).join('.'));
  const [d, sn, o] = path as [string, string, string];
  const display = qualify(d, sn, o);
  const db = ctx.cat.databases.get(d);
  const sc = db?.schemas.get(sn);
  const reach = (on: 'DATABASE' | 'SCHEMA', key: string, owner: string) =>
    ctx.access.has(on, key, owner, ['USAGE', 'OWNERSHIP']) || ctx.access.manageGrants;
  if (!db || !sc || !reach('DATABASE', qualify(d), db.owner) || !reach('SCHEMA', qualify(d, sn), sc.owner)) {
    throw unknown(display);
  }
  const candidates = [...sc.procedures.values()].filter((p) => p.name === o);
  if (candidates.length === 0) throw unknown(display);
  const proc = candidates.find((p) => p.argTypes.length === e.args.length);
  if (!proc) {
    throw compileError(
      `error line ${e.tok.line} at position ${e.tok.col}\nInvalid argument types for function '${displayIdent(o)}': (${e.args.length} arguments)`,
      '001044',
      '42P13',
    );
  }
  const key = fnDisplay(d, sn, o, proc.argTypes);
  if (!ctx.access.has('PROCEDURE', key, proc.owner, ['USAGE', 'OWNERSHIP'])) {
    if (ctx.access.visible('PROCEDURE', key, proc.owner)) throw insufficient('PROCEDURE', displayIdent(o));
    throw unknown(display);
  }
  return proc;
}

/** The arguments in declaration order: all by position, or all by name (`arg => value`), as in Snowflake. */
function orderedArgs(proc: StoredProcedure, e: CallExpr): Expr[] {
  const named = e.args.filter((a) => a.t === 'named');
  if (named.length === 0) return e.args;
  if (named.length !== e.args.length) {
    throw compileError('Specify all arguments by name or all by position, not a mix.', '001003', '42000');
  }
  return proc.def.args.map((a) => {
    const given = named.find((x) => x.t === 'named' && x.name === a.name);
    if (given?.t !== 'named') {
      throw compileError(
        `Missing argument ${a.name} for procedure ${displayIdent(proc.name)}.`,
        '001044',
        '42P13',
      );
    }
    return given.e;
  });
}

/** The session a procedure's statements run in. */
function procedureSession(ctx: Ctx, proc: StoredProcedure): SessionState {
  const caller = ctx.session;
  if (proc.executeAs === 'OWNER') {
    return {
      user: caller.user,
      role: proc.owner,
      database: proc.database,
      schema: proc.schema,
      warehouse: caller.warehouse,
      computeGranted: true,
    };
  }
  const { history: _h, sessionId: _s, ...rest } = caller;
  return { ...rest, computeGranted: true };
}

const BIND_TYPES = new Set(['TEXT', 'FIXED', 'REAL', 'BOOLEAN', 'DATE', 'TIMESTAMP_NTZ']);

/** session.sql(text, params): the params arrive from Python as {type, value} (harness.py's _bind). */
function bindsOf(params: unknown[]): Bind[] {
  return params.map((p) => {
    const b = p as { type?: unknown; value?: unknown };
    if (
      typeof b?.type !== 'string' ||
      !BIND_TYPES.has(b.type) ||
      !(typeof b.value === 'string' || b.value === null)
    ) {
      throw new SqlError('000002', '0A000', `Unsupported bind parameter ${JSON.stringify(p)}.`);
    }
    return { type: b.type, value: b.value };
  });
}

function statementRunner(ctx: Ctx, session: SessionState) {
  return async (sqlText: string, params: unknown[]): Promise<SqlAnswer> => {
    let binds: Bind[];
    try {
      binds = bindsOf(params);
    } catch (err) {
      const e = err as SqlError;
      return { ok: false, queryId: randomUUID(), code: e.code, sqlState: e.sqlState, message: e.message };
    }
    const out = await ctx.nested(session, sqlText, binds, 'procedure');
    if ('error' in out) {
      const e = out.error;
      return { ok: false, queryId: out.queryId, code: e.code, sqlState: e.sqlState, message: e.message };
    }
    return {
      ok: true,
      queryId: out.queryId,
      columns: out.result.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: out.result.rows,
    };
  };
}

export async function callProcedure(ctx: Ctx, e: CallExpr): Promise<ResultSet> {
  const proc = resolve(ctx, e);
  const args = orderedArgs(proc, e).map((a, i) => castTo(evalExpr(ctx, a), proc.argTypes[i]!));
  requireWarehouse(ctx);
  const inv = {
    ...buildInvocation(ctx, proc, args),
    kind: 'procedure' as const,
    sql: statementRunner(ctx, procedureSession(ctx, proc)),
  };
  let value: string | null;
  try {
    const result = await onWarehouse(ctx, inv.functionName, () => ctx.runner.run(inv));
    value = result.kind === 'scalar' ? result.value : null;
  } catch (err) {
    if (err instanceof SqlError) throw err;
    throw new SqlError(
      '100357',
      'P0000',
      `Python Interpreter Error:\n${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const type = proc.def.returns.kind === 'scalar' ? proc.def.returns.type : 'VARCHAR';
  return rs([{ name: proc.name, type: columnType(type), nullable: true }], [[encode(type, value)]], true);
}
