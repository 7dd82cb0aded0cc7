// The temporary objects: their names (one random run id, so two runs and the app's own objects never
// meet), the statements that make them, and dropping every one of them at the end. Each is made with a
// plain CREATE, never OR REPLACE or IF NOT EXISTS: a name that exists already fails the run instead of
// replacing someone's object, and only what this run created is ever dropped.
import { randomBytes } from 'node:crypto';
import type { QualifiedName } from '../snowflake/sql.js';
import { quoteLiteral } from '../snowflake/sql.js';
import type { LeftBehind, ObjectsReport } from './report.js';
import { type AdminSql, failureText } from './statements.js';

export const PREFIX = 'FITBIT_CONNECT_VERIFY_';

/** The secrets the probe function binds, each under this alias (the validity question only describes its own). */
export const PROBE_ALIASES = { cache: 'c', bind: 'b', replace: 'r', scope: 's' } as const;
export type ProbedSecret = keyof typeof PROBE_ALIASES;
/** One secret per question that writes a token, so no question sees another's cached access token. */
export type SecretRole = ProbedSecret | 'validity';

export interface ScratchNames {
  runId: string;
  /** Where the schema objects go, and whether this run creates (and drops) that schema. */
  schema: { sql: string; display: string; database: string; create: boolean };
  rule: string;
  /** Security integrations (account level): the shared one, and one per question that changes its own. */
  integrations: { shared: string; validity: string; replace: string; scope: string };
  eai: string;
  secrets: Record<SecretRole, string>;
  /** The probe function, without its signature. */
  probe: string;
}

/** Where to put the temporary objects: a new schema in a database, or a scratch schema that exists. */
export type Place = { database: string } | { schema: QualifiedName };

export function scratchNames(
  place: Place,
  runId = randomBytes(4).toString('hex').toUpperCase(),
): ScratchNames {
  const tag = `${PREFIX}${runId}`;
  const schema =
    'database' in place
      ? {
          sql: `${place.database}.${tag}`,
          display: `${place.database}.${tag}`,
          database: place.database,
          create: true,
        }
      : {
          sql: place.schema.sql,
          display: place.schema.display,
          database: place.schema.parts[0]!,
          create: false,
        };
  const inSchema = (suffix: string) => `${schema.sql}.${tag}_${suffix}`;
  return {
    runId,
    schema,
    rule: inSchema('RULE'),
    integrations: {
      shared: `${tag}_OAUTH`,
      validity: `${tag}_OAUTH_VALIDITY`,
      replace: `${tag}_OAUTH_REPLACE`,
      scope: `${tag}_OAUTH_SCOPE`,
    },
    eai: `${tag}_EAI`,
    secrets: {
      cache: inSchema('CACHE'),
      validity: inSchema('VALIDITY'),
      bind: inSchema('BIND'),
      replace: inSchema('REPLACE'),
      scope: inSchema('SCOPE'),
    },
    probe: inSchema('PROBE'),
  };
}

/** Every name this run would create, fully qualified as it is written in SQL (for the collision check). */
export function allNames(n: ScratchNames): string[] {
  return [
    ...(n.schema.create ? [n.schema.sql] : []),
    n.rule,
    ...Object.values(n.integrations),
    n.eai,
    ...Object.values(n.secrets),
    n.probe,
  ];
}

/** The OAuth client and the API, as the setup script gives them to its integration and functions. */
export interface Chain {
  clientId: string;
  clientSecret: string;
  tokenEndpoint: string;
  authorizationEndpoint: string;
  /** The Health API's origin, e.g. https://health.googleapis.com. */
  api: string;
  scopes: string[];
}

const COMMENT = quoteLiteral('fitbit-snowflake-connect verify-live: temporary, dropped when the run ends');

