// Token custody after a failed hand-over: the refresh token stays in memory only, for a bounded time,
// so the user can press "Retry saving". When that time ends, or the app stops, it is disposed of:
// revoked at the provider — or only dropped, when revoking would also kill the token Snowflake already
// holds for the same user (both providers revoke the whole grant). Nothing here touches the disk.
import { randomBytes } from 'node:crypto';
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
  private readonly held = new Map<string, { token: HeldToken; timer: NodeJS.Timeout }>();

  constructor(
    private readonly ttlMs: number,
    private readonly dispose: (t: HeldToken, why: 'expired' | 'shutdown') => Promise<Disposal>,
    private readonly cap = 20,
  ) {}

  hold(t: Omit<HeldToken, 'id' | 'heldUntil'>): HeldToken {
    // A cap keeps a misbehaving client from piling up live tokens; the oldest is disposed of first.
    while (this.held.size >= this.cap) {
      const oldest = this.held.keys().next().value;
      if (oldest === undefined) break;
      void this.expire(oldest, 'expired');
    }
    const token: HeldToken = {
      ...t,
      id: randomBytes(16).toString('base64url'),
      heldUntil: Date.now() + this.ttlMs,
    };
    const timer = setTimeout(() => void this.expire(token.id, 'expired'), this.ttlMs);
    timer.unref();
    this.held.set(token.id, { token, timer });
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
    clearTimeout(h.timer);
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

  /** On shutdown: dispose of everything still held. */
  async drain(): Promise<Disposal[]> {
    const ids = [...this.held.keys()];
    const results = await Promise.all(ids.map((id) => this.expire(id, 'shutdown')));
    return results.filter((r): r is Disposal => r !== undefined);
  }
}
