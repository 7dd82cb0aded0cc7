import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { disposalFor, disposeToken } from '../../server/custody/dispose.js';
import { type Disposal, type HeldToken, HeldTokens } from '../../server/custody/held.js';
import type { SecretAccount } from '../../server/custody/secret-account.js';
import { createLogger } from '../../server/log.js';
import type { OAuthClient } from '../../server/oauth/client.js';
import { fitbit } from '../../server/providers/fitbit.js';
import { googleHealth } from '../../server/providers/google-health.js';
import type { ProviderProfile } from '../../server/providers/index.js';
import { EventLog } from '../../server/status/events.js';

function input(browserId = 'browser-A', refreshToken = 'rt-1'): Omit<HeldToken, 'id' | 'heldUntil'> {
  return {
    browserId,
    refreshToken,
    identity: { userId: 'user-1' },
    scopes: ['activity'],
    intent: 'connect',
  };
}

function recorder(result: Disposal = 'revoked') {
  const calls: { token: HeldToken; why: string }[] = [];
  const dispose = vi.fn(async (token: HeldToken, why: 'expired' | 'shutdown') => {
    calls.push({ token, why });
    return result;
  });
  return { calls, dispose };
}

describe('HeldTokens', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-10T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hold gives an id and a deadline; peek is bound to the browser', () => {
    const { dispose } = recorder();
    const h = new HeldTokens(60_000, dispose);
    const t = h.hold(input());
    expect(t.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(t.heldUntil).toBe(Date.now() + 60_000);
    expect(h.peek(t.id, 'browser-A')).toEqual(t);
    expect(h.peek(t.id, 'browser-B')).toBeUndefined();
    expect(h.peek(t.id, undefined)).toBeUndefined();
    expect(h.peek('unknown', 'browser-A')).toBeUndefined();
    // peek does not remove
    expect(h.size).toBe(1);
    expect(h.hold(input()).id).not.toBe(t.id);
  });

  it('take removes the token and cancels its expiry', async () => {
    const { dispose } = recorder();
    const h = new HeldTokens(60_000, dispose);
    const t = h.hold(input());
    expect(h.take(t.id, 'browser-B', 'save')).toEqual({ ok: false }); // another browser's: nothing said
    expect(h.take(t.id, 'browser-A', 'save')).toEqual({ ok: true, token: t });
    expect(h.size).toBe(0);
    expect(h.peek(t.id, 'browser-A')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(dispose).not.toHaveBeenCalled();
  });

  it('hands a token to exactly one action; the others learn which one took it', async () => {
    const { dispose } = recorder();
    const h = new HeldTokens(60_000, dispose);
    const a = h.hold(input());
    expect(h.take(a.id, 'browser-A', 'save').ok).toBe(true);
    expect(h.take(a.id, 'browser-A', 'cancel')).toEqual({ ok: false, by: 'save' });
    expect(h.take(a.id, 'browser-A', 'save')).toEqual({ ok: false, by: 'save' });
    const b = h.hold(input());
    expect(h.take(b.id, 'browser-A', 'cancel').ok).toBe(true);
    expect(h.take(b.id, 'browser-A', 'save')).toEqual({ ok: false, by: 'cancel' });
    // The expiry took this one: a Save afterwards is told so, and nothing is disposed of twice.
    const c = h.hold(input());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.take(c.id, 'browser-A', 'save')).toEqual({ ok: false, by: 'expiry' });
    expect(dispose).toHaveBeenCalledTimes(1);
    // The drain took this one.
    const d = h.hold(input());
    await h.drain();
    expect(h.take(d.id, 'browser-A', 'cancel')).toEqual({ ok: false, by: 'shutdown' });
    expect(dispose).toHaveBeenCalledTimes(2);
    // Another browser learns nothing about who took a token.
    expect(h.take(a.id, 'browser-B', 'cancel')).toEqual({ ok: false });
  });

  it('a Save whose write failed puts the token back under its id, with a fresh deadline', async () => {
    const clock = new ManualClock(0);
    const { calls, dispose } = recorder();
    const h = new HeldTokens(60_000, dispose, 20, clock);
    const t = h.hold(input());
    await clock.advance(50_000);
    const taken = h.take(t.id, 'browser-A', 'save');
    expect(taken.ok).toBe(true);
    await clock.advance(20_000); // the original deadline passes while the write runs: no expiry
    expect(calls).toEqual([]);
    const back = h.hold({ ...input(), mayBeDelivered: true }, t.id);
    expect(back.id).toBe(t.id);
    expect(back.heldUntil).toBe(70_000 + 60_000);
    expect(h.peek(t.id, 'browser-A')?.mayBeDelivered).toBe(true);
    await clock.advance(60_000);
    expect(calls.map((c) => [c.token.id, c.why])).toEqual([[t.id, 'expired']]);
  });

  it('after the drain nothing is held: a late hold is disposed of at once, and drain waits for it', async () => {
    const { calls, dispose } = recorder();
    const h = new HeldTokens(60_000, dispose);
    await h.drain();
    const late = h.hold(input());
    expect(h.size).toBe(0);
    await h.drain();
    expect(calls).toEqual([{ token: late, why: 'shutdown' }]);
  });

  it('the TTL disposes of a token exactly once, as expired', async () => {
    const { calls, dispose } = recorder();
    const h = new HeldTokens(60_000, dispose);
    const t = h.hold(input());
    await vi.advanceTimersByTimeAsync(59_999);
    expect(dispose).not.toHaveBeenCalled();
    expect(h.peek(t.id, 'browser-A')).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ token: t, why: 'expired' }]);
    expect(h.size).toBe(0);
    expect(h.peek(t.id, 'browser-A')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(dispose).toHaveBeenCalledTimes(1);
    // draining afterwards does not dispose again
    expect(await h.drain()).toEqual([]);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('drain disposes of everything still held, as shutdown, once each', async () => {
    const { calls, dispose } = recorder('dropped');
    const h = new HeldTokens(60_000, dispose);
    const a = h.hold(input('browser-A', 'rt-a'));
    const b = h.hold(input('browser-B', 'rt-b'));
    const taken = h.hold(input('browser-C', 'rt-c'));
    h.take(taken.id, 'browser-C', 'cancel');
    expect(await h.drain()).toEqual(['dropped', 'dropped']);
    expect(calls.map((c) => [c.token.id, c.why])).toEqual([
      [a.id, 'shutdown'],
      [b.id, 'shutdown'],
    ]);
    expect(h.size).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(dispose).toHaveBeenCalledTimes(2);
  });

  it('drain also waits for a disposal the deadline started and that is still under way', async () => {
    let finish: (() => void) | undefined;
    const dispose = vi.fn(async () => {
      await new Promise<void>((r) => (finish = r));
      return 'revoked' as const;
    });
    const h = new HeldTokens(60_000, dispose);
    h.hold(input());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(dispose).toHaveBeenCalledTimes(1);
    let drained = false;
    const draining = h.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    finish?.();
    await draining;
    expect(drained).toBe(true);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('counts time on the clock it is given', async () => {
    const clock = new ManualClock(5_000);
    const { calls, dispose } = recorder();
    const h = new HeldTokens(60_000, dispose, 20, clock);
    const t = h.hold(input());
    expect(t.heldUntil).toBe(65_000);
    await vi.advanceTimersByTimeAsync(120_000); // the system's time does not matter
    expect(calls).toEqual([]);
    await clock.advance(60_000); // resolves once the disposal is done
    expect(calls).toEqual([{ token: t, why: 'expired' }]);
    expect(h.size).toBe(0);
  });

  it('the cap disposes of the oldest token first', async () => {
    const { calls, dispose } = recorder();
    const h = new HeldTokens(60_000, dispose, 2);
    const first = h.hold(input('b1', 'rt-1'));
    const second = h.hold(input('b2', 'rt-2'));
    const third = h.hold(input('b3', 'rt-3'));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.size).toBe(2);
    expect(calls).toEqual([{ token: first, why: 'expired' }]);
    expect(h.peek(first.id, 'b1')).toBeUndefined();
    expect(h.peek(second.id, 'b2')).toBeDefined();
    expect(h.peek(third.id, 'b3')).toBeDefined();
  });
});

