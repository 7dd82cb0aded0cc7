// What the stop does with each sign-in step it can wait for no longer, wherever its token is: a write
// Snowflake is running, a write still waiting for its turn, an identity call, a code exchange. The real
// app on the stand-ins; the stop is told to give up at once (flow.stop(0, …)) instead of after 20 s.
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { StatementNotSentError } from '../../server/snowflake/session.js';
import type { AppEvent } from '../../server/status/events.js';
import { type Harness, startHarness } from '../support/app-harness.js';
import { eventually } from '../support/eventually.js';

const BOB = '7788990011';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const inFlight = async (x: Harness) =>
  ((await (await fetch(`${x.snowflakeUrl}/sandbox/stats`)).json()) as { inFlight: number }).inFlight;

async function oauthRequests(x: Harness): Promise<{ path: string; grantType?: string }[]> {
  const body = (await (await fetch(`${x.oauthUrl}/sandbox/requests`)).json()) as {
    requests: { path: string; grantType?: string }[];
  };
  return body.requests;
}

function fates(x: Harness): AppEvent[] {
  return x.services.events
    .recent(50)
    .filter((e) => ['connect', 'token_held', 'token_revoked', 'token_dropped'].includes(e.type));
}

/** Signs in as `user` at the provider; returns a function that sends the callback (its answer, later). */
async function consented(x: Harness, user: string) {
  const loc = new URL(await consent(await x.startFlow(), { user }));
  return () => x.agent.get(`${loc.pathname}${loc.search}`).then((r) => r);
}

describe('the stop gives up on sign-ins it can no longer wait for', () => {
  it('a write Snowflake is running: cancelled, the token forgotten (not revoked) and recorded, the page answered', async () => {
    h = await startHarness();
    await h.services.session.info(); // signed in: the slow part is the write itself
    const callback = await consented(h, 'alice');
    await h.services.warmup.idle(); // the warehouse warm-up /connect started is not the statement to stop
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 30_000 });
    const answer = callback();
    await eventually(async () => (await inFlight(h!)) > 0);
    await h.services.flow.stop(0, 10_000);
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.text).toContain('Snowflake was still running the write');
    expect(fates(h).map((e) => [e.type, e.reason?.split(';')[0]])).toEqual([
      ['token_dropped', 'app stopped while the write was still running'],
    ]);
    expect((await oauthRequests(h)).filter((r) => r.path === '/revoke')).toHaveLength(0);
    expect(h.logs.join('')).toContain('"acknowledged":true');
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
  });

  it('a sign-in still asking who signed in: the page answers at once, the token is revoked when the answer comes', async () => {
    // (The page says "no token reached the app" if the stop gave up just before the app read the token
    // answer the stand-in had sent: either way the token that arrives is revoked.)
    h = await startHarness();
    expect((await h.connectAndFollow({ user: 'alice' })).text).toContain('Connected');
    await h.oauthControl('/sandbox/faults', { path: '/v4/users/me/identity', latencyMs: 500, count: 1 });
    const answer = (await consented(h, 'bob'))();
    // bob's code was exchanged: the app holds his token and is asking who he is.
    await eventually(
      async () => (await oauthRequests(h!)).filter((r) => r.grantType === 'authorization_code').length === 2,
    );
    await h.services.flow.stop(0, 10_000);
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.text).toContain('The app is stopping');
    // bob is not alice, whose token the secret holds: revoking his grant breaks nothing.
    const bob = fates(h).filter((e) => e.userId === BOB);
    expect(bob.map((e) => [e.type, e.reason])).toEqual([
      ['token_revoked', 'app stopped before the token was saved'],
    ]);
    expect(h.services.held.size).toBe(0);
  });

  it('a code exchange still under way: the page says no token arrived; the one that does is disposed of', async () => {
    h = await startHarness();
    expect((await h.connectAndFollow({ user: 'alice' })).text).toContain('Connected');
    await h.oauthControl('/sandbox/faults', { path: '/token', latencyMs: 500, count: 1 });
    const before = (await oauthRequests(h)).length;
    const answer = (await consented(h, 'bob'))();
    // The callback reached the token endpoint (the stand-in logs a request once it answers, so wait
    // for the app to be the one waiting: its pending sign-in was taken).
    await eventually(() => h!.services.pending.size === 0);
    await h.services.flow.stop(0, 10_000);
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.text).toContain('no token reached the app');
    expect((await oauthRequests(h)).length).toBeGreaterThan(before);
    expect(
      fates(h)
        .filter((e) => e.userId === BOB)
        .map((e) => e.type),
    ).toEqual(['token_revoked']);
  });

  it('a write still waiting for its turn is never sent once the stop gives up', async () => {
    h = await startHarness();
    await h.services.session.info();
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 1_000 });
    const stop = new AbortController();
    const writer = h.services.writer;
    const first = writer.write('1//0first-token-xxxxxxxxxxxxxxxxxxxxxxxxxxxx', undefined, {
      signal: stop.signal,
    });
    const second = writer.write('1//0second-token-xxxxxxxxxxxxxxxxxxxxxxxxxxx', undefined, {
      signal: stop.signal,
    });
    await eventually(async () => (await inFlight(h!)) > 0);
    stop.abort();
    await expect(second).rejects.toBeInstanceOf(StatementNotSentError);
    await expect(first).rejects.toMatchObject({ name: 'StatementCancelledError', acknowledged: true });
    await writer.idle();
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
    // Snowflake received the first ALTER SECRET only.
    await eventually(async () => (await inFlight(h!)) === 0);
    const stmts = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as {
      sqlText: string;
    }[];
    expect(stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'))).toHaveLength(1);
  });
});
