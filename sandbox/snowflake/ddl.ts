// CREATE / ALTER / DROP for every object kind the stand-in models.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import {
  type Base,
  type ExternalAccessIntegration,
  fnDisplay,
  fnKey,
  type GrantOn,
  type Integration,
  type NetworkRule,
  qualify,
  type Schema,
  type Secret,
  type SecurityIntegration,
  type User,
  type UserFunction,
} from './catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  compileError,
  parseUtcTimestamp,
  pBool,
  pName,
  pNameList,
  pNum,
  propError,
  pStr,
  pStrList,
  pStrOrNull,
  pWord,
  reachSchema,
  require,
  requireAccount,
  requireCreateIn,
  schemaObjPath,
  schemaPath,
} from './context.js';
import type { ResultSet } from './contract.js';
import { displayIdent } from './lexer.js';
import type { AlterAction, FunctionDef, Name, ObjRef, Prop, Stmt } from './parser.js';
import { insufficient, notFound } from './privileges.js';
import { PAT_RESULT, rs, status } from './results.js';

type CreateStmt = Extract<Stmt, { k: 'create' }>;

function alreadyExists(name: string): ResultSet {
  throw compileError(`Object '${name}' already exists.`, '002002', '42710');
}

/** Shared CREATE [OR REPLACE] [IF NOT EXISTS] handling; returns a status to short-circuit, or null. */
function existing(
  ctx: Ctx,
  s: CreateStmt,
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

function base(ctx: Ctx, name: string, comment: string | null = null): Base {
  return { name, owner: ctx.session.role, createdOn: ctx.cat.clock(), comment };
}

function commentOf(props: Prop[]): string | null {
  const p = props.find((x) => x.name === 'COMMENT');
  return p ? pStrOrNull(p) : null;
}

export function fingerprint(pemBody: string): string {
  const body = pemBody.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  try {
    const der = createPublicKey({
      key: `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`,
      format: 'pem',
    }).export({ type: 'spki', format: 'der' });
    return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
  } catch {
    throw compileError('Invalid RSA public key.', '002029', '22023');
  }
}

// ---- CREATE --------------------------------------------------------------------------------------

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

function newSchema(ctx: Ctx, db: string, name: string, comment: string | null): Schema {
  return {
    ...base(ctx, name, comment),
    database: db,
    secrets: new Map(),
    rules: new Map(),
    functions: new Map(),
  };
}

function createDatabase(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE DATABASE');
  const name = accountName(s.name);
  checkProps(s.props, ['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS']);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.databases.get(name), 'DATABASE', key, key);
  if (early) return early;
  for (const g of [...ctx.cat.grants]) if (g.key.startsWith(`${key}.`)) ctx.cat.dropGrantsOn(g.on, g.key);
  const db = { ...base(ctx, name, commentOf(s.props)), schemas: new Map<string, Schema>() };
  db.schemas.set('PUBLIC', newSchema(ctx, name, 'PUBLIC', null));
  ctx.cat.databases.set(name, db);
  // Snowflake makes a new database (and its PUBLIC schema) current.
  ctx.session.database = name;
  ctx.session.schema = 'PUBLIC';
  return status(`Database ${key} successfully created.`);
}

function createSchema(ctx: Ctx, s: CreateStmt): ResultSet {
  const [dbName, name] = schemaPath(ctx, s.name);
  checkProps(s.props, ['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS']);
  const db = ctx.cat.databases.get(dbName);
  const dbKey = qualify(dbName);
  if (!db || !ctx.access.visible('DATABASE', dbKey, db.owner)) throw notFound('DATABASE', dbKey);
  if (!ctx.access.has('DATABASE', dbKey, db.owner, ['OWNERSHIP', 'CREATE SCHEMA'])) {
    throw insufficient('DATABASE', dbName);
  }
  const key = qualify(dbName, name);
  const early = existing(ctx, s, db.schemas.get(name), 'SCHEMA', key, displayIdent(name));
  if (early) return early;
  db.schemas.set(name, newSchema(ctx, dbName, name, commentOf(s.props)));
  ctx.session.database = dbName;
  ctx.session.schema = name;
  return status(`Schema ${displayIdent(name)} successfully created.`);
}