describe('disposalFor', () => {
  // A real openid-client Configuration; disposalFor reads only the profile.
  const client = (profile: ProviderProfile): OAuthClient => ({
    profile,
    config: new oidc.Configuration({ issuer: 'https://issuer.example' }, 'client-id'),
  });
  const google = client(googleHealth);
  const fb = client(fitbit);

  const holder = (h: string): SecretAccount =>
    h === 'none' ? { kind: 'none' } : h === 'unknown' ? { kind: 'unknown' } : { kind: 'user', userId: h };

  it.each([
    // [client, token user, whose token the secret holds, expected]
    ['google', 'user-1', 'user-1', 'drop'],
    ['google', 'user-2', 'user-1', 'revoke'],
    ['google', undefined, 'user-1', 'drop'],
    ['google', 'user-1', 'none', 'revoke'],
    ['google', undefined, 'none', 'revoke'],
    ['google', 'user-1', 'unknown', 'drop'],
    ['fitbit', 'user-1', 'user-1', 'revoke'],
    ['fitbit', 'user-2', 'user-1', 'revoke'],
    ['fitbit', undefined, 'user-1', 'revoke'],
    ['fitbit', undefined, 'none', 'revoke'],
    ['fitbit', 'user-1', 'unknown', 'revoke'],
  ] as const)('%s: token of %s, secret holds %s → %s', (who, userId, held, expected) => {
    const c = who === 'google' ? google : fb;
    expect(disposalFor(c, { refreshToken: 'rt', userId }, holder(held))).toBe(expected);
  });

  it('a provider whose revocation is per token always revokes', () => {
    const perToken = client({ ...googleHealth, revokeKillsWholeGrant: false });
    expect(disposalFor(perToken, { refreshToken: 'rt', userId: 'user-1' }, holder('user-1'))).toBe('revoke');
  });

  it('a token whose write timed out is never revoked (Snowflake may hold it)', () => {
    expect(disposalFor(fb, { refreshToken: 'rt', userId: 'u', mayBeDelivered: true }, holder('none'))).toBe(
      'drop',
    );
  });
});