/** CREATE [OR REPLACE] SECURITY INTEGRATION with the setup script's properties; `shown` hides the secret. */
export function integrationSql(
  name: string,
  c: Chain,
  o: { orReplace?: boolean; scopes?: string[] } = {},
): { sql: string; shown: string } {
  const body = (secret: string) =>
    `CREATE ${o.orReplace ? 'OR REPLACE ' : ''}SECURITY INTEGRATION ${name} TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2 ` +
    `OAUTH_CLIENT_ID = ${quoteLiteral(c.clientId)} OAUTH_CLIENT_SECRET = ${secret} ` +
    `OAUTH_TOKEN_ENDPOINT = ${quoteLiteral(c.tokenEndpoint)} OAUTH_AUTHORIZATION_ENDPOINT = ${quoteLiteral(c.authorizationEndpoint)} ` +
    `OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_POST OAUTH_GRANT = 'AUTHORIZATION_CODE' ` +
    `OAUTH_ALLOWED_SCOPES = (${(o.scopes ?? c.scopes).map(quoteLiteral).join(', ')}) ENABLED = TRUE COMMENT = ${COMMENT}`;
  return { sql: body(quoteLiteral(c.clientSecret)), shown: body("'…'") };
}

/**
 * The function every question calls: takes a secret's alias, asks Snowflake for an access token with it,
 * and calls the identity endpoint. It answers who the token belongs to and a fingerprint of the access
 * token (the first 16 hex digits of its SHA-256), so two calls can be told to have used the same access
 * token without the token ever leaving the function; errors come back as values, not exceptions.
 */
export function probeHandler(api: string): string {
  return `
import hashlib

import _snowflake
import requests

API = ${JSON.stringify(api)}


def short(text, limit=400):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + '...'


def probe(alias):
    try:
        token = _snowflake.get_oauth_access_token(alias)
    except Exception as exc:
        return {'ok': False, 'stage': 'token', 'error': short(exc)}
    if not token:
        return {'ok': False, 'stage': 'token', 'error': 'get_oauth_access_token returned nothing'}
    answer = {'fingerprint': hashlib.sha256(token.encode()).hexdigest()[:16]}
    try:
        resp = requests.get(API + '/v4/users/me/identity', timeout=30,
                            headers={'Authorization': 'Bearer ' + token, 'Accept': 'application/json'})
    except requests.RequestException as exc:
        answer.update(ok=False, stage='api', error=short(exc))
        return answer
    if resp.status_code != 200:
        answer.update(ok=False, stage='api', status=resp.status_code, error=short(resp.text))
        return answer
    answer.update(ok=True, healthUserId=resp.json().get('healthUserId'))
    return answer
`;
}

/** The DROP for each kind of temporary object (IF EXISTS: dropping twice is harmless). */
const DROP = {
  schema: (name: string) => `DROP SCHEMA IF EXISTS ${name}`,
  rule: (name: string) => `DROP NETWORK RULE IF EXISTS ${name}`,
  integration: (name: string) => `DROP INTEGRATION IF EXISTS ${name}`,
  secret: (name: string) => `DROP SECRET IF EXISTS ${name}`,
  probe: (name: string) => `DROP FUNCTION IF EXISTS ${name}(VARCHAR)`,
};

/**
 * Every statement that drops what a run with these names may have created, newest first: for a person who
 * quit before the run could clean up (the run itself drops only what it created).
 */
export function dropStatements(n: ScratchNames): string[] {
  return [
    DROP.probe(n.probe),
    DROP.integration(n.eai),
    ...Object.values(n.secrets).reverse().map(DROP.secret),
    ...Object.values(n.integrations).reverse().map(DROP.integration),
    DROP.rule(n.rule),
    ...(n.schema.create ? [DROP.schema(n.schema.sql)] : []),
  ];
}

interface Made {
  object: string;
  dropSql: string;
}

/** Creates the temporary objects in order and drops every one it created, newest first. */
export class Scratch {
  private readonly made: Made[] = [];
  /** The CREATE SECURITY INTEGRATION of the shared integration, for the query-history question. */
  sharedIntegrationQueryId: string | undefined;

