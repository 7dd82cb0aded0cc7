// The daily load with several accounts (issue 15; /work design: ACCOUNTS.md's naming rule), against the
// stand-ins through the real snowflake-sdk and openid-client: the default account reads alice through
// FITBIT_DAILY_DATA, the account `bob` reads bob through FITBIT_DAILY_DATA_BOB (its own secret only). One run
// of the task lands both, keyed by label; bob's revoked token fails bob's load only; a label that is not one
// is refused; and tables an earlier pipeline script made are upgraded with their rows kept as the default's.
// Runs are started with EXECUTE TASK or CALL and awaited with the stand-in's waitForTasks(): no durations.
import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { consent } from '../../sandbox/oauth/consent.js';
import { SyntheticHealth } from '../../sandbox/oauth/daily-data.js';
import { seedUsers } from '../../sandbox/oauth/seed.js';
import { fromEpochDay, isoDate } from '../../sandbox/oauth/steps.js';
import { createLogger } from '../../server/log.js';
import { type DataKind, getProfile } from '../../server/providers/index.js';
import { newAppKeyPair } from '../../server/sandbox-mode.js';
import { pipelineDefaults } from '../../server/setup/defaults.js';
import { templateValues } from '../../server/setup/inputs.js';
import { renderPipelineAccountSql } from '../../server/setup/pipeline-account-sql.js';
import { renderScript, renderTemplate, splitStatements } from '../../server/setup/templates.js';
import { readLastRun } from '../../server/snowflake/pipeline-reader.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';
import { type Conn, connect, destroy, exec, failure } from '../sandbox/snowflake/driver.js';

const DAY_MS = 86_400_000;
const REDIRECT = 'http://localhost:8787/callback';
const TASK = 'FITBIT.PUBLIC.FITBIT_DAILY_LOAD';
const RUNS = 'FITBIT.PUBLIC.FITBIT_LOAD_RUNS';
const KINDS: DataKind[] = ['steps', 'distance', 'calories', 'active_minutes', 'resting_heart_rate', 'sleep'];
const TABLES = pipelineDefaults('google-health')!.tables as Record<DataKind, string>;
const HISTORY_DAYS = '30';
const LOAD_MS = 120_000;
const users = seedUsers();
const alice = users.find((u) => u.id === 'alice')!;
const bob = users.find((u) => u.id === 'bob')!;

interface Run {
  RUN_ID: string;
  ACCOUNT: string;
  OUTCOME: string;
  ROWS_CHANGED: number;
  ERROR_CODE: string | null;
  ERROR_MESSAGE: string | null;
  DETAIL: Record<string, { rows_changed: number; error_code: string | null; skipped?: boolean }>;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
const multi = { MULTI_STATEMENT_COUNT: 0 };

async function control(base: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
  return res.json();
}

/** Stand-ins on free ports, both clocks at 06:00 UTC tomorrow, the setup script run, the app's user ready. */
async function standIns() {
  const sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
  const t0 = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS + 6 * 3_600_000;
  const oauthNow = Date.parse(((await control(sb.oauth.url, '/sandbox/clock')) as { now: string }).now);
  await control(sb.oauth.url, '/sandbox/advance-clock', { seconds: (t0 - oauthNow) / 1000 });
  await control(sb.snowflake.url, '/sandbox/clock', { now: new Date(t0).toISOString() });
  const keys = newAppKeyPair();
  const admin = await connect(sb.snowflake.url, { password: 'sandbox' });
  const setup = renderScript(
    'setup-google-health',
    templateValues(
      {
        provider: 'google-health',
        clientId: 'sandbox-client-id',
        clientSecret: 'sandbox-client-secret',
        scopes: getProfile('google-health').defaultScopes,
        appPublicKey: keys.publicKey,
      },
      'setup-google-health',
    ),
  );
  await exec(admin, setup, undefined, multi);
  return { sb, t0, keys, admin, setup };
}

/** A consent for `user` through openid-client, as the app gets one. */
async function grant(sb: Sandbox, user: string): Promise<client.TokenEndpointResponse> {
  const config = await client.discovery(
    new URL(sb.oauth.url),
    'sandbox-client-id',
    'sandbox-client-secret',
    client.ClientSecretPost('sandbox-client-secret'),
    { execute: [client.allowInsecureRequests] },
  );
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: getProfile('google-health').defaultScopes.join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    access_type: 'offline',
    prompt: 'consent',
  });
  const callback = await consent(url.href, { user });
  return client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
}

