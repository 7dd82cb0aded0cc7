// npm run verify-live -- --admin-connection <name> [--database DB | --schema DB.SCHEMA] [--json] [--no-browser]
// npm run verify-live -- --sandbox [--json]
//
// Settles, against your own Google client and Snowflake account, what Snowflake does not document about
// the chain the app builds, and prints a report to attach to an issue (server/verify/run.ts has the steps,
// docs/going-live.md the why). It reads the app's configuration as the app does (.env, environment), signs
// in to Snowflake as the administrator connection you name (from the Snowflake CLI's connections.toml),
// asks you to sign in to Google twice, and drops every object it made and revokes every token it got,
// also on failure or Ctrl-C. It never prints a token.
//   --sandbox   runs against the local stand-ins instead (consenting by itself), to see what a report looks like.
// Exit: 0 every question answered, 1 some unknown, 2 setup failed (the message says what, why and the fix),
// 130 interrupted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadDotEnv, parseConfig } from '../server/config/index.js';
import { createLogger } from '../server/log.js';
import { parseQualifiedName, quoteIdentifierPart, SqlValueError } from '../server/snowflake/sql.js';
import { ADMIN_PRIVILEGES, adminConnection } from '../server/verify/admin-connection.js';
import { Redactor } from '../server/verify/redactor.js';
import { exitCode, type Report, renderText } from '../server/verify/report.js';
import { runVerify, type VerifyOptions } from '../server/verify/run.js';
import { dropStatements, type Place, scratchNames } from '../server/verify/scratch.js';
import { flagsNpmTook, npmTookMessage, type ScriptFlag } from './npm-args.js';

const USAGE = `usage: npm run verify-live -- --admin-connection <name> [--database DB | --schema DB.SCHEMA] [--json] [--no-browser]
       npm run verify-live -- --sandbox [--json]

  --admin-connection <name>  a connection in the Snowflake CLI's connections.toml whose role has:
${ADMIN_PRIVILEGES.map((p) => `                               - ${p}`).join('\n')}
  --database DB              where to create the temporary schema (default: the database of SNOWFLAKE_SECRET)
  --schema DB.SCHEMA         an existing scratch schema to create the temporary objects in instead
  --json                     print the report as JSON
  --no-browser               print the sign-in address without opening a browser
  --sandbox                  run against the local stand-ins (no account needed), to see what a report looks like`;

/** The options, for telling which of them npm took from `npm run verify-live --sandbox` (no `--`). */
const FLAGS: readonly ScriptFlag[] = [
  { flag: '--admin-connection', takesValue: true },
  { flag: '--database', takesValue: true },
  { flag: '--schema', takesValue: true },
  { flag: '--json' },
  { flag: '--no-browser' },
  { flag: '--sandbox' },
];

class UsageError extends Error {}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (!v || v.startsWith('--')) throw new UsageError(`${name} needs a value.`);
  return v;
}

function place(argv: string[], defaultDatabase: string): Place {
  const schema = option(argv, '--schema');
  const database = option(argv, '--database');
  if (schema && database) throw new UsageError('Give --database or --schema, not both.');
  try {
    if (schema) {
      const s = parseQualifiedName(schema, 2);
      if (s.parts.length !== 2) throw new UsageError('--schema takes DATABASE.SCHEMA.');
      return { schema: s };
    }
    if (database) {
      const d = parseQualifiedName(database, 1);
      if (d.parts.length !== 1) throw new UsageError('--database takes one name.');
      return { database: d.sql };
    }
  } catch (e) {
    if (e instanceof SqlValueError) throw new UsageError(e.message);
    throw e;
  }
  return { database: quoteIdentifierPart(defaultDatabase) };
}

