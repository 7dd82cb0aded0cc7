// SELECT: context functions, literals with casts, and user-defined Python functions (scalar, or table
// functions through TABLE(…)), which run through the FunctionRunner seam.
import {
  type ExternalAccessIntegration,
  fnDisplay,
  qualify,
  type Secret,
  type SecurityIntegration,
  type UserFunction,
  type Warehouse,
} from './catalog.js';
import { noWarehouse } from './compute.js';
import { type Ctx, compileError } from './context.js';
import {
  type Column,
  type ColumnType,
  type FunctionInvocation,
  type FunctionResult,
  type ResultSet,
  type SecretBinding,
  SqlError,
} from './contract.js';
import { secretNotAllowed } from './ddl/function.js';
import { displayIdent } from './lexer.js';
import { accessTokenSlot, refusal } from './oauth-secret.js';
import type { Expr, Stmt } from './parser.js';
import { insufficient, notFound } from './privileges.js';
import { isQueryHistoryCall, queryHistory } from './query-history.js';
import { dateCell, rs } from './results.js';
import { isTaskHistoryCall, taskHistory } from './tasks/history.js';

export type Val =
  | { t: 'VARCHAR'; v: string }
  | { t: 'NUMBER'; v: number }
  | { t: 'DATE'; v: string }
  | { t: 'BOOLEAN'; v: boolean }
  | { t: 'NULL' };

type CallExpr = Extract<Expr, { t: 'call' }>;

const DAY = 86_400_000;

function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dateNotRecognized(s: string): SqlError {
  return new SqlError('100040', '22007', `Date '${s}' is not recognized`);
}

function parseDate(s: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/.exec(s.trim());
  if (!m) throw dateNotRecognized(s);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).getUTCDate() !== Number(m[3])) throw dateNotRecognized(s);
  return ymd(ms);
}

export function castTo(v: Val, type: string): Val {
  if (v.t === 'NULL') return v;
  switch (type) {
    case 'DATE':
      if (v.t === 'DATE') return v;
      if (v.t === 'VARCHAR') return { t: 'DATE', v: parseDate(v.v) };
      throw compileError(`Invalid cast from ${v.t} to DATE.`, '001044', '22023');
    case 'NUMBER':
    case 'FLOAT': {
      if (v.t === 'NUMBER') return type === 'NUMBER' ? { t: 'NUMBER', v: Math.round(v.v) } : v;
      if (v.t === 'BOOLEAN') return { t: 'NUMBER', v: v.v ? 1 : 0 };
      if (v.t === 'VARCHAR' && v.v.trim() !== '' && !Number.isNaN(Number(v.v))) {
        const n = Number(v.v);
        return { t: 'NUMBER', v: type === 'NUMBER' ? Math.round(n) : n };
      }
      throw new SqlError(
        '100038',
        '22018',
        `Numeric value '${v.t === 'VARCHAR' ? v.v : v.v}' is not recognized`,
      );
    }
    case 'BOOLEAN':
      if (v.t === 'BOOLEAN') return v;
      if (v.t === 'NUMBER') return { t: 'BOOLEAN', v: v.v !== 0 };
      if (v.t === 'VARCHAR' && /^(true|false|t|f|yes|no|y|n|on|off|1|0)$/i.test(v.v.trim())) {
        return { t: 'BOOLEAN', v: /^(true|t|yes|y|on|1)$/i.test(v.v.trim()) };
      }
      throw new SqlError('100037', '22018', `Boolean value '${String(v.v)}' is not recognized`);
    default:
      // VARCHAR, VARIANT, OBJECT, ARRAY, TIMESTAMP_*: carried as text.
      return { t: 'VARCHAR', v: v.t === 'BOOLEAN' ? String(v.v) : String(v.v) };
  }
}

