// Started sign-ins, kept server-side: state → PKCE verifier and the browser that started it.
// One-time (take() deletes), expiring, and capped so a flood of /connect requests cannot grow memory.
import { constantTimeEqual } from '../security/compare.js';

export type FlowIntent = 'connect' | 'reauthorize';

export interface PendingFlow {
  state: string;
  verifier: string;
  browserId: string;
  intent: FlowIntent;
  /** The account whose secret this sign-in writes (its label). */
  account: string;
  /** The invite this sign-in came from, when a participant started it from an invite link. */
  invite?: string;
  createdAt: number;
}

export type TakeResult =
  | { ok: true; flow: PendingFlow }
  | { ok: false; reason: 'unknown' | 'expired' | 'other_browser' };

export class PendingFlows {
  private readonly flows = new Map<string, PendingFlow>();

  constructor(
    private readonly ttlMs: number,
    private readonly cap = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.flows.size;
  }

  /** Keeps a started sign-in; `createdAt` defaults to now on this store's clock. */
  add(started: Omit<PendingFlow, 'createdAt'> & { createdAt?: number }): void {
    const flow: PendingFlow = { ...started, createdAt: started.createdAt ?? this.now() };
    this.sweep();
    // Map iteration is insertion order: the first entry is the oldest.
    while (this.flows.size >= this.cap) {
      const oldest = this.flows.keys().next().value;
      if (oldest === undefined) break;
      this.flows.delete(oldest);
    }
    this.flows.set(flow.state, flow);
  }

  /** The account a started sign-in is for, without using it up (the callback routes by it). */
  accountOf(state: string): string | undefined {
    return this.flows.get(state)?.account;
  }

  /** The invite a started sign-in came from, if any (the callback sends its browser to the participant's page). */
  inviteOf(state: string): string | undefined {
    return this.flows.get(state)?.invite;
  }

  /** Removes and returns the flow for `state` if it was started by `browserId` and has not expired. */
  take(state: string, browserId: string | undefined): TakeResult {
    const flow = this.flows.get(state);
    if (!flow) return { ok: false, reason: 'unknown' };
    this.flows.delete(state); // single use, whatever happens next
    if (this.now() - flow.createdAt > this.ttlMs) return { ok: false, reason: 'expired' };
    if (!browserId || !constantTimeEqual(browserId, flow.browserId))
      return { ok: false, reason: 'other_browser' };
    return { ok: true, flow };
  }

  sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [k, f] of this.flows) {
      if (f.createdAt >= cutoff) break; // insertion order = age order
      this.flows.delete(k);
    }
  }

  clear(): void {
    this.flows.clear();
  }
}
