// The end-to-end check: Snowflake calls the check function through the secret, so it proves the whole
// chain. One run at a time (concurrent callers share it); every result is recorded in the history and
// handed to listeners (the status page fetches its chart after a passing check).
import type { AppConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { type CheckResult, runCheck } from '../snowflake/check-function.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { EventLog } from '../status/events.js';

export class EndToEndCheck {
  private running: Promise<CheckResult> | undefined;
  private readonly listeners: ((r: CheckResult) => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly session: SnowflakeSession,
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {}

  /** Called with every result, after it is recorded. */
  onResult(listener: (r: CheckResult) => void): void {
    this.listeners.push(listener);
  }

  run(): Promise<CheckResult> {
    this.running ??= runCheck(
      this.session,
      this.config.snowflake.checkFunction,
      this.config.snowflake.connection,
    )
      .then((r) => {
        this.events.append({
          type: 'check',
          ok: r.ok,
          provider: this.config.provider,
          secret: this.config.snowflake.secret.display,
          failure: r.failure,
          code: r.errorCode,
          reason: r.ok ? undefined : r.message?.slice(0, 500),
          ms: r.ms,
        });
        this.log.info({ ok: r.ok, failure: r.failure, ms: r.ms }, 'end-to-end check');
        for (const l of this.listeners) l(r);
        return r;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Resolves when no check is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }
}
