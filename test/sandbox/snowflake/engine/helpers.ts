// Shared fixtures for the engine tests: a recording fake FunctionRunner (our own seam), sessions,
// and a setup script shaped like the project's real one.
import { expect } from 'vitest';
import {
  type Bind,
  type FunctionInvocation,
  type FunctionResult,
  type ResultSet,
  type SessionState,
  type SqlEngine,
  SqlError,
} from '../../../../sandbox/snowflake/contract.js';
import { createEngine } from '../../../../sandbox/snowflake/engine.js';

export const NOW = new Date('2026-11-28T12:00:00Z');

export function setupEngine(
  respond: (inv: FunctionInvocation) => FunctionResult = (inv) =>
    inv.kind === 'table' ? { kind: 'table', rows: [] } : { kind: 'scalar', value: 'ok' },
): { engine: SqlEngine; calls: FunctionInvocation[] } {
  const calls: FunctionInvocation[] = [];
  const engine = createEngine({
    runner: {
      async run(inv) {
        calls.push(inv);
        return respond(inv);
      },
    },
    now: () => NOW,
  });
  return { engine, calls };
}

export function admin(): SessionState {
  return { user: 'SANDBOX_ADMIN', role: 'ACCOUNTADMIN', database: null, schema: null, warehouse: null };
}

export async function one(
  engine: SqlEngine,
  session: SessionState,
  sql: string,
  binds?: Bind[],
): Promise<ResultSet> {
  const [r] = await engine.execute(session, sql, binds);
  return r!;
}

export async function script(engine: SqlEngine, session: SessionState, sql: string): Promise<ResultSet[]> {
  return engine.execute(session, sql, [], true);
}

export async function fails(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SqlError);
    return e as SqlError;
  }
  throw new Error('expected the statement to fail');
}

/** Rows as objects keyed by column name. */
export function objects(r: ResultSet): Record<string, string | null>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i] ?? null])));
}

export const TOKEN = 'refresh-TOKEN-value-1234';
export const CLIENT_SECRET = 'client-SECRET-value-5678';

/** The chain the app feeds: rule → integration → secret → EAI → function, plus a writer and a UDF role. */
export const SETUP = `
-- setup, as an administrator would run it
USE ROLE ACCOUNTADMIN;
CREATE DATABASE IF NOT EXISTS fitbit;
CREATE SCHEMA IF NOT EXISTS fitbit.public; /* already there: CREATE DATABASE makes PUBLIC */
CREATE OR REPLACE NETWORK RULE fitbit.public.google_rule
  MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('health.googleapis.com', 'oauth2.googleapis.com:443');
CREATE OR REPLACE NETWORK RULE fitbit.public.ingress_rule MODE = INGRESS TYPE = IPV4 VALUE_LIST = ('10.0.0.1');
CREATE OR REPLACE SECURITY INTEGRATION google_oauth
  TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2
  OAUTH_CLIENT_ID = 'client-id' OAUTH_CLIENT_SECRET = '${CLIENT_SECRET}'
  OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'
  OAUTH_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/auth'
  OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_POST
  OAUTH_ALLOWED_SCOPES = ('scope.a', 'scope.b')
  ENABLED = TRUE;
CREATE OR REPLACE SECRET fitbit.public.google_cred TYPE = OAUTH2 API_AUTHENTICATION = google_oauth;
CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION google_eai
  ALLOWED_NETWORK_RULES = (fitbit.public.google_rule, fitbit.public.ingress_rule)
  ALLOWED_AUTHENTICATION_SECRETS = (fitbit.public.google_cred)
  ENABLED = TRUE;
CREATE OR REPLACE FUNCTION fitbit.public.connection_check()
  RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' PACKAGES = ('requests')
  HANDLER = 'main' EXTERNAL_ACCESS_INTEGRATIONS = (google_eai) SECRETS = ('cred' = fitbit.public.google_cred)
  COMMENT = 'checks the chain'
AS $$
import _snowflake; import requests
def main():
    token = _snowflake.get_oauth_access_token('cred');  # a ';' inside the body
    return {"ok": True}
$$;
CREATE OR REPLACE FUNCTION fitbit.public.daily_steps(start_date DATE, end_date DATE)
  RETURNS TABLE (day DATE, steps NUMBER) LANGUAGE PYTHON RUNTIME_VERSION = '3.11' PACKAGES = ('requests')
  HANDLER = 'DailySteps' EXTERNAL_ACCESS_INTEGRATIONS = (google_eai) SECRETS = ('cred' = fitbit.public.google_cred)
AS $$
class DailySteps:
    def process(self, start_date, end_date):
        yield (start_date, 1)
$$;
CREATE ROLE IF NOT EXISTS fitbit_writer;
CREATE ROLE IF NOT EXISTS fitbit_udf;
GRANT USAGE ON DATABASE fitbit TO ROLE fitbit_writer;
GRANT USAGE ON SCHEMA fitbit.public TO ROLE fitbit_writer;
GRANT OWNERSHIP ON SECRET fitbit.public.google_cred TO ROLE fitbit_writer COPY CURRENT GRANTS;
GRANT USAGE ON DATABASE fitbit TO ROLE fitbit_udf;
GRANT USAGE ON SCHEMA fitbit.public TO ROLE fitbit_udf;
GRANT USAGE ON FUNCTION fitbit.public.connection_check() TO ROLE fitbit_udf;
GRANT USAGE ON FUNCTION fitbit.public.daily_steps(DATE, DATE) TO ROLE fitbit_udf;
GRANT READ ON SECRET fitbit.public.google_cred TO ROLE fitbit_udf;
GRANT ROLE fitbit_writer TO USER sandbox_admin;
GRANT ROLE fitbit_udf TO USER sandbox_admin;
`;

export function as(role: string, extra: Partial<SessionState> = {}): SessionState {
  return { ...admin(), role, ...extra };
}
