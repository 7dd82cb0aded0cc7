// The optional CHECK_INTERVAL schedule: the end-to-end check every N seconds, once something was
// written (before that there is nothing to prove, and no warehouse time to spend).
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

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
  ) {}

  /** Starts the schedule (off when the interval is 0). */
  start(): void {
    if (!this.intervalMs || this.cancel) return;
    this.arm();
  }

  private arm(): void {
    this.cancel = this.clock.setTimer(() => this.tick(), this.intervalMs);
  }

  // Re-armed before the check runs, like setInterval: a slow check does not push the next one back
  // (concurrent callers share one run of the check anyway).
  private tick(): Promise<void> | undefined {
    this.arm();
    if (!this.hasConnect() || this.running) return this.running;
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
