// npm run verify-live against the stand-ins: under both values of every switch it settles, its report
// must give the stand-in's answer; afterwards no temporary object is left and every token it obtained is
// dead (or, when the app's secret holds a token of that account, deliberately alive); and nothing it
// prints contains any code, token or client secret the OAuth stand-in ever issued. Real openid-client and
// snowflake-sdk over real sockets; the consents are given through the stand-in's consent page.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import type { SnowflakeBehaviourChange } from '../../sandbox/snowflake/behaviour.js';
import type { BaseConfig, SnowflakeConnectionConfig } from '../../server/config/index.js';
import { createLogger } from '../../server/log.js';
import { getProfile } from '../../server/providers/index.js';
import { newAppKeyPair, type SandboxMode, startSandboxMode } from '../../server/sandbox-mode.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';
import { parseQualifiedName } from '../../server/snowflake/sql.js';
import { Redactor } from '../../server/verify/redactor.js';
import { type Answer, exitCode, type Report, renderText } from '../../server/verify/report.js';
import { runVerify, type VerifyOptions } from '../../server/verify/run.js';
import type { Place } from '../../server/verify/scratch.js';

const ALICE = '4815162342';
const keyPair = newAppKeyPair();
const log = createLogger('silent');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Bench {
  mode: SandboxMode;
  dataDir: string;
  port: number;
  admin: SnowflakeConnectionConfig;
  /** Runs SQL on the Snowflake stand-in as its administrator. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Both stand-ins provisioned as sandbox mode provisions them, on a redirect URI of their own. */
async function startBench(switches: SnowflakeBehaviourChange = {}): Promise<Bench> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-verify-test-'));
  const port = await freePort();
  const base: BaseConfig = {
    host: '127.0.0.1',
    port,
    provider: 'google-health',
    redirectUri: `http://127.0.0.1:${port}/callback`,
    scopes: getProfile('google-health').defaultScopes,
    clientStatus: 'production',
    dataDir,
    logLevel: 'silent',
    logFormat: 'json',
    heldTokenTtlMs: 600_000,
    checkIntervalSeconds: 0,
    timeouts: { oauthSeconds: 5, snowflakeMs: 20_000 },
    sandboxPorts: { oauth: 0, snowflake: 0 },
  };
  const mode = await startSandboxMode(base, log, { oauthPort: 0, snowflakePort: 0, dataDir, keyPair });
  mode.sandbox.snowflake.setBehaviour(switches);
  const admin: SnowflakeConnectionConfig = {
    account: 'sandbox',
    username: 'SANDBOX_ADMIN',
    authenticator: 'SNOWFLAKE',
    password: 'sandbox',
    accessUrl: mode.snowflakeUrl,
    source: 'test',
  };
  const session = new SnowflakeSession(admin, log);
  return {
    mode,
    dataDir,
    port,
    admin,
    sql: (text) => session.execute(text),
    async close() {
      await session.close();
      await mode.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Run {
  report: Report;
  /** The progress lines and both renderings of the report: everything a person would see. */
  printed: string;
}

/** One in-process run; `users` consent in turn ('alice' then `second`). */
async function verify(
  b: Bench,
  o: { second?: string; signal?: AbortSignal; browser?: VerifyOptions['browser']; place?: Place } = {},
): Promise<Run> {
  const lines: string[] = [];
  const users = ['alice', o.second ?? 'bob'];
  let n = 0;
  const redactor = new Redactor();
  const report = await runVerify({
    config: b.mode.config,
    mode: 'sandbox',
    admin: b.admin,
    place: o.place ?? { database: 'FITBIT' },
    browser:
      o.browser ??
      (async (url) => {
        const location = await consent(url, { user: users[n++] });
        await fetch(location);
      }),
    tell: (l) => lines.push(l),
    signal: o.signal,
    redactor,
    sleep: async () => {},
    log,
  });
  const printed = [...lines, renderText(report), JSON.stringify(report)].join('\n');
  return { report, printed };
}

const answers = (r: Report): Record<string, Answer> =>
  Object.fromEntries(r.findings.map((f) => [f.id, f.answer]));

/** Nothing printed holds any code, token or client secret the OAuth stand-in issued. */
function expectNoSecrets(b: Bench, printed: string): void {
  const issued = b.mode.sandbox.oauth.issuedSecrets();
  expect(issued.length).toBeGreaterThan(3);
  for (const s of issued) expect(printed.includes(s), 'a secret the stand-in issued was printed').toBe(false);
  expect(printed).not.toMatch(/ya29\.|1\/\/0/);
}

/** Whether a refresh token still works at the stand-in's token endpoint. */
async function alive(b: Bench, refreshToken: string): Promise<boolean> {
  const c = b.mode.config.oauth;
  const res = await fetch(c.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: c.clientId,
      client_secret: c.clientSecret ?? '',
    }),
  });
  return res.ok;
}

