// `npm run connect` in-process: the terminal's conversation (runConnect over streams) against the real app
// services on the real stand-ins (openid-client, snowflake-sdk, sockets). Paste-back: a good address, one
// from another sign-in, one pasted twice, a cut-off one, one for another redirect URI, a denial; the
// command's own listener on the redirect URI; a write that fails and is retried or cancelled; another
// account's token replacing the one the secret holds; Ctrl-C.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsentOptions, consent } from '../../sandbox/oauth/consent.js';
import { flowFor } from '../../server/cli/account.js';
import { errorLines } from '../../server/cli/print.js';
import { type ExitCode, runConnect } from '../../server/cli/run.js';
import { ManualClock } from '../../server/clock.js';
import type { BaseConfig } from '../../server/config/index.js';
import { appError, isAppError } from '../../server/errors/index.js';
import { createLogger } from '../../server/log.js';
import { getProfile } from '../../server/providers/index.js';
import { CALLBACK_PARAMS } from '../../server/routes/connect.js';
import { newAppKeyPair, type SandboxMode, startSandboxMode } from '../../server/sandbox-mode.js';
import { buildServices, type Services } from '../../server/services.js';
import type { AppEvent } from '../../server/status/events.js';
import { addAccountInSandbox, sandboxAdmin } from '../support/accounts.js';
import { freePort } from '../support/child-app.js';

interface CliApp {
  port: number;
  redirectUri: string;
  services: Services;
  sandbox: SandboxMode;
  dataDir: string;
  logs: string[];
  events(): AppEvent[];
  close(): Promise<void>;
}

let keyPair: ReturnType<typeof newAppKeyPair> | undefined;
const opened: CliApp[] = [];