function createWarehouse(ctx: Ctx, s: CreateStmt): ResultSet {
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

function applyWarehouseProps(
  wh: Base & { size: string; autoSuspend: number; autoResume: boolean },
  props: Prop[],
): void {
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

function createRole(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE ROLE');
  const name = accountName(s.name);
  checkProps(s.props, ['COMMENT']);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.roles.get(name), 'ROLE', key, key);
  if (early) return early;
  ctx.cat.roles.set(name, base(ctx, name, commentOf(s.props)));
  return status(`Role ${key} successfully created.`);
}

const USER_PROPS = [
  'PASSWORD',
  'LOGIN_NAME',
  'DISPLAY_NAME',
  'FIRST_NAME',
  'LAST_NAME',
  'EMAIL',
  'TYPE',
  'RSA_PUBLIC_KEY',
  'RSA_PUBLIC_KEY_2',
  'DEFAULT_ROLE',
  'DEFAULT_WAREHOUSE',
  'DEFAULT_NAMESPACE',
  'DEFAULT_SECONDARY_ROLES',
  'DISABLED',
  'MUST_CHANGE_PASSWORD',
  'COMMENT',
];

function applyUserProps(user: User, props: Prop[]): void {
  checkProps(props, USER_PROPS);
  for (const p of props) {
    switch (p.name) {
      case 'PASSWORD':
        user.u.password = pStrOrNull(p);
        break;
      case 'LOGIN_NAME':
        user.loginName = pStr(p).toUpperCase();
        break;
      case 'DISPLAY_NAME':
        user.displayName = pStrOrNull(p);
        break;
      case 'EMAIL':
        user.email = pStrOrNull(p);
        break;
      case 'TYPE': {
        const t = pWord(p);
        if (t !== 'PERSON' && t !== 'SERVICE' && t !== 'LEGACY_SERVICE' && t !== 'NULL') throw propError(p);
        user.u.type = t === 'NULL' ? 'PERSON' : t;
        break;
      }
      case 'RSA_PUBLIC_KEY':
      case 'RSA_PUBLIC_KEY_2': {
        const key = pStrOrNull(p);
        if (key !== null) fingerprint(key);
        const body = key === null ? null : key.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
        if (p.name === 'RSA_PUBLIC_KEY') user.u.rsaPublicKey = body;
        else user.u.rsaPublicKey2 = body;
        break;
      }
      case 'DEFAULT_ROLE':
        user.u.defaultRole = pName(p).join('.');
        break;
      case 'DEFAULT_WAREHOUSE':
        user.u.defaultWarehouse = pName(p).join('.');
        break;
      case 'DEFAULT_NAMESPACE':
        user.u.defaultNamespace = pName(p).join('.');
        break;
      case 'DISABLED':
        user.u.disabled = pBool(p);
        break;
      case 'COMMENT':
        user.comment = pStrOrNull(p);
        break;
      default:
        break; // accepted, not modelled
    }
  }
  if (user.u.type === 'SERVICE' && user.u.password !== null) {
    throw compileError(
      "Property 'PASSWORD' is not supported for a user of TYPE = SERVICE.",
      '002029',
      '22023',
    );
  }
}

function createUser(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE USER');
  const name = accountName(s.name);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.users.get(name), 'USER', key, key);
  if (early) return early;
  const user: User = {
    ...base(ctx, name),
    loginName: name,
    displayName: name,
    email: null,
    u: {
      name,
      type: 'PERSON',
      password: null,
      rsaPublicKey: null,
      rsaPublicKey2: null,
      defaultRole: null,
      defaultWarehouse: null,
      defaultNamespace: null,
      disabled: false,
      pats: [],
    },
  };
  applyUserProps(user, s.props);
  ctx.cat.users.set(name, user);
  return status(`User ${key} successfully created.`);
}