const refreshTokens = (b: Bench) => b.mode.sandbox.oauth.issuedSecrets().filter((s) => s.startsWith('1//'));

/** No FITBIT_CONNECT_VERIFY_ object is left in the stand-in. */
async function expectNothingLeft(b: Bench, r: Report): Promise<void> {
  expect(r.objects.leftBehind).toEqual([]);
  expect(r.objects.dropped.sort()).toEqual([...r.objects.created].sort());
  expect(await b.sql("SHOW INTEGRATIONS LIKE 'FITBIT_CONNECT_VERIFY_%'")).toEqual([]);
  expect(await b.sql("SHOW SCHEMAS LIKE 'FITBIT_CONNECT_VERIFY_%' IN DATABASE FITBIT")).toEqual([]);
  for (const kind of ['SECRETS', 'NETWORK RULES', 'USER FUNCTIONS'])
    expect(await b.sql(`SHOW ${kind} LIKE 'FITBIT_CONNECT_VERIFY_%' IN SCHEMA FITBIT.PUBLIC`)).toEqual([]);
}

describe('verify-live under each switch: the report gives the stand-in’s answer', () => {
  const cases: {
    name: string;
    switches: SnowflakeBehaviourChange;
    second: string;
    expected: Record<string, Answer>;
  }[] = [
    {
      name: 'the cautious defaults, switching accounts at the second sign-in',
      switches: {},
      second: 'bob',
      expected: {
        'access-token-cache': 'yes',
        'alter-secret-clears-cache': 'no',
        'account-switch': 'no',
        'refresh-token-validity': 'yes',
        'alter-secret-binds': 'no',
        'integration-replace': 'no',
        'refresh-scope': 'yes',
        'query-history-redaction': 'no',
      },
    },
    {
      name: 'every switch the other way, re-authorizing the same account',
      switches: {
        accessTokenCache: 'none',
        alterSecretClearsAccessToken: true,
        refreshTokenValidity: 'ignored',
        alterSecretBinds: 'accepted',
        integrationReplaceUnbindsSecret: false,
        scopeOnRefresh: 'omitted',
        queryHistoryRedaction: 'redacted',
      },
      second: 'alice',
      expected: {
        'access-token-cache': 'no',
        'alter-secret-clears-cache': 'not applicable',
        'account-switch': 'not tested',
        'refresh-token-validity': 'no',
        'alter-secret-binds': 'yes',
        'integration-replace': 'yes',
        'refresh-scope': 'no',
        'query-history-redaction': 'yes',
      },
    },
    {
      name: 'the access token kept, and cleared by ALTER SECRET',
      switches: { accessTokenCache: 'until-expiry', alterSecretClearsAccessToken: true },
      second: 'bob',
      expected: { 'access-token-cache': 'yes', 'alter-secret-clears-cache': 'yes', 'account-switch': 'yes' },
    },
    {
      name: 'no access token kept, and ALTER SECRET clearing nothing',
      switches: { accessTokenCache: 'none', alterSecretClearsAccessToken: false },
      second: 'bob',
      expected: {
        'access-token-cache': 'no',
        'alter-secret-clears-cache': 'not applicable',
        'account-switch': 'yes',
      },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const b = await startBench(c.switches);
      try {
        const before = await b.sql('DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
        const { report, printed } = await verify(b, { second: c.second });
        expect(report.setupError).toBeUndefined();
        expect(answers(report)).toMatchObject(c.expected);
        expect(report.findings).toHaveLength(8);
        expect(exitCode(report)).toBe(0);
        expect(report.versions).toMatchObject({ snowflake: '9.0.0', node: process.version });
        await expectNothingLeft(b, report);
        // Every token it obtained is dead, and the report says so.
        expect(report.tokens.every((t) => t.outcome === 'revoked')).toBe(true);
        expect(refreshTokens(b).length).toBe(2);
        for (const t of refreshTokens(b)) expect(await alive(b, t)).toBe(false);
        // The app's own secret was not touched.
        expect(await b.sql('DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN')).toEqual(before);
        expectNoSecrets(b, printed);
      } finally {
        await b.close();
      }
    });
  }
});

