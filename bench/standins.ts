// Independent stand-ins for the bench: both started in this process and provisioned with the sql/ scripts
// as sandbox mode does, and the settings that point a live-mode app at them (docs/going-live.md's .env,
// with the stand-ins' addresses in place of Google's and Snowflake's).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LatencyModelInput } from '../sandbox/index.js';
import type { BaseConfig } from '../server/config/index.js';
import { createLogger } from '../server/log.js';
import { getProfile } from '../server/providers/index.js';
import { type SandboxMode, startSandboxMode } from '../server/sandbox-mode.js';
import { SnowflakeSession } from '../server/snowflake/session.js';

export interface StandIns {
  mode: SandboxMode;
  /** The settings of a live-mode app on `appPort` that uses these stand-ins. */
  liveEnv: Record<string, string>;
  appPort: number;
  dir: string;
  /** L: every provider request, and every Snowflake statement, answers this much later (0: at once). */
  setLatency(ms: number): Promise<void>;
  setModel(model: LatencyModelInput): void;
  /** Runs SQL as the stand-in's administrator. */
  admin(sql: string): Promise<Record<string, unknown>[]>;
  snowflakeStats(): Promise<Record<string, number>>;
  /** Resolves once no statement is in flight at the Snowflake stand-in. */
  idle(): Promise<void>;
  snowflakeStatements(): Promise<{ at: string; sqlText: string; usedWarehouse: boolean }[]>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

export async function startStandIns(): Promise<StandIns> {
  const log = createLogger('silent');
  const dir = mkdtempSync(path.join(tmpdir(), 'fsc-bench-'));
  const appPort = await freePort();
  const provider = 'google-health';
  const base: BaseConfig = {
    host: '127.0.0.1',
    port: appPort,
    provider,
    redirectUri: `http://localhost:${appPort}/callback`,
    scopes: getProfile(provider).defaultScopes,
    clientStatus: 'production',
    dataDir: dir,
    logLevel: 'silent',
    logFormat: 'json',
    heldTokenTtlMs: 600_000,
    checkIntervalSeconds: 0,
    timeouts: { oauthSeconds: 10, snowflakeMs: 30_000 },
    sandboxPorts: { oauth: 0, snowflake: 0 },
  };
  const mode = await startSandboxMode(base, log, { dataDir: path.join(dir, 'standins') });
  const c = mode.config;
  const sf = c.snowflake.connection;
  const keyFile = path.join(dir, 'app_key.p8');
  writeFileSync(keyFile, sf.privateKey ?? '', { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  const liveEnv: Record<string, string> = {
    PORT: String(appPort),
    DATA_DIR: path.join(dir, 'app-data'),
    OPEN_BROWSER: 'false',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    OAUTH_CLIENT_ID: c.oauth.clientId,
    OAUTH_CLIENT_SECRET: c.oauth.clientSecret ?? '',
    OAUTH_REDIRECT_URI: base.redirectUri,
    OAUTH_AUTHORIZATION_URL: c.oauth.authorizationUrl,
    OAUTH_TOKEN_URL: c.oauth.tokenUrl,
    OAUTH_REVOCATION_URL: c.oauth.revocationUrl,
    HEALTH_API_URL: c.oauth.healthApiUrl,
    OAUTH_ISSUER: c.oauth.issuer,
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: sf.username,
    SNOWFLAKE_PRIVATE_KEY_FILE: keyFile,
    SNOWFLAKE_ROLE: sf.role ?? '',
    SNOWFLAKE_WAREHOUSE: sf.warehouse ?? '',
    SNOWFLAKE_ACCESS_URL: mode.snowflakeUrl,
    SNOWFLAKE_SECRET: c.snowflake.secret.display,
    SNOWFLAKE_CHECK_FUNCTION: c.snowflake.checkFunction.display,
    ...(c.snowflake.dataFunction ? { SNOWFLAKE_DATA_FUNCTION: c.snowflake.dataFunction.display } : {}),
  };
  const admin = new SnowflakeSession(
    {
      account: 'sandbox',
      username: 'SANDBOX_ADMIN',
      authenticator: 'SNOWFLAKE',
      password: 'sandbox',
      accessUrl: mode.snowflakeUrl,
      source: 'bench',
    },
    log,
  );
  return {
    mode,
    liveEnv,
    appPort,
    dir,
    async setLatency(ms) {
      await post(`${mode.snowflakeUrl}/sandbox/faults`, { statementLatencyMs: ms });
      // One rule without a path: every provider request, the app's and the Python functions'.
      await fetch(`${mode.oauthUrl}/sandbox/faults`, { method: 'DELETE' });
      if (ms > 0) await post(`${mode.oauthUrl}/sandbox/faults`, { latencyMs: ms });
    },
    setModel(model) {
      mode.sandbox.snowflake.setLatencyModel(model);
    },
    admin: (sql) => admin.execute(sql),
    snowflakeStats: async () =>
      (await (await fetch(`${mode.snowflakeUrl}/sandbox/stats`)).json()) as Record<string, number>,
    async idle() {
      for (let i = 0; i < 600; i++) {
        const stats = (await (await fetch(`${mode.snowflakeUrl}/sandbox/stats`)).json()) as {
          inFlight: number;
        };
        if (stats.inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    snowflakeStatements: async () =>
      (await (await fetch(`${mode.snowflakeUrl}/sandbox/statements`)).json()) as {
        at: string;
        sqlText: string;
        usedWarehouse: boolean;
      }[],
    async close() {
      await admin.close();
      await mode.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
