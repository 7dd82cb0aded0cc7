// Several accounts on the Snowflake side: the rendered add-account SQL run by the administrator against the
// stand-in (real snowflake-sdk), two refresh tokens from two stand-in Google users written by the app's own
// session into two secrets, then what keeps the accounts apart and what the status checks see.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { accountObjectName } from '../../server/accounts/names.js';
import type { AppConfig } from '../../server/config/index.js';
import { getProfile } from '../../server/providers/index.js';
import {
  renderAccountSql,
  renderRemoveAccountSql,
  renderScriptForAccounts,
} from '../../server/setup/account-sql.js';
import { templateValues } from '../../server/setup/inputs.js';
import { renderScript, splitStatements } from '../../server/setup/templates.js';
import { ChainReader } from '../../server/snowflake/chain-reader.js';
import { SecretWriter } from '../../server/snowflake/secret-writer.js';
import { accountObjectsReady, judgeChain } from '../../server/status/checks/index.js';
import { readChain } from '../../server/status/describe.js';
import { setupInputs } from '../../server/status/setup-scripts.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const PROVIDER = 'google-health' as const;
const SCRIPT = `setup-${PROVIDER}` as const;

let h: Harness;

/** The app's configuration with account `label`'s names, as the lead's services build it. */
function accountConfig(label: string): AppConfig {
  const s = h.config.snowflake;
  return {
    ...h.config,
    snowflake: {
      ...s,
      secret: accountObjectName(s.secret, label),
      checkFunction: accountObjectName(s.checkFunction, label),
      ...(s.dataFunction ? { dataFunction: accountObjectName(s.dataFunction, label) } : {}),
    },
  };
}

/** The script variables as /setup fills them, with the real client secret (the scripts are run here). */
function values(): Record<string, string> {
  return templateValues(
    { ...setupInputs(h.config), clientSecret: h.config.oauth.clientSecret ?? '' },
    SCRIPT,
  );
}

async function runAsAdmin(sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await h.admin(statement);
}

async function statusOf(label: string) {
  const config = accountConfig(label);
  const facts = await readChain(new ChainReader(h.services.session), config);
  const checks = judgeChain({ config, profile: getProfile(PROVIDER), facts, now: new Date() });
  return { checks, objects: accountObjectsReady(checks) };
}

/** A Google grant of stand-in user `user`, through the consent page, by openid-client: its refresh token. */
async function refreshTokenOf(user: string): Promise<string> {
  const o = h.config.oauth;
  const config = new client.Configuration(
    { issuer: h.oauthUrl, authorization_endpoint: o.authorizationUrl, token_endpoint: o.tokenUrl },
    o.clientId,
    o.clientSecret,
    client.ClientSecretPost(o.clientSecret),
  );
  client.allowInsecureRequests(config);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: o.redirectUri,
    scope: o.scopes.join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    access_type: 'offline',
    prompt: 'consent',
  });
  const callback = await consent(url.href, { user });
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return tokens.refresh_token!;
}

/** The account's check function, called by the app's own session (as the end-to-end check does). */
async function check(label: string): Promise<Record<string, unknown>> {
  const fn = accountObjectName(h.config.snowflake.checkFunction, label);
  const rows = await h.services.session.execute<Record<string, unknown>>(`SELECT ${fn.sql}() AS R`);
  const r = rows[0]!.R;
  return (typeof r === 'string' ? JSON.parse(r) : r) as Record<string, unknown>;
}

