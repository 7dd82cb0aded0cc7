// What the Snowflake driver itself costs per statement on this machine: a process with nothing else in it
// (no app, no Express, no openid-client) signs in as the app does, with the app's driver settings, and
// runs the callback's write statement again and again. Each statement's time there, less what the
// stand-in spent on it, is the driver's statement path plus one round trip of transport: the part of a
// callback's app time that only replacing or patching snowflake-sdk could shorten.
//
// Run by the bench; `tsx bench/driver-floor.ts --child` is the measuring process (settings in its env).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { UpstreamProbe } from './upstream.js';

export interface DriverFloor {
  /** Median over the statements of: the statement's time in the driver's process − the stand-in's time. */
  ms: number;
  statements: number;
}

/** The statement the callback waits for, with a value of the same shape as a Google refresh token. */
const writeSql = (secret: string) =>
  `ALTER SECRET ${secret} SET OAUTH_REFRESH_TOKEN = '1//0bench-driver-floor-${'x'.repeat(80)}'`;

/** A performance.now() time of this process on the machine-wide monotonic clock (process.hrtime). */
function hrOffsetNs(): bigint {
  return process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
}

/**
 * Runs `statements` writes (after 5 unmeasured ones that sign in and warm the JIT) in a child process
 * signed in with the app's live settings `env`. The stand-in's secret ends up holding a made-up token:
 * run it before the sign-ins whose checks matter.
 */
export async function driverFloor(
  env: Record<string, string>,
  statements: number,
  probe: UpstreamProbe,
): Promise<DriverFloor> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--child'], {
    env: { ...process.env, ...env, FLOOR_STATEMENTS: String(statements) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const offset = hrOffsetNs();
  const runs: { from: number; to: number }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for await (const line of createInterface({ input: child.stdout })) {
    const [a, z] = line.split(' ').map((x) => BigInt(x));
    runs.push({ from: Number(a! - offset) / 1e6, to: Number(z! - offset) / 1e6 });
  }
  const code = await exited;
  if (code !== 0 || runs.length !== statements) throw new Error(`the driver's process exited (${code})`);
  const own = runs.map(({ from, to }) => {
    const upstream = probe
      .within(from, to)
      .filter((r) => r.path === '/queries/v1/query-request')
      .reduce((n, r) => n + (r.end - r.start), 0);
    return to - from - upstream;
  });
  own.sort((a, z) => a - z);
  return { ms: own[Math.floor(own.length / 2)]!, statements };
}

async function child(): Promise<void> {
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
  const run = () =>
    new Promise<void>((resolve, reject) =>
      conn.execute({ sqlText, complete: (err) => (err ? reject(err) : resolve()) }),
    );
  for (let i = 0; i < 5; i++) await run();
  const n = Number(e.FLOOR_STATEMENTS);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    // Not back to back: a callback's write follows the identity answer, after the process waited about a
    // millisecond on the network. Idle longer, the next statement costs more (5 ms idle: about 1 ms more on
    // the 2-core VM this was measured on); back to back, a little less.
    await new Promise((r) => setTimeout(r, 1));
    const from = process.hrtime.bigint();
    await run();
    lines.push(`${from} ${process.hrtime.bigint()}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => conn.destroy(() => resolve()));
}

if (process.argv.includes('--child'))
  child().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
