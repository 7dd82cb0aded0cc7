// The sql/ scripts, run against the Snowflake stand-in through the real snowflake-sdk; refresh tokens
// from the OAuth stand-in through the real openid-client; the Python handlers run by the stand-in's
// function runner, which sends the real provider hostnames to the OAuth stand-in.
import { generateKeyPairSync } from 'node:crypto';
import * as client from 'openid-client';
import snowflake from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { consent } from '../../sandbox/oauth/consent.js';
import { SyntheticHealth } from '../../sandbox/oauth/daily-data.js';
import { seedUsers } from '../../sandbox/oauth/seed.js';
import { type CivilDate, dailySteps, fromEpochDay, isoDate, toEpochDay } from '../../sandbox/oauth/steps.js';
import { getProfile, type ProviderId as Provider } from '../../server/providers/index.js';
import { templateValues } from '../../server/setup/inputs.js';
import { renderScript, splitStatements } from '../../server/setup/templates.js';

snowflake.configure({ logLevel: 'OFF' });

const G = 'https://www.googleapis.com/auth/googlehealth.';
const ACTIVITY = `${G}activity_and_fitness.readonly`;
const HEALTH_METRICS = `${G}health_metrics_and_measurements.readonly`;
const SLEEP = `${G}sleep.readonly`;
const PROFILE = `${G}profile.readonly`;
const REDIRECT = 'http://localhost:8787/callback';
const SECRET = 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN';
const ROLLUP_PATH = '/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp';

const CLIENTS: Record<Provider, { id: string; secret: string }> = {
  'google-health': { id: 'sandbox-client-id', secret: 'sandbox-client-secret' },
  fitbit: { id: '23SBOX', secret: 'sandbox-fitbit-secret' },
};

type Conn = snowflake.Connection;
type Row = Record<string, unknown>;
type DriverError = Error & { code?: string | number };

let sb: Sandbox;
let admin: Conn;
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function connect(options: Partial<snowflake.ConnectionOptions>): Promise<Conn> {
  const conn = snowflake.createConnection({
    account: 'sandbox',
    accessUrl: sb.snowflake.url,
    sfRetryMaxLoginRetries: 0,
    ...options,
  } as snowflake.ConnectionOptions);
  // connectAsync() resolves even when the login fails: only the callback tells.
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(conn))));
}

const connectAdmin = () => connect({ username: 'SANDBOX_ADMIN', password: 'sandbox' });
const connectApp = () =>
  connect({ username: 'FITBIT_CONNECT_APP', authenticator: 'SNOWFLAKE_JWT', privateKey: keys.privateKey });

function exec(conn: Conn, sqlText: string, parameters?: Record<string, unknown>): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(parameters ? { parameters } : {}),
      complete: (err, _stmt, rows) => (err ? reject(err) : resolve((rows ?? []) as Row[])),
    });
  });
}

function destroy(conn: Conn | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!conn?.isUp()) return resolve();
    conn.destroy(() => resolve());
  });
}

async function failure(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (err) {
    return err as DriverError;
  }
  throw new Error('expected the statement to fail');
}

/** The script for a provider, filled in the way sandbox mode does it (with the app's scope set). */
function setupScript(provider: Provider): string {
  const script = `setup-${provider}` as const;
  const values = templateValues(
    {
      provider,
      clientId: CLIENTS[provider].id,
      clientSecret: CLIENTS[provider].secret,
      scopes: getProfile(provider).defaultScopes,
      appPublicKey: keys.publicKey,
    },
    script,
  );
  return renderScript(script, values);
}

/** DESCRIBE INTEGRATION as property → value. */
async function integrationProps(conn: Conn, name: string): Promise<Record<string, unknown>> {
  const rows = await exec(conn, `DESCRIBE INTEGRATION ${name}`);
  return Object.fromEntries(rows.map((r) => [r.property, r.property_value]));
}

/** When each object of the chain was created: a replaced object is a new one. */
async function createdOn(conn: Conn): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sql of [
    "SHOW INTEGRATIONS LIKE 'FITBIT%'",
    "SHOW NETWORK RULES LIKE 'FITBIT%' IN ACCOUNT",
    "SHOW SECRETS LIKE 'FITBIT%' IN ACCOUNT",
  ]) {
    for (const row of await exec(conn, sql)) out[String(row.name)] = String(row.created_on);
  }
  return out;
}

/**
 * Every function call refreshes with the token just written. These tests are about what the functions make
 * of each answer, and each writes a fresh token; an access token Snowflake kept from an earlier test (the
 * stand-in's cautious default, tested with the app elsewhere) would answer for the wrong grant.
 */
async function freshAccessTokens(): Promise<void> {
  await snowflakeControl('/sandbox/token-cache', { mode: 'none' });
}

async function snowflakeControl(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sb.snowflake.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
  return res.json();
}

async function runEach(conn: Conn, sql: string): Promise<void> {
  for (const statement of splitStatements(sql)) await exec(conn, statement);
}

/** Teardown's commented-out last section, uncommented as its CAUTION says to when setup created both. */
function optInDrops(teardown: string): string {
  const at = teardown.indexOf('-- 5. OPTIONAL');
  expect(at).toBeGreaterThan(0);
  return teardown.slice(at).replace(/^-- (?=(USE ROLE|DROP) )/gm, '');
}

async function oauthControl(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sb.oauth.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' }, // the control API takes JSON only
    body: JSON.stringify(body ?? {}),
  });
  expect(res.ok, `${path}: HTTP ${res.status}`).toBe(true);
}