function valueOfBind(ctx: Ctx, i: number): Val {
  const b = ctx.binds[i];
  if (!b) throw compileError(`Bind variable ? not set.`, '002049', '42601');
  if (b.value === null) return { t: 'NULL' };
  const type = b.type.toUpperCase();
  if ((type === 'FIXED' || type === 'REAL') && !Number.isNaN(Number(b.value)))
    return { t: 'NUMBER', v: Number(b.value) };
  if (type === 'BOOLEAN') return { t: 'BOOLEAN', v: /^(true|1)$/i.test(b.value) };
  return { t: 'VARCHAR', v: b.value };
}

function today(ctx: Ctx): string {
  return ymd(ctx.cat.clock());
}

function dateAdd(part: string, n: number, date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const p = part.toUpperCase();
  if (['DAY', 'DAYS', 'D', 'DD', 'DAYOFMONTH'].includes(p)) return ymd(d.getTime() + n * DAY);
  if (['WEEK', 'WEEKS', 'W', 'WK'].includes(p)) return ymd(d.getTime() + 7 * n * DAY);
  if (['MONTH', 'MONTHS', 'MM', 'MON'].includes(p)) {
    d.setUTCMonth(d.getUTCMonth() + n);
    return ymd(d.getTime());
  }
  if (['YEAR', 'YEARS', 'Y', 'YY', 'YYYY'].includes(p)) {
    d.setUTCFullYear(d.getUTCFullYear() + n);
    return ymd(d.getTime());
  }
  throw compileError(`invalid date part '${part}' for DATEADD.`, '001065', '22023');
}

function str(v: string | null): Val {
  return v === null ? { t: 'NULL' } : { t: 'VARCHAR', v };
}

/** Evaluates an expression that is not a user-defined function call. */
export function evalExpr(ctx: Ctx, e: Expr): Val {
  switch (e.t) {
    case 'lit': {
      const v = e.v;
      if (v.t === 'str') return { t: 'VARCHAR', v: v.v };
      if (v.t === 'num') return { t: 'NUMBER', v: Number(v.v) };
      if (v.t === 'bool') return { t: 'BOOLEAN', v: v.v };
      if (v.t === 'null') return { t: 'NULL' };
      if (v.t === 'bind') return valueOfBind(ctx, v.i);
      throw compileError('unsupported literal.', '001003', '42000');
    }
    case 'neg': {
      const v = evalExpr(ctx, e.e);
      if (v.t === 'NUMBER') return { t: 'NUMBER', v: -v.v };
      if (v.t === 'NULL') return v;
      return castTo(v, 'FLOAT').t === 'NUMBER'
        ? { t: 'NUMBER', v: -(castTo(v, 'FLOAT') as { v: number }).v }
        : v;
    }
    case 'cast':
      return castTo(evalExpr(ctx, e.e), e.type);
    case 'id':
      if (e.name === 'CURRENT_DATE') return { t: 'DATE', v: today(ctx) };
      throw compileError(`invalid identifier '${e.name}'`, '000904', '42000');
    case 'call':
      return evalBuiltin(ctx, e);
    case 'named':
      throw compileError(
        `named argument ${e.name} => … is accepted only by the INFORMATION_SCHEMA table functions.`,
        '001003',
      );
  }
}

const CONTEXT_FNS = new Set([
  'CURRENT_ROLE',
  'CURRENT_USER',
  'CURRENT_WAREHOUSE',
  'CURRENT_DATABASE',
  'CURRENT_SCHEMA',
  'CURRENT_ACCOUNT',
  'CURRENT_ACCOUNT_NAME',
  'CURRENT_DATE',
  'CURRENT_VERSION',
  'TO_DATE',
  'DATE',
  'DATEADD',
  'TO_VARCHAR',
  'TO_CHAR',
  'TO_NUMBER',
]);

function isBuiltin(e: CallExpr): boolean {
  return e.name.length === 1 && e.tok.kind === 'ident' && CONTEXT_FNS.has(e.name[0]!);
}

function arity(e: CallExpr, n: number, m = n): void {
  if (e.args.length < n || e.args.length > m) {
    throw compileError(
      `error line ${e.tok.line} at position ${e.tok.col}\nnot enough arguments for function [${e.text.toUpperCase()}], expected ${n}, got ${e.args.length}`,
      '000938',
      '22023',
    );
  }
}