  constructor(
    private readonly sql: AdminSql,
    readonly names: ScratchNames,
    private readonly chain: Chain,
    /** Allowed by the refresh-scope question's integration besides the chain's scopes (never granted). */
    private readonly extraScope?: string,
  ) {}

  private async create(object: string, dropSql: string, sql: string, shown?: string): Promise<string> {
    const ran = await this.sql.run(sql, shown === undefined ? {} : { shown });
    this.made.push({ object, dropSql });
    return ran.queryId;
  }

  /** Every object, in dependency order. Throws StatementFailed at the first refusal (what exists stays listed). */
  async createAll(): Promise<void> {
    const n = this.names;
    const c = this.chain;
    if (n.schema.create) {
      await this.create(
        `schema ${n.schema.display}`,
        DROP.schema(n.schema.sql),
        `CREATE SCHEMA ${n.schema.sql} COMMENT = ${COMMENT}`,
      );
    }
    await this.create(
      `network rule ${n.rule}`,
      DROP.rule(n.rule),
      `CREATE NETWORK RULE ${n.rule} MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${quoteLiteral(new URL(c.api).host)}) COMMENT = ${COMMENT}`,
    );
    for (const name of Object.values(n.integrations)) {
      const scopes =
        name === n.integrations.scope && this.extraScope ? [...c.scopes, this.extraScope] : c.scopes;
      const { sql, shown } = integrationSql(name, c, { scopes });
      const id = await this.create(`security integration ${name}`, DROP.integration(name), sql, shown);
      if (name === n.integrations.shared) this.sharedIntegrationQueryId = id;
    }
    const integrationOf: Record<SecretRole, string> = {
      cache: n.integrations.shared,
      bind: n.integrations.shared,
      validity: n.integrations.validity,
      replace: n.integrations.replace,
      scope: n.integrations.scope,
    };
    for (const [role, name] of Object.entries(n.secrets) as [SecretRole, string][]) {
      await this.create(
        `secret ${name}`,
        DROP.secret(name),
        `CREATE SECRET ${name} TYPE = OAUTH2 API_AUTHENTICATION = ${integrationOf[role]} COMMENT = ${COMMENT}`,
      );
    }
    const bound = Object.keys(PROBE_ALIASES) as ProbedSecret[];
    await this.create(
      `external access integration ${n.eai}`,
      DROP.integration(n.eai),
      `CREATE EXTERNAL ACCESS INTEGRATION ${n.eai} ALLOWED_NETWORK_RULES = (${n.rule}) ` +
        `ALLOWED_AUTHENTICATION_SECRETS = (${bound.map((r) => n.secrets[r]).join(', ')}) ENABLED = TRUE COMMENT = ${COMMENT}`,
    );
    const secrets = bound.map((r) => `${quoteLiteral(PROBE_ALIASES[r])} = ${n.secrets[r]}`).join(', ');
    await this.create(
      `function ${n.probe}(VARCHAR)`,
      DROP.probe(n.probe),
      `CREATE FUNCTION ${n.probe}(ALIAS VARCHAR) RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' ` +
        `PACKAGES = ('requests') HANDLER = 'probe' EXTERNAL_ACCESS_INTEGRATIONS = (${n.eai}) ` +
        `SECRETS = (${secrets}) COMMENT = ${COMMENT} AS $$${probeHandler(c.api)}$$`,
      `CREATE FUNCTION ${n.probe}(ALIAS VARCHAR) … AS $$ <the probe handler> $$`,
    );
  }

  /** Drops everything created, newest first; keeps going past a failure and lists what is left. */
  async dropAll(): Promise<ObjectsReport> {
    const dropped: string[] = [];
    const leftBehind: LeftBehind[] = [];
    for (const m of [...this.made].reverse()) {
      try {
        await this.sql.run(m.dropSql);
        dropped.push(m.object);
      } catch (e) {
        leftBehind.push({ object: m.object, dropSql: `${m.dropSql};`, error: failureText(e) });
      }
    }
    return { created: this.made.map((m) => m.object), dropped, leftBehind };
  }
}