const SECURITY_PROPS = [
  'TYPE',
  'AUTH_TYPE',
  'ENABLED',
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_TOKEN_ENDPOINT',
  'OAUTH_AUTHORIZATION_ENDPOINT',
  'OAUTH_CLIENT_AUTH_METHOD',
  'OAUTH_GRANT',
  'OAUTH_ALLOWED_SCOPES',
  'OAUTH_ACCESS_TOKEN_VALIDITY',
  'OAUTH_REFRESH_TOKEN_VALIDITY',
  'COMMENT',
];
const EAI_PROPS = [
  'ALLOWED_NETWORK_RULES',
  'ALLOWED_AUTHENTICATION_SECRETS',
  'ALLOWED_API_AUTHENTICATION_INTEGRATIONS',
  'ENABLED',
  'COMMENT',
];

function applySecurityProps(integ: SecurityIntegration, props: Prop[]): void {
  checkProps(props, SECURITY_PROPS);
  for (const p of props) {
    switch (p.name) {
      case 'TYPE':
        if (pWord(p) !== 'API_AUTHENTICATION') {
          throw compileError(
            'The sandbox models only TYPE = API_AUTHENTICATION security integrations.',
            '001003',
          );
        }
        break;
      case 'AUTH_TYPE':
        integ.authType = pWord(p);
        if (integ.authType !== 'OAUTH2') throw propError(p);
        break;
      case 'ENABLED':
        integ.enabled = pBool(p);
        break;
      case 'OAUTH_CLIENT_ID':
        integ.clientId = pStr(p);
        break;
      case 'OAUTH_CLIENT_SECRET':
        integ.clientSecret = pStr(p);
        break;
      case 'OAUTH_TOKEN_ENDPOINT':
        integ.tokenEndpoint = pStr(p);
        break;
      case 'OAUTH_AUTHORIZATION_ENDPOINT':
        integ.authorizationEndpoint = pStr(p);
        break;
      case 'OAUTH_CLIENT_AUTH_METHOD': {
        const m = pWord(p);
        if (m !== 'CLIENT_SECRET_BASIC' && m !== 'CLIENT_SECRET_POST') throw propError(p);
        integ.clientAuthMethod = m;
        break;
      }
      case 'OAUTH_GRANT':
        integ.grant = pWord(p);
        break;
      case 'OAUTH_ALLOWED_SCOPES':
        integ.allowedScopes = pStrList(p);
        break;
      case 'OAUTH_ACCESS_TOKEN_VALIDITY':
        integ.accessTokenValidity = pNum(p);
        break;
      case 'OAUTH_REFRESH_TOKEN_VALIDITY':
        integ.refreshTokenValidity = pNum(p);
        break;
      case 'COMMENT':
        integ.comment = pStrOrNull(p);
        break;
    }
  }
}

/** Resolves a schema-object name to its fully qualified display name, checking it exists and is visible. */
function resolveRule(ctx: Ctx, n: Name): string {
  const [d, s, o] = schemaObjPath(ctx, n);
  const sc = reachSchema(ctx, d, s);
  const r = sc.rules.get(o);
  const key = qualify(d, s, o);
  if (!r || !ctx.access.visible('NETWORK_RULE', key, r.owner)) throw notFound('NETWORK_RULE', key);
  return key;
}

function resolveSecret(ctx: Ctx, n: Name): { key: string; secret: Secret } {
  const [d, s, o] = schemaObjPath(ctx, n);
  const sc = reachSchema(ctx, d, s);
  const secret = sc.secrets.get(o);
  const key = qualify(d, s, o);
  if (!secret || !ctx.access.visible('SECRET', key, secret.owner)) throw notFound('SECRET', key);
  return { key, secret };
}

