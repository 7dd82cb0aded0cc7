// CREATE DATABASE and CREATE SCHEMA. A new database comes with its PUBLIC schema, and Snowflake makes
// what it creates current.
import { qualify, type Schema } from '../catalog.js';
import { accountName, type Ctx, checkProps, requireAccount, schemaPath } from '../context.js';
import type { ResultSet } from '../contract.js';
import { displayIdent } from '../lexer.js';
import { insufficient, notFound } from '../privileges.js';
import { status } from '../results.js';
import { base, type CreateStmt, commentOf, existing } from './common.js';

const PROPS = ['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS'];

function newSchema(ctx: Ctx, db: string, name: string, comment: string | null): Schema {
  return {
    ...base(ctx, name, comment),
    database: db,
    procedures: new Map(),
    tasks: new Map(),
    secrets: new Map(),
    rules: new Map(),
    functions: new Map(),
  };
}

export function createDatabase(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE DATABASE');
  const name = accountName(s.name);
  checkProps(s.props, PROPS);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.databases.get(name), 'DATABASE', key, key);
  if (early) return early;
  for (const g of [...ctx.cat.grants]) if (g.key.startsWith(`${key}.`)) ctx.cat.dropGrantsOn(g.on, g.key);
  const db = { ...base(ctx, name, commentOf(s.props)), schemas: new Map<string, Schema>() };
  db.schemas.set('PUBLIC', newSchema(ctx, name, 'PUBLIC', null));
  ctx.cat.databases.set(name, db);
  // Snowflake makes a new database (and its PUBLIC schema) current.
  ctx.session.database = name;
  ctx.session.schema = 'PUBLIC';
  return status(`Database ${key} successfully created.`);
}

export function createSchema(ctx: Ctx, s: CreateStmt): ResultSet {
  const [dbName, name] = schemaPath(ctx, s.name);
  checkProps(s.props, PROPS);
  const db = ctx.cat.databases.get(dbName);
  const dbKey = qualify(dbName);
  if (!db || !ctx.access.visible('DATABASE', dbKey, db.owner)) throw notFound('DATABASE', dbKey);
  if (!ctx.access.has('DATABASE', dbKey, db.owner, ['OWNERSHIP', 'CREATE SCHEMA'])) {
    throw insufficient('DATABASE', dbName);
  }
  const key = qualify(dbName, name);
  const early = existing(ctx, s, db.schemas.get(name), 'SCHEMA', key, displayIdent(name));
  if (early) return early;
  db.schemas.set(name, newSchema(ctx, dbName, name, commentOf(s.props)));
  ctx.session.database = dbName;
  ctx.session.schema = name;
  return status(`Schema ${displayIdent(name)} successfully created.`);
}
