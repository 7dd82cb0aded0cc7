// The tokens the connect flow has in hand: from the code exchange until each is written, held or handed
// to the disposer. A sign-in step (a callback, a Save, a Cancel) registers here when it starts and says
// where its token is as it goes, so that a stop can tell, for every token, what must happen to it and
// what the browser waiting for that step should be told.
import type { Undeliverable } from './dispose.js';

/**
 * Where a step's token is. `exchanging`: no token yet (the code exchange is under way). `in_hand`: a token
 * in local variables (the identity call, the scope check, waiting for its turn to be written). `writing`:
 * its ALTER SECRET was sent. `written`, `held`, `disposed`: custody has ended.
 */
export type Phase = 'exchanging' | 'in_hand' | 'writing' | 'written' | 'held' | 'disposed';

export class InFlight {
  phase: Phase = 'exchanging';
  /** The token while the phase is in_hand or writing. */
  token?: Undeliverable;
  private release!: () => void;
  /** Resolves when custody has ended, or the step is over (whatever became of it). */
  readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  /** The step now holds this token (or knows more about it, e.g. whose it is). */
  hold(t: Undeliverable): void {
    this.token = t;
    this.phase = 'in_hand';
  }

  /** Its ALTER SECRET is on its way to Snowflake (the outcome is unknown until it answers). */
  writing(): void {
    this.phase = 'writing';
  }

  /** Custody ended: the token was written, put in the held store, or disposed of. */
  end(phase: 'written' | 'held' | 'disposed'): void {
    this.token = undefined;
    this.phase = phase;
    this.release();
  }

  /** The step is over. */
  over(): void {
    this.release();
  }
}

/** Resolves true when `work` settles within `ms`, false when the time ran out first. No timer is left. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), limit]);
  } finally {
    clearTimeout(timer);
  }
}

export class TokensInFlight {
  private readonly steps = new Map<InFlight, Promise<unknown>>();

  /** Registers a step and its work; it leaves when the work settles. */
  add(step: InFlight, work: Promise<unknown>): void {
    this.steps.set(step, work);
    const done = () => {
      this.steps.delete(step);
      step.over();
    };
    work.then(done, done);
  }

  /**
   * Whether every step under way now finished within `ms`, and the steps they started before finishing
   * (the work after a write).
   */
  settled(ms: number): Promise<boolean> {
    return settlesWithin(
      this.until(() => Promise.allSettled([...this.steps.values()])),
      ms,
    );
  }

  /** Whether every step under way now (and those they start) ended its token's custody, or finished, within `ms`. */
  released(ms: number): Promise<boolean> {
    return settlesWithin(
      this.until(() => Promise.all([...this.steps.keys()].map((s) => s.released))),
      ms,
    );
  }

  /** Waits for `wait()` until no step is left that it did not cover. */
  private async until(wait: () => Promise<unknown>): Promise<void> {
    let seen: InFlight[] = [];
    while ([...this.steps.keys()].some((s) => !seen.includes(s))) {
      seen = [...this.steps.keys()];
      await wait();
    }
  }

  /** Steps still holding a token (what a stop that can wait no longer must record). */
  holdingTokens(): InFlight[] {
    return [...this.steps.keys()].filter((s) => s.token !== undefined);
  }

  get size(): number {
    return this.steps.size;
  }
}
