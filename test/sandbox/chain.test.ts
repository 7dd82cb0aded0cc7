// The whole chain through both stand-ins, driven by the real openid-client and snowflake-sdk:
// network rule → security integration → secret → external access integration → Python function,
// a refresh token from the OAuth stand-in written with ALTER SECRET, and SELECT fn() calling the
// provider's API through _snowflake.get_oauth_access_token, as Snowflake would.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { SANDBOX_OAUTH_USER_AGENT } from '../../sandbox/snowflake/runner-oauth.js';
import {
  fitbitConfig,
  googleConfig,
  googleParams,
  connect as oauthConnect,
  control as oauthControl,
  PROFILE,
} from './oauth/helpers.js';
import { type Conn, connect, destroy, exec, failure } from './snowflake/driver.js';

let sb: Sandbox;
let conn: Conn;

/** A Snowflake string literal: backslashes first, then quotes. */
const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

async function run(statements: string[]): Promise<void> {
  for (const sql of statements) await exec(conn, sql);
}

function objects(
  db: string,
  p: {
    host: string;
    clientId: string;
    clientSecret: string;
    tokenEndpoint: string;
    authEndpoint: string;
    authMethod: 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST';
    body: string;
  },
): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE SCHEMA IF NOT EXISTS ${db}.PUBLIC`,
    `CREATE OR REPLACE NETWORK RULE ${db}.PUBLIC.API_RULE MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${lit(p.host)})`,
    `CREATE OR REPLACE SECURITY INTEGRATION ${db}_OAUTH TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2
       OAUTH_CLIENT_ID = ${lit(p.clientId)} OAUTH_CLIENT_SECRET = ${lit(p.clientSecret)}
       OAUTH_TOKEN_ENDPOINT = ${lit(p.tokenEndpoint)} OAUTH_AUTHORIZATION_ENDPOINT = ${lit(p.authEndpoint)}
       OAUTH_CLIENT_AUTH_METHOD = ${p.authMethod} ENABLED = TRUE`,
    `CREATE OR REPLACE SECRET ${db}.PUBLIC.TOKEN TYPE = OAUTH2 API_AUTHENTICATION = ${db}_OAUTH`,
    `CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION ${db}_EAI ALLOWED_NETWORK_RULES = (${db}.PUBLIC.API_RULE)
       ALLOWED_AUTHENTICATION_SECRETS = (${db}.PUBLIC.TOKEN) ENABLED = TRUE`,
    `CREATE OR REPLACE FUNCTION ${db}.PUBLIC.WHO() RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11'
       PACKAGES = ('requests') HANDLER = 'run' EXTERNAL_ACCESS_INTEGRATIONS = (${db}_EAI)
       SECRETS = ('cred' = ${db}.PUBLIC.TOKEN) AS $$${p.body}$$`,
  ];
}

const identityHandler = `
import _snowflake
import requests

def run():
    token = _snowflake.get_oauth_access_token('cred')
    r = requests.get('https://health.googleapis.com/v4/users/me/identity',
                     headers={'Authorization': 'Bearer ' + token}, timeout=10)
    r.raise_for_status()
    return r.json()
`;

const fitbitProfileHandler = `
import json
import urllib.request
import _snowflake

def run():
    token = _snowflake.get_oauth_access_token('cred')
    req = urllib.request.Request('https://api.fitbit.com/1/user/-/profile.json',
                                 headers={'Authorization': 'Bearer ' + token})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return {'encodedId': json.loads(resp.read())['user']['encodedId']}
