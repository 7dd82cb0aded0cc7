// SHOW and DESCRIBE. Nothing here ever returns a token, client secret, password or PAT value.
import {
  type Database,
  DEFAULT_REFRESH_TOKEN_VALIDITY_S,
  fnDisplay,
  qualify,
  type Schema,
} from './catalog.js';
import { type Ctx, compileError, noCurrentDatabase, reachDatabase, reachSchema } from './context.js';
import type { ResultSet } from './contract.js';
import { mustFind } from './ddl/lookup.js';
import { fingerprint } from './ddl/user.js';
import { refreshTokenExpiresAt } from './oauth-secret.js';
import type { ObjRef, Stmt } from './parser.js';
import {
  bool,
  DESC_CONTAINER,
  DESC_FUNCTION,
  DESC_INTEGRATION,
  DESC_NETWORK_RULE,
  DESC_SECRET,
  DESC_USER,
  likeMatcher,
  rs,
  SHOW_DATABASES,
  SHOW_FUNCTIONS,
  SHOW_INTEGRATIONS,
  SHOW_NETWORK_RULES,
  SHOW_ROLES,
  SHOW_SCHEMAS,
  SHOW_SECRETS,
  SHOW_USERS,
  SHOW_WAREHOUSES,
  ts,
} from './results.js';
import { describeSchemaRows } from './tables/index.js';

type ShowStmt = Extract<Stmt, { k: 'show' }>;

const listText = (xs: string[]) => (xs.length === 0 ? null : `[${xs.join(', ')}]`);
const ownerType = (owner: string) => (owner ? 'ROLE' : null);

/** The schemas a SHOW over schema objects covers, given its IN clause and the session. */
export function schemasInScope(ctx: Ctx, s: Pick<ShowStmt, 'scope'>): Schema[] {
  const visibleSchemas = (db: Database) =>
    [...db.schemas.values()].filter((sc) =>
      ctx.access.visible('SCHEMA', qualify(db.name, sc.name), sc.owner),
    );
  const allDbs = () =>
    [...ctx.cat.databases.values()].filter((db) =>
      ctx.access.visible('DATABASE', qualify(db.name), db.owner),
    );
  const scope = s.scope ?? (ctx.session.database ? { kind: 'DATABASE' as const, name: null } : null);
  if (!scope || scope.kind === 'ACCOUNT') return allDbs().flatMap(visibleSchemas);
  if (scope.kind === 'DATABASE') {
    const name = scope.name?.[0] ?? ctx.session.database;
    if (!name) return allDbs().flatMap(visibleSchemas);
    return visibleSchemas(reachDatabase(ctx, name));
  }
  let db: string | null;
  let sc: string | null;
  if (scope.name === null) {
    db = ctx.session.database;
    sc = ctx.session.schema;
  } else if (scope.name.length === 2) [db, sc] = scope.name as [string, string];
  else {
    db = ctx.session.database;
    sc = scope.name[0]!;
  }
  if (!db || !sc) throw noCurrentDatabase();
  return [reachSchema(ctx, db, sc)];
}

