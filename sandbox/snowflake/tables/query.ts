// SELECT, INSERT, UPDATE, DELETE and MERGE over the stand-in's tables: translate (translate.ts), resolve and
// check every table named (relations.ts), require a warehouse as Snowflake does for anything that reads or
// writes rows, run each TABLE(udtf(…)) through the stand-in's function path (calls.ts) before touching
// DuckDB (so a failing function changes nothing), load its rows into a DuckDB temp table typed by the
// function's RETURNS TABLE(…), then run the statement and answer with Snowflake's result shape.
import { requireWarehouse, tableFunctionRows } from '../calls.js';
import { type Ctx, compileError } from '../context.js';
import { type ColumnType, type ResultSet, SqlError } from '../contract.js';
import type { Token } from '../lexer.js';
import { Cursor, parseExpr } from '../parser.js';
import { isQueryHistoryCall, queryHistory } from '../query-history.js';
import { cols, rs } from '../results.js';
import { encodeResult } from './encode.js';
import { fromDuckError } from './errors.js';
import {
  duckName,
  type Found,
  mustFindRelation,
  type Relation,
  requirePrivilege,
  requireTable,
  storeOf,
} from './relations.js';
import type { Duck } from './store.js';
import {
  type MergeAction,
  quoteIdent,
  quoteString,
  type SessionNames,
  type TableRef,
  type Temporal,
  type Translation,
  translate,
  type UdtfCall,
} from './translate.js';
import { duckTypeOfName, type SfBase } from './types.js';

interface Loaded {
  placeholder: string;
  columns: { name: string; duck: string }[];
  rows: (string | null)[][];
}

export interface Prepared {
  t: Translation;
  found: { ref: TableRef; f: Found }[];
  loads: Loaded[];
  usesWarehouse: boolean;
}

export function sessionNames(ctx: Ctx): SessionNames {
  const s = ctx.session;
  return {
    user: s.user,
    role: s.role,
    warehouse: s.warehouse,
    database: s.database,
    schema: s.schema,
    account: ctx.cat.account,
  };
}