describe('verify-live cleans up and keeps custody', () => {
  it("does not revoke a token of the account the app's secret holds (revoking would end the app's grant too); --schema", async () => {
    const b = await startBench();
    try {
      writeFileSync(
        path.join(b.dataDir, 'events.jsonl'),
        `${JSON.stringify({ at: new Date().toISOString(), type: 'connect', ok: true, provider: 'google-health', userId: ALICE, secret: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN' })}\n`,
      );
      // In a scratch schema that exists (here the app's own): only the run's own objects go.
      const { report, printed } = await verify(b, {
        second: 'bob',
        place: { schema: parseQualifiedName('FITBIT.PUBLIC', 2) },
      });
      expect(answers(report)['access-token-cache']).toBe('yes');
      expect(report.objects.created).toHaveLength(12);
      await expectNothingLeft(b, report);
      expect(await b.sql('SHOW SECRETS IN SCHEMA FITBIT.PUBLIC')).toEqual([
        expect.objectContaining({ name: 'FITBIT_OAUTH_TOKEN' }),
      ]);
      expect(report.tokens).toEqual([
        expect.objectContaining({
          account: 'account 1',
          outcome: 'not revoked',
          detail: expect.stringMatching(/would disconnect the app/),
        }),
        expect.objectContaining({ account: 'account 2', outcome: 'revoked' }),
      ]);
      const [aliceToken, bobToken] = refreshTokens(b);
      expect(await alive(b, aliceToken!)).toBe(true);
      expect(await alive(b, bobToken!)).toBe(false);
      expectNoSecrets(b, printed);
    } finally {
      await b.close();
    }
  });

  it('stops at Ctrl-C during the second sign-in: objects dropped, the first token revoked, exit 130', async () => {
    const b = await startBench();
    try {
      const stop = new AbortController();
      let n = 0;
      const { report, printed } = await verify(b, {
        signal: stop.signal,
        browser: async (url) => {
          if (++n === 2) {
            stop.abort(new Error('interrupted'));
            return;
          }
          await fetch(await consent(url, { user: 'alice' }));
        },
      });
      expect(report.interrupted).toBe(true);
      expect(exitCode(report)).toBe(130);
      expect(report.findings).toEqual([]);
      expect(report.objects.created.length).toBeGreaterThan(10);
      await expectNothingLeft(b, report);
      expect(report.tokens).toEqual([expect.objectContaining({ tokens: 1, outcome: 'revoked' })]);
      for (const t of refreshTokens(b)) expect(await alive(b, t)).toBe(false);
      expectNoSecrets(b, printed);
    } finally {
      await b.close();
    }
  });

  it("fails setup (exit 2) with what the administrator's role lacks, before anyone signs in", async () => {
    const b = await startBench();
    try {
      let signIns = 0;
      const report = await runVerify({
        config: b.mode.config,
        mode: 'sandbox',
        // The app's own narrow role: it may not create schemas or integrations.
        admin: b.mode.config.snowflake.connection,
        place: { database: 'FITBIT' },
        browser: () => {
          signIns++;
        },
        tell: () => {},
        log,
      });
      expect(exitCode(report)).toBe(2);
      expect(report.setupError?.what).toMatch(
        /Snowflake refused CREATE SCHEMA FITBIT\.FITBIT_CONNECT_VERIFY_/,
      );
      expect(report.setupError?.why).toMatch(/CREATE INTEGRATION on the account/);
      expect(signIns).toBe(0);
      expect(report.tokens).toEqual([]);
      await expectNothingLeft(b, report);
    } finally {
      await b.close();
    }
  });
});