export function show(ctx: Ctx, s: ShowStmt): ResultSet {
  const like = likeMatcher(s.like);
  const { cat, access, session } = ctx;
  switch (s.what) {
    case 'SECRETS': {
      const rows = schemasInScope(ctx, s).flatMap((sc) =>
        [...sc.secrets.values()]
          .filter(
            (x) => like(x.name) && access.visible('SECRET', qualify(x.database, x.schema, x.name), x.owner),
          )
          .map((x) => [
            ts(x.createdOn),
            x.name,
            x.schema,
            x.database,
            x.owner,
            x.comment,
            x.secretType,
            listText(x.scopes),
            ownerType(x.owner),
          ]),
      );
      return rs(SHOW_SECRETS, rows);
    }
    case 'NETWORK RULES': {
      const rows = schemasInScope(ctx, s).flatMap((sc) =>
        [...sc.rules.values()]
          .filter(
            (x) =>
              like(x.name) && access.visible('NETWORK_RULE', qualify(x.database, x.schema, x.name), x.owner),
          )
          .map((x) => [
            ts(x.createdOn),
            x.name,
            x.database,
            x.schema,
            x.owner,
            x.comment ?? '',
            x.type,
            x.mode,
            String(x.values.length),
            ownerType(x.owner),
          ]),
      );
      return rs(SHOW_NETWORK_RULES, rows);
    }
    case 'FUNCTIONS': {
      const rows = schemasInScope(ctx, s).flatMap((sc) =>
        [...sc.functions.values()]
          .filter(
            (f) =>
              like(f.name) &&
              access.visible('FUNCTION', fnDisplay(f.database, f.schema, f.name, f.argTypes), f.owner),
          )
          .map((f) => {
            const ret =
              f.def.returns.kind === 'table'
                ? `TABLE (${f.def.returns.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`
                : f.def.returns.type;
            return [
              ts(f.createdOn),
              f.name,
              f.schema,
              'N',
              'N',
              'N',
              String(f.argTypes.length),
              String(f.argTypes.length),
              `${f.name}(${f.argTypes.join(', ')}) RETURN ${ret}`,
              f.comment ?? 'user-defined function',
              f.database,
              f.def.returns.kind === 'table' ? 'Y' : 'N',
              'N',
              f.def.secure ? 'Y' : 'N',
              'N',
              f.def.language,
              'N',
              'N',
            ];
          }),
      );
      return rs(SHOW_FUNCTIONS, rows);
    }
    case 'INTEGRATIONS': {
      const rows = [...cat.integrations.values()]
        .filter((i) => like(i.name) && access.visible('INTEGRATION', qualify(i.name), i.owner))
        .filter((i) => s.filter === null || s.filter === i.kind)
        .map((i) => [
          i.name,
          i.kind === 'SECURITY' ? i.type : 'EXTERNAL_ACCESS',
          'SECURITY',
          bool(i.enabled),
          i.comment,
          ts(i.createdOn),
        ]);
      if (s.filter === 'API') return rs(SHOW_INTEGRATIONS, []);
      return rs(SHOW_INTEGRATIONS, rows);
    }
    case 'DATABASES': {
      const rows = [...cat.databases.values()]
        .filter((d) => like(d.name) && access.visible('DATABASE', qualify(d.name), d.owner))
        .map((d) => [
          ts(d.createdOn),
          d.name,
          'N',
          d.name === session.database ? 'Y' : 'N',
          '',
          d.owner,
          d.comment ?? '',
          '',
          '1',
          'STANDARD',
          ownerType(d.owner),
        ]);
      return rs(SHOW_DATABASES, rows);
    }
    case 'SCHEMAS': {
      const dbs =
        s.scope?.kind === 'ACCOUNT' || (!s.scope && !session.database)
          ? [...cat.databases.values()].filter((d) => access.visible('DATABASE', qualify(d.name), d.owner))
          : [reachDatabase(ctx, s.scope?.name?.[0] ?? session.database ?? '')];
      const rows = dbs.flatMap((d) =>
        [...d.schemas.values()]
          .filter((sc) => like(sc.name) && access.visible('SCHEMA', qualify(d.name, sc.name), sc.owner))
          .map((sc) => [
            ts(sc.createdOn),
            sc.name,
            'N',
            d.name === session.database && sc.name === session.schema ? 'Y' : 'N',
            d.name,
            sc.owner,
            sc.comment ?? '',
            '',
            '1',
            ownerType(sc.owner),
          ]),
      );
      return rs(SHOW_SCHEMAS, rows);
    }
    case 'WAREHOUSES': {
      const rows = [...cat.warehouses.values()]
        .filter((w) => like(w.name) && access.visible('WAREHOUSE', qualify(w.name), w.owner))
        .map((w) => [
          w.name,
          cat.compute.state(w),
          'STANDARD',
          w.size,
          '1',
          '1',
          cat.compute.state(w) === 'SUSPENDED' ? '0' : '1',
          '0',
          '0',
          'N',
          w.name === session.warehouse ? 'Y' : 'N',
          String(w.autoSuspend),
          bool(w.autoResume),
          '',
          '',
          '',
          '',
          ts(w.createdOn),
          ts(cat.compute.resumedOn(w) ?? w.createdOn),
          ts(w.createdOn),
          w.owner,
          w.comment ?? '',
          'null',
          'STANDARD',
          ownerType(w.owner),
        ]);
      return rs(SHOW_WAREHOUSES, rows);
    }
    case 'ROLES': {
      const rows = [...cat.roles.values()]
        .filter((r) => like(r.name))
        .map((r) => [
          ts(r.createdOn),
          r.name,
          cat.users.get(session.user)?.u.defaultRole === r.name ? 'Y' : 'N',
          r.name === session.role ? 'Y' : 'N',
          r.name !== session.role && access.roles.has(r.name) ? 'Y' : 'N',
          String(cat.roleGrants.filter((g) => g.role === r.name && g.granteeKind === 'USER').length),
          String(cat.roleGrants.filter((g) => g.role === r.name && g.granteeKind === 'ROLE').length),
          String(cat.roleGrants.filter((g) => g.granteeKind === 'ROLE' && g.grantee === r.name).length),
          r.owner,
          r.comment ?? '',
        ]);
      // Snowflake lists every role in the account to anyone.
      return rs(SHOW_ROLES, rows);
    }
    case 'USERS': {
      const rows = [...cat.users.values()]
        .filter(
          (u) =>
            like(u.name) && (u.name === session.user || access.visible('USER', qualify(u.name), u.owner)),
        )
        .map((u) => [
          u.name,
          ts(u.createdOn),
          u.loginName,
          u.displayName,
          null,
          null,
          u.email,
          null,
          null,
          u.comment,
          bool(u.u.disabled),
          'false',
          'false',
          u.u.defaultWarehouse,
          u.u.defaultNamespace,
          u.u.defaultRole,
          null,
          'false',
          null,
          null,
          u.owner,
          null,
          null,
          null,
          bool(u.u.password !== null),
          bool(u.u.rsaPublicKey !== null || u.u.rsaPublicKey2 !== null),
          u.u.type,
          'false',
        ]);
      return rs(SHOW_USERS, rows);
    }
    default:
      throw compileError(`SHOW ${s.what} is not supported.`, '001003', '42000');
  }
}

