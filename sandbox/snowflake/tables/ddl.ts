// CREATE / DROP / TRUNCATE / SHOW / DESCRIBE for tables and views. The catalog side (name, owner, columns,
// grants, the OR REPLACE / IF NOT EXISTS rules) is decided here as for every other kind of object; DuckDB
// gets the matching CREATE, DROP or DELETE. Snowflake's PRIMARY KEY and UNIQUE are not enforced (DuckDB is
// not told about them); NOT NULL is, and a PRIMARY KEY column is NOT NULL, as in Snowflake.
import type { Schema } from '../catalog.js';
import { type Ctx, compileError, reachSchema, requireCreateIn, schemaObjPath } from '../context.js';
import type { Column, ResultSet } from '../contract.js';
import { schemasInScope } from '../inspect.js';
import { displayIdent, type Token } from '../lexer.js';
import { Cursor, type Name } from '../parser.js';
import { insufficient, notFound } from '../privileges.js';
import { cols, likeMatcher, rs, status, ts } from '../results.js';
import { fromDuckError } from './errors.js';
import { applyFutureGrants } from './grants.js';
import { noTableFunctionsIn, prepare, translateChecked, truncate, withLoads } from './query.js';
import {
  duckName,
  duckSchema,
  keyOf,
  lookupRelation,
  mustFindRelation,
  type Relation,
  relationsOf,
  storeOf,
  type TableColumn,
} from './relations.js';
import {
  either,
  failAt,
  flatten,
  isGroup,
  isPunct,
  isTok,
  isWord,
  type Node,
  sourceText,
  splitCommas,
  tree,
} from './sqltree.js';
import type { Duck } from './store.js';
import { Emitter, quoteIdent, quoteString, translateExpression } from './translate.js';
import { displayType, duckType, type SfType, sfType, sfTypeOfDuck } from './types.js';

interface CreateHead {
  kind: 'TABLE' | 'VIEW';
  orReplace: boolean;
  ifNotExists: boolean;
  transient: boolean;
  secure: boolean;
  name: Name;
  next: number;
}

function eofOf(tokens: Token[]): Token {
  return tokens[tokens.length - 1]!;
}

function createHead(nodes: Node[], end: Token): CreateHead {
  let i = 1;
  const head = { orReplace: false, ifNotExists: false, transient: false, secure: false };
  if (isWord(nodes[i], 'OR') && isWord(nodes[i + 1], 'REPLACE')) {
    head.orReplace = true;
    i += 2;
  }
  for (;;) {
    const w = nodes[i];
    if (isWord(w, 'TRANSIENT')) head.transient = true;
    else if (isWord(w, 'SECURE')) head.secure = true;
    else if (isWord(w, 'RECURSIVE') || isWord(w, 'LOCAL') || isWord(w, 'GLOBAL')) {
      // accepted, no effect
    } else if (isWord(w, 'TEMPORARY') || isWord(w, 'TEMP') || isWord(w, 'VOLATILE')) {
      throw compileError('Temporary tables and views are not supported by the sandbox.', '001003', '42000');
    } else break;
    i += 1;
  }
  const k = nodes[i];
  if (!isWord(k, 'TABLE') && !isWord(k, 'VIEW')) throw failAt(k, end);
  const kind = k.value as 'TABLE' | 'VIEW';
  i += 1;
  if (isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'NOT') && isWord(nodes[i + 2], 'EXISTS')) {
    head.ifNotExists = true;
    i += 3;
  }
  if (head.orReplace && head.ifNotExists) throw failAt(nodes[i - 3], end);
  const [name, next] = new Emitter({ text: '' }, end).readName(nodes, i);
  return { ...head, kind, name, next };
}

/** OR REPLACE / IF NOT EXISTS against an existing table or view; a status to answer with, or null to go on. */
function existingRule(
  ctx: Ctx,
  h: CreateHead,
  sc: Schema,
  key: string,
  copyGrants: boolean,
): ResultSet | null {
  const name = h.name[h.name.length - 1]!;
  const old = relationsOf(sc).get(name);
  if (!old) return null;
  const short = displayIdent(name);
  if (h.ifNotExists) return status(`${short} already exists, statement succeeded.`);
  if (!h.orReplace) throw compileError(`Object '${short}' already exists.`, '002002', '42710');
  if (old.kind !== h.kind) {
    throw compileError(
      `Object found is of type '${old.kind}', not specified type '${h.kind}'.`,
      '002002',
      '42710',
    );
  }
  if (!ctx.access.has(old.kind, key, old.owner, ['OWNERSHIP'])) throw insufficient(old.kind, short);
  if (!copyGrants) ctx.cat.dropGrantsOn(old.kind, key);
  return null;
}

