// Sandbox mode: with no OAuth or Snowflake settings the app starts both stand-ins in-process,
// provisions the Snowflake stand-in by running the very setup script a user would run (sql/), and
// signs in as the least-privileged service user it creates, with a key pair made for this run.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../sandbox/index.js';
import type { AppConfig, BaseConfig, SnowflakeConnectionConfig } from './config.js';
import { configFromBase } from './config.js';
import type { Logger } from './log.js';
import { getProfile } from './providers/index.js';
import { templateValues } from './setup/inputs.js';
import { renderScript, splitStatements } from './setup/templates.js';
import { SnowflakeSession } from './snowflake/session.js';
import { parseQualifiedName } from './snowflake/sql.js';

export const SANDBOX_CLIENTS = {
  'google-health': { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' },
  fitbit: { clientId: '23SBOX', clientSecret: 'sandbox-fitbit-secret' },
} as const;
const SEEDED_REDIRECTS = ['http://localhost:8787/callback', 'http://127.0.0.1:8787/callback'];

export interface SandboxMode {
  config: AppConfig;
  oauthUrl: string;
  snowflakeUrl: string;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
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
  } = {},
): Promise<SandboxMode> {
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    oauthPort: opts.oauthPort ?? Number(process.env.SANDBOX_OAUTH_PORT ?? 8790),
    snowflakePort: opts.snowflakePort ?? Number(process.env.SANDBOX_SNOWFLAKE_PORT ?? 8791),
  });
  try {
    const profile = getProfile(base.provider);
    const client = SANDBOX_CLIENTS[base.provider];
    let clientId: string = client.clientId;
    if (!SEEDED_REDIRECTS.includes(base.redirectUri)) {
      // A non-default port or host: register a client for exactly this redirect URI.
      clientId = `sandbox-app-${base.provider}`;
      sandbox.oauth.addClient({
        profile: base.provider,
        clientId,
        clientSecret: client.clientSecret,
        name: 'fitbit-snowflake-connect (sandbox)',
        redirectUris: [base.redirectUri],
        ...(base.provider === 'google-health'
          ? { status: base.clientStatus }
          : { appType: 'server' as const }),
      });
    } else if (base.provider === 'google-health' && base.clientStatus === 'testing') {
      clientId = 'sandbox-testing-client-id';
    }
    const clientSecret =
      clientId === 'sandbox-testing-client-id' ? 'sandbox-testing-client-secret' : client.clientSecret;

    const keys = opts.keyPair ?? newAppKeyPair();
    const script = renderScript(
      `setup-${base.provider}`,
      templateValues(
        {
          provider: base.provider,
          clientId,
          clientSecret,
          scopes: base.scopes,
          appPublicKey: keys.publicKey,
        },
        `setup-${base.provider}`,
      ),
    );
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
      for (const stmt of splitStatements(script)) await admin.execute(stmt);
    } finally {
      await admin.close();
    }
    log.info(
      { oauth: sandbox.oauth.url, snowflake: sandbox.snowflake.url },
      'sandbox provisioned with sql/setup script',
    );

    const connection: SnowflakeConnectionConfig = {
      account: 'sandbox',
      username: 'FITBIT_CONNECT_APP',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: keys.privateKey,
      role: 'FITBIT_CONNECT_APP_ROLE',
      warehouse: 'FITBIT_WH',
      accessUrl: sandbox.snowflake.url,
      source: 'sandbox (key pair made for this run)',
    };
    const o = sandbox.oauth.url;
    const dataDir = opts.dataDir ?? path.join(base.dataDir, 'sandbox');
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
        secret: parseQualifiedName('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN'),
        checkFunction: parseQualifiedName('FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK'),
        dataFunction:
          base.provider === 'google-health'
            ? parseQualifiedName('FITBIT.PUBLIC.FITBIT_DAILY_STEPS')
            : undefined,
      },
      dataDir,
    });
    return {
      config,
      oauthUrl: o,
      snowflakeUrl: sandbox.snowflake.url,
      sandbox,
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
