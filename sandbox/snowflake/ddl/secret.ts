// CREATE and ALTER SECRET (OAUTH2, PASSWORD, GENERIC_STRING; TYPE is fixed at creation and decides which
// properties are allowed), and resolving a secret by name for integrations and functions.
import { DEFAULT_REFRESH_TOKEN_VALIDITY_S, qualify, type Secret } from '../catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  compileError,
  parseUtcTimestamp,
  pName,
  propError,
  pStrList,
  pStrOrNull,
  pWord,
  reachSchema,
  requireCreateIn,
  schemaObjPath,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import { displayIdent } from '../lexer.js';
import type { Name, Prop } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import { base, type Change, type CreateStmt, existing, type InSchema } from './common.js';

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
        secret.integrationId = integ.id;
        break;
      }
      case 'OAUTH_REFRESH_TOKEN':
        secret.refreshToken = pStrOrNull(p);
        break;
      case 'OAUTH_REFRESH_TOKEN_EXPIRY_TIME':
        // Snowflake documents a timestamp string here, and ALTER SECRET can UNSET only COMMENT: an expiry
        // once written can be overwritten, never cleared.
        if (p.value.t === 'null') {
          throw compileError(
            "invalid value NULL for property 'OAUTH_REFRESH_TOKEN_EXPIRY_TIME': expected a UTC timestamp 'YYYY-MM-DD HH:MI:SS'.",
          );
        }
        secret.refreshTokenExpiry = parseUtcTimestamp(p);
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
  if (props.some((p) => p.name === 'OAUTH_REFRESH_TOKEN')) noteRefreshTokenWrite(ctx, secret);
}

/**
 * A new refresh token: remember when, and the integration's OAUTH_REFRESH_TOKEN_VALIDITY then (the
 * refreshTokenValidity switch dates the token from these). Whether the access token cached for the old
 * refresh token goes with it is the alterSecretClearsAccessToken switch.
 */
function noteRefreshTokenWrite(ctx: Ctx, secret: Secret): void {
  const integ = secret.integration === null ? undefined : ctx.cat.integrations.get(secret.integration);
  secret.refreshTokenWrittenAt = ctx.cat.clock();
  secret.refreshTokenValidityAtWrite =
    integ?.kind === 'SECURITY'
      ? (integ.refreshTokenValidity ?? DEFAULT_REFRESH_TOKEN_VALIDITY_S)
      : DEFAULT_REFRESH_TOKEN_VALIDITY_S;
  if (ctx.cat.behaviour().alterSecretClearsAccessToken) secret.accessToken = null;
}

export function createSecret(ctx: Ctx, s: CreateStmt, at: InSchema): ResultSet {
  const { db: d, schema: sn, name: o, sc } = at;
  const short = displayIdent(o);
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
    refreshTokenWrittenAt: null,
    refreshTokenValidityAtWrite: null,
    accessToken: null,
    integrationId: null,
    scopes: [],
    username: null,
    password: null,
    secretString: null,
  };
  // TYPE first, so the other properties are checked against it.
  applySecretProps(ctx, secret, [typeProp, ...s.props.filter((p) => p !== typeProp)]);
  if (secret.secretType === 'OAUTH2' && secret.integration === null) {
    throw compileError("missing required property 'API_AUTHENTICATION' for secret of type OAUTH2.", '002029');
  }
  sc.secrets.set(o, secret);
  return status(`Secret ${short} successfully created.`);
}

export function alterSecret(ctx: Ctx, secret: Secret, { props, unset }: Change): void {
  if (unset.length > 0) {
    // Snowflake's ALTER SECRET … UNSET takes COMMENT only.
    for (const n of unset) {
      if (n === 'COMMENT') secret.comment = null;
      else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
  } else {
    if (props.some((p) => p.name === 'TYPE')) throw propError(props.find((p) => p.name === 'TYPE')!);
    // Validate on a copy so a bad property leaves the secret untouched.
    const copy = { ...secret, scopes: [...secret.scopes] };
    applySecretProps(ctx, copy, boundRefreshToken(ctx, props));
    Object.assign(secret, copy);
  }
}

/**
 * ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? under the alterSecretBinds switch: 'accepted' takes the bind's
 * value (Snowflake does not list ALTER SECRET among the statements that refuse binds, nor says it takes
 * them); 'refused', the cautious default, leaves the bind for noBind to refuse, as in every other DDL.
 */
function boundRefreshToken(ctx: Ctx, props: Prop[]): Prop[] {
  if (ctx.cat.behaviour().alterSecretBinds !== 'accepted') return props;
  return props.map((p) => {
    if (p.name !== 'OAUTH_REFRESH_TOKEN' || p.value.t !== 'bind') return p;
    const bind = ctx.binds[p.value.i];
    if (!bind) throw compileError('Bind variable ? not set.', '002049');
    return { ...p, value: bind.value === null ? { t: 'null' } : { t: 'str', v: bind.value, tok: p.tok } };
  });
}

/** Resolves a secret's name, checking it exists and is visible; `key` is its fully qualified display name. */
export function resolveSecret(ctx: Ctx, n: Name): { key: string; secret: Secret } {
  const [d, s, o] = schemaObjPath(ctx, n);
  const sc = reachSchema(ctx, d, s);
  const secret = sc.secrets.get(o);
  const key = qualify(d, s, o);
  if (!secret || !ctx.access.visible('SECRET', key, secret.owner)) throw notFound('SECRET', key);
  return { key, secret };
}