const n = (v: string | null | undefined) => (v === null || v === undefined ? 'null' : v);

export function describe(ctx: Ctx, ref: ObjRef): ResultSet {
  const f = mustFind(ctx, ref);
  switch (f.on) {
    case 'SECRET': {
      const x = f.obj;
      return rs(DESC_SECRET, [
        [
          ts(x.createdOn),
          x.name,
          x.schema,
          x.database,
          x.owner,
          x.comment,
          x.secretType,
          x.secretType === 'PASSWORD' ? x.username : null,
          // The access token Snowflake keeps in the secret, and when the refresh token counts as expired
          // (oauth-secret.ts: the validity switch decides for a token written without an expiry).
          ts(x.accessToken?.expiresAt ?? null),
          x.secretType === 'OAUTH2' ? ts(refreshTokenExpiresAt(ctx.cat, x)) : null,
          listText(x.scopes),
          x.integration,
        ],
      ]);
    }
    case 'INTEGRATION': {
      const i = f.obj;
      if (i.kind === 'SECURITY') {
        const row = (p: string, t: string, v: string | null, d: string) => [p, t, v ?? '', d];
        return rs(DESC_INTEGRATION, [
          row('ENABLED', 'Boolean', bool(i.enabled), 'false'),
          row('OAUTH_CLIENT_ID', 'String', i.clientId, ''),
          row('OAUTH_CLIENT_AUTH_METHOD', 'String', i.clientAuthMethod, 'CLIENT_SECRET_BASIC'),
          row('OAUTH_AUTHORIZATION_ENDPOINT', 'String', i.authorizationEndpoint, ''),
          row('OAUTH_TOKEN_ENDPOINT', 'String', i.tokenEndpoint, ''),
          row('OAUTH_ALLOWED_SCOPES', 'List', i.allowedScopes.join(','), '[]'),
          row('OAUTH_GRANT', 'String', i.grant, ''),
          row(
            'OAUTH_ACCESS_TOKEN_VALIDITY',
            'Integer',
            i.accessTokenValidity === null ? '0' : String(i.accessTokenValidity),
            '0',
          ),
          row(
            'OAUTH_REFRESH_TOKEN_VALIDITY',
            'Integer',
            String(i.refreshTokenValidity ?? DEFAULT_REFRESH_TOKEN_VALIDITY_S),
            String(DEFAULT_REFRESH_TOKEN_VALIDITY_S),
          ),
          row('AUTH_TYPE', 'String', i.authType, ''),
          row('COMMENT', 'String', i.comment, ''),
        ]);
      }
      return rs(DESC_INTEGRATION, [
        ['ALLOWED_NETWORK_RULES', 'List', i.rules.join(','), '[]'],
        ['ALLOWED_API_AUTHENTICATION_INTEGRATIONS', 'List', i.apiIntegrations.join(','), '[]'],
        ['ALLOWED_AUTHENTICATION_SECRETS', 'List', i.secrets.join(','), '[]'],
        ['ENABLED', 'Boolean', bool(i.enabled), 'false'],
        ['COMMENT', 'String', i.comment ?? '', ''],
      ]);
    }
    case 'NETWORK_RULE': {
      const x = f.obj;
      return rs(DESC_NETWORK_RULE, [
        [
          ts(x.createdOn),
          x.name,
          x.database,
          x.schema,
          x.owner,
          x.comment ?? '',
          x.type,
          x.mode,
          x.values.map((v) => `'${v}'`).join(','),
        ],
      ]);
    }
    case 'USER': {
      const u = f.obj;
      const fp = (k: string | null) => (k === null ? null : fingerprint(k));
      const row = (p: string, v: string | null, d: string | null = null, desc = '') => [p, n(v), n(d), desc];
      return rs(DESC_USER, [
        row('NAME', u.name),
        row('COMMENT', u.comment),
        row('DISPLAY_NAME', u.displayName),
        row('TYPE', u.u.type),
        row('LOGIN_NAME', u.loginName),
        row('EMAIL', u.email),
        row('PASSWORD', u.u.password === null ? null : '********'),
        row('DISABLED', bool(u.u.disabled), 'false'),
        row('DEFAULT_WAREHOUSE', u.u.defaultWarehouse),
        row('DEFAULT_NAMESPACE', u.u.defaultNamespace),
        row('DEFAULT_ROLE', u.u.defaultRole),
        row('RSA_PUBLIC_KEY', u.u.rsaPublicKey),
        row('RSA_PUBLIC_KEY_FP', fp(u.u.rsaPublicKey)),
        row('RSA_PUBLIC_KEY_2', u.u.rsaPublicKey2),
        row('RSA_PUBLIC_KEY_2_FP', fp(u.u.rsaPublicKey2)),
      ]);
    }
    case 'FUNCTION': {
      const d = f.obj.def;
      const ret =
        d.returns.kind === 'table'
          ? `TABLE (${d.returns.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`
          : d.returns.type;
      const rows: (string | null)[][] = [
        ['signature', `(${d.args.map((a) => `${a.name} ${a.type}`).join(', ')})`],
        ['returns', ret],
        ['language', d.language],
        ['null handling', 'CALLED ON NULL INPUT'],
        ['volatility', 'VOLATILE'],
        ['body', d.body],
        ['imports', '[]'],
        ['handler', d.handler],
        ['runtime_version', d.runtimeVersion],
        ['packages', `[${d.packages.map((p) => `'${p}'`).join(',')}]`],
        ['installed_packages', '[]'],
        ['external_access_integrations', `[${d.eais.map((e) => e.join('.')).join(',')}]`],
        ['secrets', `{${d.secrets.map((x) => `"${x.alias}":"${qualify(...x.name)}"`).join(',')}}`],
      ];
      return rs(DESC_FUNCTION, rows);
    }
    case 'DATABASE': {
      // Its schemas, by name, INFORMATION_SCHEMA included (Snowflake creates it with the database).
      const d = f.obj;
      const rows: (string | null)[][] = [...d.schemas.values()]
        .filter((sc) => ctx.access.visible('SCHEMA', qualify(d.name, sc.name), sc.owner))
        .map((sc) => [ts(sc.createdOn), sc.name, 'SCHEMA']);
      if (!d.schemas.has('INFORMATION_SCHEMA')) rows.push([ts(d.createdOn), 'INFORMATION_SCHEMA', 'SCHEMA']);
      rows.sort((a, b) => (a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
      return rs(DESC_CONTAINER, rows);
    }
    case 'SCHEMA':
      // The schema's tables and views, as Snowflake lists them.
      return rs(DESC_CONTAINER, describeSchemaRows(ctx, f.obj));
    case 'WAREHOUSE':
      return rs(DESC_CONTAINER, [[ts(f.obj.createdOn), f.obj.name, 'WAREHOUSE']]);
    case 'ROLE':
    case 'PROCEDURE': // procedures and tasks have their own DESCRIBE (extensions.ts)
    case 'TASK':
      throw compileError(`DESCRIBE ${ref.type} is not supported by the sandbox.`, '001003', '42000');
  }
}
