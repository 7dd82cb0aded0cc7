// GRANT / REVOKE of privileges and roles, and SHOW GRANTS.
import { fnDisplay, type Grant, type GrantOn, qualify } from './catalog.js';
import { type Ctx, compileError } from './context.js';
import { type ResultSet, SqlError } from './contract.js';
import { type Found, mustFind } from './ddl/lookup.js';
import type { ObjRef, Stmt } from './parser.js';
import { insufficient, notFound, roleClosure } from './privileges.js';
import { rs, SHOW_GRANTS, SHOW_GRANTS_OF_ROLE, SHOW_GRANTS_TO_USER, status, ts } from './results.js';
import { suspendOnOwnershipChange } from './tasks/ddl.js';

const VALID: Record<GrantOn, string[]> = {
  ACCOUNT: [
    'CREATE INTEGRATION',
    'CREATE DATABASE',
    'CREATE WAREHOUSE',
    'CREATE ROLE',
    'CREATE USER',
    'MANAGE GRANTS',
    'EXECUTE TASK',
    'EXECUTE MANAGED TASK',
    'MONITOR EXECUTION',
    'MONITOR USAGE',
  ],
  DATABASE: ['USAGE', 'MONITOR', 'MODIFY', 'CREATE SCHEMA'],
  SCHEMA: [
    'USAGE',
    'MONITOR',
    'MODIFY',
    'CREATE SECRET',
    'CREATE FUNCTION',
    'CREATE NETWORK RULE',
    'CREATE PROCEDURE',
    'CREATE TASK',
    'CREATE TABLE',
    'CREATE VIEW',
  ],
  WAREHOUSE: ['USAGE', 'OPERATE', 'MONITOR', 'MODIFY'],
  ROLE: [],
  USER: ['MONITOR'],
  INTEGRATION: ['USAGE'],
  SECRET: ['USAGE', 'READ', 'MODIFY'],
  NETWORK_RULE: ['USAGE'],
  FUNCTION: ['USAGE'],
  PROCEDURE: ['USAGE'],
  TASK: ['MONITOR', 'OPERATE'],
  // Granted by tables/grants.ts, which has its own list; here for completeness of the record.
  TABLE: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES'],
  VIEW: ['SELECT', 'REFERENCES'],
};

interface Target {
  on: GrantOn;
  key: string;
  owner: string | null;
  short: string;
  found?: Found;
}

function target(ctx: Ctx, ref: ObjRef): Target {
  if (ref.type === 'ACCOUNT')
    return { on: 'ACCOUNT', key: ctx.cat.account, owner: null, short: ctx.cat.account };
  const f = mustFind(ctx, ref);
  return { on: f.on, key: f.key, owner: f.obj.owner, short: f.short, found: f };
}

function roleMustExist(ctx: Ctx, name: string): void {
  if (!ctx.cat.roles.has(name)) throw notFound('ROLE', name);
}

type GrantStmt = Extract<Stmt, { k: 'grant' | 'revoke' }>;

