// The in-memory account: databases → schemas → schema objects, account-level objects, grants.
// Names are stored already folded (unquoted → upper case); keys for grants are display names.
import { SNOWFLAKE_BEHAVIOUR_DEFAULTS, type SnowflakeBehaviour } from './behaviour.js';
import { Compute } from './compute.js';
import type { SandboxUser } from './contract.js';
import { displayIdent } from './lexer.js';
import type { FunctionDef } from './parser.js';
import type { StoredProcedure } from './procedures/model.js';
import type { Task } from './tasks/model.js';

export interface Base {
  name: string;
  owner: string; // owning role
  createdOn: number; // ms since epoch
  comment: string | null;
}

export interface SchemaObj extends Base {
  database: string;
  schema: string;
}

export interface Secret extends SchemaObj {
  secretType: 'OAUTH2' | 'PASSWORD' | 'GENERIC_STRING';
  integration: string | null; // API_AUTHENTICATION
  refreshToken: string | null;
  /** OAUTH_REFRESH_TOKEN_EXPIRY_TIME as written: once set it can be overwritten, never cleared. */
  refreshTokenExpiry: number | null;
  /** When OAUTH_REFRESH_TOKEN was last written, and its integration's OAUTH_REFRESH_TOKEN_VALIDITY then. */
  refreshTokenWrittenAt: number | null;
  refreshTokenValidityAtWrite: number | null;
  /** The access token Snowflake got with the refresh token and keeps until it expires (cache 'until-expiry'). */
  accessToken: { token: string; expiresAt: number } | null;
  /** The security integration object the secret was made against (SecurityIntegration.id), not its name. */
  integrationId: number | null;
  scopes: string[];
  username: string | null;
  password: string | null;
  secretString: string | null;
}

export interface NetworkRule extends SchemaObj {
  type: string; // HOST_PORT, IPV4, …
  mode: string; // EGRESS, INGRESS, …
  values: string[];
}

export interface UserFunction extends SchemaObj {
  def: FunctionDef; // eais/secrets stored fully qualified
  argTypes: string[];
}

export interface Schema extends Base {
  database: string;
  procedures: Map<string, StoredProcedure>; // key: NAME(T1,T2)
  tasks: Map<string, Task>;
  secrets: Map<string, Secret>;
  rules: Map<string, NetworkRule>;
  functions: Map<string, UserFunction>; // key: NAME(T1,T2)
}

export interface Database extends Base {
  schemas: Map<string, Schema>;
}

export interface Warehouse extends Base {
  size: string;
  autoSuspend: number;
  autoResume: boolean;
}

export type Role = Base;

export interface User extends Base {
  u: SandboxUser;
  loginName: string;
  displayName: string | null;
  email: string | null;
}

export interface SecurityIntegration extends Base {
  kind: 'SECURITY';
  /** New for every CREATE (OR REPLACE): tells a replaced integration from the one a secret was made with. */
  id: number;
  type: string; // API_AUTHENTICATION
  authType: string; // OAUTH2
  enabled: boolean;
  clientId: string;
  clientSecret: string;
  tokenEndpoint: string | null;
  authorizationEndpoint: string | null;
  clientAuthMethod: 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST';
  grant: string | null;
  allowedScopes: string[];
  accessTokenValidity: number | null;
  refreshTokenValidity: number | null;
}

/** OAUTH_REFRESH_TOKEN_VALIDITY when the integration does not set it: 90 days, as DESCRIBE shows. */
export const DEFAULT_REFRESH_TOKEN_VALIDITY_S = 7_776_000;

export interface ExternalAccessIntegration extends Base {
  kind: 'EXTERNAL_ACCESS';
  enabled: boolean;
  rules: string[]; // fully qualified display names
  secrets: string[]; // fully qualified display names
  apiIntegrations: string[];
}

export type Integration = SecurityIntegration | ExternalAccessIntegration;

/** Object kinds as SHOW GRANTS prints them in `granted_on`. */
export type GrantOn =
  | 'ACCOUNT'
  | 'DATABASE'
  | 'SCHEMA'
  | 'WAREHOUSE'
  | 'ROLE'
  | 'USER'
  | 'INTEGRATION'
  | 'SECRET'
  | 'NETWORK_RULE'
  | 'FUNCTION'
  | 'PROCEDURE'
  | 'TASK'
  | 'TABLE'
  | 'VIEW';

export interface Grant {
  privilege: string;
  on: GrantOn;
  key: string; // display name of the object
  granteeKind: 'ROLE' | 'USER';
  grantee: string;
  grantedBy: string;
  createdOn: number;
}

export interface RoleGrant {
  role: string;
  granteeKind: 'ROLE' | 'USER';
  grantee: string;
  grantedBy: string;
  createdOn: number;
}