/** The app's services on fresh stand-ins, with the redirect URI on a free port nothing listens on. */
async function startCliApp(opts: { clock?: ManualClock } = {}): Promise<CliApp> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-connect-cli-'));
  const logs: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const redirectUri = `http://localhost:${port}/callback`;
  const base: BaseConfig = {
    host: '127.0.0.1',
    port,
    provider: 'google-health',
    redirectUri,
    scopes: getProfile('google-health').defaultScopes,
    clientStatus: 'production',
    dataDir,
    logLevel: 'debug',
    logFormat: 'json',
    heldTokenTtlMs: 600_000,
    checkIntervalSeconds: 0,
    timeouts: { oauthSeconds: 5, snowflakeMs: 20_000 },
    sandboxPorts: { oauth: 0, snowflake: 0 },
    launchToken: 'on',
  };
  keyPair ??= newAppKeyPair();
  const sandbox = await startSandboxMode(base, log, { oauthPort: 0, snowflakePort: 0, dataDir, keyPair });
  const services = buildServices(sandbox.config, log, { clock: opts.clock });
  const app: CliApp = {
    port,
    redirectUri,
    services,
    sandbox,
    dataDir,
    logs,
    events() {
      return readFileSync(path.join(dataDir, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as AppEvent & { amends?: string })
        .filter((e) => e.amends === undefined);
    },
    async close() {
      await services.shutdown();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  opened.push(app);
  return app;
}

interface CliRun {
  done: Promise<ExitCode>;
  /** What the command printed so far. */
  text(): string;
  /** Resolves with the first match of `re` in what is printed after `from` (an offset), now or later. */
  until(re: RegExp, from?: number): Promise<RegExpExecArray>;
  /** Types a line, as the person pastes an address and presses Enter. */
  paste(line: string): void;
  end(): void;
  /** The sign-in address the command printed last (after `from`). */
  consentUrl(from?: number): Promise<string>;
}

function runCli(
  app: CliApp,
  opts: {
    mode?: 'paste' | 'browser';
    openBrowser?: (url: string) => void;
    signal?: AbortSignal;
    /** Another account's flow and secret (flowFor); the default account's when absent. */
    account?: Awaited<ReturnType<typeof flowFor>>;
  } = {},
): CliRun {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  const watchers = new Set<() => void>();
  output.on('data', (d: Buffer) => {
    text += String(d);
    for (const w of [...watchers]) w();
  });
  const until = (re: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve) => {
      const look = () => {
        const m = re.exec(text.slice(from));
        if (!m) return false;
        watchers.delete(look as () => void);
        resolve(m);
        return true;
      };
      if (!look()) watchers.add(look as () => void);
    });
  const done = runConnect({
    flow: opts.account?.flow ?? app.services.flow,
    redirectUri: app.redirectUri,
    provider: app.services.profile.displayName,
    callbackParamsAfterCode: app.services.profile.callbackParamsAfterCode,
    secret: opts.account?.secret ?? app.services.config.snowflake.secret.display,
    callbackParams: CALLBACK_PARAMS,
    mode: opts.mode ?? 'paste',
    input,
    output,
    terminal: false,
    openBrowser: opts.openBrowser,
    signal: opts.signal,
    stopSignIns: () => app.services.stopSignIns(),
    flowTtlMs: app.services.config.flowTtlMs,
    clock: app.services.clock,
  });
  return {
    done,
    text: () => text,
    until,
    paste: (line) => input.write(`${line}\n`),
    end: () => input.end(),
    async consentUrl(from = 0) {
      const m = await until(/^ {4}(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/\S+)$/m, from);
      return m[1]!;
    },
  };
}

/** The person: opens the address, chooses on the stand-in's consent page, and lands on the callback. */
const landOn = (consentUrl: string, o: ConsentOptions = {}) => consent(consentUrl, o);

/** No token, client secret or ID token the stand-in ever issued appears in `text`. */
function expectNoSecrets(app: CliApp, text: string): void {
  const secrets = app.sandbox.sandbox.oauth.issuedSecrets();
  expect(secrets.length).toBeGreaterThan(0);
  for (const s of secrets) expect(text.includes(s), 'a token or secret was printed').toBe(false);
  expect(text).not.toMatch(/ya29\.|1\/\/0/);
}

afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

describe('npm run connect --no-browser (paste-back)', () => {
  it('a good address: exchanges, writes, runs the check (each stage printed), exit 0, no token printed', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    const url = await cli.consentUrl();
    expect(cli.text()).toContain('Paste the whole address here');
    const callback = await landOn(url);
    expect(callback.startsWith(`${app.redirectUri}?`)).toBe(true);
    cli.paste(callback);
    expect(await cli.done).toBe(0);
    const out = cli.text();
    expect(out).toContain('✓ Written: the refresh token of alice@example.com (ID 4815162342)');
    expect(out).toContain('is now in FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    // The stages as the result page lists them, in order, then the verdict.
    const stages = ['The token was written into', 'end-to-end check started', 'is running', 'Passed in'];
    const at = stages.map((s) => out.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).toContain('✓ Connected: Snowflake can read your Fitbit data.');
    expect(out).toContain('"legacyUserId": "2E4RVC"');
    expectNoSecrets(app, out);
    // The code is not echoed back either.
    expect(out).not.toContain(new URL(callback).searchParams.get('code')!);
    // The same history as the web's connect.
    expect(app.events().find((e) => e.type === 'connect')).toMatchObject({ ok: true, userId: '4815162342' });
    expectNoSecrets(app, app.logs.join(''));
  });

  it('an address from another sign-in is refused without using it; the right one still works', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    const url = await cli.consentUrl();
    // Another attempt: the web's Connect button in the same app (another browser's sign-in).
    const other = await landOn((await app.services.flow.start('another-browser', 'connect')).href);
    cli.paste(other);
    await cli.until(/This address is from another sign-in/);
    cli.paste(await landOn(url));
    expect(await cli.done).toBe(0);
    // The other sign-in's code was never exchanged: it is still unused at the stand-in.
    const { requests } = (await (await fetch(`${app.sandbox.oauthUrl}/sandbox/requests`)).json()) as {
      requests: { path: string; grantType?: string }[];
    };
    expect(requests.filter((r) => r.grantType === 'authorization_code')).toHaveLength(1);
  });

  it('an address pasted twice: the sign-in store refuses the second use; a new address is offered', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    const first = await landOn(await cli.consentUrl());
    // The token endpoint fails once: the sign-in has used its one answer, and ends.
    await fetch(`${app.sandbox.oauthUrl}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/token', status: 503, count: 1 }),
    });
    const before = cli.text().length;
    cli.paste(first);
    await cli.until(/Start again: open this new sign-in address/, before);
    const again = await cli.consentUrl(before);
    const mark = cli.text().length;
    cli.paste(first);
    await cli.until(/This address was used already/, mark);
    expect(cli.text().slice(mark)).toContain(errorLines(appError('cli_callback_reused')));
    cli.paste(await landOn(again));
    expect(await cli.done).toBe(0);
  });

  it('a cut-off address says so (no query, short state, no code, half the redirect URI), then the whole one works', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    const callback = await landOn(await cli.consentUrl());
    const u = new URL(callback);
    const state = u.searchParams.get('state')!;
    const noCode = new URL(callback);
    noCode.searchParams.delete('code');
    const cuts = [
      callback.slice(0, callback.indexOf('?')),
      callback.slice(0, callback.indexOf(state) + 10),
      noCode.href,
      app.redirectUri.slice(0, 20),
      // Google puts `code` before `scope`: a paste cut inside the code keeps the whole state.
      callback.slice(0, callback.indexOf('code=') + 12),
    ];
    for (const cut of cuts) {
      const mark = cli.text().length;
      cli.paste(cut);
      await cli.until(/The address looks cut off: copy the whole address bar/, mark);
    }
    expect(cli.text()).toContain('It ends before the “?”');
    expect(cli.text()).toContain('shorter than the one this sign-in sent');
    expect(cli.text()).toContain('It has no “code=…”');
    expect(cli.text()).toContain('only the beginning of the redirect URI');
    expect(cli.text()).toContain('the code is most likely cut short');
    cli.paste(`  "${callback}"  `);
    expect(await cli.done).toBe(0);
  });

  it('an address for another redirect URI is refused, naming both', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    const callback = await landOn(await cli.consentUrl());
    const elsewhere = callback.replace('http://localhost:', 'http://127.0.0.1:');
    cli.paste(elsewhere);
    const m = await cli.until(/This address is for another redirect URI\n.*\n/);
    expect(m[0]).toContain(`goes to http://127.0.0.1:${app.port}/callback`);
    expect(m[0]).toContain(`comes back to ${app.redirectUri}`);
    cli.paste('not an address at all');
    await cli.until(/That is not a web address/);
    cli.paste(callback);
    expect(await cli.done).toBe(0);
  });

  it('consent denied: the web’s message, a new address, and exit 2 when the input ends', async () => {
    const app = await startCliApp();
    const cli = runCli(app);
    cli.paste(await landOn(await cli.consentUrl(), { decision: 'deny' }));
    await cli.until(/Start again/);
    const web = appError('consent_denied', { provider: app.services.profile.displayName });
    expect(cli.text()).toContain(errorLines(web));
    expect(cli.text()).toContain('Access was not granted');
    cli.end();
    expect(await cli.done).toBe(2);
    expect(cli.text()).toContain('Nothing was pasted');
    expect(app.events().some((e) => e.type === 'connect')).toBe(false);
  });

  it('the sign-in’s 10 minutes run out with no whole address: the web’s “expired”, exit 2', async () => {
    const clock = new ManualClock();
    const app = await startCliApp({ clock });
    const cli = runCli(app);
    await cli.consentUrl();
    cli.paste(`${app.redirectUri}?state=abc`);
    await cli.until(/The address looks cut off/);
    await clock.advance(app.services.config.flowTtlMs);
    expect(await cli.done).toBe(2);
    expect(cli.text()).toContain(errorLines(appError('state_expired')));
  });

  it('Ctrl-C while waiting: stops, nothing written, exit 2', async () => {
    const app = await startCliApp();
    const stop = new AbortController();
    const cli = runCli(app, { signal: stop.signal });
    await cli.consentUrl();
    stop.abort();
    expect(await cli.done).toBe(2);
    expect(cli.text()).toContain('Stopped');
  });
});

