// The shape a re-runnable setup script takes: create each integration and rule only if it is missing,
// then bring its properties up to date with ALTER … SET, so a re-run never replaces an object that a
// secret or function is bound to.
import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { admin, fails, objects, one, script, setupEngine } from './helpers.js';

let engine: SqlEngine;
let s: SessionState;

const props = async (sql: string) =>
  Object.fromEntries(objects(await one(engine, s, sql)).map((r) => [r.property, r.property_value]));

const CREATE_INTEGRATION = `
CREATE SECURITY INTEGRATION IF NOT EXISTS google_oauth
  TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2
  OAUTH_CLIENT_ID = 'first-id' OAUTH_CLIENT_SECRET = 'first-secret'
  OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'
  OAUTH_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/auth'
  OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_POST
  OAUTH_GRANT = 'AUTHORIZATION_CODE'
  OAUTH_ALLOWED_SCOPES = ('scope.a')
  OAUTH_REFRESH_TOKEN_VALIDITY = 604800
  ENABLED = TRUE`;

beforeEach(() => {
  engine = setupEngine().engine;
  s = admin();
});

describe('a re-runnable setup script', () => {
  it('CREATE SECURITY INTEGRATION IF NOT EXISTS keeps the first one; ALTER … SET updates every property', async () => {
    await one(engine, s, CREATE_INTEGRATION);
    const again = await one(engine, s, CREATE_INTEGRATION.replace("'first-id'", "'other-id'"));
    expect(again.rows[0]![0]).toContain('already exists, statement succeeded');
    expect((await props('DESCRIBE INTEGRATION google_oauth')).OAUTH_CLIENT_ID).toBe('first-id');

    await one(
      engine,
      s,
      `ALTER SECURITY INTEGRATION google_oauth SET
         OAUTH_CLIENT_ID = 'second-id'
         OAUTH_CLIENT_SECRET = 'second-secret',
         OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'
         OAUTH_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth'
         OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_BASIC
         OAUTH_ALLOWED_SCOPES = ('scope.a', 'scope.b')
         OAUTH_ACCESS_TOKEN_VALIDITY = 3600
         OAUTH_REFRESH_TOKEN_VALIDITY = 15552000
         ENABLED = TRUE
         COMMENT = 'updated'`,
    );
    const p = await props('DESCRIBE INTEGRATION google_oauth');
    expect(p).toMatchObject({
      OAUTH_CLIENT_ID: 'second-id',
      OAUTH_AUTHORIZATION_ENDPOINT: 'https://accounts.google.com/o/oauth2/v2/auth',
      OAUTH_CLIENT_AUTH_METHOD: 'CLIENT_SECRET_BASIC',
      OAUTH_ALLOWED_SCOPES: 'scope.a,scope.b',
      OAUTH_ACCESS_TOKEN_VALIDITY: '3600',
      OAUTH_REFRESH_TOKEN_VALIDITY: '15552000',
      ENABLED: 'true',
      COMMENT: 'updated',
    });
    // TYPE and AUTH_TYPE are fixed at creation, as in Snowflake.
    const authType = await fails(
      one(engine, s, 'ALTER SECURITY INTEGRATION google_oauth SET AUTH_TYPE = OAUTH2 ENABLED = TRUE'),
    );
    expect(authType.code).toBe('001003');
    const e = await fails(
      one(engine, s, 'ALTER SECURITY INTEGRATION google_oauth SET TYPE = API_AUTHENTICATION'),
    );
    expect(e.code).toBe('001003');
  });

  it('OAUTH_REFRESH_TOKEN_VALIDITY: 7776000 (90 days) unless CREATE or ALTER … SET says otherwise', async () => {
    await one(engine, s, CREATE_INTEGRATION.replace('OAUTH_REFRESH_TOKEN_VALIDITY = 604800', ''));
    const row = objects(await one(engine, s, 'DESCRIBE INTEGRATION google_oauth')).find(
      (r) => r.property === 'OAUTH_REFRESH_TOKEN_VALIDITY',
    );
    expect(row).toMatchObject({
      property_type: 'Integer',
      property_value: '7776000',
      property_default: '7776000',
    });
    await one(engine, s, 'ALTER INTEGRATION google_oauth SET OAUTH_REFRESH_TOKEN_VALIDITY = 86400');
    expect((await props('DESCRIBE INTEGRATION google_oauth')).OAUTH_REFRESH_TOKEN_VALIDITY).toBe('86400');
    await one(
      engine,
      s,
      "CREATE SECURITY INTEGRATION other TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2 OAUTH_CLIENT_ID = 'x' OAUTH_CLIENT_SECRET = 'y' OAUTH_REFRESH_TOKEN_VALIDITY = 604800 ENABLED = TRUE",
    );
    expect((await props('DESCRIBE INTEGRATION other')).OAUTH_REFRESH_TOKEN_VALIDITY).toBe('604800');
  });

  it('network rule and external access integration: IF NOT EXISTS, then ALTER … SET', async () => {
    await one(engine, s, CREATE_INTEGRATION);
    await script(
      engine,
      s,
      `CREATE DATABASE IF NOT EXISTS fitbit;
       CREATE NETWORK RULE IF NOT EXISTS fitbit.public.api_rule MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('old.example.com');
       CREATE NETWORK RULE IF NOT EXISTS fitbit.public.api_rule MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('ignored.example.com');
       ALTER NETWORK RULE fitbit.public.api_rule SET VALUE_LIST = ('health.googleapis.com') COMMENT = 'api';
       CREATE SECRET IF NOT EXISTS fitbit.public.cred TYPE = OAUTH2 API_AUTHENTICATION = google_oauth;
       CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS api_eai ALLOWED_NETWORK_RULES = (fitbit.public.api_rule) ENABLED = FALSE;
       CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS api_eai ALLOWED_NETWORK_RULES = () ENABLED = TRUE;
       ALTER EXTERNAL ACCESS INTEGRATION api_eai SET
         ALLOWED_NETWORK_RULES = (fitbit.public.api_rule)
         ALLOWED_AUTHENTICATION_SECRETS = (fitbit.public.cred)
         ENABLED = TRUE
         COMMENT = 'eai';`,
    );
    const [rule] = objects(await one(engine, s, 'DESC NETWORK RULE fitbit.public.api_rule'));
    expect(rule).toMatchObject({ value_list: "'health.googleapis.com'", comment: 'api', mode: 'EGRESS' });
    expect(await props('DESCRIBE INTEGRATION api_eai')).toMatchObject({
      ALLOWED_NETWORK_RULES: 'FITBIT.PUBLIC.API_RULE',
      ALLOWED_AUTHENTICATION_SECRETS: 'FITBIT.PUBLIC.CRED',
      ENABLED: 'true',
      COMMENT: 'eai',
    });
  });
});