function evalBuiltin(ctx: Ctx, e: CallExpr): Val {
  if (!isBuiltin(e)) {
    throw compileError(
      'User-defined functions can only be called at the top level of the SELECT list.',
      '001003',
    );
  }
  const s = ctx.session;
  const fn = e.name[0]!;
  switch (fn) {
    case 'CURRENT_ROLE':
      arity(e, 0);
      return str(s.role);
    case 'CURRENT_USER':
      arity(e, 0);
      return str(s.user);
    case 'CURRENT_WAREHOUSE':
      arity(e, 0);
      return str(s.warehouse);
    case 'CURRENT_DATABASE':
      arity(e, 0);
      return str(s.database);
    case 'CURRENT_SCHEMA':
      arity(e, 0);
      return str(s.schema);
    case 'CURRENT_ACCOUNT':
    case 'CURRENT_ACCOUNT_NAME':
      arity(e, 0);
      return str(ctx.cat.account);
    case 'CURRENT_VERSION':
      arity(e, 0);
      return str('9.0.0');
    case 'CURRENT_DATE':
      arity(e, 0);
      return { t: 'DATE', v: today(ctx) };
    case 'TO_DATE':
    case 'DATE':
      arity(e, 1, 2);
      return castTo(evalExpr(ctx, e.args[0]!), 'DATE');
    case 'TO_VARCHAR':
    case 'TO_CHAR':
      arity(e, 1, 2);
      return castTo(evalExpr(ctx, e.args[0]!), 'VARCHAR');
    case 'TO_NUMBER':
      arity(e, 1, 3);
      return castTo(evalExpr(ctx, e.args[0]!), 'NUMBER');
    case 'DATEADD': {
      arity(e, 3);
      const partExpr = e.args[0]!;
      const part =
        partExpr.t === 'id'
          ? partExpr.name
          : partExpr.t === 'lit' && partExpr.v.t === 'str'
            ? partExpr.v.v
            : partExpr.t === 'call' && partExpr.args.length === 0
              ? '' // not a date part
              : '';
      const n = castTo(evalExpr(ctx, e.args[1]!), 'NUMBER');
      const d = castTo(evalExpr(ctx, e.args[2]!), 'DATE');
      if (n.t === 'NULL' || d.t === 'NULL') return { t: 'NULL' };
      return { t: 'DATE', v: dateAdd(part, (n as { v: number }).v, (d as { v: string }).v) };
    }
    default:
      throw compileError(`Unknown function ${fn}`, '002140', '42601');
  }
}

function cell(v: Val): { type: ColumnType; value: string | null } {
  switch (v.t) {
    case 'NULL':
      return { type: 'text', value: null };
    case 'VARCHAR':
      return { type: 'text', value: v.v };
    case 'NUMBER':
      return { type: Number.isInteger(v.v) ? 'fixed' : 'real', value: String(v.v) };
    case 'DATE':
      return { type: 'date', value: dateCell(v.v) };
    case 'BOOLEAN':
      return { type: 'boolean', value: String(v.v) };
  }
}

export function columnType(sqlType: string): ColumnType {
  switch (sqlType) {
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return 'variant';
    case 'NUMBER':
      return 'fixed';
    case 'FLOAT':
      return 'real';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_TZ':
      return 'timestamp_ltz';
    default:
      return 'text';
  }
}

export function encode(sqlType: string, v: string | null): string | null {
  if (v === null) return null;
  if (sqlType === 'DATE') return dateCell(v);
  if (sqlType === 'BOOLEAN') return /^(true|1)$/i.test(v) ? 'true' : 'false';
  return v;
}

// ---- user-defined functions -----------------------------------------------------------------------

function unknownUdf(name: string): SqlError {
  return compileError(`Unknown user-defined function ${name}.`, '002141', '42601');
}

