// CREATE ROLE (ALTER ROLE is COMMENT-only, in common.ts; granting roles is in ../grants.ts).
import { qualify } from '../catalog.js';
import { accountName, type Ctx, checkProps, requireAccount } from '../context.js';
import type { ResultSet } from '../contract.js';
import { status } from '../results.js';
import { base, type CreateStmt, commentOf, existing } from './common.js';

export function createRole(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE ROLE');
  const name = accountName(s.name);
  checkProps(s.props, ['COMMENT']);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.roles.get(name), 'ROLE', key, key);
  if (early) return early;
  ctx.cat.roles.set(name, base(ctx, name, commentOf(s.props)));
  return status(`Role ${key} successfully created.`);
}
