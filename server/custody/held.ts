// Token custody after a failed hand-over: the refresh token stays in memory only, for a bounded time,
// so the user can press "Retry saving". When that time ends, or the app stops, it is disposed of:
// revoked at the provider — or only dropped, when revoking would also kill the token Snowflake already
// holds for the same user (both providers revoke the whole grant). Nothing here touches the disk.
//
// Each held token goes to exactly one action: Save (retry or "write this account's token"), Cancel, the
// expiry, or the shutdown drain. Taking it removes it in one synchronous step, so two actions at the same
// moment cannot both act on it (a Save writing a token that a Cancel is revoking); the loser learns which
// action won. A Save whose write fails puts the token back under the same id.
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { AppError } from '../errors/index.js';
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
  /** What the result page must also say (numbers from the provider the app refused), for a later Save. */
  notes?: AppError[];
}

export type Disposal = 'revoked' | 'dropped' | 'revoke_failed';

/** The actions that can take a held token. */
export type ClaimedBy = 'save' | 'cancel' | 'expiry' | 'shutdown';

/** A take: the token (now the caller's alone), or who took it before (`by` unknown: never held here, or forgotten). */
export type Claim = { ok: true; token: HeldToken } | { ok: false; by?: ClaimedBy };

/** How many finished claims are remembered (ids and actions only), to tell a race's loser what happened. */
const CLAIMS_KEPT = 1000;

export class HeldTokens {
  private readonly held = new Map<string, { token: HeldToken; cancel: () => void }>();
  /** Disposals started by the TTL, the cap or a late hold, not finished yet: drain() waits for them too. */
  private readonly disposing = new Set<Promise<unknown>>();
  /** Who took each token lately, for the loser of a race; kept for the TTL, never a token value. */
  private readonly claims = new Map<string, { browserId: string; by: ClaimedBy; at: number }>();
  /** Set by drain(): the app is stopping, and nothing may be held any more. */
  private closed = false;

  constructor(
    private readonly ttlMs: number,
    private readonly dispose: (t: HeldToken, why: 'expired' | 'shutdown') => Promise<Disposal>,
    private readonly cap = 20,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Holds a token for `ttlMs`. `id` puts a token back under the id its page already shows (a Save whose
   * write failed), with a fresh deadline: the person has just met a new failure and needs time to fix it.
   */
  hold(t: Omit<HeldToken, 'id' | 'heldUntil'>, id?: string): HeldToken {
    const token: HeldToken = {
      ...t,
      id: id ?? randomBytes(16).toString('base64url'),
      heldUntil: this.clock.now() + this.ttlMs,
    };
    this.claims.delete(token.id);
    if (this.closed) {
      // Too late to hold (the drain ran): dispose of it now, as the drain would have.
      this.remember(token.id, token.browserId, 'shutdown');
      this.track(this.dispose(token, 'shutdown'));
      return token;
    }
    // A cap keeps a misbehaving client from piling up live tokens; the oldest is disposed of first.
    while (this.held.size >= this.cap) {
      const oldest = this.held.keys().next().value;
      if (oldest === undefined) break;
      void this.expireInBackground(oldest);
    }
    const cancel = this.clock.setTimer(() => this.expireInBackground(token.id), this.ttlMs);
    this.held.set(token.id, { token, cancel });
    return token;
  }

  /** Whether this store holds `id` for this browser, or remembers the action that took it (a race's loser). */
  knows(id: string, browserId: string | undefined): boolean {
    if (this.peek(id, browserId)) return true;
    const c = this.claims.get(id);
    return c !== undefined && c.browserId === browserId;
  }

  /** The held token for this browser, without removing it (what a page may show about it). */
  peek(id: string, browserId: string | undefined): HeldToken | undefined {
    const h = this.held.get(id);
    if (!h || !browserId || h.token.browserId !== browserId) return undefined;
    return h.token;
  }

  /**
   * Takes the token for `by`: from now on it is the caller's alone (its expiry is cancelled). Synchronous,
   * so of two actions on one token exactly one gets it; the other learns who did.
   */
  take(id: string, browserId: string | undefined, by: 'save' | 'cancel'): Claim {
    const token = this.peek(id, browserId);
    if (token) {
      this.remove(id, by);
      return { ok: true, token };
    }
    const c = this.claims.get(id);
    if (c && c.browserId === browserId && this.clock.now() - c.at <= this.ttlMs)
      return { ok: false, by: c.by };
    return { ok: false };
  }

  get size(): number {
    return this.held.size;
  }

  private remove(id: string, by: ClaimedBy): HeldToken | undefined {
    const h = this.held.get(id);
    if (!h) return undefined;
    h.cancel();
    this.held.delete(id);
    this.remember(id, h.token.browserId, by);
    return h.token;
  }

  private remember(id: string, browserId: string, by: ClaimedBy): void {
    this.claims.delete(id);
    this.claims.set(id, { browserId, by, at: this.clock.now() });
    const cutoff = this.clock.now() - this.ttlMs;
    for (const [k, v] of this.claims) {
      if (v.at >= cutoff && this.claims.size <= CLAIMS_KEPT) break;
      this.claims.delete(k);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.disposing.add(p);
    const done = () => this.disposing.delete(p);
    p.then(done, done);
    return p;
  }

  private async expire(id: string, why: 'expired' | 'shutdown'): Promise<Disposal | undefined> {
    const token = this.remove(id, why === 'expired' ? 'expiry' : 'shutdown');
    if (!token) return undefined;
    return this.dispose(token, why);
  }

  /** An expiry nobody waits for, kept track of so drain() can. Returns it for ManualClock to await. */
  private expireInBackground(id: string): Promise<Disposal | undefined> {
    return this.track(this.expire(id, 'expired'));
  }

  /**
   * On shutdown: dispose of everything still held, and wait for disposals already under way. Tokens
   * taken by a Save or Cancel are not here: their action disposes of them (the flow waits for it).
   */
  async drain(): Promise<Disposal[]> {
    this.closed = true;
    const ids = [...this.held.keys()];
    const results = await Promise.all(ids.map((id) => this.expire(id, 'shutdown')));
    await Promise.allSettled([...this.disposing]);
    return results.filter((r): r is Disposal => r !== undefined);
  }
}