/** Drops whatever DuckDB holds under that name (left by a dropped schema or a replaced object). */
async function dropDuck(db: Duck, r: { database: string; schema: string; name: string }): Promise<void> {
  const schema = quoteString(`${r.database}.${r.schema}`);
  const name = quoteString(r.name);
  const found = await db.run(
    `SELECT 'TABLE' FROM duckdb_tables() WHERE schema_name = ${schema} AND table_name = ${name} ` +
      `UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE schema_name = ${schema} AND view_name = ${name}`,
  );
  for (const [kind] of found.rows) await db.run(`DROP ${String(kind)} IF EXISTS ${duckName(r)}`);
}

interface Options {
  comment: string | null;
  copyGrants: boolean;
  asAt: number; // index of AS, or -1
}

/** COMMENT = '…', COPY GRANTS, CLUSTER BY (…), and other NAME = value options Snowflake takes here. */
function options(nodes: Node[], i: number, end: Token, view: boolean): Options {
  const o: Options = { comment: null, copyGrants: false, asAt: -1 };
  while (i < nodes.length) {
    const n = nodes[i];
    if (isWord(n, 'AS')) {
      o.asAt = i;
      return o;
    }
    if (isWord(n, 'COPY') && isWord(nodes[i + 1], 'GRANTS')) {
      o.copyGrants = true;
      i += 2;
    } else if (!view && isWord(n, 'CLUSTER') && isWord(nodes[i + 1], 'BY') && isGroup(nodes[i + 2])) {
      i += 3;
    } else if (isWord(n) && isPunct(nodes[i + 1], '=') && nodes[i + 2] !== undefined) {
      const v = nodes[i + 2]!;
      if (n.value === 'COMMENT') {
        if (!isTok(v) || (v.kind !== 'string' && v.kind !== 'dollar')) throw failAt(v, end);
        o.comment = v.value;
      }
      i += 3;
    } else if (
      view &&
      isWord(n, 'COMMENT') &&
      isTok(nodes[i + 1]) &&
      (nodes[i + 1] as Token).kind === 'string'
    ) {
      o.comment = (nodes[i + 1] as Token).value;
      i += 2;
    } else throw failAt(n, end);
  }
  return o;
}

// Words that end a column's DEFAULT expression.
const COLUMN_OPTION = new Set([
  'NOT',
  'NULL',
  'PRIMARY',
  'UNIQUE',
  'COMMENT',
  'CONSTRAINT',
  'COLLATE',
  'REFERENCES',
]);

function readColumnType(nodes: Node[], i: number, end: Token): [SfType, number] {
  const n = nodes[i];
  if (!isWord(n)) throw failAt(n, end);
  let name = n.value;
  let j = i + 1;
  if (name === 'DOUBLE' && isWord(nodes[j], 'PRECISION')) j += 1;
  if ((name === 'CHARACTER' || name === 'CHAR') && isWord(nodes[j], 'VARYING')) {
    name = 'VARCHAR';
    j += 1;
  }
  const args: number[] = [];
  const g = nodes[j];
  if (isGroup(g)) {
    for (const part of splitCommas(g.items)) {
      const t = part[0];
      if (part.length !== 1 || !isTok(t) || t.kind !== 'number') throw failAt(part[0] ?? g.close, end);
      args.push(Number(t.value));
    }
    j += 1;
  }
  return [sfType(name, name.startsWith('TIMESTAMP') || name === 'TIME' ? [] : args), j];
}

interface ColumnDef extends TableColumn {
  defaultSql: string | null;
}

function keyColumns(nodes: Node[], end: Token): string[] {
  const g = nodes.find(isGroup);
  if (!g) throw failAt(nodes[nodes.length - 1], end);
  return splitCommas(g.items).map((p) => {
    const t = p[0];
    if (p.length !== 1 || !isTok(t) || (t.kind !== 'ident' && t.kind !== 'qident'))
      throw failAt(p[0] ?? g.close, end);
    return t.value;
  });
}

