// CREATE and ALTER USER: passwords, key pairs (checked and fingerprinted as Snowflake does), defaults,
// and programmatic access tokens (ALTER USER … ADD / REMOVE PROGRAMMATIC ACCESS TOKEN).
import { randomBytes } from 'node:crypto';
import { publicKeyFingerprint, publicKeyFromBody } from '../auth-jwt.js';
import { qualify, type User } from '../catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  compileError,
  pBool,
  pName,
  pNum,
  propError,
  pStr,
  pStrOrNull,
  pWord,
  requireAccount,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import type { AlterAction, Prop } from '../parser.js';
import { insufficient, notFound } from '../privileges.js';
import { PAT_RESULT, rs, status } from '../results.js';
import { base, type CreateStmt, existing } from './common.js';

/** The key's 'SHA256:…' fingerprint, as DESCRIBE USER shows it; a key that does not parse is refused. */
export function fingerprint(pemBody: string): string {
  try {
    return publicKeyFingerprint(publicKeyFromBody(pemBody.replace(/-----[^-]+-----/g, '')));
  } catch {
    throw compileError('Invalid RSA public key.', '002029', '22023');
  }
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

export function createUser(ctx: Ctx, s: CreateStmt): ResultSet {
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

/** ALTER USER has its own rules: a user may change its own keys and password, and mint its own tokens. */
export function alterUser(ctx: Ctx, user: User, key: string, action: AlterAction): ResultSet {
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
