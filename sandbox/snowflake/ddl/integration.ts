// CREATE and ALTER for the two integration kinds the product uses: SECURITY INTEGRATION (TYPE =
// API_AUTHENTICATION, AUTH_TYPE = OAUTH2: the OAuth client Snowflake refreshes tokens with) and
// EXTERNAL ACCESS INTEGRATION (the network rules and secrets a function may use).
import {
  type ExternalAccessIntegration,
  type Integration,
  qualify,
  type SecurityIntegration,
} from '../catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  compileError,
  pBool,
  pNameList,
  pNum,
  propError,
  pStr,
  pStrList,
  pStrOrNull,
  pWord,
  requireAccount,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import type { Prop } from '../parser.js';
import { status } from '../results.js';
import { base, type Change, type CreateStmt, existing } from './common.js';
import { resolveRule } from './network-rule.js';
import { resolveSecret } from './secret.js';

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

export function createIntegration(ctx: Ctx, s: CreateStmt): ResultSet {
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
      id: ctx.cat.nextObjectId(),
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

export function alterIntegration(ctx: Ctx, integ: Integration, { props, unset }: Change): void {
  // Changed on a copy so a bad property leaves the integration untouched.
  const copy = structuredClone(integ);
  if (unset.length > 0) {
    for (const n of unset) {
      if (n === 'COMMENT') copy.comment = null;
      else if (n === 'ENABLED') copy.enabled = false;
      else if (copy.kind === 'SECURITY' && n === 'OAUTH_ALLOWED_SCOPES') copy.allowedScopes = [];
      else if (copy.kind === 'EXTERNAL_ACCESS' && n === 'ALLOWED_AUTHENTICATION_SECRETS') copy.secrets = [];
      else if (copy.kind === 'EXTERNAL_ACCESS' && n === 'ALLOWED_NETWORK_RULES') copy.rules = [];
      else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
  } else if (copy.kind === 'SECURITY') {
    // TYPE and AUTH_TYPE are fixed at creation: Snowflake's ALTER … SET lists neither.
    const fixed = props.find((p) => p.name === 'TYPE' || p.name === 'AUTH_TYPE');
    if (fixed) throw propError(fixed);
    applySecurityProps(copy, props);
  } else applyEaiProps(ctx, copy, props);
  Object.assign(integ, copy);
}