/** Opens the system browser, best effort: the address is printed either way. */
function openBrowser(url: string): void {
  const [cmd, args]: [string, string[]] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser to open: the printed address is enough
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

type Prepared = Omit<VerifyOptions, 'tell' | 'signal' | 'redactor'> & { close(): Promise<void> };

/** Live: the app's configuration and the named administrator connection. */
function live(argv: string[]): Prepared {
  const parsed = parseConfig(process.env);
  if (parsed.sandbox) {
    throw new UsageError(
      'verify-live needs a live configuration (the app runs in sandbox mode: no OAuth or Snowflake settings are set). Configure the app as docs/going-live.md says, or run `npm run verify-live -- --sandbox` to see a report from the stand-ins.',
    );
  }
  const name = option(argv, '--admin-connection');
  if (!name) {
    throw new UsageError(
      "--admin-connection is missing: verify-live creates temporary integrations, secrets and a function, which the app's own role may not. Name a connection in connections.toml whose role may (see below).",
    );
  }
  const browser = argv.includes('--no-browser') ? () => {} : openBrowser;
  return {
    config: parsed.config,
    mode: 'live',
    admin: adminConnection(name, process.env),
    place: place(argv, parsed.config.snowflake.secret.parts[0]!),
    browser,
    close: async () => {},
  };
}

/** Sandbox: both stand-ins, provisioned as the app's sandbox mode does, and a consent that gives itself. */
async function sandbox(): Promise<Prepared> {
  const { startSandboxMode } = await import('../server/sandbox-mode.js');
  const { consent } = await import('../sandbox/oauth/consent.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-verify-live-'));
  // A redirect URI of its own, so a running app's port is never in the way.
  const parsed = parseConfig({
    OAUTH_REDIRECT_URI: `http://127.0.0.1:${await freePort()}/callback`,
    DATA_DIR: dataDir,
  });
  const mode = await startSandboxMode(parsed.base, createLogger('silent'), {
    oauthPort: 0,
    snowflakePort: 0,
    dataDir,
  });
  let signIns = 0;
  return {
    config: mode.config,
    mode: 'sandbox',
    admin: {
      account: 'sandbox',
      username: 'SANDBOX_ADMIN',
      authenticator: 'SNOWFLAKE',
      password: 'sandbox',
      accessUrl: mode.snowflakeUrl,
      source: 'the Snowflake stand-in',
    },
    place: { database: 'FITBIT' },
    // Alice, then Bob: the second sign-in is another account, so the account-switch question is asked too.
    browser: async (url) => {
      signIns += 1;
      const location = await consent(url, { user: signIns === 1 ? 'alice' : 'bob' });
      await fetch(location);
    },
    close: async () => {
      await mode.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const took = flagsNpmTook(process.env, { script: 'verify-live', flags: FLAGS });
  if (took.length > 0) throw new UsageError(npmTookMessage('verify-live', took, FLAGS));
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  loadDotEnv();
  const prepared = argv.includes('--sandbox') ? await sandbox() : live(argv);
  const redactor = new Redactor();
  const err = (line: string) => process.stderr.write(`${redactor.scrub(line)}\n`);
  const runId = randomBytes(4).toString('hex').toUpperCase();
  // Ctrl-C once: stop at the next step, then clean up. Twice: quit now, naming what may be left.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) {
      err('Quit before cleaning up. Run these as the administrator to drop what this run may have left:');
      for (const sql of dropStatements(scratchNames(prepared.place, runId))) err(`  ${sql};`);
      err('The refresh tokens were not revoked: they ended with this process, unused.');
      process.exit(130);
    }
    err('Stopping: dropping the temporary objects and revoking the tokens (Ctrl-C again to quit at once) …');
    stop.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: Report;
  try {
    report = await runVerify({ ...prepared, tell: err, signal: stop.signal, redactor, runId });
  } finally {
    await prepared.close();
  }
  const text = argv.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : renderText(report);
  process.stdout.write(redactor.scrub(text));
  return exitCode(report);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
    else if (e instanceof UsageError) process.stderr.write(`${e.message}\n\n${USAGE}\n`);
    else process.stderr.write(`verify-live failed: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
