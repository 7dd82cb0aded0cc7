// Both stand-ins wired as startSandbox wires them, but with a clock the test moves for the Snowflake
// stand-in (the OAuth stand-in has its own, moved by /sandbox/advance-clock), and the steps every
// behaviour-switch test takes: build the chain, connect a Google user with the real openid-client,
// write the refresh token with ALTER SECRET through the real snowflake-sdk, call the function.
import { PROVIDER_HOSTS } from '../../../sandbox/index.js';
import type { OAuthBehaviourChange } from '../../../sandbox/oauth/behaviour.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import type { SnowflakeBehaviourChange } from '../../../sandbox/snowflake/behaviour.js';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { ACTIVITY, googleConfig, googleParams, connect as oauthConnect, PROFILE } from '../oauth/helpers.js';
import { type Conn, connect, destroy, exec } from '../snowflake/driver.js';

export { ACTIVITY, PROFILE };

export interface Pair {
  oauth: OAuthSandbox;
  snowflake: SnowflakeSandbox;
  /** A session as SANDBOX_ADMIN (ACCOUNTADMIN, warehouse SANDBOX_WH). */
  conn: Conn;
  /** Moves the Snowflake stand-in's clock (sessions renew themselves up to 4 hours). */
  advanceSnowflake(seconds: number): void;
  /** Moves the OAuth stand-in's clock. */
  advanceOAuth(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPair(
  switches: SnowflakeBehaviourChange & OAuthBehaviourChange = {},
): Promise<Pair> {
  const { issOnAuthResponse, ...snowflakeSwitches } = switches;
  const oauth = await startOAuthSandbox({
    port: 0,
    ...(issOnAuthResponse === undefined ? {} : { issOnAuthResponse }),
  });
  let offsetMs = 0;
  const snowflake = await startSnowflakeSandbox({
    ...snowflakeSwitches,
    port: 0,
    egress: Object.fromEntries(PROVIDER_HOSTS.map((h) => [h, oauth.url])),
    now: () => new Date(Date.now() + offsetMs),
    warn: () => {},
  });
  const conn = await connect(snowflake.url, { password: 'sandbox' });
  return {
    oauth,
    snowflake,
    conn,
    advanceSnowflake(seconds) {
      offsetMs += seconds * 1000;
    },
    async advanceOAuth(seconds) {
      const res = await fetch(`${oauth.url}/sandbox/advance-clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seconds }),
      });
      if (!res.ok) throw new Error(`advance-clock answered ${res.status}`);
    },
    async close() {
      await destroy(conn);
      await Promise.allSettled([snowflake.close(), oauth.close()]);
    },
  };
}

/** A Snowflake string literal: backslashes first, then quotes. */
export const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export const IDENTITY_HANDLER = `
import _snowflake
import requests

def run():
    token = _snowflake.get_oauth_access_token('cred')
    r = requests.get('https://health.googleapis.com/v4/users/me/identity',
                     headers={'Authorization': 'Bearer ' + token}, timeout=10)
    r.raise_for_status()
    return r.json()
`;

/** The integration's CREATE statement (run again by tests that replace it). */
export function integrationSql(
  db: string,
  o: { scopes?: string[]; validity?: number; orReplace?: boolean } = {},
): string {
  return `CREATE ${o.orReplace === false ? '' : 'OR REPLACE '}SECURITY INTEGRATION ${db}_OAUTH
    TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2
    OAUTH_CLIENT_ID = 'sandbox-client-id' OAUTH_CLIENT_SECRET = 'sandbox-client-secret'
    OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'
    OAUTH_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth'
    OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_POST
    ${o.scopes ? `OAUTH_ALLOWED_SCOPES = (${o.scopes.map(lit).join(', ')})` : ''}
    ${o.validity === undefined ? '' : `OAUTH_REFRESH_TOKEN_VALIDITY = ${o.validity}`}
    ENABLED = TRUE`;
}

/** Rule → integration → secret → external access integration → DB.PUBLIC.WHO(), the identity call. */
export async function buildChain(
  conn: Conn,
  db: string,
  o: { scopes?: string[]; validity?: number } = {},
): Promise<void> {
  for (const sql of [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE OR REPLACE NETWORK RULE ${db}.PUBLIC.API_RULE MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('health.googleapis.com')`,
    integrationSql(db, o),
    `CREATE OR REPLACE SECRET ${db}.PUBLIC.TOKEN TYPE = OAUTH2 API_AUTHENTICATION = ${db}_OAUTH`,
    `CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION ${db}_EAI ALLOWED_NETWORK_RULES = (${db}.PUBLIC.API_RULE)
       ALLOWED_AUTHENTICATION_SECRETS = (${db}.PUBLIC.TOKEN) ENABLED = TRUE`,
    `CREATE OR REPLACE FUNCTION ${db}.PUBLIC.WHO() RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11'
       PACKAGES = ('requests') HANDLER = 'run' EXTERNAL_ACCESS_INTEGRATIONS = (${db}_EAI)
       SECRETS = ('cred' = ${db}.PUBLIC.TOKEN) AS $$${IDENTITY_HANDLER}$$`,
  ]) {
    await exec(conn, sql);
  }
}

/** A refresh token for a seeded Google user, through the real openid-client and the consent page. */
export async function googleRefreshToken(
  oauth: OAuthSandbox,
  o: { user?: string; requested?: string[]; ticked?: string[] } = {},
): Promise<string> {
  const config = await googleConfig(oauth);
  const requested = o.requested ?? [ACTIVITY, PROFILE];
  const { tokens } = await oauthConnect(config, googleParams(requested), {
    user: o.user ?? 'alice',
    scopes: o.ticked ?? requested,
  });
  if (!tokens.refresh_token) throw new Error('no refresh token');
  return tokens.refresh_token;
}

export async function writeToken(conn: Conn, db: string, token: string, expiry?: string): Promise<void> {
  const exp = expiry === undefined ? '' : ` OAUTH_REFRESH_TOKEN_EXPIRY_TIME = ${lit(expiry)}`;
  await exec(conn, `ALTER SECRET ${db}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ${lit(token)}${exp}`);
}

/** The Google Health identity the function sees, by seeded user: alice has a legacy Fitbit id, bob none. */
export async function who(conn: Conn, db: string): Promise<{ healthUserId: string; legacyUserId: string }> {
  const [row] = await exec(conn, `SELECT ${db}.PUBLIC.WHO() AS WHO`);
  return row?.WHO as { healthUserId: string; legacyUserId: string };
}

/** DESCRIBE SECRET's row, as the driver reads it (timestamps as Date). */
export async function describeSecret(conn: Conn, db: string): Promise<Record<string, unknown>> {
  const [row] = await exec(conn, `DESCRIBE SECRET ${db}.PUBLIC.TOKEN`);
  return row ?? {};
}

/** Refreshes Snowflake made at the Google token endpoint (the stand-in's User-Agent tells them apart). */
export async function snowflakeRefreshes(
  oauth: OAuthSandbox,
): Promise<{ status: number | null; scope?: string }[]> {
  const { requests } = (await (await fetch(`${oauth.url}/sandbox/requests`)).json()) as {
    requests: {
      path: string;
      grantType?: string;
      userAgent?: string;
      status: number | null;
      scope?: string;
    }[];
  };
  return requests.filter(
    (r) =>
      r.path === '/token' && r.grantType === 'refresh_token' && r.userAgent === 'snowflake-sandbox-oauth/1',
  );
}