export const SYSTEM_ROLES = ['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'ORGADMIN', 'PUBLIC'];

export function qualify(...parts: string[]): string {
  return parts.map(displayIdent).join('.');
}

export function fnKey(name: string, argTypes: string[]): string {
  return `${name}(${argTypes.join(',')})`;
}

export function fnDisplay(db: string, schema: string, name: string, argTypes: string[]): string {
  return `${qualify(db, schema, name)}(${argTypes.join(', ')})`;
}

export class Catalog {
  databases = new Map<string, Database>();
  warehouses = new Map<string, Warehouse>();
  roles = new Map<string, Role>();
  users = new Map<string, User>();
  integrations = new Map<string, Integration>();
  grants: Grant[] = [];
  roleGrants: RoleGrant[] = [];
  private lastObjectId = 0;
  /** Which warehouses run, and what a statement waits for (compute.ts). */
  readonly compute: Compute;

  constructor(
    readonly account: string,
    readonly now: () => Date,
    /** The switches for undocumented behaviour, read when they matter (they change at run time). */
    readonly behaviour: () => SnowflakeBehaviour = () => SNOWFLAKE_BEHAVIOUR_DEFAULTS,
    /** How the compute model waits (tests record the waits instead). */
    sleep?: (ms: number) => Promise<void>,
  ) {
    this.compute = new Compute(() => this.clock(), sleep);
    this.seed();
  }

  /** A fresh object identity (never reused, not even after a reset). */
  nextObjectId(): number {
    this.lastObjectId += 1;
    return this.lastObjectId;
  }

  clock(): number {
    return this.now().getTime();
  }

  seed(): void {
    this.databases.clear();
    this.warehouses.clear();
    this.roles.clear();
    this.users.clear();
    this.integrations.clear();
    this.grants = [];
    this.roleGrants = [];
    const t = this.clock();
    for (const r of SYSTEM_ROLES) this.roles.set(r, { name: r, owner: '', createdOn: t, comment: null });
    this.roles.get('SECURITYADMIN')!.owner = 'ACCOUNTADMIN';
    this.roles.get('USERADMIN')!.owner = 'SECURITYADMIN';
    this.roles.get('SYSADMIN')!.owner = 'ACCOUNTADMIN';
    // The documented system hierarchy: ACCOUNTADMIN ⊃ SECURITYADMIN ⊃ USERADMIN, ACCOUNTADMIN ⊃ SYSADMIN.
    const sys = (role: string, to: string) =>
      this.roleGrants.push({ role, granteeKind: 'ROLE', grantee: to, grantedBy: '', createdOn: t });
    sys('SECURITYADMIN', 'ACCOUNTADMIN');
    sys('USERADMIN', 'SECURITYADMIN');
    sys('SYSADMIN', 'ACCOUNTADMIN');
    const acct = (privilege: string, role: string) =>
      this.grants.push({
        privilege,
        on: 'ACCOUNT',
        key: this.account,
        granteeKind: 'ROLE',
        grantee: role,
        grantedBy: '',
        createdOn: t,
      });
    acct('CREATE INTEGRATION', 'ACCOUNTADMIN');
    // Snowflake's defaults: only ACCOUNTADMIN runs tasks until it grants these on.
    acct('EXECUTE TASK', 'ACCOUNTADMIN');
    acct('EXECUTE MANAGED TASK', 'ACCOUNTADMIN');
    acct('MANAGE GRANTS', 'SECURITYADMIN');
    acct('CREATE ROLE', 'USERADMIN');
    acct('CREATE USER', 'USERADMIN');
    acct('CREATE DATABASE', 'SYSADMIN');
    acct('CREATE WAREHOUSE', 'SYSADMIN');
    this.users.set('SANDBOX_ADMIN', {
      name: 'SANDBOX_ADMIN',
      owner: 'ACCOUNTADMIN',
      createdOn: t,
      comment: null,
      loginName: 'SANDBOX_ADMIN',
      displayName: 'SANDBOX_ADMIN',
      email: null,
      u: {
        name: 'SANDBOX_ADMIN',
        type: 'PERSON',
        password: 'sandbox',
        rsaPublicKey: null,
        rsaPublicKey2: null,
        defaultRole: 'ACCOUNTADMIN',
        defaultWarehouse: 'SANDBOX_WH',
        defaultNamespace: null,
        disabled: false,
        pats: [],
      },
    });
    this.roleGrants.push({
      role: 'ACCOUNTADMIN',
      granteeKind: 'USER',
      grantee: 'SANDBOX_ADMIN',
      grantedBy: '',
      createdOn: t,
    });
    this.warehouses.set('SANDBOX_WH', {
      name: 'SANDBOX_WH',
      owner: 'SYSADMIN',
      createdOn: t,
      comment: null,
      size: 'X-Small',
      autoSuspend: 600,
      autoResume: true,
    });
    // Sandbox convenience, not a Snowflake default: anyone may run functions on the seeded warehouse.
    this.grants.push({
      privilege: 'USAGE',
      on: 'WAREHOUSE',
      key: 'SANDBOX_WH',
      granteeKind: 'ROLE',
      grantee: 'PUBLIC',
      grantedBy: 'SYSADMIN',
      createdOn: t,
    });
  }

  /** Removes every grant on an object (used by DROP and CREATE OR REPLACE). */
  dropGrantsOn(on: GrantOn, key: string): void {
    this.grants = this.grants.filter((g) => !(g.on === on && g.key === key));
  }
}
