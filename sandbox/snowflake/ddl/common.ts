// What DDL on every object kind shares: the OR REPLACE / IF NOT EXISTS rule, a new object's base fields,
// and the COMMENT-only ALTER of the kinds that model nothing else.
import type { Base, GrantOn, Schema } from '../catalog.js';
import { type Ctx, checkProps, compileError, pStrOrNull, require } from '../context.js';
import type { ResultSet } from '../contract.js';
import type { Prop, Stmt } from '../parser.js';
import { status } from '../results.js';

export type CreateStmt = Extract<Stmt, { k: 'create' }>;

/** Where a schema-level object goes: its names as the statement resolved them, and the schema itself. */
export interface InSchema {
  db: string;
  schema: string;
  name: string;
  sc: Schema;
}

/** What an ALTER … SET or ALTER … UNSET asks for (one of the two is empty). */
export interface Change {
  props: Prop[];
  unset: string[];
}

function alreadyExists(name: string): ResultSet {
  throw compileError(`Object '${name}' already exists.`, '002002', '42710');
}

/** Shared CREATE [OR REPLACE] [IF NOT EXISTS] handling; returns a status to short-circuit, or null. */
export function existing(
  ctx: Ctx,
  s: Pick<CreateStmt, 'ifNotExists' | 'orReplace'>,
  found: Base | undefined,
  on: GrantOn,
  key: string,
  shortName: string,
): ResultSet | null {
  if (!found) return null;
  if (s.ifNotExists) return status(`${shortName} already exists, statement succeeded.`);
  if (!s.orReplace) return alreadyExists(shortName);
  require(ctx, on, key, found.owner, ['OWNERSHIP'], shortName);
  ctx.cat.dropGrantsOn(on, key);
  return null;
}

export function base(ctx: Ctx, name: string, comment: string | null = null): Base {
  return { name, owner: ctx.session.role, createdOn: ctx.cat.clock(), comment };
}

export function commentOf(props: Prop[]): string | null {
  const p = props.find((x) => x.name === 'COMMENT');
  return p ? pStrOrNull(p) : null;
}

/** ALTER DATABASE, SCHEMA and ROLE: only COMMENT is modelled. */
export function alterComment(obj: Base, { props, unset }: Change): void {
  if (unset.length > 0) {
    for (const n of unset) {
      if (n !== 'COMMENT') throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
      obj.comment = null;
    }
  } else {
    checkProps(props, ['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS']);
    for (const p of props) if (p.name === 'COMMENT') obj.comment = pStrOrNull(p);
  }
}
