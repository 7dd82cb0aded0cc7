// npm run status [-- --url http://127.0.0.1:8787] [--json] [--max-age 26h]
// Prints the status checks and exits 0 (connected), 1 (needs attention: a warning, not connected, needs
// re-authorization, or the last proof older than --max-age) or 2 (broken or misconfigured), for cron and
// monitoring: a revocation shows up within a schedule interval without anyone clicking.
//   --url  asks a running app's /status.json (the only way to check sandbox mode, whose stand-ins live
//          inside the app's process). Every app asks for a token, so ADMIN_TOKEN from the environment is
//          sent as a bearer token: start the app with the same ADMIN_TOKEN (without one it makes a new
//          launch token at every start); the request gives up after 10 s.
//   without --url: loads the configuration as the app does (.env, environment) and runs the cheap
//          checks itself (no warehouse); the end-to-end result comes from the app's event log.
//   --max-age  how old the last passing end-to-end check may be (default: the app's PROOF_MAX_AGE).

import { accountStatus } from '../server/accounts/account-status.js';
import { DEFAULT_ACCOUNT } from '../server/accounts/names.js';
import { AccountRegistry } from '../server/accounts/registry.js';
import {
  type AppConfig,
  ConfigError,
  loadDotEnv,
  parseConfig,
  SETTINGS,
  settingText,
} from '../server/config/index.js';
import { errorText } from '../server/errors/catalog.js';
import { createLogger } from '../server/log.js';
import { getProfile } from '../server/providers/index.js';
import { SnowflakeSession } from '../server/snowflake/session.js';
import { accountsView, countedRows } from '../server/status/accounts-report.js';
import { EventLog } from '../server/status/events.js';
import { type Proof, withinMaxAge } from '../server/status/proof.js';
import { exitCodeFor, type Overall } from '../server/status/service.js';
import { formatSpan } from '../server/time-format.js';
import { flagsNpmTook, npmTookMessage } from './npm-args.js';
import { parseStatusArgs, STATUS_FLAGS, USAGE } from './status-args.js';

interface PrintedCheck {
  id: string;
  status: string;
  detail: string;
  fix: string | null;
  fixSql?: string | null;
  at?: string;
}
/** The daily load, as /status.json gives it (older apps give none). */
interface PrintedPipeline {
  installed: boolean | null;
  state: string | null;
  next: string;
  readText: string;
  lastLoad: {
    outcome: string;
    finishedAt: string | null;
    rowsChanged: number | null;
    latestDay: string | null;
  } | null;
  failure: { title: string } | null;
}
/** One account's line, as /status.json's `accounts` gives it. */
interface PrintedAccount {
  label: string;
  person: string | null;
  secret: string;
  overall: Overall;
  ready: boolean;
  missing: string[];
  lastConnect: { at: string; userId: string | null; email: string | null } | null;
  proofText: string;
}
interface PrintedReport {
  overall: Overall;
  /** Whose report this is, and every account's line (an app with one account gives null). */
  account?: string;
  accounts?: PrintedAccount[] | null;
  worst?: Overall;
  pipeline?: PrintedPipeline | null;
  generatedAt?: string;
  provider?: string;
  secret?: string;
  lastConnect?: unknown;
  proof: Proof;
  checks: PrintedCheck[];
}

const OVERALLS: Overall[] = [
  'connected',
  'unproven',
  'warning',
  'not_connected',
  'needs_reauth',
  'cached_token',
  'misconfigured',
  'error',
];