/** The column list of CREATE TABLE: column definitions and table constraints. */
function columnDefs(items: Node[], text: string, end: Token): ColumnDef[] {
  const defs: ColumnDef[] = [];
  const pk: string[] = [];
  const uq: string[] = [];
  for (const part of splitCommas(items)) {
    let i = 0;
    if (isWord(part[0], 'CONSTRAINT')) i = 2;
    if (isWord(part[i], 'PRIMARY') || isWord(part[i], 'UNIQUE') || isWord(part[i], 'FOREIGN')) {
      const cols = keyColumns(part.slice(i), end);
      if (isWord(part[i], 'PRIMARY')) pk.push(...cols);
      else if (isWord(part[i], 'UNIQUE')) uq.push(...cols);
      continue;
    }
    const nameTok = part[0];
    if (!isTok(nameTok) || (nameTok.kind !== 'ident' && nameTok.kind !== 'qident'))
      throw failAt(part[0], end);
    const [type, afterType] = readColumnType(part, 1, end);
    const def: ColumnDef = {
      name: nameTok.value,
      type,
      nullable: true,
      default: null,
      defaultSql: null,
      primaryKey: false,
      unique: false,
      comment: null,
    };
    i = afterType;
    while (i < part.length) {
      const n = part[i];
      if (isWord(n, 'NOT') && isWord(part[i + 1], 'NULL')) {
        def.nullable = false;
        i += 2;
      } else if (isWord(n, 'NULL')) i += 1;
      else if (isWord(n, 'PRIMARY') && isWord(part[i + 1], 'KEY')) {
        def.primaryKey = true;
        i += 2;
      } else if (isWord(n, 'UNIQUE')) {
        def.unique = true;
        i += 1;
      } else if (isWord(n, 'CONSTRAINT') && part[i + 1] !== undefined) i += 2;
      else if ((isWord(n, 'COMMENT') || isWord(n, 'COLLATE')) && isTok(part[i + 1])) {
        if (isWord(n, 'COMMENT')) def.comment = (part[i + 1] as Token).value;
        i += 2;
      } else if (isWord(n, 'REFERENCES')) {
        i += 2;
        if (isGroup(part[i])) i += 1;
      } else if (isWord(n, 'DEFAULT')) {
        let j = i + 1;
        while (j < part.length && !(isWord(part[j]) && COLUMN_OPTION.has((part[j] as Token).value))) j += 1;
        const expr = part.slice(i + 1, j);
        if (expr.length === 0) throw failAt(part[j], end);
        def.default = sourceText(text, expr);
        def.defaultSql = translateExpression(expr, { text }, end);
        i = j;
      } else if (isWord(n, 'AUTOINCREMENT') || isWord(n, 'IDENTITY')) {
        throw compileError(
          'AUTOINCREMENT / IDENTITY columns are not supported by the sandbox.',
          '001003',
          '42000',
        );
      } else throw failAt(n, end);
    }
    if (defs.some((d) => d.name === def.name)) {
      throw compileError(`duplicate column name '${def.name}'`, '002025', '42S21');
    }
    defs.push(def);
  }
  for (const [list, flag] of [
    [pk, 'primaryKey'],
    [uq, 'unique'],
  ] as const) {
    for (const c of list) {
      const d = defs.find((x) => x.name === c);
      if (!d) throw compileError(`invalid identifier '${c}'`, '000904', '42000');
      d[flag] = true;
    }
  }
  for (const d of defs) if (d.primaryKey) d.nullable = false;
  if (defs.length === 0) throw compileError('A table needs at least one column.', '001003', '42000');
  return defs;
}

function columnSql(d: ColumnDef): string {
  const notNull = d.nullable ? '' : ' NOT NULL';
  const dflt = d.defaultSql === null ? '' : ` DEFAULT (${d.defaultSql})`;
  return `${quoteIdent(d.name)} ${duckType(d.type)}${notNull}${dflt}`;
}

