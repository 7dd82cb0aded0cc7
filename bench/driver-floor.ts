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
  // A child that hangs (a sign-in that never answers) must not hold the bench: it gets a minute.
  const deadline = setTimeout(() => child.kill(), 60_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const offset = hrOffsetNs();
  const runs: { from: number; to: number }[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (!m) throw new Error(`the driver's process wrote an unexpected line: ${line.slice(0, 80)}`);
      runs.push({ from: Number(BigInt(m[1]!) - offset) / 1e6, to: Number(BigInt(m[2]!) - offset) / 1e6 });
    }
    const code = await exited;
    if (code !== 0) throw new Error(`the driver's process exited (${code})`);
  } finally {
    clearTimeout(deadline);
    child.kill();
  }
  if (runs.length !== statements)
    throw new Error(`the driver's process timed ${runs.length} statements, not ${statements}`);
  const own: number[] = [];
  for (const { from, to } of runs) {
    // The statement's own request: the one that arrived while it ran. A window with another (the app's)
    // or none seen whole (its finish logged after the child's answer arrived) is left out.
    const seen = probe
      .within(from - 1, to + 1)
      .filter((r) => r.path === '/queries/v1/query-request' && r.start >= from && r.start <= to);
    if (seen.length !== 1 || seen[0]!.end > to) continue;
    own.push(to - from - (seen[0]!.end - seen[0]!.start));
  }
  if (own.length < statements / 2)
    throw new Error(`only ${own.length} of ${statements} statements could be told apart at the stand-in`);
  own.sort((a, z) => a - z);
  return { ms: own[Math.floor(own.length / 2)]!, statements: own.length };
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