function applyEaiProps(ctx: Ctx, integ: ExternalAccessIntegration, props: Prop[]): void {
  checkProps(props, EAI_PROPS);
  for (const p of props) {
    switch (p.name) {
      case 'ALLOWED_NETWORK_RULES':
        integ.rules = pNameList(p).map((n) => resolveRule(ctx, n));
        break;
      case 'ALLOWED_AUTHENTICATION_SECRETS':
        integ.secrets = pNameList(p).map((n) => resolveSecret(ctx, n).key);
        break;
      case 'ALLOWED_API_AUTHENTICATION_INTEGRATIONS':
        integ.apiIntegrations = pNameList(p).map((n) => accountName(n));
        break;
      case 'ENABLED':
        integ.enabled = pBool(p);
        break;
      case 'COMMENT':
        integ.comment = pStrOrNull(p);
        break;
    }
  }
}

function createIntegration(ctx: Ctx, s: CreateStmt): ResultSet {
  requireAccount(ctx, 'CREATE INTEGRATION');
  const name = accountName(s.name);
  const key = qualify(name);
  const early = existing(ctx, s, ctx.cat.integrations.get(name), 'INTEGRATION', key, key);
  if (early) return early;
  let integ: Integration;
  if (s.type === 'SECURITY INTEGRATION') {
    if (!s.props.some((p) => p.name === 'TYPE')) {
      throw compileError("missing required property 'TYPE' for security integration.", '002029');
    }
    const si: SecurityIntegration = {
      ...base(ctx, name),
      kind: 'SECURITY',
      type: 'API_AUTHENTICATION',
      authType: 'OAUTH2',
      enabled: false,
      clientId: '',
      clientSecret: '',
      tokenEndpoint: null,
      authorizationEndpoint: null,
      clientAuthMethod: 'CLIENT_SECRET_BASIC',
      grant: null,
      allowedScopes: [],
      accessTokenValidity: null,
      refreshTokenValidity: null,
    };
    applySecurityProps(si, s.props);
    integ = si;
  } else {
    if (!s.props.some((p) => p.name === 'ENABLED')) {
      throw compileError("missing required property 'ENABLED' for external access integration.", '002029');
    }
    const eai: ExternalAccessIntegration = {
      ...base(ctx, name),
      kind: 'EXTERNAL_ACCESS',
      enabled: false,
      rules: [],
      secrets: [],
      apiIntegrations: [],
    };
    applyEaiProps(ctx, eai, s.props);
    integ = eai;
  }
  ctx.cat.integrations.set(name, integ);
  return status(`Integration ${key} successfully created.`);
}

function applyRuleProps(rule: NetworkRule, props: Prop[]): void {
  checkProps(props, ['TYPE', 'MODE', 'VALUE_LIST', 'COMMENT']);
  for (const p of props) {
    if (p.name === 'TYPE') {
      rule.type = pWord(p);
      if (
        !['IPV4', 'IPV6', 'HOST_PORT', 'PRIVATE_HOST_PORT', 'AWSVPCEID', 'AZURELINKID'].includes(rule.type)
      ) {
        throw propError(p);
      }
    } else if (p.name === 'MODE') {
      rule.mode = pWord(p);
      if (
        !['INGRESS', 'INTERNAL_STAGE', 'EGRESS', 'POSTGRES_INGRESS', 'POSTGRES_EGRESS'].includes(rule.mode)
      ) {
        throw propError(p);
      }
    } else if (p.name === 'VALUE_LIST') rule.values = pStrList(p);
    else if (p.name === 'COMMENT') rule.comment = pStrOrNull(p);
  }
}

const SECRET_PROPS = [
  'TYPE',
  'API_AUTHENTICATION',
  'OAUTH_REFRESH_TOKEN',
  'OAUTH_REFRESH_TOKEN_EXPIRY_TIME',
  'OAUTH_SCOPES',
  'USERNAME',
  'PASSWORD',
  'SECRET_STRING',
  'COMMENT',
];