describe('npm run connect (the browser comes back to the command)', () => {
  it('opens the browser, receives the callback on the redirect URI, answers “you can close this tab”, exit 0', async () => {
    const app = await startCliApp();
    let page: Promise<Response> | undefined;
    const cli = runCli(app, {
      mode: 'browser',
      // The browser: consents on the stand-in and follows the redirect to the command's listener.
      openBrowser: (url) => {
        page = landOn(url).then((callback) => fetch(callback));
      },
    });
    expect(await cli.done).toBe(0);
    const res = await page!;
    expect(res.status).toBe(200);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toContain('You can close this tab');
    expect(cli.text()).toContain('The browser came back with the sign-in’s answer.');
    expect(cli.text()).toContain('✓ Connected');
    expectNoSecrets(app, cli.text());
  });

  it('the redirect URI’s port is taken (the web app runs): says so, suggests Connect or --no-browser, exit 2', async () => {
    const app = await startCliApp();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(app.port, '127.0.0.1', () => r()));
    try {
      let opened = false;
      const cli = runCli(app, { mode: 'browser', openBrowser: () => (opened = true) });
      expect(await cli.done).toBe(2);
      expect(cli.text()).toContain(`Port ${app.port} is in use`);
      expect(cli.text()).toContain('Connect Fitbit button');
      expect(cli.text()).toContain('npm run connect -- --no-browser');
      expect(opened).toBe(false);
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });
});

