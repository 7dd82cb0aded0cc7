// CREATE / ALTER / DROP for every object kind the stand-in models. This file only dispatches: each kind's
// properties and rules live in its own module, and lookup.ts finds the object a statement names.
import { type Ctx, compileError, reachSchema, require, schemaObjPath } from '../context.js';
import type { ResultSet } from '../contract.js';
import type { AlterAction, ObjRef } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import { alterComment, type Change, type CreateStmt } from './common.js';
import { createDatabase, createSchema } from './database-schema.js';
import { alterFunction, createFunction } from './function.js';
import { alterIntegration, createIntegration } from './integration.js';
import { lookup, missingKey } from './lookup.js';
import { alterNetworkRule, createNetworkRule } from './network-rule.js';
import { createRole } from './role.js';
import { alterSecret, createSecret } from './secret.js';
import { alterUser, createUser } from './user.js';
import { alterWarehouse, createWarehouse } from './warehouse.js';

export { drop } from './drop.js';

export function create(ctx: Ctx, s: CreateStmt): ResultSet {
  switch (s.type) {
    case 'DATABASE':
      return createDatabase(ctx, s);
    case 'SCHEMA':
      return createSchema(ctx, s);
    case 'WAREHOUSE':
      return createWarehouse(ctx, s);
    case 'ROLE':
      return createRole(ctx, s);
    case 'USER':
      return createUser(ctx, s);
    case 'SECURITY INTEGRATION':
    case 'EXTERNAL ACCESS INTEGRATION':
      return createIntegration(ctx, s);
    case 'NETWORK RULE':
    case 'SECRET':
    case 'FUNCTION':
      return createInSchema(ctx, s);
    default:
      throw compileError(`CREATE ${s.type} is not supported.`, '001003', '42000');
  }
}

function createInSchema(ctx: Ctx, s: CreateStmt): ResultSet {
  const [db, schema, name] = schemaObjPath(ctx, s.name);
  const at = { db, schema, name, sc: reachSchema(ctx, db, schema) };
  if (s.type === 'NETWORK RULE') return createNetworkRule(ctx, s, at);
  if (s.type === 'SECRET') return createSecret(ctx, s, at);
  return createFunction(ctx, s, at);
}

export function alter(ctx: Ctx, ref: ObjRef, ifExists: boolean, action: AlterAction): ResultSet {
  const f = lookup(ctx, ref);
  if (!f) {
    if (ifExists) return status('Statement executed successfully.');
    const m = missingKey(ctx, ref);
    throw notFound(m.on, m.key);
  }
  if (action.k === 'rename') throw compileError('RENAME is not modelled by the sandbox.', '001003', '42000');
  if (f.on === 'USER') return alterUser(ctx, f.obj, f.key, action);
  require(ctx, f.on, f.key, f.obj.owner, ['OWNERSHIP'], f.short);
  if (action.k === 'addPat' || action.k === 'removePat') {
    throw compileError('PROGRAMMATIC ACCESS TOKEN applies to users only.', '001003', '42000');
  }
  const change: Change = {
    props: action.k === 'set' ? action.props : [],
    unset: action.k === 'unset' ? action.names : [],
  };
  switch (f.on) {
    case 'SECRET':
      alterSecret(ctx, f.obj, change);
      break;
    case 'INTEGRATION':
      alterIntegration(ctx, f.obj, change);
      break;
    case 'NETWORK_RULE':
      alterNetworkRule(f.obj, change);
      break;
    case 'WAREHOUSE':
      alterWarehouse(f.obj, change);
      break;
    case 'FUNCTION':
      alterFunction(ctx, f.obj, change);
      break;
    default:
      alterComment(f.obj, change); // DATABASE, SCHEMA, ROLE
  }
  return status('Statement executed successfully.');
}