describe('npm run verify-live (the script, as a child process)', () => {
  let b: Bench;
  let home: string;
  beforeAll(async () => {
    b = await startBench({ alterSecretBinds: 'accepted' });
    home = mkdtempSync(path.join(tmpdir(), 'fsc-verify-home-'));
  });
  afterAll(async () => {
    await b?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs the script with only the given environment; consents whenever it prints a sign-in address. */
  function script(
    args: string[],
    env: Record<string, string>,
    users: string[] = [],
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const child: ChildProcess = spawn(tsx, [path.resolve('scripts/verify-live.ts'), ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr!.on('data', (d) => {
      const text = String(d);
      stderr += text;
      for (const m of text.matchAll(/^ {2}(http:\/\/\S+\/o\/oauth2\/v2\/auth\?\S+)$/gm)) {
        const user = users.shift();
        if (user) void consent(m[1]!, { user }).then((loc) => fetch(loc));
      }
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('with a live configuration and --admin-connection from connections.toml: a report, exit 0, no secret printed', async () => {
    const o = b.mode.oauthUrl;
    const keyFile = path.join(home, 'app_key.p8');
    writeFileSync(keyFile, keyPair.privateKey, { mode: 0o600 });
    const toml = path.join(home, 'connections.toml');
    writeFileSync(
      toml,
      '[admin]\naccount = "sandbox"\nuser = "SANDBOX_ADMIN"\npassword = "sandbox"\nrole = "ACCOUNTADMIN"\nwarehouse = "SANDBOX_WH"\n',
    );
    chmodSync(toml, 0o600);
    const c = b.mode.config;
    const env = {
      OAUTH_CLIENT_ID: c.oauth.clientId,
      OAUTH_CLIENT_SECRET: c.oauth.clientSecret ?? '',
      OAUTH_REDIRECT_URI: c.oauth.redirectUri,
      OAUTH_AUTHORIZATION_URL: `${o}/o/oauth2/v2/auth`,
      OAUTH_TOKEN_URL: `${o}/token`,
      OAUTH_REVOCATION_URL: `${o}/revoke`,
      HEALTH_API_URL: o,
      OAUTH_ISSUER: o,
      SNOWFLAKE_ACCOUNT: 'sandbox',
      SNOWFLAKE_USER: 'FITBIT_CONNECT_APP',
      SNOWFLAKE_PRIVATE_KEY_FILE: keyFile,
      SNOWFLAKE_ROLE: 'FITBIT_CONNECT_APP_ROLE',
      SNOWFLAKE_WAREHOUSE: 'FITBIT_WH',
      SNOWFLAKE_ACCESS_URL: b.mode.snowflakeUrl,
      SNOWFLAKE_SECRET: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
      SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
      SNOWFLAKE_HOME: home,
      DATA_DIR: path.join(home, 'data'),
    };
    const run = await script(['--admin-connection', 'admin', '--no-browser'], env, ['alice', 'bob']);
    expect(run.stderr).toMatch(/Sign-in 2 of 2/);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^fitbit-snowflake-connect verify-live report \(your Google client and Snowflake account\)/,
    );
    expect(run.stdout).toMatch(
      /5\. Does ALTER SECRET … SET OAUTH_REFRESH_TOKEN = \? accept a bind variable\?\n {3}YES/,
    );
    expect(run.stdout).toMatch(/Temporary objects: 13 created, 13 dropped \(nothing left behind\)\./);
    expect(run.stdout).toMatch(/Attach this report to an issue/);
    expectNoSecrets(b, run.stdout + run.stderr);
    expect(await b.sql("SHOW INTEGRATIONS LIKE 'FITBIT_CONNECT_VERIFY_%'")).toEqual([]);

    // Without --admin-connection: a usage error naming the privileges, exit 2, and nothing created.
    const bare = await script([], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--admin-connection is missing/);
    expect(bare.stderr).toMatch(/CREATE INTEGRATION on the account/);
  });

  it('in sandbox mode (no settings) it says it needs a live configuration, or --sandbox', async () => {
    const run = await script([], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs a live configuration.*--sandbox/s);
  });

  it('--sandbox --json: the stand-ins’ report as JSON, exit 0', async () => {
    const run = await script(['--sandbox', '--json'], {});
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.mode).toBe('sandbox');
    expect(report.findings.map((f) => f.answer)).not.toContain('unknown');
    expect(run.stdout + run.stderr).not.toMatch(/ya29\.|1\/\/0|sandbox-client-secret/);
  });
});
