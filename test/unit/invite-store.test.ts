// The invite store: a fingerprint of each link, never the link; states on the app's clock; an invite opens
// only its own account, once.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { isAppError } from '../../server/errors/index.js';
import { InviteStore } from '../../server/invites/store.js';
import { safePath } from '../../server/log.js';

const HOUR = 3_600_000;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
  return undefined;
};

describe('invite store', () => {
  let dir: string;
  let clock: ManualClock;
  let store: InviteStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-invites-'));
    clock = new ManualClock(Date.parse('2026-05-04T09:00:00Z'));
    store = new InviteStore(dir, 72 * HOUR, clock);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a SHA-256 of the 256-bit token only, in a file only this user can read', () => {
    const { invite, token } = store.create('alice', 'Dr. Lee, sleep study');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(dir, 'invites.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(invite.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // A fresh store reads it back: the link still opens the invite after a restart.
    const again = new InviteStore(dir, 72 * HOUR, clock);
    expect(again.byToken(token)?.id).toBe(invite.id);
    // Another last character (the token may end in "A" already: 1 in 64).
    const other = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(again.byToken(other)?.id).toBeUndefined();
    expect(again.byToken('short')).toBeUndefined();
  });

  it('is open until it expires on the app’s clock, then refused as expired', async () => {
    const { invite } = store.create('alice', 'Dr. Lee');
    expect(store.state(invite)).toBe('open');
    await clock.advance(72 * HOUR - 1);
    expect(store.state(invite)).toBe('open');
    await clock.advance(1);
    expect(store.state(invite)).toBe('expired');
    expect(codeOf(() => store.requireOpen(invite.id, 'alice'))).toBe('invite_expired');
  });

  it('opens only its own account: another account’s sign-in cannot use it', () => {
    const { invite } = store.create('alice', 'Dr. Lee');
    expect(codeOf(() => store.requireOpen(invite.id, 'default'))).toBe('invite_unknown');
    expect(codeOf(() => store.claim(invite.id, 'bob'))).toBe('invite_unknown');
    expect(store.requireOpen(invite.id, 'alice').id).toBe(invite.id);
  });

  it('is used once: a second claim is refused while the first writes, and after it wrote', () => {
    const { invite } = store.create('alice', 'Dr. Lee');
    const first = store.claim(invite.id, 'alice');
    expect(first.from).toBe('Dr. Lee');
    expect(codeOf(() => store.claim(invite.id, 'alice'))).toBe('invite_used');
    first.release(); // that write failed: the invite is open again
    store.claim(invite.id, 'alice');
    store.markUsed(invite.id, { userId: '4815162342', email: 'alice@example.com' });
    expect(store.state(store.get(invite.id)!)).toBe('used');
    expect(store.get(invite.id)!.usedBy).toEqual({ userId: '4815162342', email: 'alice@example.com' });
    expect(codeOf(() => store.claim(invite.id, 'alice'))).toBe('invite_used');
  });

  it('revokes an open invite; a used one stays used', () => {
    const a = store.create('alice', 'Dr. Lee').invite;
    const b = store.create('alice', 'Dr. Lee').invite;
    expect(store.revoke(a.id)).toBe(true);
    expect(codeOf(() => store.requireOpen(a.id, 'alice'))).toBe('invite_revoked');
    store.claim(b.id, 'alice');
    store.markUsed(b.id, { userId: '1' });
    store.revoke(b.id);
    expect(store.state(store.get(b.id)!)).toBe('used');
    expect(store.revoke('nope')).toBe(false);
  });

  it('asks who is asking, on one line', () => {
    expect(codeOf(() => store.create('alice', '   '))).toBe('invite_from_invalid');
    expect(store.create('alice', 'Dr.\nLee').invite.from).toBe('Dr. Lee');
  });

  it('an invite link’s token never reaches a logged path', () => {
    expect(safePath('/invite/NbpTtGocERyYxdU1xumJfn59x3jLON-UMuvNimdYXy0')).toBe('/invite/[redacted]');
    expect(safePath('/invite/NbpTtGocERyYxdU1xumJfn59x3jLON-UMuvNimdYXy0/start?x=1')).toBe(
      '/invite/[redacted]/start',
    );
    expect(safePath('/invites')).toBe('/invites');
  });
});