async function oauthConfig(provider: Provider): Promise<client.Configuration> {
  const { id, secret } = CLIENTS[provider];
  if (provider === 'google-health') {
    return client.discovery(new URL(sb.oauth.url), id, secret, client.ClientSecretPost(secret), {
      execute: [client.allowInsecureRequests],
    });
  }
  const config = new client.Configuration(
    {
      issuer: sb.oauth.url,
      authorization_endpoint: `${sb.oauth.url}/oauth2/authorize`,
      token_endpoint: `${sb.oauth.url}/oauth2/token`,
    },
    id,
    secret,
    client.ClientSecretBasic(secret),
  );
  client.allowInsecureRequests(config);
  return config;
}

/** A grant through the consent page: the app's own flow, done by openid-client. */
async function grant(
  provider: Provider,
  opts: { user?: string; scopes?: string[]; requested?: string[] } = {},
): Promise<client.TokenEndpointResponse> {
  const config = await oauthConfig(provider);
  // What the app requests (its scope set), unless a test asks for more to untick some.
  const requested = opts.requested ?? getProfile(provider).defaultScopes;
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: requested.join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(provider === 'google-health' ? { access_type: 'offline', prompt: 'consent' } : {}),
  });
  const callback = await consent(url.href, {
    user: opts.user ?? 'alice',
    ...(opts.scopes ? { scopes: opts.scopes } : {}),
  });
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  expect(tokens.refresh_token).toBeTruthy();
  return tokens;
}

/** What the app does after a connect: write the refresh token as its own least-privileged user. */
async function deliver(app: Conn, refreshToken: string): Promise<void> {
  const literal = refreshToken.replace(/\\/g, '\\\\').replace(/'/g, "''");
  await exec(app, `ALTER SECRET ${SECRET} SET OAUTH_REFRESH_TOKEN = '${literal}'`);
}

/** The integration's OAUTH_ALLOWED_SCOPES, as a test needs them (a refresh asks for no more than these). */
async function allowScopes(scopes: readonly string[]): Promise<void> {
  const list = scopes.map((x) => `'${x}'`).join(', ');
  await exec(
    admin,
    `ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ALLOWED_SCOPES = (${list})`,
  );
}

const DATA_COLUMNS = [
  'STEPS',
  'DISTANCE_M',
  'CALORIES_KCAL',
  'ACTIVE_ZONE_MINUTES',
  'ACTIVE_ZONE_MINUTES_FAT_BURN',
  'ACTIVE_ZONE_MINUTES_CARDIO',
  'ACTIVE_ZONE_MINUTES_PEAK',
  'RESTING_HEART_RATE',
  'SLEEP_MINUTES',
  'SLEEP_IN_BED_MINUTES',
  'SLEEP_EFFICIENCY',
  'SLEEP_DEEP_MINUTES',
  'SLEEP_LIGHT_MINUTES',
  'SLEEP_REM_MINUTES',
  'SLEEP_AWAKE_MINUTES',
] as const;
const KINDS = ['steps', 'distance', 'calories', 'active_minutes', 'resting_heart_rate', 'sleep'] as const;
type Kind = (typeof KINDS)[number];
type DataRow = Record<string, unknown>;

async function dailyDataRows(conn: Conn, kind: string, start: string, end: string): Promise<DataRow[]> {
  const rows = await exec(
    conn,
    `SELECT * FROM TABLE(FITBIT.PUBLIC.FITBIT_DAILY_DATA('${kind}', '${start}'::DATE, '${end}'::DATE))`,
  );
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        k === 'DAY' ? isoDay(v) : k === 'ACCOUNT' || v === null || v === undefined ? (v ?? null) : Number(v),
      ]),
    ),
  );
}

/** What the stand-in serves for alice, read from its own data source: the rows the function should return. */
const ALICE = seedUsers().find((u) => u.id === 'alice')!;
const syntheticHealth = new SyntheticHealth({ now: () => Date.now(), lateSync: () => undefined });

function valuesOf(kind: Kind, day: CivilDate): Record<string, number | null> | undefined {
  const h = syntheticHealth;
  switch (kind) {
    case 'steps': {
      const n = h.steps(ALICE, day);
      return n === undefined ? undefined : { STEPS: n };
    }
    case 'distance': {
      const mm = h.distanceMm(ALICE, day);
      return mm === undefined ? undefined : { DISTANCE_M: mm / 1000 };
    }
    case 'calories': {
      const kcal = h.totalKcal(ALICE, day);
      return kcal === undefined ? undefined : { CALORIES_KCAL: kcal };
    }
    case 'active_minutes': {
      const z = h.zoneMinutes(ALICE, day);
      if (!z) return undefined;
      return {
        ACTIVE_ZONE_MINUTES: z.fatBurn + z.cardio + z.peak,
        ACTIVE_ZONE_MINUTES_FAT_BURN: z.fatBurn,
        ACTIVE_ZONE_MINUTES_CARDIO: z.cardio,
        ACTIVE_ZONE_MINUTES_PEAK: z.peak,
      };
    }
    case 'resting_heart_rate': {
      const bpm = h.restingBpm(ALICE, day);
      return bpm === undefined ? undefined : { RESTING_HEART_RATE: bpm };
    }
    case 'sleep': {
      const sessions = h.sleepSessions(ALICE, day);
      if (sessions.length === 0) return undefined;
      const total = (f: (s: (typeof sessions)[number]) => number) => sessions.reduce((n, s) => n + f(s), 0);
      const stage = (type: string) => total((s) => s.stages.find((st) => st.type === type)?.minutes ?? 0);
      const asleep = total((s) => s.minutesAsleep);
      const inBed = total((s) => s.minutesInSleepPeriod);
      return {
        SLEEP_MINUTES: asleep,
        SLEEP_IN_BED_MINUTES: inBed,
        SLEEP_EFFICIENCY: Math.floor((100 * asleep) / inBed + 0.5),
        SLEEP_DEEP_MINUTES: stage('DEEP'),
        SLEEP_LIGHT_MINUTES: stage('LIGHT'),
        SLEEP_REM_MINUTES: stage('REM'),
        SLEEP_AWAKE_MINUTES: total((s) => s.minutesAwake),
      };
    }
  }
}