const PRIVILEGE: Record<MergeAction, string> = { insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' };

function checkPrivileges(ctx: Ctx, t: Translation, found: Prepared['found']): void {
  for (const { ref, f } of found) {
    switch (ref.use) {
      case 'read':
        requirePrivilege(ctx, f, ['SELECT']);
        break;
      case 'insert':
      case 'update':
      case 'delete':
        requireTable(f, ref.use.toUpperCase());
        requirePrivilege(ctx, f, [PRIVILEGE[ref.use]]);
        break;
      case 'merge':
        requireTable(f, 'MERGE');
        for (const a of new Set(t.merge?.actions ?? [])) requirePrivilege(ctx, f, [PRIVILEGE[a]]);
        break;
    }
  }
}

// QUERY_HISTORY_BY_SESSION answers in wire cells; DuckDB wants values.
const WIRE_TO_DUCK: Record<ColumnType, string> = {
  text: 'VARCHAR',
  fixed: 'DECIMAL(38,0)',
  real: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp_ltz: 'TIMESTAMPTZ',
  timestamp_ntz: 'TIMESTAMP',
  variant: 'JSON',
};

function fromWire(v: string | null, type: ColumnType): string | null {
  if (v === null) return null;
  if (type === 'date' && /^-?\d+$/.test(v))
    return new Date(Number(v) * 86_400_000).toISOString().slice(0, 10);
  if ((type === 'timestamp_ltz' || type === 'timestamp_ntz') && /^-?\d+(\.\d+)?$/.test(v)) {
    return new Date(Math.round(Number(v) * 1000)).toISOString();
  }
  return v;
}

async function tableFunctionData(ctx: Ctx, u: UdtfCall, text: string): Promise<Loaded> {
  const c = new Cursor(u.tokens, text);
  c.binds = u.firstBind;
  const call = parseExpr(c);
  c.expectEnd();
  if (call.t !== 'call') throw c.fail(u.tokens[0]);
  if (isQueryHistoryCall(call)) {
    const r = queryHistory(ctx, call, requireWarehouse);
    return {
      placeholder: u.placeholder,
      columns: r.columns.map((col) => ({ name: col.name, duck: WIRE_TO_DUCK[col.type] })),
      rows: r.rows.map((row) => row.map((v, i) => fromWire(v, r.columns[i]!.type))),
    };
  }
  const { columns, rows } = await tableFunctionRows(ctx, call);
  return {
    placeholder: u.placeholder,
    columns: columns.map((col) => ({ name: col.name, duck: duckTypeOfName(col.type) })),
    rows,
  };
}

const TEMPORAL: Partial<Record<SfBase, Temporal>> = {
  DATE: 'DATE',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_TZ: 'TIMESTAMPTZ',
};

/** Column name → date/time type over these relations; a name with two different types is unknown. */
function columnTypes(rels: Relation[]): Map<string, Temporal | 'OTHER'> {
  const m = new Map<string, Temporal | 'OTHER'>();
  const clash = new Set<string>();
  for (const r of rels) {
    for (const c of r.columns) {
      const t = TEMPORAL[c.type.base] ?? 'OTHER';
      if (m.has(c.name) && m.get(c.name) !== t) clash.add(c.name);
      m.set(c.name, t);
    }
  }
  for (const name of clash) m.delete(name);
  return m;
}

/**
 * The statement translated, the tables it names resolved (against `resolveIn` instead of the session's
 * database and schema when given: a view's names are its own schema's) and the role's privileges checked.
 */
export function translateChecked(
  ctx: Ctx,
  tokens: Token[],
  text: string,
  bindOffset: number,
  resolveIn?: { database: string; schema: string },
): { t: Translation; found: Prepared['found'] } {
  const store = storeOf(ctx.cat);
  const names = resolveIn ? { ...ctx, session: { ...ctx.session, ...resolveIn } } : ctx;
  const options = {
    text,
    binds: ctx.binds,
    bindOffset,
    udtfName: () => store.tempName(),
    session: sessionNames(ctx),
  };
  // A first pass finds the tables, whose column types the second uses (translate.ts: Emitter.temporal).
  const read: Found[] = [];
  translate(tokens, {
    ...options,
    table: (ref) => {
      const f = mustFindRelation(names, ref.name);
      read.push(f);
      return duckName(f.rel);
    },
  });
  const found: Prepared['found'] = [];
  const t = translate(tokens, {
    ...options,
    columnTypes: columnTypes(read.map((f) => f.rel)),
    table: (ref) => {
      const f = mustFindRelation(names, ref.name);
      found.push({ ref, f });
      return duckName(f.rel);
    },
  });
  checkPrivileges(ctx, t, found);
  return { t, found };
}

/**
 * Everything a statement needs before it may touch DuckDB: its translation and privileges, a warehouse
 * when it reads or writes rows, and its table functions' rows.
 */
export async function prepare(
  ctx: Ctx,
  tokens: Token[],
  text: string,
  bindOffset: number,
): Promise<Prepared> {
  const { t, found } = translateChecked(ctx, tokens, text, bindOffset);
  const usesWarehouse = t.readsData || t.kind !== 'SELECT';
  if (usesWarehouse) requireWarehouse(ctx);
  const loads: Loaded[] = [];
  for (const u of t.udtfs) loads.push(await tableFunctionData(ctx, u, text));
  return { t, found, loads, usesWarehouse };
}

const INSERT_CHUNK = 500;

/** Runs `work` with the table functions' rows loaded into their temp tables, dropped afterwards. */
export async function withLoads<T>(db: Duck, loads: Loaded[], work: () => Promise<T>): Promise<T> {
  try {
    for (const l of loads) {
      const defs = l.columns.map((c) => `${quoteIdent(c.name)} ${c.duck}`).join(', ');
      await db.run(`CREATE TEMP TABLE ${quoteIdent(l.placeholder)} (${defs})`);
      for (let i = 0; i < l.rows.length; i += INSERT_CHUNK) {
        const chunk = l.rows.slice(i, i + INSERT_CHUNK);
        const values = chunk
          .map((r) => `(${r.map((v) => (v === null ? 'NULL' : quoteString(v))).join(', ')})`)
          .join(', ');
        await db.run(`INSERT INTO ${quoteIdent(l.placeholder)} VALUES ${values}`);
      }
    }
    return await work();
  } finally {
    for (const l of loads) await db.run(`DROP TABLE IF EXISTS ${quoteIdent(l.placeholder)}`).catch(() => {});
  }
}

function count(r: { rows: unknown[][] }): string {
  const v = r.rows[0]?.[0];
  return v === undefined || v === null ? '0' : String(v);
}

function counts(names: string[], values: string[]): ResultSet {
  return rs(
    names.map((name) => ({ name, type: 'fixed' as const, nullable: false })),
    [values],
    true,
  );
}

/** Snowflake refuses a MERGE whose target row matches several source rows (ERROR_ON_NONDETERMINISTIC_MERGE). */
async function refuseDuplicateMatches(db: Duck, t: Translation): Promise<void> {
  const m = t.merge!;
  if (!m.actions.some((a) => a === 'update' || a === 'delete')) return;
  const dup = await db.run(
    `SELECT ${m.targetAlias}.* FROM ${m.target} WHERE ${m.targetAlias}.rowid IN (` +
      `SELECT ${m.targetAlias}.rowid FROM ${m.target} JOIN ${m.source} ON ${m.on} ` +
      `GROUP BY ${m.targetAlias}.rowid HAVING count(*) > 1) LIMIT 1`,
  );
  const row = dup.rows[0];
  if (row) {
    const shown = row.map((v) => (v === null ? 'NULL' : JSON.stringify(String(v)))).join(', ');
    throw new SqlError('100090', '42P18', `Duplicate row detected during DML action\nRow Values: [${shown}]`);
  }
}

async function execute(db: Duck, p: Prepared): Promise<ResultSet> {
  const { t } = p;
  switch (t.kind) {
    case 'SELECT':
      return encodeResult(await db.run(t.sql), p.usesWarehouse);
    case 'INSERT':
      return counts(['number of rows inserted'], [count(await db.run(t.sql))]);
    case 'UPDATE':
      return counts(
        ['number of rows updated', 'number of multi-joined rows updated'],
        [count(await db.run(t.sql)), '0'],
      );
    case 'DELETE':
      return counts(['number of rows deleted'], [count(await db.run(t.sql))]);
    case 'MERGE': {
      await refuseDuplicateMatches(db, t);
      const r = await db.run(`${t.sql} RETURNING merge_action`);
      const done = { insert: 0, update: 0, delete: 0 };
      for (const [action] of r.rows) done[String(action).toLowerCase() as MergeAction] += 1;
      // A column for each kind of clause the statement has, in Snowflake's order.
      const kinds = (['insert', 'update', 'delete'] as const).filter((k) => t.merge!.actions.includes(k));
      const label = { insert: 'inserted', update: 'updated', delete: 'deleted' };
      return counts(
        kinds.map((k) => `number of rows ${label[k]}`),
        kinds.map((k) => String(done[k])),
      );
    }
  }
}

/** One SELECT / INSERT / UPDATE / DELETE / MERGE. */
export async function runQuery(
  ctx: Ctx,
  tokens: Token[],
  text: string,
  bindOffset: number,
): Promise<ResultSet> {
  const p = await prepare(ctx, tokens, text, bindOffset);
  return storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), (db) => withLoads(db, p.loads, () => execute(db, p)))
    .catch((err: unknown) => {
      throw fromDuckError(err, tokens);
    });
}

/** TRUNCATE [TABLE] [IF EXISTS] t: needs TRUNCATE (or ownership) and, as other DML here, a warehouse. */
export async function truncate(ctx: Ctx, f: Found): Promise<ResultSet> {
  requireTable(f, 'TRUNCATE');
  requirePrivilege(ctx, f, ['TRUNCATE']);
  requireWarehouse(ctx);
  await storeOf(ctx.cat)
    .exclusive(ctx.cat.clock(), (db) => db.run(`DELETE FROM ${duckName(f.rel)}`))
    .catch((err: unknown) => {
      throw fromDuckError(err);
    });
  return { ...rs(cols('status'), [['Statement executed successfully.']]), usedWarehouse: true };
}

export function noTableFunctionsIn(t: Translation, what: string): void {
  if (t.udtfs.length > 0)
    throw compileError(`TABLE(…) in ${what} is not supported by the sandbox.`, '001003');
}
