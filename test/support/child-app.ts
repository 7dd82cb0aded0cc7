// The real app from its TypeScript sources (`tsx server/main.ts`; `npm start` runs their build in dist/) in
// its own process, in sandbox mode (the stand-ins run inside it) on free ports, with a fresh data directory.
// For what only a real process shows: signals, the stop's timing, what is on disk and in its output
// afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import type { AppEvent } from '../../server/status/events.js';
import { browserLike, signInWithLink } from './app-harness.js';

const root = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

export interface LogLine {
  msg?: string;
  level?: number;
  time?: number;
  path?: string;
  method?: string;
  status?: number;
  [k: string]: unknown;
}

export interface ChildApp {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  oauthUrl: string;
  snowflakeUrl: string;
  dataDir: string;
  /**
   * A cookie-keeping client that presents the redirect URI's host and sends Secure cookies to loopback, as
   * a browser would, signed in with the launch link the app printed (its launch token).
   */
  agent(): Promise<ReturnType<typeof supertest.agent>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  lines(): LogLine[];
  /** The history (events.jsonl; sandbox mode keeps it under the data directory's sandbox/), amendments left out. */
  events(): AppEvent[];
  /** POST JSON to the Snowflake stand-in's control API. */
  snowflakeControl(pathname: string, body: unknown): Promise<Response>;
  /** Ends the process if it still runs, and removes the data directory. */
  close(): Promise<void>;
}

export async function startChildApp(extraEnv: Record<string, string> = {}): Promise<ChildApp> {
  const [port, oauthPort, snowflakePort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-child-'));
  // Sandbox mode: no live setting may leak in from the environment running the tests.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OAUTH_|SNOWFLAKE_|PROVIDER$|HOST$|PUBLIC_URL$|ADMIN_TOKEN$|HELD_TOKEN)/.test(k)) env[k] = v;
  }
  Object.assign(env, {
    PORT: String(port),
    SANDBOX_OAUTH_PORT: String(oauthPort),
    SANDBOX_SNOWFLAKE_PORT: String(snowflakePort),
    // No warehouse resume waits: these tests are not about them (sandbox/README.md, "Latency model").
    SANDBOX_LATENCY: 'off',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    ...extraEnv,
  });
  // Node itself with tsx's loader on the sources (npm start runs their build), one process: a signal reaches
  // the app, not a wrapper (`npx` does not pass SIGTERM on; the tsx binary runs the app as its child, which
  // outlived a SIGKILL of the wrapper). Its own process group, so close() can end whatever it started.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += String(d);
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = (): LogLine[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  // Started when it says so (or failed when it exits first).
  await new Promise<void>((resolve, reject) => {
    const seen = () => {
      if (!lines().some((l) => l.msg === 'listening')) return;
      child.stdout?.off('data', seen);
      resolve();
    };
    child.stdout?.on('data', seen);
    void exited.then(() => reject(new Error(`the app did not start:\n${out}\n${err}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const snowflakeUrl = `http://127.0.0.1:${snowflakePort}`;
  return {
    child,
    url,
    oauthUrl: `http://127.0.0.1:${oauthPort}`,
    snowflakeUrl,
    dataDir,
    async agent() {
      const a = browserLike(supertest.agent(url));
      a.set('Host', `localhost:${port}`); // the redirect URI's host, as a browser would use
      const token = /\?token=([A-Za-z0-9_-]+)/.exec(out)?.[1];
      if (!token) throw new Error(`the app printed no launch link:\n${out}`);
      await signInWithLink(a, token);
      return a;
    },
    exited,
    stdout: () => out,
    stderr: () => err,
    lines,
    events() {
      let text = '';
      try {
        text = readFileSync(path.join(dataDir, 'sandbox', 'events.jsonl'), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as AppEvent & { amends?: string })
        .filter((e) => e.amends === undefined);
    },
    snowflakeControl(pathname, body) {
      return fetch(`${snowflakeUrl}${pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
