// CREATE and ALTER WAREHOUSE: size and auto-suspend/resume are kept; the other properties are accepted.
// Whether it runs, and ALTER WAREHOUSE … RESUME | SUSPEND, are compute.ts's.
import { qualify, type Warehouse } from '../catalog.js';
import { noWarehouse } from '../compute.js';
import {
  accountName,
  type Ctx,
  checkProps,
  pBool,
  pNum,
  pStrOrNull,
  pWord,
  require,
  requireAccount,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import type { AlterAction, ObjRef, Prop } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import { base, type Change, type CreateStmt, existing } from './common.js';

export function createWarehouse(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE WAREHOUSE');
  const name = accountName(s.name);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.warehouses.get(name), 'WAREHOUSE', key, key);
  if (early) return early;
  const wh = { ...base(ctx, name), size: 'X-Small', autoSuspend: 600, autoResume: true };
  applyWarehouseProps(wh, s.props);
  ctx.cat.warehouses.set(name, wh);
  // Snowflake starts a new warehouse unless told otherwise.
  const suspended = s.props.find((p) => p.name === 'INITIALLY_SUSPENDED');
  ctx.cat.compute.created(wh, suspended ? pBool(suspended) : false);
  ctx.session.warehouse = name;
  return status(`Warehouse ${key} successfully created.`);
}

export function alterWarehouse(wh: Warehouse, { props, unset }: Change): void {
  if (unset.length > 0) {
    for (const n of unset) if (n === 'COMMENT') wh.comment = null;
  } else applyWarehouseProps(wh, props);
}

function applyWarehouseProps(wh: Warehouse, props: Prop[]): void {
  checkProps(props, [
    'COMMENT',
    'WAREHOUSE_SIZE',
    'WAREHOUSE_TYPE',
    'AUTO_SUSPEND',
    'AUTO_RESUME',
    'INITIALLY_SUSPENDED',
    'MIN_CLUSTER_COUNT',
    'MAX_CLUSTER_COUNT',
    'SCALING_POLICY',
  ]);
  for (const p of props) {
    if (p.name === 'COMMENT') wh.comment = pStrOrNull(p);
    else if (p.name === 'WAREHOUSE_SIZE') wh.size = pWord(p);
    else if (p.name === 'AUTO_SUSPEND') wh.autoSuspend = pNum(p);
    else if (p.name === 'AUTO_RESUME') wh.autoResume = pBool(p);
  }
}

/**
 * ALTER WAREHOUSE [IF EXISTS] [w] RESUME [IF SUSPENDED] | SUSPEND (no name: the session's warehouse). Needs
 * OPERATE (or ownership); a resume answers once the warehouse runs.
 */
export async function warehouseStateChange(
  ctx: Ctx,
  ref: ObjRef,
  ifExists: boolean,
  action: Extract<AlterAction, { k: 'resume' | 'suspend' }>,
): Promise<ResultSet> {
  const name = ref.name.length > 0 ? accountName(ref.name) : ctx.session.warehouse;
  const wh = name ? ctx.cat.warehouses.get(name) : undefined;
  if (!wh || !ctx.access.visible('WAREHOUSE', qualify(wh.name), wh.owner)) {
    if (ifExists) return status('Statement executed successfully.');
    if (!name) throw noWarehouse();
    throw notFound('WAREHOUSE', qualify(name));
  }
  require(ctx, 'WAREHOUSE', qualify(wh.name), wh.owner, ['OPERATE', 'OWNERSHIP'], qualify(wh.name));
  if (action.k === 'suspend') ctx.cat.compute.suspend(wh);
  else await ctx.cat.compute.resume(wh, action.ifSuspended);
  return status('Statement executed successfully.');
}
