// The app in a process of its own, started by a command line (the README's `node .`), with only the
// settings given (nothing leaks in from the bench's environment): how long until it says 'listening', its
// resident memory, its launch link, its log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface LogLine {
  msg?: string;
  [k: string]: unknown;
}

export interface AppProcess {
  /** From spawning the command to the app's 'listening' log line. */
  listeningMs: number;
  /** CPU time (user + system) its processes had used by then: npm's, a shell's and the app's. */
  cpuMs: number;
  /** The token of the launch link the app printed. */
  launchToken: string;
  /** Resident memory of the process that runs the app (not npm's, nor a loader's parent), in MB. */
  rssMb(): number;
  lines(): LogLine[];
  /** CPU time the app's process has used so far (all its threads), in ms: robust to a busy machine. */
  cpuMsNow(): number;
  /** Resolves once the app has logged nothing for `ms` (its start-up work, e.g. a sign-in, is done). */
  quiet(ms: number, timeoutMs?: number): Promise<void>;
  /**
   * Resident memory once it stops falling: V8 gives back what a burst of work grew the heap by only after
   * a few idle seconds (its memory reducer), so this waits at least `minMs`, then until no new low for 5 s.
   */
  settledRssMb(minMs: number, maxMs?: number): Promise<number>;
  stop(): Promise<void>;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The process and its descendants, parents first. */
function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** User + system CPU time of a process, in ms (the kernel counts in ticks of 10 ms). */
function cpuOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

export function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export async function startApp(
  command: string[],
  settings: Record<string, string>,
  opts: { cwd: string; timeoutMs?: number },
): Promise<AppProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // npm would otherwise ask the registry whether it is the newest version.
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    ...settings,
  };
  const started = performance.now();
  // Its own process group: stop() ends npm, a shell and the app together.
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  let lastLine = performance.now();
  let launchToken = '';
  let cpuMs = 0;
  const parsed: LogLine[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += String(d);
    lastLine = performance.now();
    const nl = out.lastIndexOf('\n');
    if (nl < 0) return;
    for (const line of out.slice(0, nl).split('\n')) {
      // The launch link is printed for the person, not logged.
      const token = /\?token=([A-Za-z0-9_-]+)/.exec(line);
      if (token) launchToken = token[1]!;
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    out = out.slice(nl + 1);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listeningMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`the app did not say 'listening' within ${opts.timeoutMs ?? 30_000} ms\n${err}`)),
      opts.timeoutMs ?? 30_000,
    );
    const seen = () => {
      if (!parsed.some((l) => l.msg === 'listening')) return;
      cpuMs = tree(child.pid!).reduce((sum, p) => sum + cpuOfPid(p), 0);
      clearTimeout(timer);
      child.stdout!.off('data', seen);
      resolve(performance.now() - started);
    };
    child.stdout!.on('data', seen);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before listening:\n${err.slice(-2000)}`));
    });
  });
  // The launch link is printed right after 'listening'.
  for (let i = 0; i < 100 && !launchToken && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 20));
  const appPid = (): number => {
    // The deepest process running the app (scripts/start.mjs, or tsx's child on server/main.ts): below npm
    // and its shell.
    const runs = tree(child.pid!).filter((p) =>
      /scripts\/start\.mjs|server\/main\.(ts|js)|dist\/main\.js/.test(cmdline(p)),
    );
    return runs.at(-1) ?? child.pid!;
  };
  return {
    listeningMs,
    cpuMs,
    get launchToken() {
      return launchToken;
    },
    rssMb: () => rssOfPid(appPid()),
    cpuMsNow: () => cpuOfPid(appPid()),
    lines: () => parsed,
    async settledRssMb(minMs, maxMs = 45_000) {
      const from = performance.now();
      let low = Number.POSITIVE_INFINITY;
      let lowAt = from;
      for (;;) {
        const rss = rssOfPid(appPid());
        const now = performance.now();
        if (rss < low - 1) {
          low = rss;
          lowAt = now;
        } else low = Math.min(low, rss);
        if ((now - from >= minMs && now - lowAt >= 5000) || now - from >= maxMs) return low;
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async quiet(ms, timeoutMs = 30_000) {
      const until = performance.now() + timeoutMs;
      while (performance.now() - lastLine < ms && performance.now() < until)
        await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      // npm goes at once; the app (a loader's child, too) finishes its stop after: wait for the whole group,
      // and end what is left after 15 s.
      const alive = () => {
        try {
          process.kill(-child.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (!alive()) return;
      process.kill(-child.pid!, 'SIGTERM');
      const until = performance.now() + 15_000;
      while (alive() && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (alive()) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
