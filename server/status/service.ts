// What the app knows about the connection: the last connect, the last end-to-end check, and the
// overall verdict that /status.json reports. Reads come from the event log; the end-to-end check
// (which uses a warehouse) runs only when asked.
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { ProviderProfile } from '../providers/index.js';
import { type CheckResult, runCheck } from '../snowflake/check.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { AppEvent, EventLog } from './events.js';

export type Overall = 'connected' | 'not_connected' | 'needs_reauth' | 'misconfigured' | 'error';

export class StatusService {
  private checking: Promise<CheckResult> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly profile: ProviderProfile,
    private readonly session: SnowflakeSession,
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {}

  private mine = (e: AppEvent) =>
    e.provider === this.profile.id && e.secret === this.config.snowflake.secret.display;

  lastConnect(): AppEvent | undefined {
    return this.events.last(
      (e) => (e.type === 'connect' || e.type === 'reauthorize') && e.ok === true && this.mine(e),
    );
  }

  lastCheck(): AppEvent | undefined {
    return this.events.last((e) => e.type === 'check' && this.mine(e));
  }

  /** The user whose token the secret holds and still works, as far as the app knows. */
  deliveredUser(): string | undefined {
    const c = this.lastConnect();
    if (!c) return undefined;
    const check = this.lastCheck();
    if (check && check.at >= c.at && check.ok === false && check.failure === 'token_revoked')
      return undefined;
    return c.userId;
  }

  /** Runs the end-to-end check once at a time (concurrent callers share the run) and records it. */
  runCheck(): Promise<CheckResult> {
    this.checking ??= runCheck(
      this.session,
      this.config.snowflake.checkFunction,
      this.config.snowflake.connection,
    )
      .then((r) => {
        this.events.append({
          type: 'check',
          ok: r.ok,
          provider: this.profile.id,
          secret: this.config.snowflake.secret.display,
          failure: r.failure,
          code: r.errorCode,
          reason: r.ok ? undefined : r.message?.slice(0, 500),
          ms: r.ms,
        });
        this.log.info({ ok: r.ok, failure: r.failure, ms: r.ms }, 'end-to-end check');
        return r;
      })
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  /** Expiry of the delivered refresh token, when known. */
  expiresAt(): Date | undefined {
    const c = this.lastConnect();
    return c?.expiresAt ? new Date(c.expiresAt) : undefined;
  }

  overall(now = new Date()): Overall {
    const c = this.lastConnect();
    if (!c) return 'not_connected';
    const exp = this.expiresAt();
    if (exp && exp.getTime() <= now.getTime()) return 'needs_reauth';
    const check = this.lastCheck();
    if (check && check.at >= c.at && check.ok === false) {
      if (check.failure === 'token_revoked' || check.failure === 'provider_gone') return 'needs_reauth';
      return 'error';
    }
    return 'connected';
  }

  summary() {
    const c = this.lastConnect();
    const check = this.lastCheck();
    return {
      overall: this.overall(),
      mode: this.config.mode,
      provider: this.profile.id,
      secret: this.config.snowflake.secret.display,
      checkFunction: this.config.snowflake.checkFunction.display,
      lastConnect: c
        ? {
            at: c.at,
            intent: c.type,
            userId: c.userId,
            legacyUserId: c.legacyUserId ?? null,
            scopes: c.scopes ?? [],
            expiresAt: c.expiresAt ?? null,
          }
        : null,
      lastCheck: check
        ? {
            at: check.at,
            ok: check.ok === true,
            failure: check.failure ?? null,
            message: check.reason ?? null,
            ms: check.ms ?? null,
          }
        : null,
    };
  }
}
