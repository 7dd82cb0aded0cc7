// Tables and views in the stand-in's catalog: which exist in which schema, their owner, columns and the
// DuckDB object holding their rows. They hang off the Schema object (not its name), so a dropped or
// replaced schema or database takes its tables with it, as in Snowflake, without the catalog knowing
// about tables. Names, ownership and privileges are decided here; DuckDB only stores rows.
import { type Catalog, type Database, qualify, type Schema, type SchemaObj } from '../catalog.js';
import { type Ctx, compileError, reachSchema, schemaObjPath } from '../context.js';
import { SqlError } from '../contract.js';
import { displayIdent } from '../lexer.js';
import type { Name } from '../parser.js';
import { insufficient } from '../privileges.js';
import { DuckStore } from './store.js';
import { quoteIdent } from './translate.js';
import type { SfType } from './types.js';

export interface TableColumn {
  name: string;
  type: SfType;
  nullable: boolean;
  /** The DEFAULT expression as written (DESCRIBE shows it), or null. */
  default: string | null;
  primaryKey: boolean;
  unique: boolean;
  comment: string | null;
}

export interface Relation extends SchemaObj {
  kind: 'TABLE' | 'VIEW';
  transient: boolean;
  /** Tables: the declared columns. Views: read from DuckDB when described. */
  columns: TableColumn[];
  /** Views: the CREATE VIEW statement as written (SHOW VIEWS' text). */
  text: string | null;
  secure: boolean;
}

export type FutureOn = 'TABLE' | 'VIEW';

export interface FutureGrant {
  on: FutureOn;
  privilege: string;
  grantee: string;
  grantedBy: string;
  createdOn: number;
}

const relations = new WeakMap<Schema, Map<string, Relation>>();
const futureGrants = new WeakMap<Schema | Database, FutureGrant[]>();
const stores = new WeakMap<Catalog, DuckStore>();

export function relationsOf(sc: Schema): Map<string, Relation> {
  let m = relations.get(sc);
  if (!m) {
    m = new Map();
    relations.set(sc, m);
  }
  return m;
}

export function futureGrantsOf(container: Schema | Database): FutureGrant[] {
  let g = futureGrants.get(container);
  if (!g) {
    g = [];
    futureGrants.set(container, g);
  }
  return g;
}

/** The stand-in's DuckDB (one per catalog, so one per stand-in server). */
export function storeOf(cat: Catalog): DuckStore {
  let s = stores.get(cat);
  if (!s) {
    s = new DuckStore();
    stores.set(cat, s);
  }
  return s;
}

/** The DuckDB schema for a Snowflake schema: "DB.SCHEMA". */
export function duckSchema(db: string, schema: string): string {
  return quoteIdent(`${db}.${schema}`);
}

export function duckName(r: { database: string; schema: string; name: string }): string {
  return `${duckSchema(r.database, r.schema)}.${quoteIdent(r.name)}`;
}

export function keyOf(r: { database: string; schema: string; name: string }): string {
  return qualify(r.database, r.schema, r.name);
}

/** Snowflake's answer for a table or view that does not exist or that the role may not see. */
export function objectNotFound(key: string): SqlError {
  return new SqlError(
    '002003',
    '42S02',
    `SQL compilation error:\nObject '${key}' does not exist or not authorized.`,
  );
}

export interface Found {
  rel: Relation;
  sc: Schema;
  key: string;
}

/** The relation a 1–3 part name means for the session, if it exists and the role can see it. */
export function lookupRelation(ctx: Ctx, name: Name): { found: Found | undefined; key: string; sc: Schema } {
  const [d, s, o] = schemaObjPath(ctx, name);
  const sc = reachSchema(ctx, d, s);
  const key = qualify(d, s, o);
  const rel = relationsOf(sc).get(o);
  if (!rel || !ctx.access.visible(rel.kind, key, rel.owner)) return { found: undefined, key, sc };
  return { found: { rel, sc, key }, key, sc };
}

export function mustFindRelation(ctx: Ctx, name: Name): Found {
  const { found, key } = lookupRelation(ctx, name);
  if (!found) throw objectNotFound(key);
  return found;
}

/** Throws 003001 unless the role owns the relation or holds one of `privs` on it. */
export function requirePrivilege(ctx: Ctx, f: Found, privs: string[]): void {
  if (!ctx.access.has(f.rel.kind, f.key, f.rel.owner, ['OWNERSHIP', ...privs])) {
    throw insufficient(f.rel.kind, displayIdent(f.rel.name));
  }
}

/** DML needs a table. */
export function requireTable(f: Found, what: string): void {
  if (f.rel.kind !== 'TABLE') {
    throw compileError(`${what} is not allowed on view '${f.key}': it is not a table.`, '002003', '42S02');
  }
}