`;

/** Refreshes Snowflake (the stand-in's runner) made at the Google token endpoint so far. */
async function refreshCount(): Promise<number> {
  const { requests } = (await (await fetch(`${sb.oauth.url}/sandbox/requests`)).json()) as {
    requests: { path: string; grantType?: string; userAgent?: string }[];
  };
  return requests.filter(
    (r) => r.path === '/token' && r.grantType === 'refresh_token' && r.userAgent === SANDBOX_OAUTH_USER_AGENT,
  ).length;
}

async function snowflakeStats() {
  return (await (await fetch(`${sb.snowflake.url}/sandbox/stats`)).json()) as Record<string, number>;
}

beforeAll(async () => {
  sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
  conn = await connect(sb.snowflake.url, { password: 'sandbox' });
});

afterAll(async () => {
  if (conn) await destroy(conn);
  await sb?.close();
});

// Both access-token cache modes: without a cache the call after revoke-all fails at the refresh
// (invalid_grant); with one it reuses the access token, which the revoked grant took with it (401).
// The setup scripts' handlers turn either into FITBIT_CONNECT_ERROR[token_revoked].
describe.each(['none', 'until-expiry'] as const)(
  'full chain: OAuth stand-in → ALTER SECRET → SELECT fn() (access-token cache: %s)',
  (mode) => {
    beforeAll(() => {
      sb.snowflake.setAccessTokenCache(mode);
    });
    afterAll(() => {
      sb.snowflake.setAccessTokenCache('until-expiry'); // the default
    });

    it('returns the Google Health identity, then the provider error once access is revoked', async () => {
      await run(
        objects('CHAIN_G', {
          host: 'health.googleapis.com',
          clientId: 'sandbox-client-id',
          clientSecret: 'sandbox-client-secret',
          tokenEndpoint: 'https://oauth2.googleapis.com/token',
          authEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
          authMethod: 'CLIENT_SECRET_POST',
          body: identityHandler,
        }),
      );
      // Before any token is written, the function fails with a clear message.
      const empty = await failure(exec(conn, 'SELECT CHAIN_G.PUBLIC.WHO() AS WHO'));
      expect(empty.code).toBe('100357');
      expect(empty.message).toContain('no OAUTH_REFRESH_TOKEN');

      const config = await googleConfig(sb.oauth);
      const { tokens } = await oauthConnect(config, googleParams([PROFILE]));
      const refresh = tokens.refresh_token!;
      expect(refresh).toBeTruthy();
      await exec(conn, `ALTER SECRET CHAIN_G.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ${lit(refresh)}`);

      const before = sb.snowflake.warehouseStatements();
      const [row] = await exec(conn, 'SELECT CHAIN_G.PUBLIC.WHO() AS WHO');
      expect(row?.WHO).toMatchObject({ name: 'users/me/identity', legacyUserId: '2E4RVC' });
      expect(sb.snowflake.warehouseStatements()).toBe(before + 1);

      // Snowflake's refresh went to the OAuth stand-in's token endpoint, recognisably.
      const { requests } = (await (await fetch(`${sb.oauth.url}/sandbox/requests`)).json()) as {
        requests: { path: string; grantType?: string; userAgent?: string; status: number }[];
      };
      const refreshes = requests.filter((r) => r.path === '/token' && r.grantType === 'refresh_token');
      expect(refreshes.at(-1)).toMatchObject({ userAgent: SANDBOX_OAUTH_USER_AGENT, status: 200 });

      // A second call refreshes again without a cache, and reuses the access token with one.
      const refreshed = await refreshCount();
      await exec(conn, 'SELECT CHAIN_G.PUBLIC.WHO() AS WHO');
      expect((await refreshCount()) - refreshed).toBe(mode === 'none' ? 1 : 0);

      expect((await oauthControl(sb.oauth, '/sandbox/revoke-all')).status).toBe(200);
      const err = await failure(exec(conn, 'SELECT CHAIN_G.PUBLIC.WHO() AS WHO'));
      expect(err.code).toBe('100357');
      expect(err.message).toContain('Python Interpreter Error');
      if (mode === 'none') {
        expect(err.message).toContain('invalid_grant: Token has been expired or revoked.');
      } else {
        expect(err.message).toContain('401 Client Error');
        expect(err.message).toContain('https://health.googleapis.com/v4/users/me/identity');
        expect(err.message).not.toContain('invalid_grant');
      }
      expect(err.message).toContain('in function WHO with handler run');
      expect(sb.snowflake.warehouseStatements()).toBe(before + 3);

      // The statement log shows the write, but never the token.
      const log = (await (await fetch(`${sb.snowflake.url}/sandbox/statements`)).json()) as {
        sqlText: string;
      }[];
      expect(
        log.some((s) =>
          /ALTER SECRET CHAIN_G\.PUBLIC\.TOKEN SET OAUTH_REFRESH_TOKEN = '\*\*\*'/.test(s.sqlText),
        ),
      ).toBe(true);
      expect(JSON.stringify(log)).not.toContain(refresh);
      expect(JSON.stringify(log)).not.toContain('sandbox-client-secret');
    });
  },
);

describe('rotation policy with the fitbit profile (the provider rotates refresh tokens)', () => {
  // Every call refreshes, so each one spends the refresh token the previous one left in the secret.
  beforeAll(() => {
    sb.snowflake.setAccessTokenCache('none');
  });
  afterAll(() => {
    sb.snowflake.setAccessTokenCache('until-expiry');
  });

  async function connectFitbit(db: string): Promise<void> {
    await run(
      objects(db, {
        host: 'api.fitbit.com',
        clientId: '23SBOX',
        clientSecret: 'sandbox-fitbit-secret',
        tokenEndpoint: 'https://api.fitbit.com/oauth2/token',
        authEndpoint: 'https://www.fitbit.com/oauth2/authorize',
        authMethod: 'CLIENT_SECRET_BASIC',
        body: fitbitProfileHandler,
      }),
    );
    const config = fitbitConfig(sb.oauth, '23SBOX', client.ClientSecretBasic('sandbox-fitbit-secret'));
    const { tokens } = await oauthConnect(config, { scope: 'profile' });
    await exec(
      conn,
      `ALTER SECRET ${db}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ${lit(tokens.refresh_token!)}`,
    );
  }

  it('persist: the rotated refresh token is written back, so every call keeps working', async () => {
    sb.snowflake.setRotationPolicy('persist');
    await connectFitbit('ROT_P');
    for (let i = 0; i < 3; i++) {
      const [row] = await exec(conn, 'SELECT ROT_P.PUBLIC.WHO() AS WHO');
      expect(row?.WHO).toEqual({ encodedId: '2E4RVC' });
    }
  });

  it('discard: the secret keeps the spent refresh token, so the next call fails with invalid_grant', async () => {
    sb.snowflake.setRotationPolicy('discard');
    try {
      await connectFitbit('ROT_D');
      const [row] = await exec(conn, 'SELECT ROT_D.PUBLIC.WHO() AS WHO');
      expect(row?.WHO).toEqual({ encodedId: '2E4RVC' });
      const err = await failure(exec(conn, 'SELECT ROT_D.PUBLIC.WHO() AS WHO'));
      expect(err.code).toBe('100357');
      expect(err.message).toContain('invalid_grant: Refresh token invalid: ***.');
      const stats = await snowflakeStats();
      expect(stats.warehouseStatements).toBeGreaterThanOrEqual(2);
    } finally {
      sb.snowflake.setRotationPolicy('persist');
    }
  });
});