function print(r: PrintedReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  // UNKN: Snowflake answered in a shape the app could not read (it counts like a warning).
  const mark = { ok: 'ok  ', warning: 'WARN', failed: 'FAIL', unknown: 'UNKN' } as Record<string, string>;
  // The verdict with the age of its proof: "connected, last proven 3 h ago".
  const proof = r.lastConnect ? `, ${r.proof.text}` : '';
  const lines = [`overall: ${r.overall}${proof}${r.secret ? ` (${r.provider}, secret ${r.secret})` : ''}`];
  if (r.account && r.account !== DEFAULT_ACCOUNT) lines[0] = `account ${r.account}: ${lines[0]}`;
  if (r.pipeline) lines.push(`daily load: ${pipelineLine(r.pipeline)}`);
  for (const c of r.checks) {
    lines.push(`[${mark[c.status] ?? c.status}] ${c.id}: ${c.detail}`);
    if (c.status !== 'ok' && c.fix) lines.push(`       fix: ${c.fix}`);
    if (c.status !== 'ok' && c.fixSql) for (const l of c.fixSql.split('\n')) lines.push(`       ${l}`);
  }
  if (r.accounts && r.accounts.length > 1) {
    lines.push(`accounts (worst: ${r.worst ?? r.overall}):`);
    for (const a of r.accounts) lines.push(`  ${accountLine(a)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** An account in one line: label (person), verdict, who, secret; or what its setup still lacks. */
function accountLine(a: PrintedAccount): string {
  const name = a.person ? `${a.label} (${a.person})` : a.label;
  const who = a.lastConnect
    ? `connected as ${a.lastConnect.email ?? a.lastConnect.userId}, ${a.proofText}`
    : 'nobody connected yet';
  const setup = a.ready
    ? ''
    : `; setup not run yet (Snowflake does not show ${a.missing.join(', ')}): npm run sql -- add-account account=${a.label}`;
  return `${name}: ${a.overall}; ${who}; secret ${a.secret}${setup}`;
}

/** The daily load in one line: its last load as last read, or why there is none. */
function pipelineLine(p: PrintedPipeline): string {
  if (p.installed === false) return 'not set up (optional: the pipeline_task row says how)';
  if (p.installed === null) return 'could not be read (the pipeline_task row says why)';
  const l = p.lastLoad;
  const last = l
    ? `${p.failure ? p.failure.title : l.outcome}, ended ${l.finishedAt ?? '?'}: ${l.rowsChanged ?? '?'} rows changed, latest day ${l.latestDay ?? 'none'}`
    : p.readText === 'not read yet'
      ? 'last load not read yet'
      : 'no load has run yet';
  return `${last} (${p.readText}); task ${p.state ?? 'not visible'}, next run ${p.next}`;
}

const URL_TIMEOUT_SECONDS = 10;

async function fromUrl(
  url: string,
  adminToken: string | undefined,
  timeoutSeconds = URL_TIMEOUT_SECONDS,
  account?: string,
): Promise<PrintedReport> {
  const target = new URL('/status.json', url);
  if (account) target.searchParams.set('account', account);
  const headers: Record<string, string> = { accept: 'application/json' };
  // An app started with ADMIN_TOKEN opens /status.json to monitors presenting it as a bearer token.
  if (adminToken) headers.authorization = `Bearer ${adminToken}`;
  let res: Response;
  try {
    res = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new Error(
        `${target.href} did not answer within ${timeoutSeconds} s (is the app running, and is that its address?)`,
      );
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `${target.href} could not be reached: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    );
  }
  if (res.status === 401)
    throw new Error(
      adminToken
        ? `${target.href} refused the ADMIN_TOKEN (HTTP 401): set ADMIN_TOKEN to the value the app was started with`
        : `${target.href} needs the app's token (HTTP 401): set ADMIN_TOKEN in the environment, and start the app with the same ADMIN_TOKEN (without one it makes a new token at every start). In live mode, running without --url reads Snowflake directly and needs no token.`,
    );
  if (res.status === 429)
    throw new Error(
      `${target.href} answered HTTP 429: too many wrong tokens reached the app; wait ${res.headers.get('retry-after') ?? 60} seconds, and check that ADMIN_TOKEN is the app's`,
    );
  if (!res.ok) throw new Error(`${target.href} answered HTTP ${res.status}`);
  const body = (await res.json()) as PrintedReport;
  if (!OVERALLS.includes(body.overall) || !Array.isArray(body.checks))
    throw new Error(`${target.href} did not answer with this app's status`);
  if (typeof body.proof?.maxAgeSeconds !== 'number')
    throw new Error(
      `${target.href} answered without the proof's age (an older version of the app?): update the app`,
    );
  return body;
}

