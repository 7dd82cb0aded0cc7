// A held token is claimed by exactly one action: Save ("Write this account's token", "Retry saving"),
// Cancel, the hold running out, or the stop. Before, Save and Cancel at the same moment both acted on it:
// the Save wrote a token the Cancel was revoking, replacing alice's working token with a dead one. Each
// race here runs on the real app and stand-ins; the end-to-end check (Snowflake refreshing the token in
// the secret at the OAuth stand-in) says whether the secret holds a live token, and whose.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { isAppError } from '../../server/errors/index.js';
import type { Outcome } from '../../server/oauth/flow.js';
import type { AppEvent } from '../../server/status/events.js';
import { type Harness, startHarness } from '../support/app-harness.js';
import { eventually } from '../support/eventually.js';

const ALICE = '4815162342';
const BOB = '7788990011';

let h: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
});

/** alice is connected; bob signs in and is asked before his token replaces hers: his token is held. */
async function bobHeld(x: Harness): Promise<{ id: string; browserId: string }> {
  expect((await x.connectAndFollow({ user: 'alice' })).text).toContain('Connected');
  const hold = vi.spyOn(x.services.held, 'hold');
  const res = await x.connect({ user: 'bob' });
  const page = await x.agent.get(res.headers.location as string);
  expect(page.text).toContain('This is a different account');
  const id = /action="\/held\/([^/]+)\/save"/.exec(page.text)![1]!;
  const browserId = hold.mock.calls.at(-1)![0].browserId;
  hold.mockRestore();
  return { id, browserId };
}

/** The events about bob's token after the sign-in: what became of it. */
function fatesOfBob(x: Harness): AppEvent[] {
  return x.services.events
    .recent(50)
    .filter(
      (e) =>
        e.userId === BOB &&
        (e.type === 'connect' || e.type === 'token_revoked' || e.type === 'token_dropped'),
    );
}

/** Whose live token the secret holds, per Snowflake's own refresh at the provider. */
async function secretHolds(x: Harness): Promise<string | undefined> {
  const check = await x.services.endToEnd.runFresh();
  return check.ok ? check.seenUserId : undefined;
}

async function revocations(x: Harness): Promise<number> {
  const body = (await (await fetch(`${x.oauthUrl}/sandbox/requests`)).json()) as {
    requests: { path: string }[];
  };
  return body.requests.filter((r) => r.path === '/revoke').length;
}

/** A Save's outcome once the check after its write is done ('connected', 'pending'), or 'held'. */
async function checked(o: Outcome): Promise<string> {
  if (o.kind !== 'written') return o.kind;
  await o.progress.ended;
  return o.progress.end?.kind === 'done' ? o.progress.end.result.kind : 'error';
}

function claimedBy(e: unknown): string | undefined {
  if (!isAppError(e) || e.code !== 'held_token_claimed') return undefined;
  return e.title;
}

