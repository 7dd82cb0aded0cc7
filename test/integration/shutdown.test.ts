// Graceful shutdown of the real process: `tsx server/main.ts` in sandbox mode, a token held after a
// failed write, a slow request in flight, then SIGTERM. The request finishes, the held token is
// revoked, the Snowflake session is closed, the process exits 0, and only the history is on disk.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { browserLike, signInWithLink, startHarness } from '../support/app-harness.js';
import { eventually } from '../support/eventually.js';

const root = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full).map((f) => path.join(name, f)) : [name];
  });
}

interface LogLine {
  msg?: string;
  level?: number;
  time?: number;
  path?: string;
  method?: string;
  status?: number;
}

describe('graceful shutdown', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  afterAll(() => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight requests, revokes the held token, closes Snowflake, exits 0, leaves only history', async () => {
    const [port, oauthPort, snowflakePort] = [await freePort(), await freePort(), await freePort()];
    dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-shutdown-'));
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
    });
    // Node itself with tsx's loader, one process in its own group (as test/support/child-app.ts does): the
    // SIGTERM reaches the app, and nothing outlives the test.
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
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
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    const lines = (): LogLine[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    // Started when it says so (or failed when it exits first).
    await new Promise<void>((resolve, reject) => {
      const seen = () => {
        if (!lines().some((l) => l.msg === 'listening')) return;
        child?.stdout?.off('data', seen);
        resolve();
      };
      child?.stdout?.on('data', seen);
      void exited.then(() => reject(new Error(`the app did not start:\n${out}\n${err}`)));
    });

    const app = `http://127.0.0.1:${port}`;
    const snowflake = `http://127.0.0.1:${snowflakePort}`;
    const sfFaults = (body: unknown) =>
      fetch(`${snowflake}/sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const inFlight = async () =>
      ((await (await fetch(`${snowflake}/sandbox/stats`)).json()) as { inFlight: number }).inFlight;
    const agent = browserLike(supertest.agent(app));
    agent.set('Host', `localhost:${port}`); // the redirect URI's host, as a browser would use
    // Signed in the way a person is: with the link the app printed (its launch token).
    const launchToken = /\?token=([A-Za-z0-9_-]+)/.exec(out)?.[1];
    expect(launchToken).toBeDefined();
    await signInWithLink(agent, launchToken!);

    // A connect whose write fails: the token is held in memory.
    expect((await sfFaults({ statements: { count: 1, code: '003001', match: 'ALTER SECRET' } })).ok).toBe(
      true,
    );
    const start = await agent.get('/connect');
    expect(start.status).toBe(303);
    const cb = new URL(await consent(start.headers.location as string));
    const res = await agent.get(`${cb.pathname}${cb.search}`);
    expect(res.status).toBe(303);
    const page = await agent.get(res.headers.location as string);
    expect(page.text).toContain('Retry saving');
    expect(page.text).toContain('id="on-expiry" data-action="ask"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;

    // A slow request in flight: the end-to-end check, with Snowflake answering slowly.
    const latency = 2000;
    await sfFaults({ statementLatencyMs: latency });
    const sentAt = Date.now();
    const slow = agent
      .post('/check')
      .type('form')
      .send({ _csrf: csrf })
      .then((r) => r);
    // Stop once the check's statement reached Snowflake: the request is certainly in flight.
    await eventually(async () => (await inFlight()) > 0);
    child.kill('SIGTERM');

    const slowRes = await slow;
    expect(slowRes.status).toBe(303);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(latency);
    expect(await exited).toBe(0);

    const log = lines();
    // Order by each line's own timestamp: the async log writer may emit the last lines out of order.
    const timeOf = (msg: string, path?: string) =>
      log.findLast((l) => l.msg === msg && (path === undefined || l.path === path))?.time ?? Number.NaN;
    const checkDone = log.findLast((l) => l.msg === 'request' && l.path === '/check');
    expect(checkDone?.status).toBe(303);
    const order = [
      timeOf('shutting down'),
      timeOf('request', '/check'),
      timeOf('undelivered refresh token revoked at the provider'),
      timeOf('snowflake session closed'),
      timeOf('stopped'),
    ];
    for (const t of order) expect(t).not.toBeNaN();
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The slow request really was in flight when the stop began.
    expect(order[1]! - order[0]!).toBeGreaterThan(latency / 2);

    // Nothing on disk but the history, and no token in it or in the log.
    const files = filesUnder(dataDir);
    expect(files.every((f) => path.basename(f) === 'events.jsonl')).toBe(true);
    expect(files.length).toBeGreaterThan(0);
    const history = files.map((f) => readFileSync(path.join(dataDir, f), 'utf8')).join('\n');
    expect(history).toContain('"token_revoked"');
    expect(history).toContain('app stopped before the token was saved');
    const tokenShaped = /ya29\.[\w-]{20,}|1\/\/0[\w-]{20,}/;
    expect(history).not.toMatch(tokenShaped);
    expect(out).not.toMatch(tokenShaped);
    expect(err).not.toMatch(tokenShaped);
  }, 90_000);
});

describe('stopping while a sign-in is still finishing', () => {
  it('waits for it, so a token whose write then fails is revoked rather than left live', async () => {
    const h = await startHarness();
    try {
      await h.services.session.info(); // signed in: the slow part is the write itself
      const loc = new URL(await consent(await h.startFlow()));
      await h.snowflakeControl('/sandbox/faults', {
        statementLatencyMs: 800,
        statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
      });
      const callback = h.agent.get(`${loc.pathname}${loc.search}`).then((r) => r);
      // Stop once the code was exchanged: the token exists and its write is on its way.
      const reqs = async () => {
        const body = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
          | { requests: { path: string; grantType?: string }[] }
          | { path: string; grantType?: string }[];
        return Array.isArray(body) ? body : body.requests;
      };
      await eventually(async () =>
        (await reqs()).some((r) => r.grantType === 'authorization_code' && r.path === '/token'),
      );
      await h.services.shutdown();
      // By the time shutdown returns, the token was held and then revoked: nothing is left live.
      expect(h.services.held.size).toBe(0);
      expect((await reqs()).filter((r) => r.path === '/revoke')).toHaveLength(1);
      const history = h.services.events.recent(20);
      expect(history.find((e) => e.type === 'token_revoked')?.reason).toBe(
        'app stopped before the token was saved',
      );
      expect((await callback).status).toBe(303);
    } finally {
      await h.close();
    }
  }, 30_000);
});
