// CREATE and ALTER WAREHOUSE: size and auto-suspend/resume are kept; the other properties are accepted.
import { qualify, type Warehouse } from '../catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  pBool,
  pNum,
  pStrOrNull,
  pWord,
  requireAccount,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import type { Prop } from '../parser.js';
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