function resolveUdf(ctx: Ctx, e: CallExpr): UserFunction {
  const s = ctx.session;
  let path: [string, string, string];
  if (e.name.length === 3) path = e.name as [string, string, string];
  else if (e.name.length === 2 && s.database) path = [s.database, e.name[0]!, e.name[1]!];
  else if (e.name.length === 1 && s.database && s.schema) path = [s.database, s.schema, e.name[0]!];
  else
    throw e.name.length === 1
      ? compileError(`Unknown function ${displayIdent(e.name[0]!)}`, '002140')
      : unknownUdf(e.name.map(displayIdent).join('.'));
  const [d, sn, o] = path;
  const display = qualify(d, sn, o);
  const unknown = () =>
    e.name.length === 1 ? compileError(`Unknown function ${displayIdent(o)}`, '002140') : unknownUdf(display);
  const db = ctx.cat.databases.get(d);
  const sc = db?.schemas.get(sn);
  if (!db || !sc) throw unknown();
  const reach = (on: 'DATABASE' | 'SCHEMA', key: string, owner: string) =>
    ctx.access.has(on, key, owner, ['USAGE', 'OWNERSHIP']) || ctx.access.manageGrants;
  if (!reach('DATABASE', qualify(d), db.owner) || !reach('SCHEMA', qualify(d, sn), sc.owner)) throw unknown();
  const candidates = [...sc.functions.values()].filter((f) => f.name === o);
  if (candidates.length === 0) throw unknown();
  const byCount = candidates.filter((f) => f.argTypes.length === e.args.length);
  const fn = byCount[0];
  if (!fn) {
    throw compileError(
      `error line ${e.tok.line} at position ${e.tok.col}\nInvalid argument types for function '${displayIdent(o)}': (${e.args.length} arguments)`,
      '001044',
      '42P13',
    );
  }
  const key = fnDisplay(d, sn, o, fn.argTypes);
  if (!ctx.access.has('FUNCTION', key, fn.owner, ['USAGE', 'OWNERSHIP'])) {
    if (ctx.access.visible('FUNCTION', key, fn.owner)) throw insufficient('FUNCTION', displayIdent(o));
    throw unknown();
  }
  return fn;
}

export function requireWarehouse(ctx: Ctx): void {
  const wh = sessionWarehouse(ctx);
  if (wh) ctx.cat.compute.check(wh); // suspended, and AUTO_RESUME = FALSE
  if (ctx.session.computeGranted) return;
  if (!wh || !ctx.access.has('WAREHOUSE', qualify(wh.name), wh.owner, ['USAGE', 'OWNERSHIP', 'OPERATE'])) {
    throw noWarehouse();
  }
}

/** The session's warehouse, if it still exists (a procedure's or a task's session may have none). */
export function sessionWarehouse(ctx: Ctx): Warehouse | undefined {
  const name = ctx.session.warehouse;
  return name ? ctx.cat.warehouses.get(name) : undefined;
}

/** Runs a Python handler on the session's warehouse: resumed first, and a cold start on its first call. */
export async function onWarehouse<T>(ctx: Ctx, fn: string, run: () => Promise<T>): Promise<T> {
  const wh = sessionWarehouse(ctx);
  if (!wh) return run();
  ctx.ranOnWarehouse = true;
  return ctx.cat.compute.use(wh, async () => {
    await ctx.cat.compute.functionCall(wh, fn);
    return run();
  });
}

function findSecret(ctx: Ctx, [d, s, o]: string[]): Secret | undefined {
  return ctx.cat.databases.get(d!)?.schemas.get(s!)?.secrets.get(o!);
}

function allowedHosts(ctx: Ctx, eais: ExternalAccessIntegration[]): string[] {
  const hosts: string[] = [];
  for (const db of ctx.cat.databases.values()) {
    for (const sc of db.schemas.values()) {
      for (const r of sc.rules.values()) {
        const key = qualify(db.name, sc.name, r.name);
        if (r.mode === 'EGRESS' && r.type === 'HOST_PORT' && eais.some((e) => e.rules.includes(key))) {
          for (const v of r.values) if (!hosts.includes(v)) hosts.push(v);
        }
      }
    }
  }
  return hosts;
}