function newRelation(ctx: Ctx, h: CreateHead, sc: Schema, name: string, extra: Partial<Relation>): Relation {
  return {
    name,
    owner: ctx.session.role,
    createdOn: ctx.cat.clock(),
    comment: null,
    database: sc.database,
    schema: sc.name,
    kind: h.kind,
    transient: h.transient,
    columns: [],
    text: null,
    secure: h.secure,
    ...extra,
  };
}

function register(ctx: Ctx, sc: Schema, rel: Relation): void {
  relationsOf(sc).set(rel.name, rel);
  const db = ctx.cat.databases.get(sc.database);
  if (db) applyFutureGrants(ctx, db, sc, rel);
}

/** The columns of a DuckDB table or view, as Snowflake types. */
async function duckColumns(db: Duck, r: Relation): Promise<TableColumn[]> {
  const d = await db.run(`DESCRIBE ${duckName(r)}`);
  return d.rows.map((row) => {
    const text = String(row[1]);
    return {
      name: String(row[0]),
      type: sfTypeOfDuck({ text, alias: text === 'JSON' ? 'JSON' : undefined }),
      nullable: String(row[2]) !== 'NO',
      default: null,
      primaryKey: false,
      unique: false,
      comment: null,
    };
  });
}

export async function createTable(
  ctx: Ctx,
  tokens: Token[],
  text: string,
  bindOffset: number,
): Promise<ResultSet> {
  const end = eofOf(tokens);
  const nodes = tree(tokens);
  const h = createHead(nodes, end);
  if (h.kind === 'VIEW') return createView(ctx, h, nodes, tokens, text, bindOffset);
  const [d, s, name] = schemaObjPath(ctx, h.name);
  const sc = reachSchema(ctx, d, s);
  requireCreateIn(ctx, sc, 'TABLE');
  let i = h.next;
  if (isWord(nodes[i], 'LIKE') || isWord(nodes[i], 'CLONE')) {
    throw compileError(
      `CREATE TABLE … ${(nodes[i] as Token).value} is not supported by the sandbox.`,
      '001003',
    );
  }
  const colGroup = nodes[i];
  let defs: ColumnDef[] | null = null;
  if (isGroup(colGroup)) {
    defs = columnDefs(colGroup.items, text, end);
    i += 1;
  }
  const o = options(nodes, i, end, false);
  if (defs && o.asAt >= 0) {
    throw compileError(
      'CREATE TABLE with both columns and AS SELECT is not supported by the sandbox.',
      '001003',
    );
  }
  if (!defs && o.asAt < 0) throw failAt(nodes[i], end);
  const key = keyOf({ database: d, schema: s, name });
  const early = existingRule(ctx, h, sc, key, o.copyGrants);
  if (early) return early;
  const rel = newRelation(ctx, h, sc, name, { comment: o.comment });
  const store = storeOf(ctx.cat);
  const create = async (db: Duck, body: string) => {
    await db.run(`CREATE SCHEMA IF NOT EXISTS ${duckSchema(d, s)}`);
    await dropDuck(db, rel);
    await db.run(`CREATE TABLE ${duckName(rel)} ${body}`);
  };
  const short = displayIdent(name);
  if (defs) {
    rel.columns = defs.map(({ defaultSql: _, ...c }) => c);
    const body = `(${defs.map(columnSql).join(', ')})`;
    await store
      .exclusive(ctx.cat.clock(), (db) => create(db, body))
      .catch((err: unknown) => {
        throw fromDuckError(err);
      });
    register(ctx, sc, rel);
    return status(`Table ${short} successfully created.`);
  }
  // CREATE TABLE … AS SELECT: a query, so a warehouse, privileges on what it reads, table functions loaded.
  const flat = flatten(nodes);
  const asTok = nodes[o.asAt] as Token;
  const at = flat.indexOf(asTok);
  const before = flat.slice(0, at).filter((t) => t.kind === 'punct' && t.value === '?').length;
  const bodyTokens = [...flat.slice(at + 1), end];
  const p = await prepare(ctx, bodyTokens, text, bindOffset + before);
  if (p.t.kind !== 'SELECT') throw failAt(nodes[o.asAt + 1], end);
  await store
    .exclusive(ctx.cat.clock(), (db) =>
      withLoads(db, p.loads, async () => {
        await create(db, `AS ${p.t.sql}`);
        rel.columns = await duckColumns(db, rel);
      }),
    )
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  register(ctx, sc, rel);
  return { ...status(`Table ${short} successfully created.`), usedWarehouse: true };
}

