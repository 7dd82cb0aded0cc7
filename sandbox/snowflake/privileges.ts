// Role hierarchy and privilege checks, as Snowflake has them: a role inherits the privileges of every
// role granted to it, PUBLIC is granted to everyone, and the owning role has every privilege.
import type { Catalog, GrantOn } from './catalog.js';
import { SqlError } from './contract.js';

/** The role and every role it inherits (transitively), plus PUBLIC. */
export function roleClosure(cat: Catalog, role: string): Set<string> {
  const seen = new Set<string>(['PUBLIC']);
  const stack = [role];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r) && r !== role) continue;
    seen.add(r);
    for (const g of cat.roleGrants) {
      if (g.granteeKind === 'ROLE' && g.grantee === r && !seen.has(g.role)) stack.push(g.role);
    }
  }
  return seen;
}

/** Roles a user may USE: those granted to the user, the roles below them, and PUBLIC. */
export function userRoles(cat: Catalog, user: string): Set<string> {
  const out = new Set<string>(['PUBLIC']);
  for (const g of cat.roleGrants) {
    if (g.granteeKind === 'USER' && g.grantee === user) {
      for (const r of roleClosure(cat, g.role)) out.add(r);
    }
  }
  return out;
}

export class Access {
  readonly roles: Set<string>;
  constructor(
    readonly cat: Catalog,
    readonly role: string,
  ) {
    this.roles = roleClosure(cat, role);
  }

  owns(owner: string): boolean {
    return this.roles.has(owner);
  }

  /** True if a role in the hierarchy owns the object or holds one of `privs` on it. */
  has(on: GrantOn, key: string, owner: string | null, privs: string[]): boolean {
    if (owner !== null && privs.includes('OWNERSHIP') && this.owns(owner)) return true;
    return this.cat.grants.some(
      (g) =>
        g.on === on &&
        g.key === key &&
        g.granteeKind === 'ROLE' &&
        this.roles.has(g.grantee) &&
        (privs.includes(g.privilege) || (g.privilege === 'ALL' && !privs.includes('OWNERSHIP'))),
    );
  }

  /** Any privilege at all (what makes an object visible to SHOW and "exist" for errors). */
  any(on: GrantOn, key: string, owner: string | null): boolean {
    if (owner !== null && this.owns(owner)) return true;
    return this.cat.grants.some(
      (g) => g.on === on && g.key === key && g.granteeKind === 'ROLE' && this.roles.has(g.grantee),
    );
  }

  account(priv: string): boolean {
    return this.has('ACCOUNT', this.cat.account, null, [priv]);
  }

  /** MANAGE GRANTS lets a role see every object and grant on any of them. */
  get manageGrants(): boolean {
    return this.account('MANAGE GRANTS');
  }

  visible(on: GrantOn, key: string, owner: string | null): boolean {
    return this.manageGrants || this.any(on, key, owner);
  }
}

const TYPE_WORD: Record<GrantOn, string> = {
  ACCOUNT: 'Account',
  DATABASE: 'Database',
  SCHEMA: 'Schema',
  WAREHOUSE: 'Warehouse',
  ROLE: 'Role',
  USER: 'User',
  INTEGRATION: 'Integration',
  SECRET: 'Secret',
  NETWORK_RULE: 'Network rule',
  FUNCTION: 'Function',
  PROCEDURE: 'Procedure',
  TASK: 'Task',
  TABLE: 'Table',
  VIEW: 'View',
};

export function notFound(on: GrantOn, fullName: string): SqlError {
  return new SqlError(
    '002003',
    '02000',
    `SQL compilation error:\n${TYPE_WORD[on]} '${fullName}' does not exist or not authorized.`,
  );
}

export function insufficient(on: GrantOn, name: string): SqlError {
  return new SqlError(
    '003001',
    '42501',
    `SQL access control error:\nInsufficient privileges to operate on ${TYPE_WORD[on].toLowerCase()} '${name}'`,
  );
}