/**
 * What adding an account sets up before the pipeline's part (another module renders it; here taken from the
 * setup script itself): the account's secret, the integration allowing every account's secret, and its data
 * function, a copy of FITBIT_DAILY_DATA under the account's name that lists only the account's secret.
 */
async function addAccountObjects(admin: Conn, setup: string, labels: string[]): Promise<void> {
  const statements = splitStatements(setup);
  const secret = statements.find((s) =>
    /CREATE SECRET IF NOT EXISTS FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN\b/.test(s),
  )!;
  const fn = statements.find((s) =>
    /CREATE OR REPLACE FUNCTION FITBIT\.PUBLIC\.FITBIT_DAILY_DATA\(/.test(s),
  )!;
  expect(secret && fn).toBeTruthy();
  await exec(admin, 'USE ROLE SYSADMIN');
  for (const label of labels) {
    const suffix = `_${label.toUpperCase()}`;
    await exec(
      admin,
      secret.replace(
        'CREATE SECRET IF NOT EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
        `CREATE SECRET IF NOT EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN${suffix}`,
      ),
    );
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    const all = ['', ...labels.slice(0, labels.indexOf(label) + 1).map((l) => `_${l.toUpperCase()}`)];
    await exec(
      admin,
      `ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (${all.map((s) => `FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN${s}`).join(', ')})`,
    );
    await exec(admin, 'USE ROLE SYSADMIN');
    const own = fn
      .replace(
        'CREATE OR REPLACE FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA(',
        `CREATE OR REPLACE FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA${suffix}(`,
      )
      .replace(
        "SECRETS = ('cred' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN)",
        `SECRETS = ('cred' = FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN${suffix})`,
      );
    expect(own).toContain(`FITBIT_OAUTH_TOKEN${suffix})`);
    await exec(admin, own);
  }
  await exec(admin, 'USE ROLE ACCOUNTADMIN');
}

const pipelineValues = () => ({
  ...templateValues(
    { provider: 'google-health', clientId: '', clientSecret: '', scopes: [] },
    'pipeline-google-health',
  ),
  history_days: HISTORY_DAYS,
});

async function runs(admin: Conn): Promise<Run[]> {
  const rows = await exec(admin, `SELECT * FROM ${RUNS} ORDER BY STARTED_AT, ACCOUNT`);
  return rows.map((r) => ({
    ...(r as unknown as Run),
    DETAIL: typeof r.DETAIL === 'string' ? JSON.parse(r.DETAIL) : r.DETAIL,
  }));
}

describe('the daily load, two accounts', () => {
  let sb: Sandbox;
  let admin: Conn;
  let app: Conn;
  let t0 = 0;
  let appKey = '';
  let bobTokens: client.TokenEndpointResponse;
  const waitForTasks = async () => expect(await sb.snowflake.waitForTasks(LOAD_MS)).toBe(true);
  /** "Load now": EXECUTE TASK as the app's role, then the run settles; the rows it wrote, by account. */
  const loadNow = async (): Promise<Record<string, Run>> => {
    const before = (await runs(admin)).length;
    await exec(app, `EXECUTE TASK ${TASK}`);
    await waitForTasks();
    return Object.fromEntries((await runs(admin)).slice(before).map((r) => [r.ACCOUNT, r]));
  };

  beforeAll(async () => {
    const s = await standIns();
    ({ sb, admin, t0 } = s);
    appKey = s.keys.privateKey;
    await exec(admin, renderScript('pipeline-google-health', pipelineValues()), undefined, multi);
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    await addAccountObjects(admin, s.setup, ['bob', 'carol']);
    // The pipeline's part of adding bob (not carol: her function exists, but the pipeline role may not use it).
    await exec(admin, renderPipelineAccountSql('bob', pipelineValues()), undefined, multi);
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    await exec(admin, 'USE WAREHOUSE SANDBOX_WH');
    app = await connect(sb.snowflake.url, {
      username: 'FITBIT_CONNECT_APP',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: s.keys.privateKey,
    });
    // The app writes each account's secret: alice into the default one, bob into bob's.
    const aliceTokens = await grant(sb, 'alice');
    await exec(
      app,
      `ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '${aliceTokens.refresh_token}'`,
    );
    bobTokens = await grant(sb, 'bob');
    await exec(
      admin,
      `ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB SET OAUTH_REFRESH_TOKEN = '${bobTokens.refresh_token}'`,
    );
  }, 60_000);

  afterAll(async () => {
    if (app) await destroy(app);
    if (admin) await destroy(admin);
    await sb?.close();
  });

  it('one run of the task lands both accounts, keyed by label, each from its own person', async () => {
    const loaded = await loadNow();
    expect(Object.keys(loaded).sort()).toEqual(['bob', 'default']); // carol's function is not granted
    for (const label of ['default', 'bob']) {
      expect(loaded[label], label).toMatchObject({ OUTCOME: 'ok', ERROR_CODE: null });
      expect(loaded[label]!.ROWS_CHANGED).toBeGreaterThan(0);
    }
    const h = new SyntheticHealth({ now: () => t0, lateSync: () => undefined });
    const rows = await exec(admin, `SELECT ACCOUNT, HEALTH_USER_ID, DAY, STEPS FROM ${TABLES.steps}`);
    for (const [label, user] of [
      ['default', alice],
      ['bob', bob],
    ] as const) {
      const mine = rows.filter((r) => r.ACCOUNT === label);
      expect(mine.length, label).toBe(Number(HISTORY_DAYS) + 1);
      expect(new Set(mine.map((r) => r.HEALTH_USER_ID))).toEqual(new Set([user.healthUserId]));
      for (const r of mine)
        expect(r.STEPS, `${label} ${iso(r.DAY)}`).toBe(
          h.steps(user, fromEpochDay(Date.parse(iso(r.DAY)) / DAY_MS)),
        );
    }
    expect(new Set(rows.map((r) => r.ACCOUNT))).toEqual(new Set(['default', 'bob']));
    // The two people's data differ: the rows are really each one's own.
    const day = isoDate(fromEpochDay(Math.floor(t0 / DAY_MS) - 3));
    const on = (label: string) => rows.find((r) => r.ACCOUNT === label && iso(r.DAY) === day)!.STEPS;
    expect(on('default')).not.toBe(on('bob'));
    for (const kind of KINDS) {
      const n = await exec(admin, `SELECT ACCOUNT, COUNT(*) AS N FROM ${TABLES[kind]} GROUP BY ACCOUNT`);
      expect(n.map((r) => r.ACCOUNT).sort(), kind).toEqual(['bob', 'default']);
    }
  });

  it('the app reads each account’s own last load', async () => {
    const session = new SnowflakeSession(
      {
        account: 'sandbox',
        username: 'FITBIT_CONNECT_APP',
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: appKey,
        role: 'FITBIT_CONNECT_APP_ROLE',
        warehouse: 'FITBIT_WH',
        accessUrl: sb.snowflake.url,
        source: 'test',
      },
      createLogger('silent'),
    );
    try {
      const runsTable = { parts: ['FITBIT', 'PUBLIC', 'FITBIT_LOAD_RUNS'], sql: RUNS, display: RUNS };
      const latest = await runs(admin);
      for (const label of ['default', 'bob']) {
        const read = await readLastRun(session, runsTable, label);
        expect(read, label).toMatchObject({ account: label, outcome: 'ok' });
        expect(read!.runId).toBe(latest.filter((r) => r.ACCOUNT === label).at(-1)!.RUN_ID);
      }
      expect(await readLastRun(session, runsTable, 'carol')).toBeNull();
    } finally {
      await session.close();
    }
  });

  it('a revoked token fails that account’s load only: the other loads, each records its own outcome', async () => {
    const res = await fetch(`${sb.oauth.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: bobTokens.refresh_token! }),
    });
    expect(res.status).toBe(200);
    await control(sb.oauth.url, '/sandbox/late-sync', {
      user: 'alice',
      date: isoDate(fromEpochDay(Math.floor(t0 / DAY_MS) - 1)),
      kind: 'steps',
      value: 4321,
    });
    const loaded = await loadNow();
    expect(loaded.default).toMatchObject({ OUTCOME: 'ok', ERROR_CODE: null, ROWS_CHANGED: 1 });
    expect(loaded.bob).toMatchObject({ OUTCOME: 'failed', ERROR_CODE: 'token_revoked', ROWS_CHANGED: 0 });
    expect(loaded.bob!.ERROR_MESSAGE).toMatch(/re-authorize/);
    for (const kind of KINDS) expect(loaded.bob!.DETAIL[kind]?.error_code, kind).toBe('token_revoked');
    // The task run itself succeeded: one account's failure is in its row, not a failed run.
    const [task] = await exec(app, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(task!.state).toBe('started');
  });

  it('loads one account when called with its label, and refuses anything that is not a label', async () => {
    await exec(admin, 'USE ROLE FITBIT_PIPELINE_ROLE');
    await exec(admin, 'USE WAREHOUSE FITBIT_WH');
    try {
      const before = (await runs(admin)).length;
      const [answer] = await exec(admin, `CALL FITBIT.PUBLIC.FITBIT_LOAD('default', ${HISTORY_DAYS})`);
      expect(String(Object.values(answer!)[0])).toMatch(/^default ok: 0 rows changed/);
      expect((await runs(admin)).slice(before).map((r) => r.ACCOUNT)).toEqual(['default']);

      for (const bad of [
        'Bob',
        "bob') ; DROP TABLE FITBIT.PUBLIC.FITBIT_STEPS; --",
        'bob\n',
        'a'.repeat(25),
        '7up',
        '',
      ]) {
        const refused = await failure(exec(admin, 'CALL FITBIT.PUBLIC.FITBIT_LOAD(?, 30)', [bad]));
        expect(refused.message, JSON.stringify(bad)).toMatch(/is not an account label/);
      }
      expect((await runs(admin)).length).toBe(before + 1);
      expect(Number((await exec(admin, `SELECT COUNT(*) AS N FROM ${TABLES.steps}`))[0]!.N)).toBeGreaterThan(
        0,
      );
    } finally {
      await exec(admin, 'USE ROLE ACCOUNTADMIN');
      await exec(admin, 'USE WAREHOUSE SANDBOX_WH');
    }
  });

  it('an account whose grant was taken away after it loaded gets a failed load saying so', async () => {
    await exec(admin, 'USE ROLE SYSADMIN');
    await exec(
      admin,
      'REVOKE USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA_BOB(VARCHAR, DATE, DATE) FROM ROLE FITBIT_PIPELINE_ROLE',
    );
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    const loaded = await loadNow();
    expect(loaded.default).toMatchObject({ OUTCOME: 'ok' });
    expect(loaded.bob).toMatchObject({ OUTCOME: 'failed' });
    expect(loaded.bob!.ERROR_CODE).toMatch(/^00(2003|2141)$/);
  });
});

describe('upgrading tables an earlier pipeline script made', () => {
  let sb: Sandbox;
  let admin: Conn;
  const before = readFileSync(
    new URL('../support/pipeline-google-health.before-accounts.sql', import.meta.url),
    'utf8',
  );

  beforeAll(async () => {
    const s = await standIns();
    ({ sb, admin } = s);
    const app = await connect(sb.snowflake.url, {
      username: 'FITBIT_CONNECT_APP',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: s.keys.privateKey,
    });
    try {
      const tokens = await grant(sb, 'alice');
      await exec(
        app,
        `ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '${tokens.refresh_token}'`,
      );
      // The earlier script, and one load by its procedure: rows keyed by alice's Health user id.
      await exec(admin, renderTemplate(before, pipelineValues(), 'before-accounts'), undefined, multi);
      await exec(admin, 'USE ROLE ACCOUNTADMIN');
      await exec(app, `EXECUTE TASK ${TASK}`);
      expect(await sb.snowflake.waitForTasks(LOAD_MS)).toBe(true);
    } finally {
      await destroy(app);
    }
  }, 60_000);

  afterAll(async () => {
    if (admin) await destroy(admin);
    await sb?.close();
  });

  const counts = async () => {
    const out: Record<string, string> = {};
    for (const kind of KINDS) {
      const rows = await exec(
        admin,
        `SELECT ACCOUNT, HEALTH_USER_ID, COUNT(*) AS N FROM ${TABLES[kind]} GROUP BY ACCOUNT, HEALTH_USER_ID`,
      );
      out[kind] = rows.map((r) => `${r.ACCOUNT} ${r.HEALTH_USER_ID} ${r.N}`).join(', ');
    }
    return out;
  };

  it('keeps every row, as the default account’s, and every run; a re-run changes nothing', async () => {
    const old: Record<string, number> = {};
    for (const kind of KINDS) {
      const rows = await exec(admin, `SELECT ACCOUNT, COUNT(*) AS N FROM ${TABLES[kind]} GROUP BY ACCOUNT`);
      expect(
        rows.map((r) => r.ACCOUNT),
        kind,
      ).toEqual([alice.healthUserId]);
      old[kind] = Number(rows[0]!.N);
    }
    const oldRuns = await exec(admin, `SELECT RUN_ID, OUTCOME FROM ${RUNS}`);
    expect(oldRuns).toEqual([expect.objectContaining({ OUTCOME: 'ok' })]);

    for (let i = 0; i < 2; i++) {
      await exec(admin, renderScript('pipeline-google-health', pipelineValues()), undefined, multi);
      await exec(admin, 'USE ROLE ACCOUNTADMIN');
      expect(await counts()).toEqual(
        Object.fromEntries(KINDS.map((k) => [k, `default ${alice.healthUserId} ${old[k]}`])),
      );
      expect(await exec(admin, `SELECT RUN_ID, ACCOUNT FROM ${RUNS}`)).toEqual([
        { RUN_ID: oldRuns[0]!.RUN_ID, ACCOUNT: 'default' },
      ]);
    }
    // The earlier procedure is gone; the task calls the new one for every account.
    const procs = await exec(admin, "SHOW PROCEDURES LIKE 'FITBIT_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(procs.map((p) => p.arguments)).toEqual(['FITBIT_LOAD(VARCHAR, NUMBER) RETURN VARCHAR']);
    const [task] = await exec(admin, "SHOW TASKS LIKE 'FITBIT_DAILY_LOAD' IN SCHEMA FITBIT.PUBLIC");
    expect(task).toMatchObject({
      state: 'started',
      definition: `CALL FITBIT.PUBLIC.FITBIT_LOAD(NULL, ${HISTORY_DAYS})`,
    });
  });

  it('the next load carries on from the rows kept: nothing re-read as new', async () => {
    const kept = await counts();
    await exec(admin, `EXECUTE TASK ${TASK}`);
    expect(await sb.snowflake.waitForTasks(LOAD_MS)).toBe(true);
    const [last] = await exec(
      admin,
      `SELECT ACCOUNT, OUTCOME, ROWS_CHANGED FROM ${RUNS} ORDER BY STARTED_AT DESC LIMIT 1`,
    );
    expect(last).toMatchObject({ ACCOUNT: 'default', OUTCOME: 'ok', ROWS_CHANGED: 0 });
    expect(await counts()).toEqual(kept);
  });
});