describe('a held token goes to exactly one action', () => {
  it('Save, then Cancel at the same moment: the Save writes bob’s live token, the Cancel is told', async () => {
    // ALTER SECRET drops Snowflake's cached access token, so the check uses the token just written.
    h = await startHarness({ behaviour: { alterSecretClearsAccessToken: true } });
    const { id, browserId } = await bobHeld(h);
    const save = h.services.flow.retryHeld(id, browserId);
    const cancel = h.services.flow.cancelHeld(id, browserId);
    const [saved, cancelled] = await Promise.allSettled([save, cancel]);
    expect(saved.status === 'fulfilled' && (await checked(saved.value))).toBe('connected');
    expect(cancelled.status).toBe('rejected');
    expect(claimedBy((cancelled as PromiseRejectedResult).reason)).toBe('That token is already being saved');
    expect(await revocations(h)).toBe(0);
    expect(await secretHolds(h)).toBe(BOB);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['connect']);
  });

  it('Cancel, then Save at the same moment: bob’s token is revoked, nothing is written, alice keeps working', async () => {
    h = await startHarness({ behaviour: { alterSecretClearsAccessToken: true } });
    const { id, browserId } = await bobHeld(h);
    const cancel = h.services.flow.cancelHeld(id, browserId);
    const save = h.services.flow.retryHeld(id, browserId);
    const [cancelled, saved] = await Promise.allSettled([cancel, save]);
    expect(cancelled).toEqual({ status: 'fulfilled', value: true });
    expect(claimedBy((saved as PromiseRejectedResult).reason)).toBe('That token was cancelled');
    expect(await revocations(h)).toBe(1);
    expect(await secretHolds(h)).toBe(ALICE);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['token_revoked']);
  });

  it('both buttons over HTTP at once: one wins, the other gets a page, the secret holds a live token', async () => {
    h = await startHarness({ behaviour: { alterSecretClearsAccessToken: true } });
    const { id } = await bobHeld(h);
    const csrf = await h.csrf();
    // The write takes a while, so the two really overlap.
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 300 });
    const [save, cancel] = await Promise.all([
      h.agent.post(`/held/${id}/save`).type('form').send({ _csrf: csrf }),
      h.agent.post(`/held/${id}/cancel`).type('form').send({ _csrf: csrf }),
    ]);
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
    const statuses = [save.status, cancel.status].sort();
    expect(statuses).toEqual([303, 409]);
    const loser = save.status === 409 ? save : cancel;
    expect(loser.text).toMatch(/That token (is already being saved|was cancelled)/);
    const fates = fatesOfBob(h).map((e) => e.type);
    expect(fates).toHaveLength(1);
    expect(await secretHolds(h)).toBe(fates[0] === 'connect' ? BOB : ALICE);
  });

  it('Save while the hold runs out: the expiry finds nothing to dispose of, the token is written once', async () => {
    const clock = new ManualClock();
    h = await startHarness({
      clock,
      heldTokenTtlMs: 60_000,
      behaviour: { alterSecretClearsAccessToken: true },
    });
    const { id, browserId } = await bobHeld(h);
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 300 });
    const save = h.services.flow.retryHeld(id, browserId);
    // The write is in flight at Snowflake; the hold's deadline passes now.
    await eventually(
      async () =>
        ((await (await fetch(`${h!.snowflakeUrl}/sandbox/stats`)).json()) as { inFlight: number }).inFlight >
        0,
    );
    await clock.advance(60_000);
    expect(await revocations(h)).toBe(0);
    expect(await checked(await save)).toBe('connected');
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
    expect(await revocations(h)).toBe(0);
    expect(await secretHolds(h)).toBe(BOB);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['connect']);
  });

  it('a Save whose write fails puts the token back under the same id, and a second Save writes it', async () => {
    const clock = new ManualClock();
    h = await startHarness({
      clock,
      heldTokenTtlMs: 60_000,
      behaviour: { alterSecretClearsAccessToken: true },
    });
    const { id, browserId } = await bobHeld(h);
    await clock.advance(50_000);
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
    });
    const failed = await h.services.flow.retryHeld(id, browserId);
    expect(failed).toMatchObject({ kind: 'held', heldId: id, reason: 'write_failed' });
    // A fresh deadline: the first one (60 s after bob signed in) has passed, the token is still held.
    await clock.advance(30_000);
    expect(h.services.held.peek(id, browserId)).toBeDefined();
    expect(await checked(await h.services.flow.retryHeld(id, browserId))).toBe('connected');
    await clock.advance(120_000);
    expect(await revocations(h)).toBe(0);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['connect']);
    expect(await secretHolds(h)).toBe(BOB);
  });

  it('Cancel, then the app stops: the stop waits for the Cancel and disposes of nothing twice', async () => {
    h = await startHarness();
    const { id, browserId } = await bobHeld(h);
    // The revocation takes a while, so the stop begins while it runs.
    await h.oauthControl('/sandbox/faults', { path: '/revoke', latencyMs: 300, count: 1 });
    const cancel = h.services.flow.cancelHeld(id, browserId);
    await h.services.shutdown();
    expect(await cancel).toBe(true);
    expect(await revocations(h)).toBe(1);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['token_revoked']);
    expect(fatesOfBob(h)[0]?.reason).toBe('cancelled by the user');
  });

  it('the app stops, then Cancel: the stop disposes of it, the Cancel is told the app is stopping', async () => {
    h = await startHarness();
    const { id, browserId } = await bobHeld(h);
    const stopping = h.services.shutdown();
    await expect(h.services.flow.cancelHeld(id, browserId)).rejects.toMatchObject({ code: 'app_stopping' });
    await stopping;
    expect(await revocations(h)).toBe(1);
    expect(fatesOfBob(h).map((e) => e.type)).toEqual(['token_revoked']);
    expect(fatesOfBob(h)[0]?.reason).toBe('app stopped before the token was saved');
  });
});