function applySecretProps(ctx: Ctx, secret: Secret, props: Prop[]): void {
  checkProps(props, SECRET_PROPS);
  for (const p of props) {
    switch (p.name) {
      case 'TYPE': {
        const t = pWord(p);
        if (t !== 'OAUTH2' && t !== 'PASSWORD' && t !== 'GENERIC_STRING') throw propError(p);
        secret.secretType = t;
        break;
      }
      case 'API_AUTHENTICATION': {
        const n = accountName(pName(p));
        const integ = ctx.cat.integrations.get(n);
        if (integ?.kind !== 'SECURITY' || !ctx.access.visible('INTEGRATION', qualify(n), integ.owner)) {
          throw notFound('INTEGRATION', qualify(n));
        }
        secret.integration = n;
        break;
      }
      case 'OAUTH_REFRESH_TOKEN':
        secret.refreshToken = pStrOrNull(p);
        break;
      case 'OAUTH_REFRESH_TOKEN_EXPIRY_TIME':
        secret.refreshTokenExpiry = p.value.t === 'null' ? null : parseUtcTimestamp(p);
        break;
      case 'OAUTH_SCOPES':
        secret.scopes = pStrList(p);
        break;
      case 'USERNAME':
        secret.username = pStrOrNull(p);
        break;
      case 'PASSWORD':
        secret.password = pStrOrNull(p);
        break;
      case 'SECRET_STRING':
        secret.secretString = pStrOrNull(p);
        break;
      case 'COMMENT':
        secret.comment = pStrOrNull(p);
        break;
    }
  }
  const misplaced = props.find(
    (p) =>
      (secret.secretType !== 'OAUTH2' && p.name.startsWith('OAUTH_')) ||
      (secret.secretType !== 'OAUTH2' && p.name === 'API_AUTHENTICATION') ||
      (secret.secretType !== 'PASSWORD' && (p.name === 'USERNAME' || p.name === 'PASSWORD')) ||
      (secret.secretType !== 'GENERIC_STRING' && p.name === 'SECRET_STRING'),
  );
  if (misplaced) throw propError(misplaced);
}

function createInSchema(ctx: Ctx, s: CreateStmt): ResultSet {
  const [d, sn, o] = schemaObjPath(ctx, s.name);
  const sc = reachSchema(ctx, d, sn);
  const short = displayIdent(o);
  if (s.type === 'NETWORK RULE') {
    requireCreateIn(ctx, sc, 'NETWORK RULE');
    const key = qualify(d, sn, o);
    const early = existing(ctx, s, sc.rules.get(o), 'NETWORK_RULE', key, short);
    if (early) return early;
    const rule: NetworkRule = {
      ...base(ctx, o),
      database: d,
      schema: sn,
      type: 'IPV4',
      mode: 'INGRESS',
      values: [],
    };
    applyRuleProps(rule, s.props);
    sc.rules.set(o, rule);
    return status(`Network rule ${short} successfully created.`);
  }
  if (s.type === 'SECRET') {
    requireCreateIn(ctx, sc, 'SECRET');
    const key = qualify(d, sn, o);
    const typeProp = s.props.find((p) => p.name === 'TYPE');
    if (!typeProp) throw compileError("missing required property 'TYPE' for secret.", '002029');
    const early = existing(ctx, s, sc.secrets.get(o), 'SECRET', key, short);
    if (early) return early;
    const secret: Secret = {
      ...base(ctx, o),
      database: d,
      schema: sn,
      secretType: 'OAUTH2',
      integration: null,
      refreshToken: null,
      refreshTokenExpiry: null,
      scopes: [],
      username: null,
      password: null,
      secretString: null,
    };
    // TYPE first, so the other properties are checked against it.
    applySecretProps(ctx, secret, [typeProp, ...s.props.filter((p) => p !== typeProp)]);
    if (secret.secretType === 'OAUTH2' && secret.integration === null) {
      throw compileError(
        "missing required property 'API_AUTHENTICATION' for secret of type OAUTH2.",
        '002029',
      );
    }
    sc.secrets.set(o, secret);
    return status(`Secret ${short} successfully created.`);
  }
  return createFunction(ctx, s, sc, o);
}