export function buildInvocation(ctx: Ctx, fn: UserFunction, args: Val[]): FunctionInvocation {
  const def = fn.def;
  const eais = def.eais.map((n) => {
    const integ = ctx.cat.integrations.get(n[0]!);
    if (integ?.kind !== 'EXTERNAL_ACCESS') throw notFound('INTEGRATION', qualify(n[0]!));
    return integ;
  });
  const enabled = eais.filter((e) => e.enabled);
  const secrets: SecretBinding[] = def.secrets.map(({ alias, name }) => {
    const key = qualify(...name);
    const secret = findSecret(ctx, name);
    if (!secret) throw notFound('SECRET', key);
    if (!enabled.some((e) => e.secrets.includes(key))) throw secretNotAllowed(key);
    if (secret.secretType !== 'OAUTH2' || !secret.integration) {
      throw compileError(
        `Secret '${key}' is not an OAUTH2 secret; the sandbox runner supports OAUTH2 only.`,
        '002029',
      );
    }
    const integ = ctx.cat.integrations.get(secret.integration);
    if (integ?.kind !== 'SECURITY') throw notFound('INTEGRATION', qualify(secret.integration));
    const si: SecurityIntegration = integ;
    return {
      alias,
      secretName: key,
      refreshToken: secret.refreshToken,
      integration: {
        name: si.name,
        enabled: si.enabled,
        clientId: si.clientId,
        clientSecret: si.clientSecret,
        tokenEndpoint: si.tokenEndpoint ?? '',
        clientAuthMethod: si.clientAuthMethod,
        allowedScopes: [...si.allowedScopes],
      },
      // Looked up again at write time: the secret may have been replaced since the call began.
      setRefreshToken: (token: string) => {
        const current = findSecret(ctx, name);
        if (current) current.refreshToken = token;
      },
      accessTokenSlot: accessTokenSlot(ctx.cat, () => {
        const current = findSecret(ctx, name);
        return current === secret ? current : undefined;
      }),
      refusal: () => refusal(ctx.cat, key, secret, si),
      refreshScopes: ctx.cat.behaviour().scopeOnRefresh === 'sent' ? [...si.allowedScopes] : [],
    };
  });
  return {
    functionName: qualify(fn.database, fn.schema, fn.name),
    kind: def.returns.kind,
    handler: def.handler ?? '',
    body: def.body ?? '',
    runtimeVersion: def.runtimeVersion ?? '',
    packages: [...def.packages],
    returnType:
      def.returns.kind === 'table'
        ? `TABLE (${def.returns.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`
        : def.returns.type,
    tableColumns:
      def.returns.kind === 'table'
        ? def.returns.columns.map((c) => ({ name: c.name, type: columnType(c.type), nullable: true }))
        : [],
    argTypes: [...fn.argTypes],
    args: args.map((a) => (a.t === 'NULL' ? null : a.v)),
    secrets,
    allowedHosts: allowedHosts(ctx, enabled),
  };
}