async function createView(
  ctx: Ctx,
  h: CreateHead,
  nodes: Node[],
  tokens: Token[],
  text: string,
  bindOffset: number,
): Promise<ResultSet> {
  const end = eofOf(tokens);
  const [d, s, name] = schemaObjPath(ctx, h.name);
  const sc = reachSchema(ctx, d, s);
  requireCreateIn(ctx, sc, 'VIEW');
  let i = h.next;
  let colList = '';
  const g = nodes[i];
  if (isGroup(g)) {
    colList = ` (${new Emitter({ text }, end).identColumns(g)})`;
    i += 1;
  }
  const o = options(nodes, i, end, true);
  if (o.asAt < 0) throw failAt(nodes[nodes.length - 1], end);
  const flat = flatten(nodes);
  const at = flat.indexOf(nodes[o.asAt] as Token);
  const before = flat.slice(0, at).filter((t) => t.kind === 'punct' && t.value === '?').length;
  // Unqualified names in the view's query are the view's schema's, checked against the creator's privileges.
  const { t } = translateChecked(ctx, [...flat.slice(at + 1), end], text, bindOffset + before, {
    database: d,
    schema: s,
  });
  if (t.kind !== 'SELECT') throw failAt(nodes[o.asAt + 1], end);
  noTableFunctionsIn(t, 'a view');
  const key = keyOf({ database: d, schema: s, name });
  const early = existingRule(ctx, h, sc, key, o.copyGrants);
  if (early) return early;
  const rel = newRelation(ctx, h, sc, name, { comment: o.comment, text: sourceText(text, nodes) });
  await storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), async (db) => {
      await db.run(`CREATE SCHEMA IF NOT EXISTS ${duckSchema(d, s)}`);
      await dropDuck(db, rel);
      await db.run(`CREATE VIEW ${duckName(rel)}${colList} AS ${t.sql}`);
      // Kept for DESCRIBE and for typing queries over the view (translate.ts).
      rel.columns = await duckColumns(db, rel);
    })
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  register(ctx, sc, rel);
  return status(`View ${displayIdent(name)} successfully created.`);
}

/** DROP TABLE | VIEW [IF EXISTS] <name> [CASCADE | RESTRICT]. */
export async function dropRelation(ctx: Ctx, tokens: Token[], text: string): Promise<ResultSet> {
  const c = new Cursor(tokens, text);
  c.expectKw('DROP');
  const kind = either(c, 'TABLE', 'VIEW');
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const name = c.name();
  c.acceptKw('CASCADE') || c.acceptKw('RESTRICT');
  c.expectEnd();
  const { found, key, sc } = lookupRelation(ctx, name);
  const short = displayIdent(name[name.length - 1]!);
  if (!found) {
    if (ifExists) return status(`Drop statement executed successfully (${short} already dropped).`);
    throw notFound(kind, key);
  }
  if (found.rel.kind !== kind) {
    throw compileError(
      `Object found is of type '${found.rel.kind}', not specified type '${kind}'.`,
      '002002',
      '42710',
    );
  }
  if (!ctx.access.has(kind, key, found.rel.owner, ['OWNERSHIP'])) throw insufficient(kind, short);
  relationsOf(sc).delete(found.rel.name);
  ctx.cat.dropGrantsOn(kind, key);
  await storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), (db) => dropDuck(db, found.rel))
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  return status(`${short} successfully dropped.`);
}

/**
 * ALTER TABLE [IF EXISTS] <name> ADD [COLUMN] [IF NOT EXISTS] <col> <type> …, for re-runnable setup
 * scripts that grow a table; other ALTERs are refused (recreate with CREATE OR REPLACE … COPY GRANTS).
 */
