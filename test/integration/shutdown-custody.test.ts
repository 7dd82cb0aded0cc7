// Token custody at the edges, in the real process (`tsx server/main.ts`, sandbox mode): a SIGTERM while
// Snowflake is still running the ALTER SECRET, and Save racing Cancel on one held token. In both, every
// token ends in one known state, recorded in the history, and every browser gets a page.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { waitForResult } from '../support/app-harness.js';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';

const IDS = { alice: '4815162342', bob: '7788990011' } as const;
const tokenShaped = /ya29\.[\w-]{20,}|1\/\/0[\w-]{20,}/;

let app: ChildApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const inFlight = async (a: ChildApp) =>
  ((await (await fetch(`${a.snowflakeUrl}/sandbox/stats`)).json()) as { inFlight: number }).inFlight;

/** The callback URL the provider sends the browser to after consent. */
async function signIn(agent: Awaited<ReturnType<ChildApp['agent']>>, user: string): Promise<string> {
  const start = await agent.get('/connect');
  expect(start.status).toBe(303);
  const cb = new URL(await consent(start.headers.location as string, { user }));
  return `${cb.pathname}${cb.search}`;
}

describe('stopping while Snowflake is still running the write (a real process)', () => {
  it('SIGTERM during a slow ALTER SECRET: the browser gets a page, the token is dropped and recorded, exit 0 in time', async () => {
    // The stop waits STOP_WAIT_SECONDS (20 by default; 3 here) for a sign-in before giving up on it.
    app = await startChildApp({ STOP_WAIT_SECONDS: '3' });
    const agent = await app.agent();
    const callback = await signIn(agent, 'alice');
    // Snowflake takes 45 s per statement: far longer than the stop waits for a sign-in.
    expect((await app.snowflakeControl('/sandbox/faults', { statementLatencyMs: 45_000 })).ok).toBe(true);
    const answered = agent.get(callback).then((r) => r);
    // The ALTER SECRET reached Snowflake (it is the callback's first statement).
    await eventually(async () => (await inFlight(app!)) > 0);
    const signalled = Date.now();
    app.child.kill('SIGTERM');

    // The browser gets a page, not a reset.
    const res = await answered;
    expect(res.status).toBe(503);
    expect(res.text).toContain('The app is stopping');
    expect(res.text).toContain('Snowflake was still running the write');
    expect(await app.exited).toBe(0);
    // The stop waited its STOP_WAIT_SECONDS for the sign-in before giving up on it (and exited, above).
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(3_000);

    // One fate for the token, in the history: forgotten (not revoked: Snowflake may still apply the write).
    const events = app.events();
    const fates = events.filter((e) =>
      ['connect', 'token_held', 'token_revoked', 'token_dropped'].includes(e.type),
    );
    expect(fates.map((e) => e.type)).toEqual(['token_dropped']);
    expect(fates[0]?.userId).toBeDefined();
    expect(fates[0]?.reason).toMatch(/^app stopped while the write was still running; not revoked/);

    // The app asked Snowflake to cancel the statement before forgetting the token, and said so.
    const log = app.lines();
    expect(log.find((l) => l.msg === 'asked Snowflake to cancel a statement')?.acknowledged).toBe(true);
    expect(log.some((l) => l.msg === 'app stopped while the write was still running')).toBe(true);
    expect(log.some((l) => l.msg === 'stopped')).toBe(true);

    // Nothing on disk but the history, and no token anywhere.
    const files = readdirSync(app.dataDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.jsonl'),
    );
    for (const f of files) expect(readFileSync(path.join(app.dataDir, f), 'utf8')).not.toMatch(tokenShaped);
    expect(app.stdout()).not.toMatch(tokenShaped);
    expect(app.stderr()).not.toMatch(tokenShaped);
  }, 60_000);
});

describe('the custody races in a real process', () => {
  it('Save and Cancel on the same held token at once, both orders: one wins, the other gets a page, no revoked token is written', async () => {
    app = await startChildApp();
    const agent = await app.agent();
    const first = await agent.get(await signIn(agent, 'alice'));
    expect(first.status).toBe(303);
    expect((await waitForResult(agent, first.headers.location as string)).text).toContain('Connected');
    // ALTER SECRET drops the cached access token: the check then uses whatever the secret holds.
    await app.snowflakeControl('/sandbox/behaviour', { alterSecretClearsAccessToken: true });

    let connected: 'alice' | 'bob' = 'alice';
    for (const order of [
      ['save', 'cancel'],
      ['cancel', 'save'],
    ] as const) {
      // The other account than the one connected signs in: the app asks first, and holds its token.
      const other: 'alice' | 'bob' = connected === 'alice' ? 'bob' : 'alice';
      const before = app.events().length;
      const cb = await agent.get(await signIn(agent, other));
      const page = await agent.get(cb.headers.location as string);
      expect(page.text).toContain('This is a different account');
      const id = /action="\/held\/([^/]+)\/save"/.exec(page.text)![1]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      // Both at once, with Snowflake slow enough that the write and the revocation overlap.
      await app.snowflakeControl('/sandbox/faults', { statementLatencyMs: 300 });
      const post = (action: 'save' | 'cancel') =>
        agent
          .post(`/held/${id}/${action}`)
          .type('form')
          .send({ _csrf: csrf })
          .then((r) => ({ action, r }));
      const results = await Promise.all(order.map(post));
      await app.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });

      const won = results.filter((x) => x.r.status === 303);
      const lost = results.filter((x) => x.r.status === 409);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.r.text).toMatch(/That token (is already being saved|was cancelled)/);
      const fates = app
        .events()
        .slice(before)
        .filter(
          (e) => e.userId === IDS[other] && ['connect', 'token_revoked', 'token_dropped'].includes(e.type),
        );
      expect(fates.map((e) => e.type)).toEqual([won[0]!.action === 'save' ? 'connect' : 'token_revoked']);

      // The secret holds a live token, of whoever the winner says: the end-to-end check passes as them.
      if (won[0]!.action === 'save') connected = other;
      const check = await agent.post('/check').type('form').send({ _csrf: csrf });
      expect(check.status).toBe(303);
      const status = (await agent.get('/status.json')).body as {
        lastCheck: { ok: boolean; seenUserId?: string };
      };
      expect(status.lastCheck).toMatchObject({ ok: true, seenUserId: IDS[connected] });
    }
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  }, 90_000);
});
