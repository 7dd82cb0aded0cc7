// The app's sense of time for the things it schedules itself (held-token expiry, the CHECK_INTERVAL
// check, sign-in and result lifetimes). Passed in, so tests move time with ManualClock instead of
// sleeping, and wait for the work a timer starts instead of guessing how long it takes.

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  /**
   * Runs `fn` once after `ms`; returns a function that cancels it. A timer never keeps the process
   * alive. `fn` may return a promise: ManualClock waits for it, the system clock does not.
   */
  setTimer(fn: () => unknown, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // Looked up on every call (not bound once), so vitest's fake timers still apply to code using it.
    const t = setTimeout(() => void fn(), ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => unknown;
}

/** A clock that moves only when told to. For tests. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start: number = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => unknown, ms: number): () => void {
    const timer: ManualTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Timers set and not yet run or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`. Every timer that falls due runs in order, at its own time, and the
   * work it returns is awaited before the next one runs (so a timer set by that work, due within the
   * window, runs too). Resolves when all of it is done; rejects if that work fails.
   */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let next = this.due(end); next; next = this.due(end)) {
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      await next.fn();
    }
    this.t = Math.max(this.t, end);
  }

  private due(end: number): ManualTimer | undefined {
    let first: ManualTimer | undefined;
    for (const x of this.timers) {
      if (x.at > end) continue;
      if (!first || x.at < first.at || (x.at === first.at && x.seq < first.seq)) first = x;
    }
    return first;
  }
}