export function grantPrivileges(ctx: Ctx, s: GrantStmt): ResultSet {
  const t = target(ctx, s.on);
  // The owner, or a role with MANAGE GRANTS, may grant on an object.
  const mayGrant =
    t.owner !== null ? ctx.access.owns(t.owner) || ctx.access.manageGrants : ctx.access.manageGrants;
  if (!mayGrant) throw insufficient(t.on, t.short);
  if (s.to.kind !== 'ROLE') {
    throw compileError(
      'The sandbox models privilege grants to roles only; grant a role to the user.',
      '001003',
      '42000',
    );
  }
  roleMustExist(ctx, s.to.name);
  const valid = VALID[t.on];
  const privs = s.privs.flatMap((p) => (p === 'ALL' ? valid : [p]));
  for (const p of privs) {
    if (p !== 'OWNERSHIP' && !valid.includes(p)) {
      throw compileError(`Invalid privilege ${p} on ${t.on.replace('_', ' ')}.`, '003011', '42601');
    }
  }
  const cat = ctx.cat;
  if (privs.includes('OWNERSHIP')) {
    if (s.k === 'revoke')
      throw compileError('OWNERSHIP cannot be revoked; transfer it with GRANT OWNERSHIP.', '003011');
    if (privs.length > 1 || !t.found)
      throw compileError('OWNERSHIP must be granted alone, on an object.', '003011');
    const others = cat.grants.filter((g) => g.on === t.on && g.key === t.key);
    if (s.currentGrants === 'REVOKE') cat.dropGrantsOn(t.on, t.key);
    else if (s.currentGrants === null && others.length > 0) {
      const g = others[0]!;
      throw new SqlError(
        '003111',
        '42501',
        `SQL execution error:\nDependent grant of privilege '${g.privilege}' on securable '${t.key}' to role '${g.grantee}' exists. ` +
          "It must be revoked first. To revoke all dependent grants while transferring ownership, use the 'REVOKE CURRENT GRANTS' clause, or keep them with 'COPY CURRENT GRANTS'.",
      );
    }
    t.found!.obj.owner = s.to.name;
    if (t.found?.on === 'TASK') suspendOnOwnershipChange(ctx, t.found.obj);
    return status('Statement executed successfully.');
  }
  for (const privilege of privs) {
    const match = (g: Grant) =>
      g.on === t.on &&
      g.key === t.key &&
      g.privilege === privilege &&
      g.granteeKind === 'ROLE' &&
      g.grantee === s.to.name;
    if (s.k === 'revoke') cat.grants = cat.grants.filter((g) => !match(g));
    else if (!cat.grants.some(match)) {
      cat.grants.push({
        privilege,
        on: t.on,
        key: t.key,
        granteeKind: 'ROLE',
        grantee: s.to.name,
        grantedBy: ctx.session.role,
        createdOn: cat.clock(),
      });
    }
  }
  return status('Statement executed successfully.');
}

type RoleStmt = Extract<Stmt, { k: 'grantRole' | 'revokeRole' }>;

export function grantRole(ctx: Ctx, s: RoleStmt): ResultSet {
  const cat = ctx.cat;
  const role = cat.roles.get(s.role);
  if (!role) throw notFound('ROLE', s.role);
  if (!ctx.access.owns(role.owner) && !ctx.access.manageGrants) throw insufficient('ROLE', s.role);
  if (s.to.kind === 'ROLE') roleMustExist(ctx, s.to.name);
  else if (!cat.users.has(s.to.name)) throw notFound('USER', s.to.name);
  const match = (g: (typeof cat.roleGrants)[number]) =>
    g.role === s.role && g.granteeKind === s.to.kind && g.grantee === s.to.name;
  if (s.k === 'revokeRole') {
    cat.roleGrants = cat.roleGrants.filter((g) => !match(g));
    return status('Statement executed successfully.');
  }
  if (s.to.kind === 'ROLE' && roleClosure(cat, s.role).has(s.to.name) && s.to.name !== 'PUBLIC') {
    throw compileError(
      `Granting role '${s.role}' to role '${s.to.name}' would create a cycle.`,
      '003013',
      '42601',
    );
  }
  if (!cat.roleGrants.some(match)) {
    cat.roleGrants.push({
      role: s.role,
      granteeKind: s.to.kind,
      grantee: s.to.name,
      grantedBy: ctx.session.role,
      createdOn: cat.clock(),
    });
  }
  return status('Statement executed successfully.');
}

