// What the app knows about the connection: the last connect and end-to-end check (from the event log),
// the cheap checks (read from Snowflake on every report, no warehouse), the refresh token's expiry, and
// the overall verdict. The end-to-end check and the steps chart use a warehouse, so they run only when
// asked, right after a connect, or on the CHECK_INTERVAL schedule — never on a page load; instead the
// verdict says how old its proof is, and stops saying `connected` once that is older than PROOF_MAX_AGE.
import { DEFAULT_ACCOUNT } from '../accounts/names.js';
import { type Clock, systemClock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { DailyLoad, type LoadNowState } from '../connection/daily-load.js';
import type { EndToEndCheck } from '../connection/end-to-end.js';
import type { ConnectionHistory } from '../connection/history.js';
import { type CachedTokenInUse, cachedTokenInUse } from '../connection/token-in-use.js';
import { appError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { accountText, type ProviderProfile } from '../providers/index.js';
import { ChainReader } from '../snowflake/chain-reader.js';
import { type CheckFailure, type CheckResult, checkFailureFix } from '../snowflake/check-function.js';
import { readDailySteps } from '../snowflake/data-reader.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import { formatAgo, formatSpan } from '../time-format.js';
import { type StepsChart, stepsChart } from './chart.js';
import { accountObjectsReady } from './checks/account-ready.js';
import {
  type ExpiryView,
  expiryView,
  judgeChain,
  judgePipeline,
  type PipelineJudgement,
  type StatusCheck,
  type TaskRead,
} from './checks/index.js';
import { pipelineLoadCheck } from './checks/pipeline-load.js';
import { readChain } from './describe.js';
import type { AppEvent, EventLog } from './events.js';
import { type Change, checkFailureWords, type HistoryLine, historyLines, lastChange } from './history.js';
import { type PipelineReport, pipelineReport, type WhatNext, whatNextOf } from './pipeline.js';
import { type Proof, proofOf, type ScheduleView, scheduleOf } from './proof.js';

/**
 * `unproven`: would be `connected`, but the last passing end-to-end check is older than PROOF_MAX_AGE (or none).
 * `cached_token`: the token was written, but Snowflake still calls the API with an access token it cached
 * for the previous one (another account's, or a revoked grant's) until that access token expires.
 */
export type Overall =
  | 'connected'
  | 'unproven'
  | 'warning'
  | 'not_connected'
  | 'needs_reauth'
  | 'cached_token'
  | 'misconfigured'
  | 'error';

/** Exit code of `npm run status` for a verdict: 0 connected, 1 needs attention, 2 broken. */
export function exitCodeFor(overall: Overall): 0 | 1 | 2 {
  if (overall === 'connected') return 0;
  if (overall === 'misconfigured' || overall === 'error') return 2;
  return 1;
}

export type Summary = ReturnType<StatusService['summary']>;

export interface StatusReport extends Omit<Summary, 'overall'> {
  overall: Overall;
  generatedAt: string;
  checks: StatusCheck[];
  expiry: { at: string; passed: boolean; soon: boolean; testingClient: boolean } | null;
  /** Every view of when the tokens die: the provider's, Snowflake's (DESCRIBE SECRET), the earliest. */
  expiries: ExpiryView | null;
  chart: StepsChart | null;
  change: Change | null;
  /**
   * The last check since the last connect ran on the access token Snowflake cached before that write
   * (another account's, or the revoked grant's): which, and until when.
   */
  cachedToken: (CachedTokenInUse & { passed: boolean }) | null;
  /** The legacy Fitbit API answered 410 Gone in the last end-to-end check. */
  legacyGone: boolean;
  /** The daily load (docs/status.md, "The daily load"); null for a provider without one. */
  pipeline: PipelineReport | null;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Failures that are answers from the provider, so Snowflake got through to it: they say nothing against the
 * network rule (a revoked token is refused at the provider, a missing scope or an unlinked account by the API).
 */
const PROVIDER_ANSWERED = new Set(['token_revoked', 'scope_missing', 'account_not_linked']);

/** A passing end-to-end row older than PROOF_MAX_AGE is a warning: it no longer vouches for now. */
function staleProofItem(item: StatusCheck, proof: Proof): StatusCheck {
  if (item.status !== 'ok' || proof.fresh || proof.ageSeconds === null) return item;
  return {
    ...item,
    status: 'warning',
    detail: `${item.detail} That was ${formatAgo(proof.ageSeconds)}, more than PROOF_MAX_AGE (${formatSpan(proof.maxAgeSeconds)}): Snowflake may have lost the token since.`,
    fix: 'Run the end-to-end check (it uses the warehouse), or let the CHECK_INTERVAL schedule run it.',
  };
}

export class StatusService {
  /** One round of metadata reads: the chain's DESCRIBEs, and SHOW TASKS for the daily load. */
  private reading: Promise<[Awaited<ReturnType<typeof readChain>>, TaskRead | undefined]> | undefined;
  /** The steps chart and the connect it was fetched for (a newer connect or a failed check hides it). */
  private chart: { chart: StepsChart; connectAt: string } | undefined;
  private chartLoading: Promise<void> | undefined;
  /** Bumped by every check: a chart still loading for an older check is discarded. */
  private chartGeneration = 0;
  private readonly reader: ChainReader;
  private readonly daily: DailyLoad;

  constructor(
    private readonly config: AppConfig,
    private readonly profile: ProviderProfile,
    private readonly session: SnowflakeSession,
    private readonly connection: ConnectionHistory,
    private readonly endToEnd: EndToEndCheck,
    private readonly events: EventLog,
    private readonly log: Logger,
    /** The app's clock (tests may move it; the providers' clocks are their own). */
    private readonly clock: () => Date = () => new Date(),
    /** Timers for following a Load now (a ManualClock in tests); its time is `clock`'s. */
    timers: Clock = systemClock,
    /** The account this status is about (`default`: the configured secret). */
    readonly account: string = DEFAULT_ACCOUNT,
  ) {
    this.reader = new ChainReader(session);
    this.daily = new DailyLoad(
      config,
      session,
      events,
      log,
      {
        now: () => this.clock().getTime(),
        setTimer: (fn, ms) => timers.setTimer(fn, ms),
      },
      account,
    );
    endToEnd.onResult((r) => this.afterCheck(r));
  }

  lastConnect(): AppEvent | undefined {
    return this.connection.lastConnect();
  }

  lastCheck(): AppEvent | undefined {
    return this.connection.lastCheck();
  }

  /** The user whose token the secret holds and still works, as far as the app knows. */
  deliveredUser(): string | undefined {
    return this.connection.deliveredUser();
  }

  /**
   * Runs the end-to-end check (shared with a run already under way) and records it; then, on the warehouse
   * the check has just used, reads how the daily load went. The schedule and the button run this; the
   * checks a connect or a held token's disposal runs do not read the load (they are about the token).
   */
  async runCheck(): Promise<CheckResult> {
    // A check that starts now: one under way since before a write that just landed would prove the token
    // that write replaced (it is waited for, not shared).
    const r = await this.endToEnd.runFresh();
    await this.daily.readAfterCheck();
    return r;
  }

  /**
   * The picture needs a warehouse too: fetch it only after a passing check, and keep it until a check
   * fails (it would show data Snowflake can no longer read) or another connect replaces it.
   */
  private afterCheck(r: CheckResult): void {
    const generation = ++this.chartGeneration;
    // A check that answered as another account would fetch that account's steps: no chart then.
    const proven = r.ok && !this.connection.cachedTokenInUse();
    if (proven && this.config.snowflake.dataFunction) this.chartLoading = this.loadChart(generation);
    else {
      this.chart = undefined;
      this.chartLoading = undefined;
    }
  }

  private async loadChart(generation: number): Promise<void> {
    const fn = this.config.snowflake.dataFunction;
    const connectAt = this.lastConnect()?.at;
    if (!fn || !connectAt) return;
    try {
      const days = await readDailySteps(this.session, fn);
      if (generation !== this.chartGeneration) return;
      this.chart = { chart: stepsChart(days, this.clock().toISOString()), connectAt };
    } catch (e) {
      this.log.warn({ errorCode: (e as { code?: string }).code }, 'steps chart: data function failed');
    }
  }

  /**
   * The chart from the last passing check since the last connect (waits for one being fetched right
   * now). None after a failed check, and none from before a connect (possibly another account's data).
   */
  async stepsChart(): Promise<StepsChart | undefined> {
    if (this.chartLoading) await this.chartLoading;
    const c = this.lastConnect();
    if (!this.chart || !c || this.chart.connectAt !== c.at) return undefined;
    const check = this.lastCheck();
    if (check?.ok !== true || check.at < c.at || this.connection.cachedTokenInUse()) return undefined;
    return this.chart.chart;
  }

  /** Resolves when no check and no chart fetch is under way (shutdown waits for this). */
  async idle(): Promise<void> {
    await this.endToEnd.idle();
    await this.daily.idle();
    while (this.chartLoading) {
      const loading = this.chartLoading;
      await loading;
      if (this.chartLoading === loading) this.chartLoading = undefined;
    }
  }

  /** Expiry of the delivered refresh token, when known. */
  expiresAt(): Date | undefined {
    const c = this.lastConnect();
    return c?.expiresAt ? new Date(c.expiresAt) : undefined;
  }

  /** The verdict from the event log alone (no Snowflake reads): for the home page and the flow. */
  overall(now = this.clock()): Overall {
    const c = this.lastConnect();
    if (!c) return 'not_connected';
    const exp = this.expiresAt();
    if (exp && exp.getTime() <= now.getTime()) return 'needs_reauth';
    // The check ran on the token Snowflake cached before the last write: nothing is proven about this one.
    if (this.connection.cachedTokenInUse()) return 'cached_token';
    const check = this.lastCheck();
    if (check && check.at >= c.at && check.ok === false) {
      if (check.failure === 'token_revoked') return 'needs_reauth';
      // Re-authorizing cannot help when the legacy API is gone: the configuration must change.
      if (check.failure === 'provider_gone') return 'misconfigured';
      // A rate limit passes by itself: needs attention (run the check again later), not broken.
      if (check.failure === 'rate_limited') return 'warning';
      return 'error';
    }
    // A daily load that found the token revoked says the same as a check would.
    if (this.loadFoundRevoked(now)) return 'needs_reauth';
    return this.proof(now).fresh ? 'connected' : 'unproven';
  }

  /** The last load read failed with token_revoked, after the last re-authorization. */
  private loadFoundRevoked(now: Date): boolean {
    const names = this.daily.names;
    const reading = this.daily.lastReading();
    if (!names || !reading?.load || reading.load.outcome === 'ok') return false;
    return (
      pipelineLoadCheck({
        reading,
        names,
        provider: this.profile.displayName,
        lastConnectAt: this.lastConnect()?.at,
        next: '',
        now,
      }).effect === 'needs_reauth'
    );
  }

  /**
   * Whether this account's own objects are there for Connect (the secret, the integration allowing it, the
   * check function reading it), from the cheap checks: Snowflake's answer, not the app's registry. An
   * answer the app could not read counts as missing: connecting then would write a token nothing can use.
   */
  async objectsReady(): Promise<{ ready: boolean; missing: string[] }> {
    const objects = accountObjectsReady(await this.cheapChecks());
    return { ready: objects.ready, missing: objects.problems.map((c) => c.title) };
  }

  /** Load now: starts one run of the daily load's task; the result is read when it is over. */
  loadNow(): Promise<LoadNowState> {
    return this.daily.loadNow();
  }

  /** Stops following a Load now's run (the app is stopping). */
  stopFollowingLoad(): void {
    this.daily.stop();
  }

  /** The result page's "What next": the daily load (SHOW TASKS, no warehouse) and the account's query. */
  async whatNext(): Promise<WhatNext | null> {
    const read = this.daily.readTask();
    const names = this.daily.names;
    if (!read || !names) return null;
    return whatNextOf(names, await read, this.clock());
  }

  private judgePipeline(read: TaskRead, now: Date): PipelineJudgement {
    return judgePipeline({
      read,
      reading: this.daily.lastReading(),
      names: this.daily.names!,
      provider: this.profile.displayName,
      lastConnectAt: this.lastConnect()?.at,
      now,
      readFailure: this.daily.lastReadFailure(),
    });
  }

  /** How old the last passing end-to-end check since the last connect is, against PROOF_MAX_AGE. */
  proof(now = this.clock()): Proof {
    const c = this.lastConnect();
    // A check that passed on the access token Snowflake cached for another account proves nothing here.
    const passed = this.events.last(
      (e) =>
        e.type === 'check' && e.ok === true && this.connection.mine(e) && !cachedTokenInUse(c?.userId, e),
    );
    return proofOf(c, passed, now, this.config.proofMaxAgeSeconds);
  }

  /** The CHECK_INTERVAL schedule: when the next check falls due, and what checks cost. */
  schedule(now = this.clock()): ScheduleView {
    return scheduleOf(this.config.checkIntervalSeconds, this.lastConnect(), this.lastCheck(), now);
  }

  /** What the last connect changed (e.g. "was revoked 2 days ago, now connected"), if anything. */
  change(now = this.clock()): Change | undefined {
    return lastChange(this.mineAndFailures(), now);
  }

  summary(now = this.clock()) {
    const c = this.lastConnect();
    const check = this.lastCheck();
    return {
      overall: this.overall(now),
      proof: this.proof(now),
      schedule: this.schedule(now),
      mode: this.config.mode,
      provider: this.profile.id,
      secret: this.config.snowflake.secret.display,
      checkFunction: this.config.snowflake.checkFunction.display,
      lastConnect: c
        ? {
            at: c.at,
            intent: c.type,
            userId: c.userId,
            email: c.email ?? null,
            legacyUserId: c.legacyUserId ?? null,
            scopes: c.scopes ?? [],
            expiresAt: c.expiresAt ?? null,
            tokenInHistory: c.tokenInHistory ?? null,
          }
        : null,
      lastCheck: check
        ? {
            at: check.at,
            ok: check.ok === true,
            failure: check.failure ?? null,
            message: check.reason ?? null,
            ms: check.ms ?? null,
            seenUserId: check.seenUserId ?? null,
            seenEmail: this.connection.emailOf(check.seenUserId) ?? null,
          }
        : null,
    };
  }

  /** The email recorded for an account, for pages that name it (see accountText). */
  emailOf(userId: string | null | undefined): string | undefined {
    return this.connection.emailOf(userId);
  }

  /** The cheap checks alone (for /setup's checklist). */
  async cheapChecks(): Promise<StatusCheck[]> {
    return (await this.inspect()).checks;
  }

  private async inspect(): Promise<{
    checks: StatusCheck[];
    expiry: Date | undefined;
    expiries: ExpiryView | null;
    /** What SHOW TASKS said about the daily load's task; undefined without a daily load. */
    task: TaskRead | undefined;
  }> {
    const now = this.clock();
    // Page loads that arrive together share one round of DESCRIBE (and SHOW TASKS) statements (a monitor and
    // a person, or a burst of reloads); a load that comes after it finished reads afresh.
    this.reading ??= Promise.all([readChain(this.reader, this.config), this.daily.readTask()]).finally(() => {
      this.reading = undefined;
    });
    const [facts, task] = await this.reading;
    const knownExpiry = this.expiresAt();
    // The last connect's expiry (or none) wins: the secret keeps an expiry written earlier when a later
    // write had none (e.g. after the Google client was published). Its value counts only without history.
    const c = this.lastConnect();
    const localHistory = c !== undefined;
    const check = this.lastCheck();
    // A check that passed, or failed on an answer from the provider, got through the network rule.
    const reached = check && (check.ok === true || PROVIDER_ANSWERED.has(check.failure ?? ''));
    const provenAt = c && reached && check.at >= c.at ? check.at : undefined;
    const input = {
      config: this.config,
      profile: this.profile,
      facts,
      now,
      knownExpiry,
      localHistory,
      provenAt,
      lastWriteAt: c ? new Date(c.at) : undefined,
    };
    const checks = judgeChain(input);
    const read = facts.secret?.kind === 'ok' ? facts.secret.value.refreshTokenExpiry : null;
    const fromSecret = read instanceof Date ? read : undefined;
    return {
      checks,
      expiry: localHistory ? knownExpiry : (fromSecret ?? knownExpiry),
      expiries: expiryView(input),
      task,
    };
  }

  /** Everything the status page, /status.json and `npm run status` show. Runs no warehouse statement. */
  async report(): Promise<StatusReport> {
    const now = this.clock();
    // A reading of the last daily load under way (after a check) is waited for, like the chart.
    const [{ checks, expiry, expiries, task: pipelineRead }, chart] = await Promise.all([
      this.inspect(),
      this.stepsChart(),
      this.daily.settled(),
    ]);
    const base = this.summary(now);
    const c = this.lastConnect();
    const check = this.lastCheck();
    const checkedSinceConnect = c && check && check.at >= c.at ? check : undefined;
    checks.push(staleProofItem(this.endToEndItem(c, checkedSinceConnect, now), base.proof));
    const pipeline = pipelineRead && this.judgePipeline(pipelineRead, now);
    // The daily load's rows follow their own rules (checks/pipeline.ts), not the chain's below.
    if (pipeline) checks.push(...pipeline.checks);
    const chainRow = (x: StatusCheck) => !x.id.startsWith('pipeline_');

    const expiryCheck = checks.find((x) => x.id === 'token_expiry');
    const expiryFact = this.expiryFact(expiry, now);
    const e2ePassed = checkedSinceConnect?.ok === true;
    let overall: Overall;
    const failed = checks.filter(
      (x) => chainRow(x) && x.status === 'failed' && x.id !== 'end_to_end' && x.id !== 'token_expiry',
    );
    // An unknown (an answer the app could not read) counts as a warning until a passing check settles it.
    const warnings = checks.filter(
      (x) =>
        chainRow(x) &&
        (x.status === 'warning' || x.status === 'unknown') &&
        x.id !== 'end_to_end' &&
        !(x.unseen && e2ePassed),
    );
    if (failed.length) overall = 'misconfigured';
    else if (expiryCheck?.status === 'failed' && c) overall = 'needs_reauth';
    else if (base.overall !== 'connected' && base.overall !== 'unproven') overall = base.overall;
    else if (warnings.length || expiryCheck?.status === 'warning' || pipeline?.effect === 'warning')
      overall = 'warning';
    // Connected, or unproven: every check passes but the last proof is too old (or there is none).
    else overall = base.overall;

    return {
      ...base,
      overall,
      generatedAt: now.toISOString(),
      checks,
      expiry: expiryFact,
      expiries,
      chart: chart ?? null,
      change: lastChange(this.mineAndFailures(), now) ?? null,
      cachedToken: this.cachedToken(now),
      legacyGone: checkedSinceConnect?.ok === false && checkedSinceConnect.failure === 'provider_gone',
      pipeline:
        pipeline && pipelineRead && this.daily.names
          ? pipelineReport({
              names: this.daily.names,
              read: pipelineRead,
              judgement: pipeline,
              reading: this.daily.lastReading(),
              readFailure: this.daily.lastReadFailure(),
              loadNow: this.daily.loadNowState() ?? null,
              now,
            })
          : null,
    };
  }

  /**
   * Recent history as lines people read: this provider's and secret's events only, like the verdict
   * (events that name neither, such as a held token's fate, belong to whatever app wrote them here).
   */
  history(n = 20): HistoryLine[] {
    return historyLines(this.events.all().filter(this.connection.related), n);
  }

  private mineAndFailures(): AppEvent[] {
    return this.events.all().filter((e) => this.connection.mine(e) || (e.type === 'check' && !e.secret));
  }

  private cachedToken(now: Date): StatusReport['cachedToken'] {
    const inUse = this.connection.cachedTokenInUse();
    return inUse
      ? { ...inUse, passed: inUse.until !== null && Date.parse(inUse.until) <= now.getTime() }
      : null;
  }

  private expiryFact(at: Date | undefined, now: Date): StatusReport['expiry'] {
    if (!at || !this.lastConnect()) return null;
    const left = at.getTime() - now.getTime();
    return {
      at: at.toISOString(),
      passed: left <= 0,
      soon: left > 0 && left <= DAY_MS,
      testingClient: this.config.oauth.clientStatus === 'testing',
    };
  }

  private endToEndItem(c: AppEvent | undefined, check: AppEvent | undefined, now: Date): StatusCheck {
    const base = { id: 'end_to_end', title: 'End-to-end check', unseen: false, fixSql: null };
    if (!c)
      return {
        ...base,
        status: 'warning',
        detail: 'No token was written yet, so there is nothing to check.',
        fix: 'Connect Fitbit.',
        at: now.toISOString(),
      };
    if (!check)
      return {
        ...base,
        status: 'warning',
        detail: `Not run since the last connect (${c.at}).`,
        fix: 'Run the end-to-end check.',
        at: now.toISOString(),
      };
    const cached = this.cachedToken(now);
    if (cached) {
      const label = (userId: string) => accountText({ userId, email: this.connection.emailOf(userId) });
      const said = appError('snowflake_cached_token', {
        variant: cached.kind,
        userId: label(cached.writtenUserId),
        seenUserId: cached.seenUserId ? label(cached.seenUserId) : undefined,
        until: cached.until,
        passed: cached.passed,
        provider: this.profile.displayName,
        permissionsUrl: this.profile.accountPermissionsUrl,
      });
      return { ...base, status: 'warning', detail: said.why, fix: said.fix, at: check.at };
    }
    if (check.ok)
      return {
        ...base,
        status: 'ok',
        detail: `Snowflake called ${this.config.snowflake.checkFunction.display}() through the secret and the API answered (${check.ms ?? '?'} ms).`,
        fix: null,
        at: check.at,
      };
    const fix = checkFailureFix(check.failure as CheckFailure | undefined);
    // In the app's words; what Snowflake said goes alongside, word for word (pages fold it away).
    return {
      ...base,
      status: check.failure === 'rate_limited' ? 'warning' : 'failed',
      detail: `The last check failed: ${checkFailureWords(check.failure, check.reason)}.`,
      fix,
      at: check.at,
      said: check.reason ?? null,
    };
  }
}
