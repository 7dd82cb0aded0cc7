// Starts the app: configuration (or sandbox mode), services, HTTP server, and a clean shutdown on
// SIGINT/SIGTERM (sign-ins and other requests finish or are answered "stopping", every token ends
// written, revoked or forgotten, held tokens are disposed of, the Snowflake session is closed).
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { answerClientErrors } from './client-errors.js';
import { type AppConfig, ConfigError, loadDotEnv, parseConfig, SETTINGS } from './config/index.js';
import { launchMessage, launchUrl, openInBrowser } from './launch.js';
import { createLogger } from './log.js';
import type { SandboxMode } from './sandbox-mode.js';
import { buildServices } from './services.js';

async function main(): Promise<void> {
  loadDotEnv();
  let parsed: ReturnType<typeof parseConfig>;
  try {
    parsed = parseConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(
        `fitbit-snowflake-connect cannot start.\n${e.message}\nSee the README, "Configuration".\n`,
      );
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(parsed.base.logLevel, undefined, parsed.base.logFormat);
  let sandbox: SandboxMode | undefined;
  let config: AppConfig;
  if (parsed.sandbox) {
    log.info('no OAuth or Snowflake settings found: starting in sandbox mode (nothing real is touched)');
    // Loaded only here: live mode never loads sandbox-mode.ts or the stand-ins behind it.
    const { resetSandboxHistory, startSandboxMode } = await import('./sandbox-mode.js');
    try {
      sandbox = await startSandboxMode(parsed.base, log);
    } catch (e) {
      const msg = (e as Error).message;
      process.stderr.write(`Sandbox mode could not start: ${msg}\n`);
      if (/EADDRINUSE/.test(msg))
        process.stderr.write(
          `A stand-in port is taken: set ${SETTINGS.SANDBOX_OAUTH_PORT.name} / ${SETTINGS.SANDBOX_SNOWFLAKE_PORT.name}, or stop \`npm run sandbox\`.\n`,
        );
      process.exit(2);
    }
    config = sandbox.config;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    resetSandboxHistory(config.dataDir);
  } else config = parsed.config;

  const services = buildServices(config, log, { sandboxAdmin: sandbox?.runAsAdmin });
  const app = createApp(services);
  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.on('error', reject);
  }).catch((e: NodeJS.ErrnoException) => {
    process.stderr.write(
      e.code === 'EADDRINUSE'
        ? `Port ${config.port} on ${config.host} is already in use. Stop the other program or set PORT (and register the matching OAUTH_REDIRECT_URI).\n`
        : `Cannot listen on ${config.host}:${config.port}: ${e.message}\n`,
    );
    return process.exit(2);
  });
  answerClientErrors(server, log);
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  // `url` is where people open the app (the redirect URI's origin, or PUBLIC_URL): the sign-in's cookies
  // belong to that host name, so a session started at the bind address (127.0.0.1) would not reach the
  // callback at localhost. `listen` is the socket.
  const listen = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  log.info(
    {
      url: config.publicOrigin,
      listen,
      mode: config.mode,
      provider: config.provider,
      secret: config.snowflake.secret.display,
    },
    'listening',
  );
  // The link with this start's launch token: on stdout for the person who started the app (never in a
  // log line), and opened in their browser when they sit at a terminal (OPEN_BROWSER).
  process.stdout.write(launchMessage(config));
  if (parsed.base.openBrowser) openInBrowser(launchUrl(config), config.dataDir, log);
  services.session.warm();

  let stopping = false;
  // While stopping, a connection whose answer has gone out is closed rather than kept alive, so the
  // server closes as soon as the last answer is sent.
  server.on('request', (_req, res) => {
    res.on('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    log.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Sign-ins first: each ends with its token written, revoked or forgotten (and recorded), and its
    // browser gets a page. Only then are the connections still open cut, at the earliest 10 s after
    // the signal (other requests get that long), and never before a page just sent can leave.
    await services.stopSignIns();
    const force = setTimeout(
      () => server.closeAllConnections(),
      Math.max(10_000 - (Date.now() - began), 1000),
    );
    force.unref();
    await closed;
    clearTimeout(force);
    await services.shutdown();
    if (sandbox) await sandbox.close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`fitbit-snowflake-connect crashed while starting: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
