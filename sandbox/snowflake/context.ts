// What every statement handler shares: the catalog, the session, the current role's access, and
// helpers that resolve names against the session and read typed property values.
import type { Catalog, Database, GrantOn, Schema } from './catalog.js';
import { qualify } from './catalog.js';
import { type Bind, type FunctionRunner, type ResultSet, type SessionState, SqlError } from './contract.js';
import { syntaxError } from './lexer.js';
import type { Name, Prop, Value } from './parser.js';
import { type Access, insufficient, notFound } from './privileges.js';
import type { TaskScheduler } from './tasks/scheduler.js';

export interface Ctx {
  cat: Catalog;
  session: SessionState;
  access: Access;
  binds: Bind[];
  runner: FunctionRunner;
  /** The engine again, for the statements Snowflake runs by itself: a procedure's, a task's body. */
  nested: NestedExecute;
  tasks: TaskScheduler;
  /** Set once the statement ran something on its warehouse (compute.ts): it has waited for any resume. */
  ranOnWarehouse?: boolean;
}

/** Runs one statement in another session (no multi-statement text) and reports it as `origin`'s;
 *  a statement Snowflake refuses comes back as `error`, never thrown. */
export type NestedExecute = (
  session: SessionState,
  sqlText: string,
  binds: Bind[],
  origin: 'procedure' | 'task',
  queryId?: string,
) => Promise<{ queryId: string; result: ResultSet } | { queryId: string; error: SqlError }>;

export function compileError(message: string, code = '002028', sqlState = '42601'): SqlError {
  return new SqlError(code, sqlState, `SQL compilation error:\n${message}`);
}

export function noCurrentDatabase(): SqlError {
  return new SqlError(
    '090105',
    '22000',
    "Cannot perform operation. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.",
  );
}

/** An account-level object name: exactly one part. */
export function accountName(name: Name): string {
  if (name.length !== 1) throw compileError(`invalid identifier '${name.join('.')}'`, '000904', '42000');
  return name[0]!;
}

/** [db, schema, object] for a 1-, 2- or 3-part name of a schema object. */
export function schemaObjPath(ctx: Ctx, name: Name): [string, string, string] {
  if (name.length === 3) return name as [string, string, string];
  const db = ctx.session.database;
  if (name.length === 2) {
    if (!db) throw noCurrentDatabase();
    return [db, name[0]!, name[1]!];
  }
  const schema = ctx.session.schema;
  if (!db || !schema) throw noCurrentDatabase();
  return [db, schema, name[0]!];
}

/** [db, schema] for a 1- or 2-part schema name. */
export function schemaPath(ctx: Ctx, name: Name): [string, string] {
  if (name.length === 2) return name as [string, string];
  if (name.length === 1) {
    const db = ctx.session.database;
    if (!db) throw noCurrentDatabase();
    return [db, name[0]!];
  }
  throw compileError(`invalid identifier '${name.join('.')}'`, '000904', '42000');
}

/** USAGE (or ownership) on a container, or MANAGE GRANTS, is what lets a role reach inside it. */
function canReach(ctx: Ctx, on: GrantOn, key: string, owner: string): boolean {
  return ctx.access.has(on, key, owner, ['USAGE', 'OWNERSHIP']) || ctx.access.manageGrants;
}

export function reachDatabase(ctx: Ctx, dbName: string): Database {
  const db = ctx.cat.databases.get(dbName);
  if (!db || !canReach(ctx, 'DATABASE', qualify(dbName), db.owner))
    throw notFound('DATABASE', qualify(dbName));
  return db;
}

export function reachSchema(ctx: Ctx, dbName: string, schemaName: string): Schema {
  const db = reachDatabase(ctx, dbName);
  const sc = db.schemas.get(schemaName);
  const key = qualify(dbName, schemaName);
  if (!sc || !canReach(ctx, 'SCHEMA', key, sc.owner)) throw notFound('SCHEMA', key);
  return sc;
}

/** Throws 003001 unless the role holds one of `privs` (OWNERSHIP included if listed). */
export function require(
  ctx: Ctx,
  on: GrantOn,
  key: string,
  owner: string,
  privs: string[],
  shortName: string,
): void {
  if (!ctx.access.has(on, key, owner, privs)) throw insufficient(on, shortName);
}

