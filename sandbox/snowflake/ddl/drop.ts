// DROP for every object kind: the object goes, and with it the grants on it (and, for a database or
// schema, on everything inside; for a role or user, the role grants that name it).
import { SYSTEM_ROLES } from '../catalog.js';
import { type Ctx, require } from '../context.js';
import type { ResultSet } from '../contract.js';
import type { ObjRef } from '../parser.js';
import { insufficient, notFound } from '../privileges.js';
import { status } from '../results.js';
import { lookup, missingKey } from './lookup.js';

export function drop(ctx: Ctx, ref: ObjRef, ifExists: boolean): ResultSet {
  const f = lookup(ctx, ref);
  if (!f) {
    if (ifExists) {
      const m = missingKey(ctx, ref);
      return status(`Drop statement executed successfully (${m.key.split('.').pop()} already dropped).`);
    }
    const m = missingKey(ctx, ref);
    throw notFound(m.on, m.key);
  }
  require(ctx, f.on, f.key, f.obj.owner, ['OWNERSHIP'], f.short);
  const cat = ctx.cat;
  switch (f.on) {
    case 'DATABASE':
      cat.databases.delete(f.obj.name);
      cat.grants = cat.grants.filter((g) => !g.key.startsWith(`${f.key}.`));
      break;
    case 'SCHEMA':
      cat.databases.get(f.obj.database)?.schemas.delete(f.obj.name);
      cat.grants = cat.grants.filter((g) => !g.key.startsWith(`${f.key}.`));
      break;
    case 'WAREHOUSE':
      cat.warehouses.delete(f.obj.name);
      break;
    case 'ROLE':
      // The system roles cannot be dropped.
      if (SYSTEM_ROLES.includes(f.obj.name)) throw insufficient('ROLE', f.short);
      cat.roles.delete(f.obj.name);
      cat.roleGrants = cat.roleGrants.filter(
        (g) => g.role !== f.obj.name && !(g.granteeKind === 'ROLE' && g.grantee === f.obj.name),
      );
      cat.grants = cat.grants.filter((g) => !(g.granteeKind === 'ROLE' && g.grantee === f.obj.name));
      break;
    case 'USER':
      cat.users.delete(f.obj.name);
      cat.roleGrants = cat.roleGrants.filter((g) => !(g.granteeKind === 'USER' && g.grantee === f.obj.name));
      break;
    case 'INTEGRATION':
      cat.integrations.delete(f.obj.name);
      break;
    case 'SECRET':
      f.sc.secrets.delete(f.obj.name);
      break;
    case 'NETWORK_RULE':
      f.sc.rules.delete(f.obj.name);
      break;
    case 'FUNCTION':
      f.sc.functions.delete(f.fkey);
      break;
  }
  cat.dropGrantsOn(f.on, f.key);
  return status(`${f.short} successfully dropped.`);
}