function checkFunctionAccess(ctx: Ctx, def: FunctionDef): void {
  // The EAIs and secrets must be usable by the creating role, and each secret allowed by an EAI.
  const eaiKeys = def.eais.map((n) => {
    const name = accountName(n);
    const integ = ctx.cat.integrations.get(name);
    if (integ?.kind !== 'EXTERNAL_ACCESS' || !ctx.access.visible('INTEGRATION', qualify(name), integ.owner)) {
      throw notFound('INTEGRATION', qualify(name));
    }
    require(ctx, 'INTEGRATION', qualify(name), integ.owner, ['OWNERSHIP', 'USAGE'], qualify(name));
    return integ;
  });
  for (const sref of def.secrets) {
    const { key, secret } = resolveSecret(ctx, sref.name);
    require(ctx, 'SECRET', key, secret.owner, ['OWNERSHIP', 'USAGE', 'READ'], displayIdent(secret.name));
    sref.name = [secret.database, secret.schema, secret.name];
    if (!eaiKeys.some((e) => e.secrets.includes(key))) throw secretNotAllowed(key);
  }
  def.eais = eaiKeys.map((e) => [e.name]);
}

export function secretNotAllowed(key: string): ReturnType<typeof compileError> {
  return compileError(
    `Secret '${key}' is not allowed by any of the function's external access integrations (ALLOWED_AUTHENTICATION_SECRETS).`,
    '002003',
    '02000',
  );
}

function createFunction(ctx: Ctx, s: CreateStmt, sc: Schema, o: string): ResultSet {
  const def = s.fn!;
  requireCreateIn(ctx, sc, 'FUNCTION');
  if (def.language !== 'PYTHON') {
    throw compileError(
      `The sandbox runs only LANGUAGE PYTHON functions (got ${def.language}).`,
      '001003',
      '42000',
    );
  }
  if (!def.handler) throw compileError("missing required property 'HANDLER' for Python function.", '002029');
  if (!def.runtimeVersion) throw compileError("missing required property 'RUNTIME_VERSION'.", '002029');
  if (def.body === null) throw compileError('Python function needs a body (AS $$ … $$).', '002029');
  checkFunctionAccess(ctx, def);
  const argTypes = def.args.map((a) => a.type);
  const k = fnKey(o, argTypes);
  const key = fnDisplay(sc.database, sc.name, o, argTypes);
  const short = displayIdent(o);
  const early = existing(ctx, s, sc.functions.get(k), 'FUNCTION', key, short);
  if (early) return early;
  const fn: UserFunction = {
    ...base(ctx, o, def.comment),
    database: sc.database,
    schema: sc.name,
    def,
    argTypes,
  };
  sc.functions.set(k, fn);
  return status(`Function ${short} successfully created.`);
}

// ---- lookup used by ALTER / DROP / DESCRIBE / GRANT ------------------------------------------------