describe('disposeToken: the history says why a token was dropped, each case in its own words', () => {
  const google: OAuthClient = {
    profile: googleHealth,
    config: new oidc.Configuration({ issuer: 'https://issuer.example' }, 'client-id'),
  };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-dispose-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const reason = async (t: Parameters<typeof disposeToken>[1], account: SecretAccount) => {
    const events = new EventLog(dir);
    expect(
      await disposeToken(google, t, account, events, createLogger('silent'), 'cancelled by the user'),
    ).toBe('dropped');
    const e = events.all().at(-1)!;
    expect(e.type).toBe('token_dropped');
    return e;
  };

  it('the same account: revoking would revoke the grant Snowflake’s token belongs to', async () => {
    const e = await reason(
      { refreshToken: 'rt', userId: 'u1', email: 'a@x.org' },
      { kind: 'user', userId: 'u1' },
    );
    expect(e.reason).toBe(
      'cancelled by the user; not revoked because the secret holds a token of the same account, and revoking would revoke its whole grant',
    );
    expect(e.email).toBe('a@x.org');
  });

  it('an unknown signer: not “the same grant”, but that the app could not tell who signed in', async () => {
    const e = await reason({ refreshToken: 'rt' }, { kind: 'user', userId: 'u1' });
    expect(e.reason).toContain('not revoked because the app could not tell who signed in');
    expect(e.reason).not.toContain('same');
  });

  it('an unknown holder, and a write that timed out, each say so', async () => {
    expect((await reason({ refreshToken: 'rt', userId: 'u1' }, { kind: 'unknown' })).reason).toContain(
      'could not tell whose token the secret holds',
    );
    expect(
      (await reason({ refreshToken: 'rt', userId: 'u1', mayBeDelivered: true }, { kind: 'none' })).reason,
    ).toContain('its write did not finish (timed out, or cut short by a stop) and the secret may hold it');
  });
});