async function fromConfig(config: AppConfig, account = DEFAULT_ACCOUNT): Promise<PrintedReport> {
  const log = createLogger('silent');
  const session = new SnowflakeSession(config.snowflake.connection, log, config.timeouts.snowflakeMs);
  try {
    const events = new EventLog(config.dataDir);
    const registry = new AccountRegistry(config.dataDir);
    if (!registry.get(account)) throw new Error(errorText('account_unknown', { label: account }).fix);
    // Each account's status reads its own secret and functions; the events name the secret they are about.
    const shared = { profile: getProfile(config.provider), session, events, log };
    const accounts = registry.list().map((entry) => ({
      label: entry.label,
      person: entry.person,
      status: accountStatus(config, entry.label, shared).status,
    }));
    const mine = accounts.find((a) => a.label === account)!;
    const { chart: _chart, ...r } = await mine.status.report();
    if (accounts.length === 1) return { ...r, account, accounts: null, worst: r.overall };
    const view = await accountsView(accounts, new Map([[account, r]]));
    return { ...r, account, ...view };
  } finally {
    await session.close();
  }
}

async function main(argv: string[]): Promise<number> {
  // `npm run status --json` without `--`: npm kept --json, and the script would print text instead.
  const took = flagsNpmTook(process.env, { script: 'status', flags: STATUS_FLAGS });
  if (took.length > 0) {
    process.stderr.write(`${npmTookMessage('status', took, STATUS_FLAGS)}\n${USAGE}\n`);
    return 2;
  }
  const parsed = parseStatusArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n${USAGE}\n`);
    return 2;
  }
  const { help, json, url, maxAge, timeoutSeconds, account } = parsed.args;
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let report: PrintedReport;
  // The app's .env also holds ADMIN_TOKEN, which --url needs for an app started with it.
  loadDotEnv();
  if (url)
    report = await fromUrl(url, settingText(process.env, SETTINGS.ADMIN_TOKEN), timeoutSeconds, account);
  else {
    const parsed = parseConfig(process.env);
    if (parsed.sandbox) {
      process.stderr.write(
        'Sandbox mode (no OAuth or Snowflake settings): the stand-ins live inside the running app, so there is nothing to check from here.\nRun `npm start` with ADMIN_TOKEN set, then `npm run status -- --url http://127.0.0.1:8787` with the same ADMIN_TOKEN.\n',
      );
      return 2;
    }
    report = await fromConfig(parsed.config, account);
  }
  // --max-age judges the proof's age here instead of the app's PROOF_MAX_AGE.
  if (maxAge)
    report = {
      ...report,
      ...withinMaxAge(report.overall, report.proof, maxAge.seconds, `--max-age ${maxAge.text}`),
    };
  print(report, json);
  if (!json && !report.proof.fresh && report.proof.at && !maxAge)
    process.stdout.write(
      `(the limit is the app's PROOF_MAX_AGE, ${formatSpan(report.proof.maxAgeSeconds)}; --max-age sets another)\n`,
    );
  // Every account counts: the exit code is the worst account's (--max-age applies to the one printed whole).
  if (!report.accounts?.length) return exitCodeFor(report.overall);
  // The accounts that count (connected at least once), the printed one as judged here (--max-age).
  const mine = report.account ?? DEFAULT_ACCOUNT;
  return Math.max(
    ...countedRows(report.accounts).map((a) => exitCodeFor(a.label === mine ? report.overall : a.overall)),
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`status check failed: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
