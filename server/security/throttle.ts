// The one check of a presented token (the login form, a `?token=` link, a bearer token on /status.json),
// with one budget of wrong guesses for all of them.
//
// It never locks the owner out: the right token is compared first (in constant time) and always
// accepted, whatever the budget says. An earlier throttle refused even the right token after five wrong
// ones, so anyone could lock the owner out of /login, and behind a proxy every user shares one address.
// Wrong tokens beyond the budget of their source (5 a minute), or beyond the budget of all sources
// together (50 a minute, so that many addresses do not multiply it), are answered 429 with Retry-After.
// What stops guessing is the token's size (a launch token is 256 random bits; ADMIN_TOKEN at least 16
// characters); the budget turns a guessing run into a stream of 429s a monitor and the log can see.
import { type Clock, systemClock } from '../clock.js';
import { constantTimeEqual } from './compare.js';

export interface ThrottleLimits {
  perSource: number;
  global: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { perSource: 5, global: 50, windowMs: 60_000 };
/** Sources remembered at most; past it the oldest is forgotten (the global budget still counts). */
const MAX_SOURCES = 10_000;

/** `retryAfterSeconds` when the wrong token was beyond a budget (answer 429), else absent (401). */
export type Verdict = { ok: true } | { ok: false; retryAfterSeconds?: number };

export class TokenThrottle {
  /** Times of recent wrong tokens, per source and in all, oldest first, at most one past the budget. */
  private readonly bySource = new Map<string, number[]>();
  private readonly all: number[] = [];

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
  ) {}

  check(source: string, presented: string | undefined, expected: string): Verdict {
    if (constantTimeEqual(presented, expected)) return { ok: true };
    const now = this.clock.now();
    const mine = this.bySource.get(source) ?? [];
    this.bySource.delete(source); // re-inserted last: the map stays ordered by last failure
    const wait = Math.max(
      this.record(mine, now, this.limits.perSource),
      this.record(this.all, now, this.limits.global),
    );
    if (this.bySource.size >= MAX_SOURCES) {
      const oldest = this.bySource.keys().next().value;
      if (oldest !== undefined) this.bySource.delete(oldest);
    }
    this.bySource.set(source, mine);
    return wait > 0 ? { ok: false, retryAfterSeconds: wait } : { ok: false };
  }

  /** Adds a failure at `now`; returns the seconds until the budget has room again, or 0 when within it. */
  private record(times: number[], now: number, budget: number): number {
    const cutoff = now - this.limits.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    times.push(now);
    if (times.length > budget + 1) times.splice(0, times.length - budget - 1);
    if (times.length <= budget) return 0;
    return Math.max(1, Math.ceil((times[0]! + this.limits.windowMs - now) / 1000));
  }
}