function expectedRows(kind: Kind, start: string, end: string): DataRow[] {
  const out: DataRow[] = [];
  for (let d = toEpochDay(parseDay(start)); d <= toEpochDay(parseDay(end)); d++) {
    const day = fromEpochDay(d);
    const values = valuesOf(kind, day);
    if (!values) continue;
    const empty = Object.fromEntries(DATA_COLUMNS.map((c) => [c, null]));
    out.push({ ACCOUNT: '4815162342', DAY: isoDate(day), ...empty, ...values });
  }
  return out;
}

function parseDay(iso: string): CivilDate {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

/** Requests the Health API stand-in saw since the last clear, counted by path. */
async function healthRequests(): Promise<Record<string, number>> {
  const res = await fetch(`${sb.oauth.url}/sandbox/requests`);
  const { requests } = (await res.json()) as { requests: { path: string }[] };
  const out: Record<string, number> = {};
  for (const r of requests) if (r.path.startsWith('/v4/')) out[r.path] = (out[r.path] ?? 0) + 1;
  return out;
}

async function clearRequests(): Promise<void> {
  await fetch(`${sb.oauth.url}/sandbox/requests`, { method: 'DELETE' });
}

/** Moves the OAuth stand-in's clock to the start of its next minute, so a test's requests share one. */
async function toNextMinute(): Promise<void> {
  const clock = (await (await fetch(`${sb.oauth.url}/sandbox/clock`)).json()) as { now: string };
  await oauthControl(`/sandbox/advance-clock?seconds=${60 - new Date(clock.now).getUTCSeconds()}`);
}

async function check(conn: Conn): Promise<unknown> {
  const rows = await exec(conn, 'SELECT FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() AS IDENTITY');
  const value = rows[0]?.IDENTITY;
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function isoDay(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

async function dailyStepsRows(conn: Conn, start: string, end: string): Promise<[string, number][]> {
  const rows = await exec(
    conn,
    `SELECT * FROM TABLE(FITBIT.PUBLIC.FITBIT_DAILY_STEPS('${start}'::DATE, '${end}'::DATE))`,
  );
  return rows.map((r) => [isoDay(r.DAY), Number(r.STEPS)]);
}

function expectedSteps(user: string, start: string, end: string): [string, number][] {
  const out: [string, number][] = [];
  for (
    let d = new Date(`${start}T00:00:00Z`);
    d <= new Date(`${end}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    const iso = d.toISOString().slice(0, 10);
    out.push([iso, dailySteps(user, iso)]);
  }
  return out;
}

const FITBIT_ERROR = (code: string) => new RegExp(`FITBIT_CONNECT_ERROR\\[${code}\\]`);

async function objectsLeft(conn: Conn): Promise<string[]> {
  const shows: [string, string][] = [
    ['DATABASES', "SHOW DATABASES LIKE 'FITBIT'"],
    ['WAREHOUSES', "SHOW WAREHOUSES LIKE 'FITBIT%'"],
    ['INTEGRATIONS', "SHOW INTEGRATIONS LIKE 'FITBIT%'"],
    ['ROLES', "SHOW ROLES LIKE 'FITBIT%'"],
    ['USERS', "SHOW USERS LIKE 'FITBIT%'"],
    ['SECRETS', "SHOW SECRETS LIKE 'FITBIT%' IN ACCOUNT"],
    ['NETWORK RULES', "SHOW NETWORK RULES LIKE 'FITBIT%' IN ACCOUNT"],
    ['FUNCTIONS', "SHOW USER FUNCTIONS LIKE 'FITBIT%' IN ACCOUNT"],
  ];
  const left: string[] = [];
  for (const [kind, sql] of shows) {
    for (const row of await exec(conn, sql)) left.push(`${kind}: ${String(row.name)}`);
  }
  return left.sort();
}

beforeAll(async () => {
  sb = await startSandbox({
    oauthPort: 0,
    snowflakePort: 0,
    // These tests prove the handlers' answers for each token they deliver, one after another into the
    // same secret: every call refreshes with the token just written (the cached-token path is covered by
    // test/sandbox/behaviour/access-token.test.ts and test/sandbox/chain.test.ts).
    accessTokenCache: 'none',
  });
  admin = await connectAdmin();
});

afterAll(async () => {
  await destroy(admin);
  await sb?.close();
});

describe('setup-google-health', () => {
  let app: Conn;

  beforeAll(async () => {
    await oauthControl('/sandbox/reset');
    await freshAccessTokens();
    // Sandbox mode runs the whole file as one multi-statement request: do the same.
    await exec(admin, setupScript('google-health'), { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    app = await connectApp();
  }, 60_000);

  afterAll(async () => {
    await destroy(app);
  });

  it('creates every object, with the integration set up for Google', async () => {
    expect(await objectsLeft(admin)).toEqual([
      'DATABASES: FITBIT',
      'FUNCTIONS: FITBIT_CONNECTION_CHECK',
      'FUNCTIONS: FITBIT_DAILY_DATA',
      'FUNCTIONS: FITBIT_DAILY_STEPS',
      'INTEGRATIONS: FITBIT_EAI',
      'INTEGRATIONS: FITBIT_OAUTH_INTEGRATION',
      'NETWORK RULES: FITBIT_API_RULE',
      'ROLES: FITBIT_CONNECT_APP_ROLE',
      'ROLES: FITBIT_READER',
      'SECRETS: FITBIT_OAUTH_TOKEN',
      'USERS: FITBIT_CONNECT_APP',
      'WAREHOUSES: FITBIT_WH',
    ]);
    const props = Object.fromEntries(
      (await exec(admin, 'DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION')).map((r) => [
        r.property,
        r.property_value,
      ]),
    );
    expect(props).toMatchObject({
      OAUTH_CLIENT_ID: 'sandbox-client-id',
      OAUTH_CLIENT_AUTH_METHOD: 'CLIENT_SECRET_POST',
      OAUTH_TOKEN_ENDPOINT: 'https://oauth2.googleapis.com/token',
    });
    // Exactly the app's scope set: profile.readonly is needed by nothing, so it is not allowed.
    expect(String(props.OAUTH_ALLOWED_SCOPES)).toBe(getProfile('google-health').defaultScopes.join(','));
    expect(String(props.OAUTH_ALLOWED_SCOPES)).not.toContain(PROFILE);
    expect(props).toMatchObject({ OAUTH_REFRESH_TOKEN_VALIDITY: '7776000', ENABLED: 'true' });
    expect(await integrationProps(admin, 'FITBIT_EAI')).toMatchObject({ ENABLED: 'true' });
    const rule = (await exec(admin, 'DESC NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE'))[0];
    expect(rule).toMatchObject({ mode: 'EGRESS', type: 'HOST_PORT' });
    expect(String(rule?.value_list)).toContain('health.googleapis.com');
  });

  it('lets the app user write the token and call the functions, and nothing more', async () => {
    const onSecret = (await exec(admin, `SHOW GRANTS ON SECRET ${SECRET}`)).map(
      (r) => `${r.privilege} ${r.grantee_name}`,
    );
    expect(onSecret).toEqual(
      expect.arrayContaining(['OWNERSHIP FITBIT_CONNECT_APP_ROLE', 'READ FITBIT_READER']),
    );
    const appGrants = (await exec(admin, 'SHOW GRANTS TO ROLE FITBIT_CONNECT_APP_ROLE'))
      .map((r) => `${r.privilege} ${r.granted_on} ${r.name}`)
      .sort();
    expect(appGrants).toEqual([
      'OWNERSHIP SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
      'USAGE DATABASE FITBIT',
      'USAGE FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK()',
      'USAGE FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA(VARCHAR, DATE, DATE)',
      'USAGE FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_STEPS(DATE, DATE)',
      'USAGE INTEGRATION FITBIT_EAI',
      'USAGE INTEGRATION FITBIT_OAUTH_INTEGRATION',
      'USAGE SCHEMA FITBIT.PUBLIC',
      'USAGE WAREHOUSE FITBIT_WH',
    ]);
    const denied = await failure(exec(app, 'CREATE SCHEMA FITBIT.ELSEWHERE'));
    expect(String(denied.code)).toBe('003001');
    // It may read the integrations' settings (for its status page) but not use them.
    const props = await exec(app, 'DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION');
    expect(props.some((r) => r.property === 'OAUTH_CLIENT_ID')).toBe(true);
    expect(JSON.stringify(props)).not.toContain('sandbox-client-secret');
    const noCreate = await failure(
      exec(
        app,
        'CREATE SECRET FITBIT.PUBLIC.OTHER TYPE = OAUTH2 API_AUTHENTICATION = FITBIT_OAUTH_INTEGRATION',
      ),
    );
    expect(String(noCreate.code)).toBe('003001');
  });

  it('connects: the check function returns the identity, the data function daily steps over 90+ days', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    expect(await check(app)).toEqual({ healthUserId: '4815162342', legacyUserId: '2E4RVC' });
    // 121 days: two dailyRollUp windows (90 + 31), inclusive end date.
    const rows = await dailyStepsRows(app, '2026-01-01', '2026-05-01');
    expect(rows).toHaveLength(121);
    expect(rows).toEqual(expectedSteps('alice', '2026-01-01', '2026-05-01'));
    expect(await dailyStepsRows(app, '2026-02-10', '2026-02-10')).toEqual(
      expectedSteps('alice', '2026-02-10', '2026-02-10'),
    );
  });

  it('follows nextPageToken', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    // A genuine first page of one data point (and its page token) for the first 90-day window, served in
    // place of the handler's first request: only following the token yields the other 89 days.
    const first = await fetch(`${sb.oauth.url}${ROLLUP_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        range: {
          start: { date: { year: 2026, month: 1, day: 1 } },
          end: { date: { year: 2026, month: 4, day: 1 } },
        },
        windowSizeDays: 1,
        pageSize: 1,
      }),
    });
    const page = (await first.json()) as { rollupDataPoints: unknown[]; nextPageToken?: string };
    expect(page.rollupDataPoints).toHaveLength(1);
    expect(page.nextPageToken).toBeTruthy();
    await oauthControl('/sandbox/faults', {
      path: ROLLUP_PATH,
      status: 200,
      body: JSON.stringify(page),
      count: 1,
    });
    expect(await dailyStepsRows(app, '2026-01-01', '2026-03-31')).toEqual(
      expectedSteps('alice', '2026-01-01', '2026-03-31'),
    );
  });

  it('says the token was revoked when the user revoked access', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/revoke-all');
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('token_revoked'));
    expect(err.message).toContain(`secret ${SECRET} was revoked or expired`);
    expect(err.message).toContain('re-authorize in fitbit-snowflake-connect');
    expect(err.message).not.toContain(tokens.refresh_token!);
  });

  it('says the token was revoked when the API refuses the access token', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/faults', { path: '/v4/users/me/identity', status: 401, count: 1 });
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('token_revoked'));
    expect(err.message).toMatch(/HTTP 401 UNAUTHENTICATED/);
  });

  it('names the missing scope when the user unticked it', async () => {
    // A grant of profile.readonly alone, with an integration that allows just that (so a refresh that
    // sends the allowed scopes asks for no more than was granted): the API, not the refresh, refuses.
    const tokens = await grant('google-health', { requested: [ACTIVITY, PROFILE], scopes: [PROFILE] });
    await exec(
      admin,
      `ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ALLOWED_SCOPES = ('${PROFILE}')`,
    );
    try {
      await deliver(app, tokens.refresh_token!);
      expect(await check(app)).toMatchObject({ healthUserId: '4815162342' }); // identity needs any read scope
      const err = await failure(dailyStepsRows(app, '2026-01-01', '2026-01-07'));
      expect(err.message).toMatch(FITBIT_ERROR('scope_missing'));
      expect(err.message).toContain(ACTIVITY);
    } finally {
      await allowScopes(getProfile('google-health').defaultScopes);
    }
  });

  it('says the Google account has no health profile', async () => {
    const tokens = await grant('google-health', { user: 'carol' });
    await deliver(app, tokens.refresh_token!);
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('account_not_linked'));
    expect(err.message).toMatch(/has no Fitbit \/ Google Health profile/);
  });

  it('says it was rate limited', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/faults', {
      path: ROLLUP_PATH,
      status: 429,
      headers: { 'Retry-After': '17' },
      count: 1,
    });
    const err = await failure(dailyStepsRows(app, '2026-01-01', '2026-01-07'));
    expect(err.message).toMatch(FITBIT_ERROR('rate_limited'));
    expect(err.message).toMatch(/retry later \(in about 17 s\)/);
  });

  it('passes other API errors on with their status', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/faults', { path: '/v4/users/me/identity', status: 500, count: 3 });
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('api_error'));
    expect(err.message).toMatch(/identity answered HTTP 500/);
  });

  describe('FITBIT_DAILY_DATA', () => {
    beforeAll(async () => {
      const tokens = await grant('google-health');
      await deliver(app, tokens.refresh_token!);
    });

    it.each(KINDS)(
      'returns %s for a range: one row a day with data, its own columns set, the rest NULL',
      async (kind) => {
        const rows = await dailyDataRows(app, kind, '2026-09-01', '2026-09-30');
        expect(rows).toEqual(expectedRows(kind, '2026-09-01', '2026-09-30'));
        expect(rows.length).toBeGreaterThan(20);
        expect(Object.keys(rows[0]!)).toEqual(['ACCOUNT', 'DAY', ...DATA_COLUMNS]);
        if (['active_minutes', 'resting_heart_rate', 'sleep'].includes(kind)) {
          expect(rows.length, 'days the device was not worn have no row').toBeLessThan(30);
        }
      },
    );

    it('pages through the window each kind allows, following every page', async () => {
      await clearRequests();
      // 90 days: 14-day windows for total calories (7 requests), one 90-day window for steps.
      expect(await dailyDataRows(app, 'calories', '2026-01-01', '2026-03-31')).toEqual(
        expectedRows('calories', '2026-01-01', '2026-03-31'),
      );
      expect(await dailyDataRows(app, 'steps', '2026-01-01', '2026-03-31')).toHaveLength(90);
      // Sleep: one 90-day window, 25 sessions a page.
      const sleep = await dailyDataRows(app, 'sleep', '2026-01-01', '2026-03-31');
      expect(sleep).toEqual(expectedRows('sleep', '2026-01-01', '2026-03-31'));
      const sessions = sleep.reduce(
        (n, r) => n + syntheticHealth.sleepSessions(ALICE, parseDay(String(r.DAY))).length,
        0,
      );
      expect(await healthRequests()).toEqual({
        '/v4/users/me/identity': 3,
        '/v4/users/me/dataTypes/total-calories/dataPoints:dailyRollUp': 7,
        '/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp': 1,
        '/v4/users/me/dataTypes/sleep/dataPoints': Math.ceil(sessions / 25),
      });
    });

    it("stays far below the per-user quota for a year's backfill of every kind", async () => {
      await toNextMinute();
      await clearRequests();
      for (const kind of KINDS) {
        expect((await dailyDataRows(app, kind, '2025-12-01', '2026-11-30')).length, kind).toBeGreaterThan(
          300,
        );
      }
      const counts = await healthRequests();
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      // 6 identity calls; 5 windows each for steps, distance, zone minutes and resting heart rate; 27 for total
      // calories; 5 windows of sleep at 25 sessions a page.
      expect(counts['/v4/users/me/dataTypes/total-calories/dataPoints:dailyRollUp']).toBe(27);
      expect(counts['/v4/users/me/dataTypes/daily-resting-heart-rate/dataPoints']).toBe(5);
      expect(total).toBeLessThan(100);
    });

    it('reads the same rows when the API leaves days without data out instead of sending empty points', async () => {
      const points = await dailyDataRows(app, 'active_minutes', '2026-07-01', '2026-09-30');
      sb.oauth.setBehaviour({ rollupEmptyWindows: 'omitted' });
      try {
        expect(await dailyDataRows(app, 'active_minutes', '2026-07-01', '2026-09-30')).toEqual(points);
      } finally {
        sb.oauth.setBehaviour({ rollupEmptyWindows: 'point' });
      }
      expect(points).toEqual(expectedRows('active_minutes', '2026-07-01', '2026-09-30'));
    });

    it('returns the new value after a late sync, and a day that had none once it arrives', async () => {
      const before = await dailyDataRows(app, 'steps', '2026-10-01', '2026-10-03');
      await oauthControl('/sandbox/late-sync', {
        user: 'alice',
        date: '2026-10-02',
        kind: 'steps',
        value: 4321,
      });
      const after = await dailyDataRows(app, 'steps', '2026-10-01', '2026-10-03');
      expect(after.map((r) => r.STEPS)).toEqual([before[0]!.STEPS, 4321, before[2]!.STEPS]);

      // A night the device was not worn, synced later.
      const range = expectedRows('sleep', '2026-08-01', '2026-08-31');
      const missing = [...Array(31).keys()]
        .map((i) => `2026-08-${String(i + 1).padStart(2, '0')}`)
        .find((d) => !range.some((r) => r.DAY === d))!;
      expect(missing).toBeDefined();
      await oauthControl('/sandbox/late-sync', { user: 'alice', date: missing, kind: 'sleep', value: 412 });
      const night = await dailyDataRows(app, 'sleep', missing, missing);
      expect(night).toMatchObject([{ DAY: missing, SLEEP_MINUTES: 412, SLEEP_IN_BED_MINUTES: 432 }]);
    });

    it('refuses an unknown kind and an end before the start as bad_request', async () => {
      const unknown = await failure(dailyDataRows(app, 'heart_rate', '2026-01-01', '2026-01-07'));
      expect(unknown.message).toMatch(FITBIT_ERROR('bad_request'));
      expect(unknown.message).toContain('use one of steps, distance, calories, active_minutes');
      const backwards = await failure(dailyDataRows(app, 'steps', '2026-01-07', '2026-01-01'));
      expect(backwards.message).toMatch(FITBIT_ERROR('bad_request'));
      expect(backwards.message).toContain('end_date 2026-01-01 is before start_date 2026-01-07');
    });

    it('names the scope an unticked kind needs, while the ticked kinds still load', async () => {
      const tokens = await grant('google-health', { scopes: [ACTIVITY, HEALTH_METRICS] });
      await allowScopes([ACTIVITY, HEALTH_METRICS]);
      try {
        await deliver(app, tokens.refresh_token!);
        expect(await dailyDataRows(app, 'resting_heart_rate', '2026-09-01', '2026-09-07')).toEqual(
          expectedRows('resting_heart_rate', '2026-09-01', '2026-09-07'),
        );
        const err = await failure(dailyDataRows(app, 'sleep', '2026-09-01', '2026-09-07'));
        expect(err.message).toMatch(FITBIT_ERROR('scope_missing'));
        expect(err.message).toContain(SLEEP);
        expect(err.message).not.toContain(tokens.refresh_token!);
      } finally {
        await allowScopes(getProfile('google-health').defaultScopes);
      }
    });

    it('says it was rate limited once the per-user quota is spent', async () => {
      const tokens = await grant('google-health');
      await deliver(app, tokens.refresh_token!);
      await toNextMinute();
      // The same user and client (Google counts per project and user): the function's token shares the count.
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${sb.oauth.url}/v4/users/me/identity`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        expect(res.status).toBe(200);
      }
      const err = await failure(dailyDataRows(app, 'distance', '2026-01-01', '2026-01-07'));
      expect(err.message).toMatch(FITBIT_ERROR('rate_limited'));
      expect(err.message).toMatch(/RESOURCE_EXHAUSTED[\s\S]*retry later \(in about \d+ s\)/);
      await oauthControl('/sandbox/advance-clock?seconds=60');
      expect(await dailyDataRows(app, 'distance', '2026-01-01', '2026-01-07')).toHaveLength(7);
    });

    it('says the token was revoked', async () => {
      const tokens = await grant('google-health');
      await deliver(app, tokens.refresh_token!);
      await oauthControl('/sandbox/revoke-all');
      const err = await failure(dailyDataRows(app, 'sleep', '2026-01-01', '2026-01-07'));
      expect(err.message).toMatch(FITBIT_ERROR('token_revoked'));
      expect(err.message).not.toContain(tokens.refresh_token!);
    });
  });

  it('can be run again after a connect: nothing bound is replaced, the secret keeps its token', async () => {
    const tokens = await grant('google-health');
    await deliver(app, tokens.refresh_token!);
    const identity = { healthUserId: '4815162342', legacyUserId: '2E4RVC' };
    expect(await check(app)).toEqual(identity);
    const before = await createdOn(admin);
    // State a replace would lose and ALTER … SET keeps: a property the script does not set and a grant it
    // does not give; and a setting the script does set, as an older version left it (profile.readonly).
    await exec(
      admin,
      'ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ACCESS_TOKEN_VALIDITY = 1800',
    );
    await exec(admin, 'GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE FITBIT_READER');
    await exec(
      admin,
      `ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ALLOWED_SCOPES = ('${ACTIVITY}', '${PROFILE}')`,
    );

    await exec(admin, setupScript('google-health'), { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');

    expect(await createdOn(admin)).toEqual(before);
    const props = await integrationProps(admin, 'FITBIT_OAUTH_INTEGRATION');
    expect(props).toMatchObject({
      OAUTH_ACCESS_TOKEN_VALIDITY: '1800',
      OAUTH_REFRESH_TOKEN_VALIDITY: '7776000',
    });
    expect(String(props.OAUTH_ALLOWED_SCOPES)).toBe(getProfile('google-health').defaultScopes.join(',')); // back to the set
    const readerGrants = (await exec(admin, 'SHOW GRANTS TO ROLE FITBIT_READER')).map(
      (r) => `${r.privilege} ${r.granted_on} ${r.name}`,
    );
    expect(readerGrants).toContain('USAGE INTEGRATION FITBIT_OAUTH_INTEGRATION');
    // No new connect: the token written before the re-run still works, refreshed now (access tokens are not
    // cached here, so none can hide a lost refresh token).
    expect(await snowflakeControl('/sandbox/token-cache')).toMatchObject({ mode: 'none' });
    expect(await check(app)).toEqual(identity);
    expect(await dailyStepsRows(app, '2026-02-10', '2026-02-10')).toHaveLength(1);
  });

  it('teardown removes everything setup created, keeping the database and warehouse unless opted in', async () => {
    const teardown = renderScript('teardown', {});
    await exec(admin, teardown, { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await objectsLeft(admin)).toEqual(['DATABASES: FITBIT', 'WAREHOUSES: FITBIT_WH']);
    await exec(admin, optInDrops(teardown), { MULTI_STATEMENT_COUNT: 0 });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await objectsLeft(admin)).toEqual([]);
  });
});

describe('setup-fitbit', () => {
  let app: Conn;

  beforeAll(async () => {
    await oauthControl('/sandbox/reset');
    await freshAccessTokens();
    // Statement by statement, as a person running one section at a time would.
    await runEach(admin, setupScript('fitbit'));
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    app = await connectApp();
  }, 60_000);

  afterAll(async () => {
    await destroy(app);
    await oauthControl('/sandbox/legacy-gone', { on: false });
  });

  it('creates every object, with Basic client authentication', async () => {
    expect(await objectsLeft(admin)).toEqual([
      'DATABASES: FITBIT',
      'FUNCTIONS: FITBIT_CONNECTION_CHECK',
      'FUNCTIONS: FITBIT_STEPS_MONTH',
      'INTEGRATIONS: FITBIT_EAI',
      'INTEGRATIONS: FITBIT_OAUTH_INTEGRATION',
      'NETWORK RULES: FITBIT_API_RULE',
      'ROLES: FITBIT_CONNECT_APP_ROLE',
      'ROLES: FITBIT_READER',
      'SECRETS: FITBIT_OAUTH_TOKEN',
      'USERS: FITBIT_CONNECT_APP',
      'WAREHOUSES: FITBIT_WH',
    ]);
    const props = Object.fromEntries(
      (await exec(admin, 'DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION')).map((r) => [
        r.property,
        r.property_value,
      ]),
    );
    expect(props).toMatchObject({
      OAUTH_CLIENT_ID: '23SBOX',
      OAUTH_CLIENT_AUTH_METHOD: 'CLIENT_SECRET_BASIC',
    });
  });

  it('connects: the check function returns the profile, the data function a month of steps as numbers', async () => {
    const tokens = await grant('fitbit');
    await deliver(app, tokens.refresh_token!);
    expect(await check(app)).toEqual({ encodedId: '2E4RVC', displayName: 'Alice' });
    const rows = await exec(app, 'SELECT FITBIT.PUBLIC.FITBIT_STEPS_MONTH() AS STEPS');
    const raw = rows[0]?.STEPS;
    const steps = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { dateTime: string; value: unknown }[];
    expect(steps.length).toBeGreaterThanOrEqual(28);
    for (const day of steps) {
      expect(typeof day.value).toBe('number');
      expect(day.value).toBe(dailySteps('alice', day.dateTime));
    }
  });

  it('can be run again without losing the token the app wrote', async () => {
    const tokens = await grant('fitbit');
    await deliver(app, tokens.refresh_token!);
    const before = await createdOn(admin);
    await runEach(admin, setupScript('fitbit'));
    expect(await check(app)).toEqual({ encodedId: '2E4RVC', displayName: 'Alice' });
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await createdOn(admin)).toEqual(before);
    expect(await integrationProps(admin, 'FITBIT_OAUTH_INTEGRATION')).toMatchObject({
      OAUTH_REFRESH_TOKEN_VALIDITY: '7776000',
      ENABLED: 'true',
    });
  });

  it('says the token was revoked when the user revoked access', async () => {
    const tokens = await grant('fitbit');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/revoke-all');
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('token_revoked'));
    expect(err.message).not.toContain(tokens.refresh_token!);
  });

  it('names the missing scope', async () => {
    const tokens = await grant('fitbit', { scopes: ['profile'] });
    await deliver(app, tokens.refresh_token!);
    const err = await failure(exec(app, 'SELECT FITBIT.PUBLIC.FITBIT_STEPS_MONTH()'));
    expect(err.message).toMatch(FITBIT_ERROR('scope_missing'));
    expect(err.message).toMatch(/needs: activity/);
  });

  it('says it was rate limited', async () => {
    const tokens = await grant('fitbit');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/faults', {
      path: '/1/user/-/activities/steps/date/today/1m.json',
      status: 429,
      count: 1,
    });
    const err = await failure(exec(app, 'SELECT FITBIT.PUBLIC.FITBIT_STEPS_MONTH()'));
    expect(err.message).toMatch(FITBIT_ERROR('rate_limited'));
  });

  it('says the legacy API is gone and to switch to google-health', async () => {
    const tokens = await grant('fitbit');
    await deliver(app, tokens.refresh_token!);
    await oauthControl('/sandbox/legacy-gone', { on: true });
    const err = await failure(check(app));
    expect(err.message).toMatch(FITBIT_ERROR('provider_gone'));
    expect(err.message).toMatch(/switch to the google-health provider/);
    await oauthControl('/sandbox/legacy-gone', { on: false });
  });

  it('teardown removes everything setup created', async () => {
    const teardown = renderScript('teardown', {});
    await runEach(admin, teardown);
    await runEach(admin, optInDrops(teardown));
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await objectsLeft(admin)).toEqual([]);
  });
});

describe('teardown in a database that existed before setup', () => {
  afterAll(async () => {
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    await exec(admin, 'DROP DATABASE IF EXISTS ANALYTICS');
    await exec(admin, 'DROP WAREHOUSE IF EXISTS ANALYTICS_WH');
  });

  it('leaves the database, its other objects and the warehouse alone', async () => {
    await exec(admin, 'USE ROLE SYSADMIN');
    await exec(admin, 'CREATE DATABASE ANALYTICS');
    await exec(admin, 'CREATE SCHEMA ANALYTICS.RAW');
    await exec(admin, 'CREATE WAREHOUSE ANALYTICS_WH');
    await exec(
      admin,
      "CREATE NETWORK RULE ANALYTICS.RAW.THEIRS MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('example.com')",
    );
    // As `SNOWFLAKE_SECRET=ANALYTICS.RAW.FITBIT_TOKEN npm run sql -- setup-… / teardown` would fill them in.
    const names = { snowflakeSecret: 'ANALYTICS.RAW.FITBIT_TOKEN', warehouse: 'ANALYTICS_WH' };
    const inputs = {
      provider: 'fitbit' as const,
      clientId: '23SBOX',
      clientSecret: 'x',
      scopes: [],
      appPublicKey: keys.publicKey,
      ...names,
    };
    await runEach(admin, renderScript('setup-fitbit', templateValues(inputs, 'setup-fitbit')));
    await runEach(admin, renderScript('teardown', templateValues(inputs, 'teardown')));
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    expect(await objectsLeft(admin)).toEqual([]);
    expect(await exec(admin, "SHOW DATABASES LIKE 'ANALYTICS'")).toHaveLength(1);
    expect(await exec(admin, "SHOW WAREHOUSES LIKE 'ANALYTICS_WH'")).toHaveLength(1);
    const rules = await exec(admin, 'SHOW NETWORK RULES IN SCHEMA ANALYTICS.RAW');
    expect(rules.map((r) => r.name)).toEqual(['THEIRS']);
  });
});

describe.each(['google-health', 'fitbit'] as const)('setup-%s run as is, without the app key', (provider) => {
  afterAll(async () => {
    const teardown = renderScript('teardown', {});
    await runEach(admin, teardown);
    await runEach(admin, optInDrops(teardown));
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
  });

  it('creates every object but the key, failing only on the last statement (as snow sql -f would)', async () => {
    // Only what the script has no default for: the OAuth client.
    const client = { client_id: CLIENTS[provider].id, client_secret: CLIENTS[provider].secret };
    const statements = splitStatements(renderScript(`setup-${provider}`, client));
    const failed: [number, string][] = [];
    for (const [i, statement] of statements.entries()) {
      try {
        await exec(admin, statement);
      } catch (err) {
        failed.push([i, `${(err as DriverError).code} ${(err as Error).message}`]);
      }
    }
    expect(failed).toEqual([
      [statements.length - 1, expect.stringMatching(/^002029 [\s\S]*Invalid RSA public key/)],
    ]);
    expect(statements.at(-1)).toMatch(/^ALTER USER FITBIT_CONNECT_APP SET\s+RSA_PUBLIC_KEY = 'PASTE_/);
    await exec(admin, 'USE ROLE ACCOUNTADMIN');
    const left = await objectsLeft(admin);
    expect(left).toContain('USERS: FITBIT_CONNECT_APP');
    expect(left).toContain('FUNCTIONS: FITBIT_CONNECTION_CHECK');
    expect(left).toHaveLength(provider === 'google-health' ? 12 : 11);
    const grants = (await exec(admin, 'SHOW GRANTS TO ROLE FITBIT_READER')).map((r) => String(r.privilege));
    expect(grants).toContain('READ'); // the last grants of the script ran
    const user = Object.fromEntries(
      (await exec(admin, 'DESC USER FITBIT_CONNECT_APP')).map((r) => [r.property, r.value]),
    );
    expect([null, 'null']).toContain(user.RSA_PUBLIC_KEY_FP);
  });
});
