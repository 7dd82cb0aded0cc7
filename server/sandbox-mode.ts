// Sandbox mode: with no OAuth or Snowflake settings the app starts both stand-ins in-process,
// provisions the Snowflake stand-in by running the very setup and pipeline scripts a user would run (sql/), and
// signs in as the least-privileged service user it creates, with a key pair made for this run.
// The stand-ins (sandbox/) are imported only when sandbox mode starts, so live mode never loads them
// (test/unit/sandbox-fence.test.ts holds that line).
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox, SandboxOptions } from '../sandbox/index.js';
import { AccountRegistry } from './accounts/registry.js';
import type { AppConfig, BaseConfig, SnowflakeConnectionConfig } from './config/index.js';
import { configFromBase } from './config/index.js';
import type { Logger } from './log.js';
import { getProfile } from './providers/index.js';
import { renderScriptForAccounts } from './setup/account-sql.js';
import { setupDefaults } from './setup/defaults.js';
import { templateValues } from './setup/inputs.js';
import { isScriptName, splitStatements } from './setup/templates.js';
import { SnowflakeSession } from './snowflake/session.js';
import { parseQualifiedName } from './snowflake/sql.js';

export interface SandboxMode {
  config: AppConfig;
  oauthUrl: string;
  snowflakeUrl: string;
  sandbox: Sandbox;
  /** Runs SQL on the Snowflake stand-in as its administrator: what an admin does for an added account. */
  runAsAdmin(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The key pair the app signs in to the Snowflake stand-in with (a new one for each run). */
export function newAppKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export async function startSandboxMode(
  base: BaseConfig,
  log: Logger,
  opts: {
    oauthPort?: number;
    snowflakePort?: number;
    dataDir?: string;
    /** Tests starting many sandboxes reuse one (making a 2048-bit key costs ~0.1-0.5 s of CPU). */
    keyPair?: { publicKey: string; privateKey: string };
    /** Tests: the stand-ins' behaviour switches and the Snowflake stand-in's clock. */
    standIns?: Omit<SandboxOptions, 'host' | 'oauthPort' | 'snowflakePort'>;
  } = {},
): Promise<SandboxMode> {
  const { startSandbox } = await import('../sandbox/index.js');
  const sandbox = await startSandbox({
    latencyModel: base.sandboxLatency ?? 'off',
    ...opts.standIns,
    host: '127.0.0.1',
    oauthPort: opts.oauthPort ?? base.sandboxPorts.oauth,
    snowflakePort: opts.snowflakePort ?? base.sandboxPorts.snowflake,
  });
  try {
    const profile = getProfile(base.provider);
    const names = setupDefaults(base.provider);
    const appClient = sandbox.oauth.appClient({
      profile: base.provider,
      redirectUri: base.redirectUri,
      status: profile.hasPublishingStatus ? base.clientStatus : undefined,
    });
    const clientId = appClient.clientId;
    const clientSecret = appClient.clientSecret ?? undefined;

    const keys = opts.keyPair ?? newAppKeyPair();
    const inputs = {
      provider: base.provider,
      clientId,
      clientSecret: clientSecret ?? '',
      scopes: base.scopes,
      dataKinds: base.dataKinds,
      appPublicKey: keys.publicKey,
    };
    // The setup script, then the daily load where the provider has one (its tables, procedure and task), as
    // a user runs them: "Load now" then lands data.
    const pipeline = `pipeline-${base.provider}`;
    const scriptNames = [`setup-${base.provider}` as const, ...(isScriptName(pipeline) ? [pipeline] : [])];
    // Accounts added before this start get their objects too: the stand-ins start empty each time.
    const dataDir = opts.dataDir ?? path.join(base.dataDir, 'sandbox');
    const labels = new AccountRegistry(dataDir).list().map((e) => e.label);
    const scripts = scriptNames.map((name) =>
      renderScriptForAccounts(name, templateValues(inputs, name), labels),
    );
    const runAsAdmin = async (sql: string): Promise<void> => {
      const admin = new SnowflakeSession(
        {
          account: 'sandbox',
          username: 'SANDBOX_ADMIN',
          authenticator: 'SNOWFLAKE',
          password: 'sandbox',
          accessUrl: sandbox.snowflake.url,
          source: 'sandbox',
        },
        log,
      );
      try {
        for (const stmt of splitStatements(sql)) await admin.execute(stmt);
      } finally {
        await admin.close();
      }
    };
    for (const script of scripts) await runAsAdmin(script);
    log.info(
      { oauth: sandbox.oauth.url, snowflake: sandbox.snowflake.url, scripts: scriptNames },
      'sandbox provisioned with the sql/ scripts',
    );

    const connection: SnowflakeConnectionConfig = {
      account: 'sandbox',
      username: names.appUser,
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: keys.privateKey,
      role: names.appRole,
      warehouse: names.warehouse,
      accessUrl: sandbox.snowflake.url,
      source: 'sandbox (key pair made for this run)',
    };
    const o = sandbox.oauth.url;
    const config: AppConfig = configFromBase(base, 'sandbox', {
      oauth: {
        issuer: o,
        clientId,
        clientSecret,
        authorizationUrl: `${o}${new URL(profile.endpoints.authorization).pathname}`,
        tokenUrl: `${o}${new URL(profile.endpoints.token).pathname}`,
        revocationUrl: `${o}${new URL(profile.endpoints.revocation).pathname}`,
        healthApiUrl: o,
      },
      snowflake: {
        connection,
        secret: parseQualifiedName(names.secret),
        checkFunction: parseQualifiedName(names.checkFunction),
        dataFunction: names.dataFunction ? parseQualifiedName(names.dataFunction) : undefined,
      },
      dataDir,
    });
    return {
      config,
      oauthUrl: o,
      snowflakeUrl: sandbox.snowflake.url,
      sandbox,
      runAsAdmin,
      close: () => sandbox.close(),
    };
  } catch (e) {
    await sandbox.close();
    throw e;
  }
}

/** The sandbox's history describes stand-ins that no longer exist after a restart: start it afresh. */
export function resetSandboxHistory(dataDir: string): void {
  writeFileSync(path.join(dataDir, 'events.jsonl'), '', { mode: 0o600 });
}