/** Every owned object in the account, for SHOW GRANTS TO ROLE's OWNERSHIP rows. */
function ownedObjects(ctx: Ctx): { on: GrantOn; key: string; owner: string; createdOn: number }[] {
  const cat = ctx.cat;
  const out: { on: GrantOn; key: string; owner: string; createdOn: number }[] = [];
  for (const db of cat.databases.values()) {
    out.push({ on: 'DATABASE', key: qualify(db.name), owner: db.owner, createdOn: db.createdOn });
    for (const sc of db.schemas.values()) {
      out.push({ on: 'SCHEMA', key: qualify(db.name, sc.name), owner: sc.owner, createdOn: sc.createdOn });
      for (const x of sc.secrets.values())
        out.push({
          on: 'SECRET',
          key: qualify(db.name, sc.name, x.name),
          owner: x.owner,
          createdOn: x.createdOn,
        });
      for (const x of sc.rules.values())
        out.push({
          on: 'NETWORK_RULE',
          key: qualify(db.name, sc.name, x.name),
          owner: x.owner,
          createdOn: x.createdOn,
        });
      for (const x of sc.functions.values())
        out.push({
          on: 'FUNCTION',
          key: fnDisplay(db.name, sc.name, x.name, x.argTypes),
          owner: x.owner,
          createdOn: x.createdOn,
        });
      for (const x of sc.procedures.values())
        out.push({
          on: 'PROCEDURE',
          key: fnDisplay(db.name, sc.name, x.name, x.argTypes),
          owner: x.owner,
          createdOn: x.createdOn,
        });
      for (const x of sc.tasks.values())
        out.push({
          on: 'TASK',
          key: qualify(db.name, sc.name, x.name),
          owner: x.owner,
          createdOn: x.createdOn,
        });
    }
  }
  for (const w of cat.warehouses.values())
    out.push({ on: 'WAREHOUSE', key: qualify(w.name), owner: w.owner, createdOn: w.createdOn });
  for (const r of cat.roles.values())
    out.push({ on: 'ROLE', key: qualify(r.name), owner: r.owner, createdOn: r.createdOn });
  for (const u of cat.users.values())
    out.push({ on: 'USER', key: qualify(u.name), owner: u.owner, createdOn: u.createdOn });
  for (const i of cat.integrations.values())
    out.push({ on: 'INTEGRATION', key: qualify(i.name), owner: i.owner, createdOn: i.createdOn });
  return out;
}

type ShowGrantsStmt = Extract<Stmt, { k: 'showGrants' }>;

export function showGrants(ctx: Ctx, s: ShowGrantsStmt): ResultSet {
  const cat = ctx.cat;
  const grantRow = (g: Grant) => [
    ts(g.createdOn),
    g.privilege,
    g.on,
    g.key,
    g.granteeKind,
    g.grantee,
    'false',
    g.grantedBy,
  ];
  if (s.on) {
    const t = target(ctx, s.on);
    const rows: (string | null)[][] = [];
    if (t.owner) {
      const created = t.found?.obj.createdOn ?? null;
      rows.push([ts(created), 'OWNERSHIP', t.on, t.key, 'ROLE', t.owner, 'true', t.owner]);
    }
    for (const g of cat.grants) if (g.on === t.on && g.key === t.key) rows.push(grantRow(g));
    if (t.on === 'ROLE') {
      for (const g of cat.roleGrants.filter((x) => x.role === t.found?.obj.name)) {
        rows.push([ts(g.createdOn), 'USAGE', 'ROLE', g.role, g.granteeKind, g.grantee, 'false', g.grantedBy]);
      }
    }
    return rs(SHOW_GRANTS, rows);
  }
  if (s.of) {
    roleMustExist(ctx, s.of);
    return rs(
      SHOW_GRANTS_OF_ROLE,
      cat.roleGrants
        .filter((g) => g.role === s.of)
        .map((g) => [ts(g.createdOn), g.role, g.granteeKind, g.grantee, g.grantedBy]),
    );
  }
  if (s.to?.kind === 'ROLE') {
    const r = s.to.name;
    roleMustExist(ctx, r);
    const rows: (string | null)[][] = [];
    for (const o of ownedObjects(ctx)) {
      if (o.owner === r) rows.push([ts(o.createdOn), 'OWNERSHIP', o.on, o.key, 'ROLE', r, 'true', r]);
    }
    for (const g of cat.grants) if (g.granteeKind === 'ROLE' && g.grantee === r) rows.push(grantRow(g));
    for (const g of cat.roleGrants) {
      if (g.granteeKind === 'ROLE' && g.grantee === r) {
        rows.push([ts(g.createdOn), 'USAGE', 'ROLE', g.role, 'ROLE', r, 'false', g.grantedBy]);
      }
    }
    return rs(SHOW_GRANTS, rows);
  }
  const user = s.to?.name ?? ctx.session.user;
  if (!cat.users.has(user)) throw notFound('USER', user);
  return rs(
    SHOW_GRANTS_TO_USER,
    cat.roleGrants
      .filter((g) => g.granteeKind === 'USER' && g.grantee === user)
      .map((g) => [ts(g.createdOn), 'USAGE', 'ROLE', g.role, g.role, 'USER', user, 'false', g.grantedBy]),
  );
}
