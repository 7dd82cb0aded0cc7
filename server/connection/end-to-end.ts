// The end-to-end check: Snowflake calls the check function through the secret, so it proves the whole
// chain. One run at a time (concurrent callers share it); every result is recorded in the history and
// handed to listeners (the status page fetches its chart after a passing check). Each result also says
// whom the check function's answer named, and, when that is not the account last written (or the check
// failed on a token Snowflake cached before that write), until when Snowflake keeps that cached token.
import type { AppConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { getProfile, type ProviderProfile } from '../providers/index.js';
import { ChainReader } from '../snowflake/chain-reader.js';
import { type CheckResult, runCheck } from '../snowflake/check-function.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { AppEvent, EventLog } from '../status/events.js';
import { ConnectionHistory } from './history.js';

export class EndToEndCheck {
  private running: Promise<CheckResult> | undefined;
  /** How many runs have started, and which of them is under way. */
  private started = 0;
  private runningNo = 0;
  private readonly listeners: ((r: CheckResult) => void)[] = [];
  private readonly profile: ProviderProfile;
  private readonly history: ConnectionHistory;
  private readonly reader: ChainReader;

  constructor(
    private readonly config: AppConfig,
    private readonly session: SnowflakeSession,
    private readonly events: EventLog,
    private readonly log: Logger,
    /** The app's clock, in ms (compared with the expiry Snowflake shows for its cached access token). */
    private readonly now: () => number = Date.now,
  ) {
    this.profile = getProfile(config.provider);
    this.history = new ConnectionHistory(events, config.provider, config.snowflake.secret.display);
    this.reader = new ChainReader(session);
  }

  /** Called with every result, after it is recorded. */
  onResult(listener: (r: CheckResult) => void): void {
    this.listeners.push(listener);
  }

  run(): Promise<CheckResult> {
    if (!this.running) {
      this.started += 1;
      this.runningNo = this.started;
      this.running = this.check().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /**
   * A check that starts after this call. A run under way since before is waited for, not shared: after a
   * write, a check that began before it would prove the previous token.
   */
  async runFresh(): Promise<CheckResult> {
    const before = this.started;
    while (this.running && this.runningNo <= before) await this.running.catch(() => undefined);
    return this.run();
  }

  /**
   * When the access token Snowflake keeps cached in the secret expires (DESCRIBE SECRET, no warehouse):
   * null when it shows none, undefined when it could not be read. Never throws.
   */
  async cachedAccessTokenExpiry(): Promise<Date | null | undefined> {
    try {
      const at = (await this.reader.secret(this.config.snowflake.secret)).accessTokenExpiry;
      return at instanceof Date || at === null ? at : undefined;
    } catch {
      return undefined;
    }
  }

  /** The cached access token's expiry when Snowflake still holds one that has not expired, else undefined. */
  async liveCachedAccessToken(): Promise<Date | undefined> {
    const at = await this.cachedAccessTokenExpiry();
    return at instanceof Date && at.getTime() > this.now() ? at : undefined;
  }

  private async check(): Promise<CheckResult> {
    // The connect this check is about: the last one when it starts (a write during it is not its business).
    const connect = this.history.lastConnect();
    const startedAt = this.now();
    const r = await runCheck(
      this.session,
      this.config.snowflake.checkFunction,
      this.config.snowflake.connection,
    );
    if (r.ok) r.seenUserId = this.profile.userIdFromCheck(r.value);
    if (connect) r.cachedTokenUntil = await this.cachedTokenUntil(r, connect, startedAt);
    this.events.append({
      type: 'check',
      ok: r.ok,
      provider: this.config.provider,
      secret: this.config.snowflake.secret.display,
      failure: r.failure,
      code: r.errorCode,
      reason: r.ok ? undefined : r.message?.slice(0, 500),
      ms: r.ms,
      seenUserId: r.seenUserId,
      cachedTokenUntil: r.cachedTokenUntil,
    });
    this.log.info(
      {
        ok: r.ok,
        failure: r.failure,
        ms: r.ms,
        seenUserId: r.seenUserId,
        cachedTokenUntil: r.cachedTokenUntil,
      },
      'end-to-end check',
    );
    for (const l of this.listeners) l(r);
    return r;
  }

  /**
   * Whether the check ran on an access token Snowflake cached before the last write, and until when.
   * Another account in the answer proves it (the expiry, when Snowflake shows one, says until when). A
   * refused token proves it only when Snowflake still holds the very access token it held right after the
   * write: then the refresh token just written was not used yet. Anything else is about the new token.
   */
  private async cachedTokenUntil(
    r: CheckResult,
    connect: AppEvent,
    startedAt: number,
  ): Promise<string | undefined> {
    const otherAccount = r.ok && !!r.seenUserId && !!connect.userId && r.seenUserId !== connect.userId;
    const cachedAtWrite = connect.accessTokenCachedUntil
      ? Date.parse(connect.accessTokenCachedUntil)
      : Number.NaN;
    const oldTokenRefused = !r.ok && r.failure === 'token_revoked' && cachedAtWrite > startedAt;
    if (!otherAccount && !oldTokenRefused) return undefined;
    const at = await this.cachedAccessTokenExpiry();
    if (!(at instanceof Date)) return undefined;
    if (otherAccount) return at.toISOString();
    return at.getTime() === cachedAtWrite ? at.toISOString() : undefined;
  }

  /** Resolves when no check is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }
}