export async function alterTable(ctx: Ctx, tokens: Token[], text: string): Promise<ResultSet> {
  const end = eofOf(tokens);
  const nodes = tree(tokens);
  const refuse = () =>
    compileError(
      `${sourceText(text, nodes.slice(0, 2))} is supported by the sandbox only as ALTER TABLE … ADD COLUMN; recreate the object (CREATE OR REPLACE … COPY GRANTS).`,
      '001003',
      '42000',
    );
  if (!isWord(nodes[1], 'TABLE')) throw refuse();
  let i = 2;
  const ifExists = isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'EXISTS');
  if (ifExists) i += 2;
  const [name, next] = new Emitter({ text }, end).readName(nodes, i);
  i = next;
  if (!isWord(nodes[i], 'ADD')) throw refuse();
  i += 1;
  if (isWord(nodes[i], 'COLUMN')) i += 1;
  const ifNotExists = isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'NOT') && isWord(nodes[i + 2], 'EXISTS');
  if (ifNotExists) i += 3;
  const defs = columnDefs(nodes.slice(i), text, end);
  const { found, key } = lookupRelation(ctx, name);
  if (!found) {
    if (ifExists) return status('Statement executed successfully.');
    throw notFound('TABLE', key);
  }
  if (found.rel.kind !== 'TABLE') {
    throw compileError(`Object found is of type 'VIEW', not specified type 'TABLE'.`, '002002', '42710');
  }
  if (!ctx.access.has('TABLE', key, found.rel.owner, ['OWNERSHIP'])) {
    throw insufficient('TABLE', displayIdent(found.rel.name));
  }
  const added = defs.filter((d) => {
    if (!found.rel.columns.some((c) => c.name === d.name)) return true;
    if (ifNotExists) return false;
    throw compileError(`column '${d.name}' already exists`, '002025', '42S21');
  });
  await storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), async (db) => {
      for (const d of added) await db.run(`ALTER TABLE ${duckName(found.rel)} ADD COLUMN ${columnSql(d)}`);
    })
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  found.rel.columns.push(...added.map(({ defaultSql: _, ...c }) => c));
  return status('Statement executed successfully.');
}

/** TRUNCATE [TABLE] [IF EXISTS] <name>. */
export async function truncateStatement(ctx: Ctx, tokens: Token[], text: string): Promise<ResultSet> {
  const c = new Cursor(tokens, text);
  c.expectKw('TRUNCATE');
  c.acceptKw('TABLE');
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const name = c.name();
  c.expectEnd();
  const { found, key } = lookupRelation(ctx, name);
  if (!found) {
    if (ifExists) return status('Statement executed successfully.');
    throw notFound('TABLE', key);
  }
  return truncate(ctx, found);
}

const SHOW_TABLES = cols(
  'created_on:timestamp_ltz name database_name schema_name kind comment cluster_by rows:fixed bytes:fixed owner ' +
    'retention_time automatic_clustering change_tracking search_optimization search_optimization_progress ' +
    'search_optimization_bytes is_external enable_schema_evolution owner_role_type is_event budget is_hybrid ' +
    'is_iceberg is_dynamic is_immutable',
);
const SHOW_VIEWS = cols(
  'created_on:timestamp_ltz name reserved database_name schema_name owner comment text is_secure is_materialized ' +
    'owner_role_type change_tracking',
);
const TERSE = cols('created_on:timestamp_ltz name kind database_name schema_name');
const DESC_TABLE: Column[] = [
  'name',
  'type',
  'kind',
  'null?',
  'default',
  'primary key',
  'unique key',
  'check',
  'expression',
  'comment',
  'policy name',
  'privacy domain',
].map((name) => ({ name, type: 'text', nullable: true }));

