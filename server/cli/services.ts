// The command's app: the configuration read exactly as `npm start` reads it (.env, then the environment),
// sandbox mode when nothing is configured (the stand-ins start inside the command, provisioned with the
// sql/ scripts, as npm start does), and the same services. Only the log differs: it goes to stderr, and
// only when asked for, so the terminal shows the conversation.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { type AppConfig, loadDotEnv, parseConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import type { SandboxMode } from '../sandbox-mode.js';
import { buildServices, type Services } from '../services.js';

export interface ConnectApp {
  config: AppConfig;
  services: Services;
  log: Logger;
  /** Set in sandbox mode: the stand-ins, which stop with the command. */
  sandbox?: SandboxMode;
  /** Ends custody (held tokens disposed of), closes the Snowflake session, stops the stand-ins. */
  close(): Promise<void>;
}

/** Throws ConfigError for a configuration the app would refuse too. */
export async function openConnectApp(opts: {
  verbose: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<ConnectApp> {
  const env = opts.env ?? process.env;
  if (env === process.env) loadDotEnv();
  const parsed = parseConfig(env);
  const log = createLogger(
    opts.verbose ? parsed.base.logLevel : 'error',
    pino.destination({ dest: 2, sync: true }),
  );
  let sandbox: SandboxMode | undefined;
  let config: AppConfig;
  if (parsed.sandbox) {
    // Loaded only here, as in server/main.ts: live mode never loads the stand-ins.
    const { resetSandboxHistory, startSandboxMode } = await import('../sandbox-mode.js');
    // Stand-ins on free ports and a data directory of the command's own: a sandbox `npm start` may be
    // running beside it, with its ports and its history.
    const dataDir = path.join(parsed.base.dataDir, 'sandbox-connect');
    // The accounts added on a sandbox app's Setup page (labels only): its stand-ins get their objects too.
    const registered = path.join(parsed.base.dataDir, 'sandbox', 'accounts.json');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (existsSync(registered)) copyFileSync(registered, path.join(dataDir, 'accounts.json'));
    sandbox = await startSandboxMode(parsed.base, log, { oauthPort: 0, snowflakePort: 0, dataDir });
    config = sandbox.config;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    resetSandboxHistory(config.dataDir);
  } else config = parsed.config;
  // No CHECK_INTERVAL schedule: the command runs the check after its own write; scheduling is the app's.
  const services = buildServices({ ...config, checkIntervalSeconds: 0 }, log);
  return {
    config,
    services,
    log,
    sandbox,
    async close() {
      await services.shutdown();
      await sandbox?.close();
      log.flush();
    },
  };
}
