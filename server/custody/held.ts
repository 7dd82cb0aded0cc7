// Token custody after a failed hand-over: the refresh token stays in memory only, for a bounded time,
// so the user can press "Retry saving". When that time ends, or the app stops, it is disposed of:
// revoked at the provider — or only dropped, when revoking would also kill the token Snowflake already
// holds for the same user (both providers revoke the whole grant). Nothing here touches the disk.
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { Identity } from '../providers/index.js';

export interface HeldToken {
  id: string;
  browserId: string;
  refreshToken: string;
  refreshExpiresAt?: Date;
  identity: Identity;
  scopes: string[];
  intent: 'connect' | 'reauthorize';
  heldUntil: number;
  /** A write of this token timed out, so Snowflake may hold it: it is dropped, never revoked. */
  mayBeDelivered?: boolean;
}

export type Disposal = 'revoked' | 'dropped' | 'revoke_failed';

export class HeldTokens {
  private readonly held = new Map<string, { token: HeldToken; cancel: () => void }>();
  /** Disposals started by the TTL or the cap and not finished yet: drain() waits for them too. */
  private readonly disposing = new Set<Promise<unknown>>();

  constructor(
    private readonly ttlMs: number,
    private readonly dispose: (t: HeldToken, why: 'expired' | 'shutdown') => Promise<Disposal>,
    private readonly cap = 20,
    private readonly clock: Clock = systemClock,
  ) {}

  hold(t: Omit<HeldToken, 'id' | 'heldUntil'>): HeldToken {
    // A cap keeps a misbehaving client from piling up live tokens; the oldest is disposed of first.
    while (this.held.size >= this.cap) {
      const oldest = this.held.keys().next().value;
      if (oldest === undefined) break;
      void this.expireInBackground(oldest);
    }
    const token: HeldToken = {
      ...t,
      id: randomBytes(16).toString('base64url'),
      heldUntil: this.clock.now() + this.ttlMs,
    };
    const cancel = this.clock.setTimer(() => this.expireInBackground(token.id), this.ttlMs);
    this.held.set(token.id, { token, cancel });
    return token;
  }

  /** The held token for this browser, without removing it. */
  peek(id: string, browserId: string | undefined): HeldToken | undefined {
    const h = this.held.get(id);
    if (!h || !browserId || h.token.browserId !== browserId) return undefined;
    return h.token;
  }

  /** Removes a held token after it was delivered (or handed to dispose). */
  release(id: string): void {
    const h = this.held.get(id);
    if (!h) return;
    h.cancel();
    this.held.delete(id);
  }

  get size(): number {
    return this.held.size;
  }

  private async expire(id: string, why: 'expired' | 'shutdown'): Promise<Disposal | undefined> {
    const h = this.held.get(id);
    if (!h) return undefined;
    this.release(id);
    return this.dispose(h.token, why);
  }

  /** An expiry nobody waits for, kept track of so drain() can. Returns it for ManualClock to await. */
  private expireInBackground(id: string): Promise<Disposal | undefined> {
    const p = this.expire(id, 'expired');
    this.disposing.add(p);
    const done = () => this.disposing.delete(p);
    p.then(done, done);
    return p;
  }

  /** On shutdown: dispose of everything still held, and wait for disposals already under way. */
  async drain(): Promise<Disposal[]> {
    const ids = [...this.held.keys()];
    const results = await Promise.all(ids.map((id) => this.expire(id, 'shutdown')));
    await Promise.allSettled([...this.disposing]);
    return results.filter((r): r is Disposal => r !== undefined);
  }
}
