// Finished sign-ins, kept briefly in memory so the result page survives a reload (the callback
// redirects here instead of rendering, and the code leaves the address bar). Holds no token. The
// callback's refusals are kept the same way, in a store of their own (Results<AppError>).
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { Outcome } from '../oauth/flow.js';

export class Results<T = Outcome> {
  private readonly map = new Map<string, { browserId: string; outcome: T; at: number }>();
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly ttlMs = 30 * 60 * 1000,
    private readonly cap = 200,
  ) {}

  put(browserId: string, outcome: T): string {
    const now = this.clock.now();
    const cutoff = now - this.ttlMs;
    for (const [k, v] of this.map) {
      if (v.at >= cutoff && this.map.size < this.cap) break;
      this.map.delete(k);
    }
    const id = randomBytes(12).toString('base64url');
    this.map.set(id, { browserId, outcome, at: now });
    return id;
  }

  get(id: string, browserId: string | undefined): T | undefined {
    const r = this.map.get(id);
    if (!r || r.browserId !== browserId || this.clock.now() - r.at > this.ttlMs) return undefined;
    return r.outcome;
  }
}