async function callUdf(
  ctx: Ctx,
  e: CallExpr,
  want: 'scalar' | 'table',
): Promise<{ fn: UserFunction; result: FunctionResult }> {
  const fn = resolveUdf(ctx, e);
  if (fn.def.returns.kind !== want) {
    throw compileError(
      want === 'table'
        ? `Function ${displayIdent(fn.name)} is not a table function; call it in the SELECT list.`
        : `Table function ${displayIdent(fn.name)} must be called in the FROM clause: SELECT * FROM TABLE(…).`,
      '002140',
    );
  }
  const args = e.args.map((a, i) => castTo(evalExpr(ctx, a), fn.argTypes[i]!));
  requireWarehouse(ctx);
  const inv = buildInvocation(ctx, fn, args);
  try {
    return { fn, result: await onWarehouse(ctx, inv.functionName, () => ctx.runner.run(inv)) };
  } catch (err) {
    if (err instanceof SqlError) throw err;
    throw new SqlError(
      '100357',
      'P0000',
      `Python Interpreter Error:\n${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

type SelectStmt = Extract<Stmt, { k: 'select' }>;

/**
 * A table function's declared columns (types as parser.ts normalizes them) and its rows as the handler
 * returned them, after the same checks and warehouse rule as SELECT … FROM TABLE(…): what tables/ loads into
 * DuckDB for a query that joins or merges from it.
 */
export async function tableFunctionRows(
  ctx: Ctx,
  call: CallExpr,
): Promise<{ columns: { name: string; type: string }[]; rows: (string | null)[][] }> {
  const { fn, result } = await callUdf(ctx, call, 'table');
  if (fn.def.returns.kind !== 'table' || result.kind !== 'table') {
    throw new SqlError('100357', 'P0000', 'Python Interpreter Error:\nhandler did not return table rows');
  }
  const decl = fn.def.returns.columns;
  for (const r of result.rows) {
    if (r.length !== decl.length) {
      throw new SqlError(
        '100357',
        'P0000',
        `Python Interpreter Error:\nrow has ${r.length} values; the function declares ${decl.length} columns`,
      );
    }
  }
  return { columns: decl, rows: result.rows };
}

async function tableFunction(ctx: Ctx, call: CallExpr): Promise<ResultSet> {
  const { columns: decl, rows } = await tableFunctionRows(ctx, call);
  const columns: Column[] = decl.map((c) => ({ name: c.name, type: columnType(c.type), nullable: true }));
  return rs(
    columns,
    rows.map((r) => r.map((v, i) => encode(decl[i]!.type, v))),
    true,
  );
}

/** SELECT *, or a list of the table's columns by name (with optional aliases), from a table function. */
function project(table: ResultSet, items: SelectStmt['items']): ResultSet {
  if (items.length === 1 && items[0]!.expr === 'star') return table;
  const picks = items.map((item) => {
    const e = item.expr;
    if (e === 'star' || e.t !== 'id') {
      throw compileError('the sandbox selects only * or column names from a table function.', '001003');
    }
    const at = table.columns.findIndex((c) => c.name.toUpperCase() === e.name);
    if (at < 0) throw compileError(`invalid identifier '${e.name}'`, '000904', '42000');
    return { at, column: { ...table.columns[at]!, name: item.alias ?? table.columns[at]!.name } };
  });
  return {
    ...table,
    columns: picks.map((p) => p.column),
    rows: table.rows.map((r) => picks.map((p) => r[p.at] ?? null)),
  };
}

export async function select(ctx: Ctx, s: SelectStmt): Promise<ResultSet> {
  if (s.from) {
    const call = s.from.call;
    const table = isQueryHistoryCall(call)
      ? queryHistory(ctx, call, requireWarehouse)
      : isTaskHistoryCall(call)
        ? taskHistory(ctx, call, requireWarehouse)
        : await tableFunction(ctx, call);
    return project(table, s.items);
  }
  const columns: Column[] = [];
  const row: (string | null)[] = [];
  let usedWarehouse = false;
  for (const item of s.items) {
    if (item.expr === 'star') throw compileError('SELECT * needs a FROM clause.', '001003', '42000');
    const name = item.alias ?? item.text.toUpperCase();
    const e = item.expr;
    if (e.t === 'call' && !isBuiltin(e)) {
      const { fn, result } = await callUdf(ctx, e, 'scalar');
      usedWarehouse = true;
      const type = fn.def.returns.kind === 'scalar' ? fn.def.returns.type : 'VARCHAR';
      const value = result.kind === 'scalar' ? result.value : null;
      columns.push({ name, type: columnType(type), nullable: true });
      row.push(encode(type, value));
      continue;
    }
    const c = cell(evalExpr(ctx, e));
    columns.push({ name, type: c.type, nullable: true });
    row.push(c.value);
  }
  return rs(columns, [row], usedWarehouse);
}