describe('npm run connect: custody after the callback, as on the web', () => {
  const failNextWrite = (app: CliApp) =>
    fetch(`${app.sandbox.snowflakeUrl}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        statements: {
          count: 1,
          code: '003001',
          sqlState: '42501',
          message: 'Insufficient privileges to operate on secret',
          match: 'ALTER SECRET',
        },
      }),
    });

  it('the write fails: the token is held in memory, “Retry saving? [Y/n]”, Enter retries and connects', async () => {
    const app = await startCliApp();
    expect((await failNextWrite(app)).status).toBe(200);
    const cli = runCli(app);
    cli.paste(await landOn(await cli.consentUrl()));
    await cli.until(/Retry saving\? \[Y\/n\] /);
    expect(cli.text()).toContain('held in this command’s memory only');
    expect(app.events().map((e) => e.type)).toContain('token_held');
    cli.paste('');
    expect(await cli.done).toBe(0);
    expect(cli.text()).toContain('✓ Connected');
    expectNoSecrets(app, cli.text());
  });

  it('the write fails and the answer is no: the token is disposed of by the rule (revoked), exit 2', async () => {
    const app = await startCliApp();
    await failNextWrite(app);
    const cli = runCli(app);
    cli.paste(await landOn(await cli.consentUrl()));
    await cli.until(/Retry saving\? \[Y\/n\] /);
    cli.paste('n');
    expect(await cli.done).toBe(2);
    expect(cli.text()).toContain('Cancelled: nothing was written, and it was revoked at');
    expect(app.events().map((e) => e.type)).toContain('token_revoked');
  });

  it('another account than the secret holds: “Replace? [y/N]”, y writes it; exit 1 while Snowflake still uses the old cached token', async () => {
    const app = await startCliApp();
    const first = runCli(app);
    first.paste(await landOn(await first.consentUrl(), { user: 'alice' }));
    expect(await first.done).toBe(0);
    const second = runCli(app);
    second.paste(await landOn(await second.consentUrl(), { user: 'bob' }));
    await second.until(/Replace\? \[y\/N\] /);
    expect(second.text()).toContain('This is a different account');
    expect(second.text()).toContain('but the secret holds the token of alice@example.com');
    second.paste('y');
    // Under the stand-in's cautious default Snowflake keeps alice's access token cached across the write:
    // written, but not proven yet (as the web's result page says).
    expect(await second.done).toBe(1);
    expect(second.text()).toContain('the refresh token of bob@example.com');
    expect(second.text()).toContain('Replaced:');
    expect(second.text()).toContain(
      'but Snowflake is still using alice@example.com (ID 4815162342)’s access token',
    );
  });
});

describe('--account', () => {
  it('refuses an account the app does not have, and one whose SQL has not run; then connects it', async () => {
    const app = await startCliApp();
    const { services } = app;
    expect((await flowFor(services, 'default')).flow).toBe(services.flow);
    const refusal = async (label: string) => {
      try {
        await flowFor(services, label);
      } catch (e) {
        return isAppError(e) ? e : undefined;
      }
      return undefined;
    };
    const unknown = await refusal('alice');
    expect(unknown?.code).toBe('cli_account_unknown');
    expect(unknown?.title).toBe('There is no account “alice”');
    expect(unknown?.fix).toContain('default');

    services.accounts.add('alice', 'Alice');
    expect((await refusal('alice'))?.code).toBe('account_not_ready');

    const admin = sandboxAdmin(app.sandbox.snowflakeUrl);
    try {
      await addAccountInSandbox({ config: services.config, services, admin: admin.run }, 'alice');
    } finally {
      await admin.close();
    }
    const account = await flowFor(services, 'alice');
    expect(account.secret).toMatch(/FITBIT_OAUTH_TOKEN_ALICE$/);
    const run = runCli(app, { account });
    const url = await run.consentUrl();
    run.paste(await consent(url, { user: 'alice' }));
    expect(await run.done).toBe(0);
    expect(run.text()).toContain('FITBIT_OAUTH_TOKEN_ALICE');
    const written = app.events().filter((e) => e.type === 'connect');
    expect(written.map((e) => e.secret)).toEqual([account.secret]);
  });
});