export type Found =
  | { on: 'DATABASE'; key: string; short: string; obj: Base & { schemas: Map<string, Schema> } }
  | { on: 'SCHEMA'; key: string; short: string; obj: Schema }
  | {
      on: 'WAREHOUSE';
      key: string;
      short: string;
      obj: Base & { size: string; autoSuspend: number; autoResume: boolean };
    }
  | { on: 'ROLE'; key: string; short: string; obj: Base }
  | { on: 'USER'; key: string; short: string; obj: User }
  | { on: 'INTEGRATION'; key: string; short: string; obj: Integration }
  | { on: 'SECRET'; key: string; short: string; obj: Secret; sc: Schema }
  | { on: 'NETWORK_RULE'; key: string; short: string; obj: NetworkRule; sc: Schema }
  | { on: 'FUNCTION'; key: string; short: string; obj: UserFunction; sc: Schema; fkey: string };

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
    case 'FUNCTION': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      const sc = reachSchema(ctx, d, s);
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
    case 'FUNCTION': {
      const [d, s, o] = schemaObjPath(ctx, ref.name);
      return { on: 'FUNCTION', key: fnDisplay(d, s, o, ref.argTypes ?? []) };
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

// ---- ALTER -----------------------------------------------------------------------------------------

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
  const props: Prop[] = action.k === 'set' ? action.props : [];
  const unset = action.k === 'unset' ? action.names : [];
  switch (f.on) {
    case 'SECRET': {
      if (unset.length > 0) {
        for (const n of unset) {
          if (n === 'COMMENT') f.obj.comment = null;
          else if (n === 'OAUTH_SCOPES') f.obj.scopes = [];
          else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
        }
      } else {
        if (props.some((p) => p.name === 'TYPE')) throw propError(props.find((p) => p.name === 'TYPE')!);
        // Validate on a copy so a bad property leaves the secret untouched.
        const copy = { ...f.obj, scopes: [...f.obj.scopes] };
        applySecretProps(ctx, copy, props);
        Object.assign(f.obj, copy);
      }
      break;
    }
    case 'INTEGRATION': {
      const integ = f.obj;
      const copy = structuredClone(integ);
      if (unset.length > 0) {
        for (const n of unset) {
          if (n === 'COMMENT') copy.comment = null;
          else if (n === 'ENABLED') copy.enabled = false;
          else if (copy.kind === 'SECURITY' && n === 'OAUTH_ALLOWED_SCOPES') copy.allowedScopes = [];
          else if (copy.kind === 'EXTERNAL_ACCESS' && n === 'ALLOWED_AUTHENTICATION_SECRETS')
            copy.secrets = [];
          else if (copy.kind === 'EXTERNAL_ACCESS' && n === 'ALLOWED_NETWORK_RULES') copy.rules = [];
          else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
        }
      } else if (copy.kind === 'SECURITY') {
        if (props.some((p) => p.name === 'TYPE')) throw propError(props.find((p) => p.name === 'TYPE')!);
        applySecurityProps(copy, props);
      } else applyEaiProps(ctx, copy, props);
      Object.assign(integ, copy);
      break;
    }
    case 'NETWORK_RULE': {
      const copy = { ...f.obj };
      if (unset.length > 0) {
        for (const n of unset) {
          if (n === 'COMMENT') copy.comment = null;
          else if (n === 'VALUE_LIST') copy.values = [];
          else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
        }
      } else {
        const bad = props.find((p) => p.name === 'TYPE' || p.name === 'MODE');
        if (bad) throw propError(bad);
        applyRuleProps(copy, props);
      }
      Object.assign(f.obj, copy);
      break;
    }
    case 'WAREHOUSE': {
      if (unset.length > 0) {
        for (const n of unset) if (n === 'COMMENT') f.obj.comment = null;
      } else applyWarehouseProps(f.obj, props);
      break;
    }
    case 'FUNCTION': {
      if (unset.length > 0) {
        for (const n of unset) {
          if (n === 'COMMENT') f.obj.comment = null;
          else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
        }
        break;
      }
      checkProps(props, ['COMMENT', 'SECRETS', 'EXTERNAL_ACCESS_INTEGRATIONS']);
      const def: FunctionDef = structuredClone(f.obj.def);
      for (const p of props) {
        if (p.name === 'COMMENT') f.obj.comment = pStrOrNull(p);
        else if (p.name === 'EXTERNAL_ACCESS_INTEGRATIONS') def.eais = pNameList(p);
        else if (p.name === 'SECRETS') {
          if (p.value.t !== 'list') throw propError(p);
          def.secrets = p.value.v.map((x) => {
            if (x.t !== 'pair' || x.v.t !== 'id') throw propError(p);
            return { alias: x.k, name: x.v.v };
          });
        }
      }
      checkFunctionAccess(ctx, def);
      f.obj.def = def;
      break;
    }
    default: {
      // DATABASE, SCHEMA, ROLE: only COMMENT is modelled.
      if (unset.length > 0) {
        for (const n of unset) {
          if (n !== 'COMMENT') throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
          f.obj.comment = null;
        }
      } else {
        checkProps(props, ['COMMENT', 'DATA_RETENTION_TIME_IN_DAYS', 'MAX_DATA_EXTENSION_TIME_IN_DAYS']);
        for (const p of props) if (p.name === 'COMMENT') f.obj.comment = pStrOrNull(p);
      }
    }
  }
  return status('Statement executed successfully.');
}