/** SHOW [TERSE] TABLES | VIEWS [LIKE '…'] [IN ACCOUNT | DATABASE [d] | SCHEMA [s] | s] [STARTS WITH '…'] [LIMIT n]. */
export async function showRelations(ctx: Ctx, tokens: Token[], text: string): Promise<ResultSet> {
  const c = new Cursor(tokens, text);
  c.expectKw('SHOW');
  const terse = c.acceptKw('TERSE');
  const kind = either(c, 'TABLES', 'VIEWS') === 'TABLES' ? 'TABLE' : 'VIEW';
  let like: string | null = null;
  let scope: { kind: 'ACCOUNT' | 'DATABASE' | 'SCHEMA'; name: Name | null } | null = null;
  let startsWith: string | null = null;
  let limit = Number.POSITIVE_INFINITY;
  if (c.acceptKw('LIKE')) like = c.string();
  if (c.acceptKw('IN')) {
    if (c.acceptKw('ACCOUNT')) scope = { kind: 'ACCOUNT', name: null };
    else if (c.acceptKw('DATABASE'))
      scope = { kind: 'DATABASE', name: c.atEnd() || c.isKw('STARTS') || c.isKw('LIMIT') ? null : c.name() };
    else if (c.acceptKw('SCHEMA'))
      scope = { kind: 'SCHEMA', name: c.atEnd() || c.isKw('STARTS') || c.isKw('LIMIT') ? null : c.name() };
    else {
      const n = c.name();
      scope = { kind: n.length > 1 ? 'SCHEMA' : 'DATABASE', name: n };
    }
  }
  if (c.acceptKw('STARTS', 'WITH')) startsWith = c.string();
  if (c.acceptKw('LIMIT')) {
    const n = c.next();
    if (n.kind !== 'number') throw c.fail(n);
    limit = Number(n.value);
  }
  c.expectEnd();
  const matches = likeMatcher(like);
  const rels = schemasInScope(ctx, { scope })
    .flatMap((sc) => [...relationsOf(sc).values()])
    .filter(
      (r) =>
        r.kind === kind &&
        matches(r.name) &&
        (startsWith === null || r.name.startsWith(startsWith)) &&
        ctx.access.visible(r.kind, keyOf(r), r.owner),
    )
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
    .slice(0, limit);
  if (terse)
    return rs(
      TERSE,
      rels.map((r) => [ts(r.createdOn), r.name, r.kind, r.database, r.schema]),
    );
  if (kind === 'VIEW') {
    return rs(
      SHOW_VIEWS,
      rels.map((r) => [
        ts(r.createdOn),
        r.name,
        '',
        r.database,
        r.schema,
        r.owner,
        r.comment ?? '',
        r.secure ? null : r.text,
        r.secure ? 'true' : 'false',
        'false',
        'ROLE',
        'OFF',
      ]),
    );
  }
  const counts = await rowCounts(ctx, rels);
  return rs(
    SHOW_TABLES,
    rels.map((r, k) => [
      ts(r.createdOn),
      r.name,
      r.database,
      r.schema,
      r.transient ? 'TRANSIENT' : 'TABLE',
      r.comment ?? '',
      '',
      counts[k] ?? '0',
      null,
      r.owner,
      r.transient ? '0' : '1',
      'OFF',
      'OFF',
      'OFF',
      null,
      null,
      'N',
      'N',
      'ROLE',
      'N',
      null,
      'N',
      'N',
      'N',
      'N',
    ]),
  );
}

async function rowCounts(ctx: Ctx, rels: Relation[]): Promise<string[]> {
  if (rels.length === 0) return [];
  const sql = rels.map((r, k) => `SELECT ${k} AS k, count(*) AS n FROM ${duckName(r)}`).join(' UNION ALL ');
  const r = await storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), (db) => db.run(sql))
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  const out: string[] = [];
  for (const [k, n] of r.rows) out[Number(k)] = String(n);
  return out;
}

/** DESCRIBE | DESC TABLE | VIEW <name> [TYPE = COLUMNS] (the two are interchangeable, as in Snowflake). */
export async function describeRelation(ctx: Ctx, tokens: Token[], text: string): Promise<ResultSet> {
  const c = new Cursor(tokens, text);
  c.next();
  if (!c.acceptKw('TABLE')) c.expectKw('VIEW');
  const name = c.name();
  if (c.acceptKw('TYPE')) {
    c.expectP('=');
    c.expectKw('COLUMNS');
  }
  c.expectEnd();
  const f = mustFindRelation(ctx, name);
  // A view's columns are read again: its tables may have changed since it was created.
  const columns =
    f.rel.kind === 'TABLE'
      ? f.rel.columns
      : await storeOf(ctx.cat)
          .exclusive(ctx.cat.clock(), (db) => duckColumns(db, f.rel))
          .catch((err: unknown) => {
            throw fromDuckError(err);
          });
  return rs(
    DESC_TABLE,
    columns.map((col) => [
      col.name,
      displayType(col.type),
      'COLUMN',
      col.nullable ? 'Y' : 'N',
      col.default,
      col.primaryKey ? 'Y' : 'N',
      col.unique ? 'Y' : 'N',
      null,
      null,
      col.comment,
      null,
      null,
    ]),
  );
}
