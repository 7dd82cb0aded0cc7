// Graceful shutdown of the real process (test/support/child-app.ts) in sandbox mode, a token held after a
// failed write, a slow request in flight, then SIGTERM. The request finishes, the held token is
// revoked, the Snowflake session is closed, the process exits 0, and only the history is on disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { startHarness } from '../support/app-harness.js';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full).map((f) => path.join(name, f)) : [name];
  });
}

describe('graceful shutdown', () => {
  let app: ChildApp | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('finishes in-flight requests, revokes the held token, closes Snowflake, exits 0, leaves only history', async () => {
    app = await startChildApp();
    const { child, dataDir, exited, lines } = app;
    const snowflake = app.snowflakeUrl;
    const sfFaults = (body: unknown) =>
      fetch(`${snowflake}/sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const inFlight = async () =>
      ((await (await fetch(`${snowflake}/sandbox/stats`)).json()) as { inFlight: number }).inFlight;
    // Signed in the way a person is: with the link the app printed (its launch token).
    const agent = await app.agent();

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
    expect(app.stdout()).not.toMatch(tokenShaped);
    expect(app.stderr()).not.toMatch(tokenShaped);
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
