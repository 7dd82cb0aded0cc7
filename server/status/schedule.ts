// The CHECK_INTERVAL schedule: the end-to-end check one interval after the last one, once something was
// written (before that there is nothing to prove, and no warehouse time to spend). Counting from the last
// check, whoever ran it, means a click or a connect moves the next scheduled check back instead of adding
// one, and a restarted app whose last check is older than the interval checks at once.
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

/**
 * When the next scheduled check falls due (ms since the epoch): one interval after the last check since
 * the last connect, or now when there is none.
 */
export function nextCheckDue(intervalMs: number, lastCheckAt: number | undefined, now: number): number {
  if (lastCheckAt === undefined) return now;
  // A last check "in the future" (the clock was set back) waits one interval, not longer.
  return Math.min(now + intervalMs, Math.max(now, lastCheckAt + intervalMs));
}

export class CheckSchedule {
  private cancel: (() => void) | undefined;
  /** The check this schedule started and that has not finished yet: stop() waits for it. */
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly hasConnect: () => boolean,
    private readonly runCheck: () => Promise<unknown>,
    private readonly log: Logger,
    /** When the last end-to-end check since the last connect ran (ms), if any. */
    private readonly lastCheckAt: () => number | undefined = () => undefined,
  ) {}

  /** Starts the schedule (off when the interval is 0): the first check falls due as nextCheckDue says. */
  start(): void {
    if (!this.intervalMs || this.cancel) return;
    this.arm(this.hasConnect() ? this.dueIn() : this.intervalMs);
  }

  private dueIn(): number {
    const now = this.clock.now();
    return nextCheckDue(this.intervalMs, this.lastCheckAt(), now) - now;
  }

  private arm(ms: number): void {
    this.cancel = this.clock.setTimer(() => this.tick(), ms);
  }

  // Re-armed before the check runs, like setInterval: a slow check does not push the next one back
  // (concurrent callers share one run of the check anyway).
  private tick(): Promise<void> | undefined {
    if (!this.hasConnect()) {
      this.arm(this.intervalMs);
      return this.running;
    }
    const wait = this.dueIn();
    if (wait > 0) {
      // A check ran since this timer was set (a click, a connect): count the interval from it.
      this.arm(wait);
      return this.running;
    }
    this.arm(this.intervalMs);
    if (this.running) return this.running;
    const run = this.runCheck()
      .then(
        () => undefined,
        (e: unknown) => this.log.warn({ err: e }, 'scheduled end-to-end check failed'),
      )
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** Stops the schedule and waits for a check it started. */
  async stop(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    await this.running;
  }
}
