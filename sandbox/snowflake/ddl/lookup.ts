// Finding the object a statement names, as the current role sees it: used by ALTER, DROP, DESCRIBE and
// GRANT. An object the role cannot see "does not exist", as in Snowflake.
import {
  type Base,
  type Database,
  fnDisplay,
  fnKey,
  type GrantOn,
  type Integration,
  type NetworkRule,
  qualify,
  type Schema,
  type Secret,
  type User,
  type UserFunction,
  type Warehouse,
} from '../catalog.js';
import { accountName, type Ctx, reachSchema, schemaObjPath, schemaPath } from '../context.js';
import { displayIdent } from '../lexer.js';
import type { ObjRef } from '../parser.js';
import { notFound } from '../privileges.js';
import type { StoredProcedure } from '../procedures/model.js';
import type { Task } from '../tasks/model.js';

export type Found =
  | { on: 'DATABASE'; key: string; short: string; obj: Database }
  | { on: 'SCHEMA'; key: string; short: string; obj: Schema }
  | { on: 'WAREHOUSE'; key: string; short: string; obj: Warehouse }
  | { on: 'ROLE'; key: string; short: string; obj: Base }
  | { on: 'USER'; key: string; short: string; obj: User }
  | { on: 'INTEGRATION'; key: string; short: string; obj: Integration }
  | { on: 'SECRET'; key: string; short: string; obj: Secret; sc: Schema }
  | { on: 'NETWORK_RULE'; key: string; short: string; obj: NetworkRule; sc: Schema }
  | { on: 'FUNCTION'; key: string; short: string; obj: UserFunction; sc: Schema; fkey: string }
  | { on: 'PROCEDURE'; key: string; short: string; obj: StoredProcedure; sc: Schema; fkey: string }
  | { on: 'TASK'; key: string; short: string; obj: Task; sc: Schema };

/** Finds an object the current role can see; undefined if it does not exist (or is invisible). */
export function lookup(ctx: Ctx, ref: ObjRef): Found | undefined {
  const cat = ctx.cat;
  const visible = (f: Found): Found | undefined =>
    ctx.access.visible(f.on, f.key, f.obj.owner) ? f : undefined;
  switch (ref.type) {
    case 'DATABASE': {
      const n = accountName(ref.name);
      const obj = cat.databases.get(n);
      return obj && visible({ on: 'DATABASE', key: qualify(n), short: qualify(n), obj });
    }
    case 'SCHEMA': {
      const [d, s] = schemaPath(ctx, ref.name);
      const db = cat.databases.get(d);
      const obj = db?.schemas.get(s);
      return obj && visible({ on: 'SCHEMA', key: qualify(d, s), short: displayIdent(s), obj });
    }
    case 'WAREHOUSE': {
      const n = accountName(ref.name);
      const obj = cat.warehouses.get(n);
      return obj && visible({ on: 'WAREHOUSE', key: qualify(n), short: qualify(n), obj });
    }
    case 'ROLE': {
      const n = accountName(ref.name);
      const obj = cat.roles.get(n);
      // Every role is visible to SHOW ROLES in Snowflake; lookups follow suit.
      return obj && { on: 'ROLE', key: qualify(n), short: qualify(n), obj };
    }
    case 'USER': {
      const n = accountName(ref.name);
      const obj = cat.users.get(n);
      if (!obj) return undefined;
      const f: Found = { on: 'USER', key: qualify(n), short: qualify(n), obj };
      return n === ctx.session.user ? f : visible(f);
    }
    case 'INTEGRATION':
    case 'SECURITY INTEGRATION':
    case 'EXTERNAL ACCESS INTEGRATION': {
      const n = accountName(ref.name);
      const obj = cat.integrations.get(n);
      if (!obj) return undefined;
      if (ref.type === 'SECURITY INTEGRATION' && obj.kind !== 'SECURITY') return undefined;
      if (ref.type === 'EXTERNAL ACCESS INTEGRATION' && obj.kind !== 'EXTERNAL_ACCESS') return undefined;
      return visible({ on: 'INTEGRATION', key: qualify(n), short: qualify(n), obj });
    }
    case 'SECRET':
    case 'NETWORK RULE':
    case 'FUNCTION':
    case 'PROCEDURE':
    case 'TASK': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      const sc = reachSchema(ctx, d, s);
      if (ref.type === 'TASK') {
        const obj = sc.tasks.get(o);
        return obj && visible({ on: 'TASK', key: qualify(d, s, o), short: displayIdent(o), obj, sc });
      }
      if (ref.type === 'PROCEDURE') {
        const fkey = fnKey(o, ref.argTypes ?? []);
        const obj = sc.procedures.get(fkey);
        const key = fnDisplay(d, s, o, ref.argTypes ?? []);
        return obj && visible({ on: 'PROCEDURE', key, short: displayIdent(o), obj, sc, fkey });
      }
      if (ref.type === 'SECRET') {
        const obj = sc.secrets.get(o);
        return obj && visible({ on: 'SECRET', key: qualify(d, s, o), short: displayIdent(o), obj, sc });
      }
      if (ref.type === 'NETWORK RULE') {
        const obj = sc.rules.get(o);
        return obj && visible({ on: 'NETWORK_RULE', key: qualify(d, s, o), short: displayIdent(o), obj, sc });
      }
      const fkey = fnKey(o, ref.argTypes ?? []);
      const obj = sc.functions.get(fkey);
      const key = fnDisplay(d, s, o, ref.argTypes ?? []);
      return obj && visible({ on: 'FUNCTION', key, short: displayIdent(o), obj, sc, fkey });
    }
    default:
      return undefined;
  }
}

/** The name used in "does not exist" messages for a reference that did not resolve. */
export function missingKey(ctx: Ctx, ref: ObjRef): { on: GrantOn; key: string } {
  switch (ref.type) {
    case 'SECRET':
    case 'NETWORK RULE': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      return { on: ref.type === 'SECRET' ? 'SECRET' : 'NETWORK_RULE', key: qualify(d, s, o) };
    }
    case 'FUNCTION':
    case 'PROCEDURE': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      return { on: ref.type, key: fnDisplay(d, s, o, ref.argTypes ?? []) };
    }
    case 'TASK': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      return { on: 'TASK', key: qualify(d, s, o) };
    }
    case 'SCHEMA': {
      const [d, s] = schemaPath(ctx, ref.name);
      return { on: 'SCHEMA', key: qualify(d, s) };
    }
    case 'SECURITY INTEGRATION':
    case 'EXTERNAL ACCESS INTEGRATION':
      return { on: 'INTEGRATION', key: ref.name.map(displayIdent).join('.') };
    default:
      return { on: ref.type as GrantOn, key: ref.name.map(displayIdent).join('.') };
  }
}

export function mustFind(ctx: Ctx, ref: ObjRef): Found {
  const f = lookup(ctx, ref);
  if (!f) {
    const m = missingKey(ctx, ref);
    throw notFound(m.on, m.key);
  }
  return f;
}