/** What Snowflake said when a statement failed (the session wraps it in an AppError: its upstream). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const upstream = (e as { upstream?: { message?: string } }).upstream;
    return upstream?.message ?? String(e);
  }
  throw new Error('expected the statement to fail');
}

async function allowedSecrets(): Promise<string[]> {
  const rows = await h.admin('DESCRIBE INTEGRATION FITBIT_EAI');
  const row = rows.find((r) => r.property === 'ALLOWED_AUTHENTICATION_SECRETS');
  return String(row?.property_value ?? '')
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const ALL = [
  'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
  'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE',
  'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB',
];

beforeAll(async () => {
  h = await startHarness({ provider: PROVIDER, gate: false });
});

afterAll(async () => {
  await h?.close();
});

describe('two accounts side by side', () => {
  it('reports alice’s objects missing until her add-account SQL has run, then ready', async () => {
    const before = await statusOf('alice');
    expect(before.objects.state).toBe('missing');
    const failed = before.checks.filter((c) => c.status === 'failed').map((c) => c.id);
    expect(failed).toEqual(expect.arrayContaining(['secret', 'check_function']));

    // alice registered: her SQL lists the default's secret and hers.
    await runAsAdmin(
      renderAccountSql(
        { provider: PROVIDER, values: values(), labels: ['default', 'alice'] },
        'alice',
        'Alice',
      ),
    );
    const after = await statusOf('alice');
    expect(after.objects).toEqual({ state: 'ready', ready: true, problems: [] });
    expect(after.checks.filter((c) => c.status !== 'ok').map((c) => c.id)).not.toContain('secret');

    // bob registered after her: his SQL keeps her secret in the integration's list.
    expect((await statusOf('bob')).objects.state).toBe('missing');
    await runAsAdmin(
      renderAccountSql({ provider: PROVIDER, values: values(), labels: ['default', 'alice', 'bob'] }, 'bob'),
    );
    expect((await statusOf('bob')).objects.state).toBe('ready');
    expect((await statusOf('alice')).objects.state).toBe('ready');
    expect(await allowedSecrets()).toEqual(ALL);
  });

  it('answers as each account’s own Google user, written through the app’s role', async () => {
    const s = h.config.snowflake.secret;
    const session = h.services.session;
    await new SecretWriter(session, accountObjectName(s, 'alice')).write(await refreshTokenOf('alice'));
    await new SecretWriter(session, accountObjectName(s, 'bob')).write(await refreshTokenOf('bob'));
    expect((await check('alice')).healthUserId).toBe('4815162342');
    expect((await check('bob')).healthUserId).toBe('7788990011');
  });

  it('binds each account’s functions to its own secret only, with no account parameter', async () => {
    for (const [fn, args] of [
      ['FITBIT_CONNECTION_CHECK_ALICE', '()'],
      ['FITBIT_DAILY_STEPS_ALICE', '(DATE, DATE)'],
      ['FITBIT_DAILY_DATA_ALICE', '(VARCHAR, DATE, DATE)'],
    ] as const) {
      const rows = await h.admin(`DESCRIBE FUNCTION FITBIT.PUBLIC.${fn}${args}`);
      const prop = (p: string) => String(rows.find((r) => r.property === p)?.value ?? '');
      expect(prop('secrets'), fn).toMatch(/^\{"cred":"FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN_ALICE"\}$/);
      // The signature is the provider's own (dates, a data kind): nothing names an account.
      expect(prop('signature').toLowerCase(), fn).not.toMatch(/account|secret/);
    }
  });

  it('refuses every way a function made for alice could reach bob’s secret', async () => {
    await h.admin('USE ROLE SYSADMIN');
    await h.admin('USE WAREHOUSE FITBIT_WH');
    // Only alice's secret in SECRETS; the handler asks for bob's by every name it could guess.
    await h.admin(`CREATE OR REPLACE FUNCTION FITBIT.PUBLIC.PEEK_ALICE()
  RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'peek'
  EXTERNAL_ACCESS_INTEGRATIONS = (FITBIT_EAI)
  SECRETS = ('cred' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE)
AS $$
import _snowflake

def peek():
    out = {}
    for name in ['FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB', 'FITBIT_OAUTH_TOKEN_BOB', 'bob', 'cred_bob']:
        try:
            _snowflake.get_oauth_access_token(name)
            out[name] = 'read'
        except Exception as e:
            out[name] = 'refused: ' + type(e).__name__
    return out
$$`);
    const rows = await h.admin('SELECT FITBIT.PUBLIC.PEEK_ALICE() AS R');
    const r = rows[0]!.R;
    const answers = (typeof r === 'string' ? JSON.parse(r) : r) as Record<string, string>;
    expect(Object.values(answers)).toHaveLength(4);
    for (const [name, answer] of Object.entries(answers)) expect(answer, name).toMatch(/^refused: /);

    // A secret the integration does not allow cannot be bound at all (Snowflake: the SECRETS must be
    // included in one of the function's integrations; the stand-in refuses at CREATE and again at call).
    await h.admin(
      'CREATE SECRET IF NOT EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_CAROL TYPE = OAUTH2 API_AUTHENTICATION = FITBIT_OAUTH_INTEGRATION',
    );
    expect(
      await refusal(
        h.admin(`CREATE OR REPLACE FUNCTION FITBIT.PUBLIC.PEEK_CAROL()
  RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'peek'
  EXTERNAL_ACCESS_INTEGRATIONS = (FITBIT_EAI)
  SECRETS = ('cred' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_CAROL)
AS $$
def peek():
    return {}
$$`),
      ),
    ).toMatch(/Secret 'FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN_CAROL' is not allowed/);
    await h.admin('DROP FUNCTION FITBIT.PUBLIC.PEEK_ALICE()');
    await h.admin('DROP SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_CAROL');
  });

  it('flags a check function that lists another account’s secret too', async () => {
    await h.admin('USE ROLE SYSADMIN');
    await h.admin(
      "ALTER FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK_ALICE() SET SECRETS = ('cred' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE, 'other' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB)",
    );
    const broken = await statusOf('alice');
    expect(broken.checks.find((c) => c.id === 'function_isolation')?.status).toBe('failed');
    expect(broken.objects.state).toBe('missing');
    // Her SQL again puts it right.
    await runAsAdmin(
      renderAccountSql({ provider: PROVIDER, values: values(), labels: ['alice', 'bob'] }, 'alice'),
    );
    expect((await statusOf('alice')).objects.state).toBe('ready');
  });

  it('keeps every account allowed when setup is run again for all of them (and an old one-account run would not)', async () => {
    // A setup script rendered without the accounts (as before several accounts) drops them from the list:
    // Snowflake then refuses their functions at call time, and the status sees it.
    await runAsAdmin(renderScript(SCRIPT, values()));
    expect(await allowedSecrets()).toEqual([ALL[0]]);
    expect(await refusal(check('alice'))).toMatch(/FITBIT_OAUTH_TOKEN_ALICE' is not allowed/);
    const dropped = await statusOf('alice');
    expect(dropped.checks.find((c) => c.id === 'eai_secret')?.status).toBe('failed');
    expect(dropped.objects.state).toBe('missing');

    // The full script for every registered account puts them back, and the secrets kept their tokens.
    await runAsAdmin(renderScriptForAccounts(SCRIPT, values(), ['default', 'alice', 'bob']));
    expect(await allowedSecrets()).toEqual(ALL);
    expect((await check('alice')).healthUserId).toBe('4815162342');
    expect((await check('bob')).healthUserId).toBe('7788990011');
    expect((await statusOf('alice')).objects.state).toBe('ready');
    expect((await statusOf('bob')).objects.state).toBe('ready');
  });

  it('removes one account and leaves the other working', async () => {
    await runAsAdmin(
      renderRemoveAccountSql({ provider: PROVIDER, values: values(), labels: ['alice', 'bob'] }, 'bob'),
    );
    expect(await allowedSecrets()).toEqual(ALL.slice(0, 2));
    expect((await statusOf('bob')).objects.state).toBe('missing');
    expect((await check('alice')).healthUserId).toBe('4815162342');
    expect((await statusOf('alice')).objects.state).toBe('ready');
  });
});
