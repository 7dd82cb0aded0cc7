// What the libraries on a callback's path cost on this machine, each measured alone: a process with
// nothing else in it (no app, no Express) runs just that library's part of a callback, with the app's own
// settings and code for it, again and again. Each run's time there, less what the stand-in spent on its
// requests and one round trip of transport per request, is the library's own time: the part of a
// callback's app time that only replacing or patching that library could shorten.
//   driver: the callback's write statement through snowflake-sdk, signed in as the app is.
//   oauth:  the code exchange and the identity request through openid-client (the app's OAuth client and
//           identity call), after a consent on the stand-in that is not timed.
//
// Run by the bench; `tsx bench/library-floor.ts --child <driver|oauth> <runs>` is the measuring process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { UpstreamProbe, UpstreamRequest } from './upstream.js';

export type Library = 'driver' | 'oauth';

export interface LibraryFloor {
  /** Median over the runs of: the run's time in the measuring process − the stand-in's time for it. */
  ms: number;
  /** Round trips each run makes (one of transport each is in `ms`). */
  trips: number;
  /** Runs counted (a run whose requests could not be told apart at the stand-in is left out). */
  runs: number;
}

/** The requests each run makes, as the stand-ins see them. */
const REQUESTS: Record<Library, (r: UpstreamRequest) => boolean> = {
  driver: (r) => r.path === '/queries/v1/query-request',
  oauth: (r) => r.path === '/token' || r.path.endsWith('/identity'),
};
const TRIPS: Record<Library, number> = { driver: 1, oauth: 2 };

/** The statement the callback waits for, with a value of the same shape as a Google refresh token. */
const writeSql = (secret: string) =>
  `ALTER SECRET ${secret} SET OAUTH_REFRESH_TOKEN = '1//0bench-driver-floor-${'x'.repeat(80)}'`;

/** A performance.now() time of this process on the machine-wide monotonic clock (process.hrtime). */
function hrOffsetNs(): bigint {
  return process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
}

/**
 * `runs` measured runs (after 5 unmeasured ones that sign in and warm the JIT) in a child process with the
 * app's live settings `env`. driver: the stand-in's secret ends up holding a made-up token; oauth: the
 * stand-in has issued tokens the child dropped. Run both before the sign-ins whose checks matter.
 */
export async function libraryFloor(
  library: Library,
  env: Record<string, string>,
  runs: number,
  probe: UpstreamProbe,
): Promise<LibraryFloor> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--child', library, String(runs)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // A child that hangs (a sign-in that never answers) must not hold the bench: it gets a minute.
  const deadline = setTimeout(() => child.kill(), 60_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const offset = hrOffsetNs();
  const windows: { from: number; to: number }[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (!m) throw new Error(`the ${library} process wrote an unexpected line: ${line.slice(0, 80)}`);
      windows.push({ from: Number(BigInt(m[1]!) - offset) / 1e6, to: Number(BigInt(m[2]!) - offset) / 1e6 });
    }
    const code = await exited;
    if (code !== 0) throw new Error(`the ${library} process exited (${code})`);
  } finally {
    clearTimeout(deadline);
    child.kill();
  }
  if (windows.length !== runs)
    throw new Error(`the ${library} process timed ${windows.length} runs, not ${runs}`);
  const own: number[] = [];
  for (const { from, to } of windows) {
    // The run's own requests: those that arrived while it ran. A window with more or fewer (another
    // process's), or one not seen whole (its finish logged after the answer arrived), is left out.
    const seen = probe
      .within(from - 1, to + 1)
      .filter((r) => REQUESTS[library](r) && r.start >= from && r.start <= to);
    if (seen.length !== TRIPS[library] || seen.some((r) => r.end > to)) continue;
    own.push(to - from - seen.reduce((n, r) => n + (r.end - r.start), 0));
  }
  if (own.length < runs / 2)
    throw new Error(`only ${own.length} of ${runs} ${library} runs could be told apart at the stand-in`);
  own.sort((a, z) => a - z);
  return { ms: own[Math.floor(own.length / 2)]!, trips: TRIPS[library], runs: own.length };
}

/** Not back to back: in a callback each step follows an answer the process waited about a millisecond for. */
const idle = () => new Promise((r) => setTimeout(r, 1));

async function driverRuns(): Promise<() => Promise<void>> {
  const { createLogger } = await import('../server/log.js');
  const { driverOptions, loadDriver } = await import('../server/snowflake/session.js');
  const e = process.env;
  const driver = await loadDriver(createLogger('silent'));
  const conn = driver.createConnection(
    driverOptions(
      {
        account: e.SNOWFLAKE_ACCOUNT!,
        username: e.SNOWFLAKE_USER!,
        authenticator: 'SNOWFLAKE_JWT',
        privateKeyPath: e.SNOWFLAKE_PRIVATE_KEY_FILE!,
        role: e.SNOWFLAKE_ROLE,
        warehouse: e.SNOWFLAKE_WAREHOUSE,
        accessUrl: e.SNOWFLAKE_ACCESS_URL,
        source: 'bench',
      },
      30_000,
    ),
  );
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  const sqlText = writeSql(e.SNOWFLAKE_SECRET!);
  return async () => {
    await idle();
    const from = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) =>
      conn.execute({ sqlText, complete: (err) => (err ? reject(err) : resolve()) }),
    );
    timed(from);
  };
}

async function oauthRuns(): Promise<() => Promise<void>> {
  const oidc = await import('openid-client');
  const { parseConfig } = await import('../server/config/index.js');
  const { getProfile, requestedScopes } = await import('../server/providers/index.js');
  const { createOAuthClient } = await import('../server/oauth/client.js');
  const { fetchIdentity } = await import('../server/oauth/identity.js');
  const { consent } = await import('../sandbox/oauth/consent.js');
  const parsed = parseConfig(process.env);
  if (parsed.sandbox) throw new Error('the oauth floor needs live settings');
  const { config } = parsed;
  const client = createOAuthClient(config, getProfile(config.provider));
  return async () => {
    // What /connect does, untimed: a state and verifier, the warm connections, and the consent.
    const state = oidc.randomState();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(client.config, {
      redirect_uri: config.oauth.redirectUri,
      scope: requestedScopes(client.profile, config.oauth.scopes).join(' '),
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...client.profile.authorizationParams,
    });
    client.warm?.();
    const back = new URL(await consent(url.href));
    const current = new URL(config.oauth.redirectUri);
    for (const [k, v] of back.searchParams) current.searchParams.set(k, v);
    await idle();
    // Timed: what the callback does with the code, through the same client and identity call.
    const from = process.hrtime.bigint();
    const tokens = await oidc.authorizationCodeGrant(client.config, current, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    await fetchIdentity(client, config.oauth.healthApiUrl, tokens.access_token);
    timed(from);
  };
}

const lines: string[] = [];
let measuring = false;
function timed(from: bigint): void {
  if (measuring) lines.push(`${from} ${process.hrtime.bigint()}`);
}

async function child(library: Library, runs: number): Promise<void> {
  const run = library === 'driver' ? await driverRuns() : await oauthRuns();
  for (let i = 0; i < 5; i++) await run();
  measuring = true;
  for (let i = 0; i < runs; i++) await run();
  process.stdout.write(`${lines.join('\n')}\n`);
}

const at = process.argv.indexOf('--child');
if (at >= 0)
  child(process.argv[at + 1] as Library, Number(process.argv[at + 2])).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