/** The privilege needed to create an object in a schema: owning the schema or CREATE <kind> on it. */
export function requireCreateIn(ctx: Ctx, sc: Schema, what: string): void {
  const key = qualify(sc.database, sc.name);
  if (!ctx.access.has('SCHEMA', key, sc.owner, ['OWNERSHIP', `CREATE ${what}`]))
    throw insufficient('SCHEMA', sc.name);
}

export function requireAccount(ctx: Ctx, priv: string): void {
  if (!ctx.access.account(priv)) throw insufficient('ACCOUNT', ctx.cat.account);
}

// ---- typed property values -------------------------------------------------------------------

function bad(p: Prop): SqlError {
  return syntaxError(p.tok.line, p.tok.col, p.tok.raw);
}

function noBind(p: Prop, v: Value): void {
  // Snowflake documents no bind support for these DDL properties; refusing keeps sandbox-tested code
  // on the path that certainly works in Snowflake (quoted literals).
  if (v.t === 'bind') {
    throw compileError(
      `Bind variables are not supported for property '${p.name}' (the sandbox refuses them in DDL; use a quoted literal).`,
      '002049',
    );
  }
}

export function pStr(p: Prop): string {
  noBind(p, p.value);
  if (p.value.t !== 'str') throw bad(p);
  return p.value.v;
}

export function pStrOrNull(p: Prop): string | null {
  return p.value.t === 'null' ? null : pStr(p);
}

/** A keyword-like value: an identifier or a string (TYPE = SERVICE, TYPE = 'SERVICE'). */
export function pWord(p: Prop): string {
  noBind(p, p.value);
  if (p.value.t === 'id' && p.value.v.length === 1) return p.value.v[0]!;
  if (p.value.t === 'str') return p.value.v.toUpperCase();
  throw bad(p);
}

export function pName(p: Prop): Name {
  noBind(p, p.value);
  if (p.value.t === 'id') return p.value.v;
  if (p.value.t === 'str') return [p.value.v.toUpperCase()];
  throw bad(p);
}

export function pBool(p: Prop): boolean {
  noBind(p, p.value);
  if (p.value.t === 'bool') return p.value.v;
  if (p.value.t === 'str' && /^(true|false)$/i.test(p.value.v)) return p.value.v.toLowerCase() === 'true';
  throw bad(p);
}

export function pNum(p: Prop): number {
  noBind(p, p.value);
  if (p.value.t === 'num') return Number(p.value.v);
  throw bad(p);
}

export function pStrList(p: Prop): string[] {
  noBind(p, p.value);
  if (p.value.t !== 'list') throw bad(p);
  return p.value.v.map((x) => {
    if (x.t !== 'str') throw bad(p);
    return x.v;
  });
}

export function pNameList(p: Prop): Name[] {
  noBind(p, p.value);
  if (p.value.t !== 'list') throw bad(p);
  return p.value.v.map((x) => {
    if (x.t !== 'id') throw bad(p);
    return x.v;
  });
}

/** Rejects properties not in `allowed` with a syntax error at the property name. */
export function checkProps(props: Prop[], allowed: string[]): void {
  for (const p of props) if (!allowed.includes(p.name)) throw bad(p);
}

export function propError(p: Prop): SqlError {
  return bad(p);
}

/** 'YYYY-MM-DD HH:MI:SS' (UTC) → ms; anything else is a compilation error. */
export function parseUtcTimestamp(p: Prop): number {
  const s = pStr(p).trim();
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(?:\s*(?:Z|UTC|\+00:?00))?$/i.exec(
      s,
    );
  const ms = m
    ? Date.UTC(
        Number(m[1]),
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4] ?? 0),
        Number(m[5] ?? 0),
        Number(m[6] ?? 0),
        Math.floor(Number(m[7] ?? 0) * 1000),
      )
    : Number.NaN;
  const d = new Date(ms);
  const valid =
    m !== null &&
    !Number.isNaN(ms) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3]) &&
    Number(m[4] ?? 0) < 24 &&
    Number(m[5] ?? 0) < 60 &&
    Number(m[6] ?? 0) < 60;
  if (!valid) {
    throw compileError(
      `invalid value '${s}' for property '${p.name}': expected a UTC timestamp 'YYYY-MM-DD HH:MI:SS'.`,
    );
  }
  return ms;
}
