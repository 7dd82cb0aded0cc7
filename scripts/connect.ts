// npm run connect [-- --no-browser] [--account <label>] [--verbose]
// The sign-in from a terminal, for an app on a server, a VM or a container (docs/running-on-a-server.md).
// Only wiring: the command line (server/cli/args.ts), the app's configuration and services
// (server/cli/services.ts), the account's flow (server/cli/account.ts) and the conversation
// (server/cli/run.ts). Exit 0 connected and checked, 1 written but not proven, 2 nothing written.

import { flowFor } from '../server/cli/account.js';
import { CONNECT_FLAGS, CONNECT_USAGE, parseConnectArgs } from '../server/cli/args.js';
import { errorLines } from '../server/cli/print.js';
import { EXIT, runConnect } from '../server/cli/run.js';
import { type ConnectApp, openConnectApp } from '../server/cli/services.js';
import { ConfigError } from '../server/config/index.js';
import { isAppError } from '../server/errors/index.js';
import { openInBrowser } from '../server/launch.js';
import { CALLBACK_PARAMS } from '../server/routes/connect.js';
import { scrubTokens } from '../server/security/redaction.js';
import { flagsNpmTook, npmTookMessage } from './npm-args.js';

async function main(argv: string[]): Promise<number> {
  // `npm run connect --no-browser` without `--`: npm took the flag, and the command would open a browser.
  const took = flagsNpmTook(process.env, { script: 'connect', flags: CONNECT_FLAGS });
  if (took.length > 0) {
    process.stderr.write(`${npmTookMessage('connect', took, CONNECT_FLAGS)}\n${CONNECT_USAGE}\n`);
    return EXIT.nothing;
  }
  const parsed = parseConnectArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n${CONNECT_USAGE}\n`);
    return EXIT.nothing;
  }
  const { help, noBrowser, account, verbose } = parsed.args;
  if (help) {
    process.stdout.write(`${CONNECT_USAGE}\n`);
    return EXIT.connected;
  }

  // Ctrl-C before the terminal's reader takes it over (or when the input is not a terminal), and SIGTERM.
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let app: ConnectApp;
  try {
    app = await openConnectApp({ verbose });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(
        `The app’s configuration is not valid.\n${e.message}\nSee docs/configuration.md.\n`,
      );
      return EXIT.nothing;
    }
    throw e;
  }
  try {
    const { config, services, sandbox, log } = app;
    if (sandbox)
      process.stdout.write(
        'Sandbox mode (no OAuth or Snowflake settings): the stand-ins run inside this command, and stop with it.\nNothing real is touched.\n\n',
      );
    let picked: Awaited<ReturnType<typeof flowFor>>;
    try {
      picked = await flowFor(services, account);
    } catch (e) {
      if (!isAppError(e)) throw e;
      process.stdout.write(errorLines(e));
      return EXIT.nothing;
    }
    return await runConnect({
      flow: picked.flow,
      redirectUri: config.oauth.redirectUri,
      provider: services.profile.displayName,
      callbackParamsAfterCode: services.profile.callbackParamsAfterCode,
      secret: picked.secret,
      callbackParams: CALLBACK_PARAMS,
      mode: noBrowser ? 'paste' : 'browser',
      input: process.stdin,
      output: process.stdout,
      openBrowser: (url) => openInBrowser(url, config.dataDir, log),
      signal: interrupted.signal,
      stopSignIns: () => services.stopSignIns(),
      flowTtlMs: config.flowTtlMs,
      clock: services.clock,
    });
  } finally {
    // Every token ends written, revoked or forgotten (and recorded) before the process goes.
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm run connect failed: ${scrubTokens(String((e as Error).stack ?? e))}\n`);
    process.exit(EXIT.nothing);
  },
);