function alterUser(ctx: Ctx, user: User, key: string, action: AlterAction): ResultSet {
  const self = user.name === ctx.session.user;
  const owner = ctx.access.has('USER', key, user.owner, ['OWNERSHIP']);
  if (action.k === 'addPat') {
    // A user may mint tokens for itself; otherwise owning the user is required.
    if (!owner && !self) throw insufficient('USER', key);
    checkProps(action.props, [
      'ROLE_RESTRICTION',
      'DAYS_TO_EXPIRY',
      'MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT',
      'COMMENT',
    ]);
    let roleRestriction: string | null = null;
    let days = 15;
    for (const p of action.props) {
      if (p.name === 'ROLE_RESTRICTION') {
        roleRestriction = pStr(p).toUpperCase();
        if (!ctx.cat.roles.has(roleRestriction)) throw notFound('ROLE', roleRestriction);
      } else if (p.name === 'DAYS_TO_EXPIRY') {
        days = pNum(p);
        if (!Number.isInteger(days) || days < 1 || days > 365) throw propError(p);
      }
    }
    if (user.u.type === 'SERVICE' && roleRestriction === null) {
      throw compileError(
        'ROLE_RESTRICTION is required for programmatic access tokens of service users.',
        '002029',
      );
    }
    if (user.u.pats.some((t) => t.name === action.tokenName)) {
      throw compileError(
        `Programmatic access token '${action.tokenName}' already exists.`,
        '002002',
        '42710',
      );
    }
    const secret = randomBytes(48).toString('base64url');
    user.u.pats.push({
      name: action.tokenName,
      secret,
      roleRestriction,
      expiresAt: ctx.cat.clock() + days * 86_400_000,
    });
    // The one statement that returns a secret value, as Snowflake does.
    return rs(PAT_RESULT, [[action.tokenName, secret]]);
  }
  if (action.k === 'removePat') {
    if (!owner && !self) throw insufficient('USER', key);
    const before = user.u.pats.length;
    user.u.pats = user.u.pats.filter((t) => t.name !== action.tokenName);
    if (user.u.pats.length === before) {
      throw compileError(
        `Programmatic access token '${action.tokenName}' does not exist.`,
        '002003',
        '02000',
      );
    }
    return status('Statement executed successfully.');
  }
  if (action.k === 'set') {
    const selfOnly = action.props.every((p) =>
      ['RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2', 'PASSWORD'].includes(p.name),
    );
    if (!owner && !(self && selfOnly)) throw insufficient('USER', key);
    const copy = structuredClone(user);
    applyUserProps(copy, action.props);
    Object.assign(user, copy);
    return status('Statement executed successfully.');
  }
  if (action.k === 'unset') {
    if (!owner) throw insufficient('USER', key);
    for (const n of action.names) {
      if (n === 'RSA_PUBLIC_KEY') user.u.rsaPublicKey = null;
      else if (n === 'RSA_PUBLIC_KEY_2') user.u.rsaPublicKey2 = null;
      else if (n === 'PASSWORD') user.u.password = null;
      else if (n === 'DEFAULT_ROLE') user.u.defaultRole = null;
      else if (n === 'DEFAULT_WAREHOUSE') user.u.defaultWarehouse = null;
      else if (n === 'DEFAULT_NAMESPACE') user.u.defaultNamespace = null;
      else if (n === 'COMMENT') user.comment = null;
      else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
    return status('Statement executed successfully.');
  }
  throw compileError('unsupported ALTER USER action.', '001003', '42000');
}

// ---- DROP ------------------------------------------------------------------------------------------

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
      if (
        ['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'PUBLIC', 'ORGADMIN'].includes(f.obj.name)
      ) {
        throw insufficient('ROLE', f.short);
      }
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
