// The app's side of the daily load (sql/pipeline-<provider>.sql), which runs in Snowflake as a task, for one
// account (its label keys its rows in FITBIT_LOAD_RUNS; one task loads every account):
//   - what SHOW TASKS says about the task (no warehouse: page loads read it, sharing one read when they
//     arrive together);
//   - the account's last load, read from FITBIT_LOAD_RUNS (and TASK_HISTORY) on the warehouse only after a
//     scheduled or clicked end-to-end check and when a Load now's run is over, kept in memory with the time it
//     was read, and recorded in the account's history as a 'load' event once per run (so a restart shows it);
//   - Load now: EXECUTE TASK, which loads every account (the app's role holds nothing on the procedure that
//     would load one) and returns at once; the app then follows that run on TASK_HISTORY (a few seconds
//     apart, up to 15 minutes: a person asked for it, so the warehouse is fine) and reads the account's result
//     when it is over. Page loads wait for none of this: they show "load started", and the result once read.
import { DEFAULT_ACCOUNT } from '../accounts/names.js';
import type { Clock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { type AppError, appError, isAppError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { scrubTokens } from '../security/redaction.js';
import { type PipelineNames, pipelineNames } from '../setup/pipeline-names.js';
import {
  readLastRun,
  readTaskRuns,
  runIsOver,
  showTask,
  type TaskRunRow,
  tableVisible,
} from '../snowflake/pipeline-reader.js';
import { executeTask } from '../snowflake/pipeline-writer.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { TaskRead } from '../status/checks/index.js';
import type { AppEvent, EventLog } from '../status/events.js';
import { type LastLoad, type LoadReading, lastLoadOf } from './load-record.js';

export interface LoadNowState {
  /** When Load now started the run (the app's clock, ISO 8601). */
  startedAt: string;
  /** running: being followed; finished: its result was read; gave_up / failed: following it stopped. */
  state: 'running' | 'finished' | 'gave_up' | 'failed';
  endedAt: string | null;
  /** Why following stopped (gave_up, failed). */
  message: string | null;
}

/** How long after Load now each look at TASK_HISTORY comes; then every last one, up to FOLLOW_MAX_MS. */
const POLL_MS = [2_000, 3_000, 5_000, 10_000];
const FOLLOW_MAX_MS = 15 * 60_000;

const EXECUTE_TASK = /^EXECUTE[ _]?TASK$/i;

/** Why the app could not read FITBIT_LOAD_RUNS, and when it tried. */
export interface ReadFailure {
  at: string;
  /** The app's error code (snowflake_privilege, snowflake_object_missing, …). */
  code: string;
  why: string;
}

interface Following {
  state: LoadNowState;
  /** The task's runs before EXECUTE TASK (undefined: TASK_HISTORY could not be read then). */
  baseline: Set<string> | undefined;
  deadline: number;
  polls: number;
  cancel?: () => void;
  work?: Promise<void>;
}

export class DailyLoad {
  /** Read from the sql/ scripts' defaults on first use rather than at start (the slowest part of a start). */
  get names(): PipelineNames | undefined {
    this.namesRead ??= { names: pipelineNames(this.config, this.account) };
    return this.namesRead.names;
  }
  private namesRead: { names: PipelineNames | undefined } | undefined;
  private reading: LoadReading | undefined;
  private readingWork: Promise<void> | undefined;
  private taskReading: Promise<TaskRead> | undefined;
  private lastTask: TaskRead | undefined;
  private starting: Promise<LoadNowState> | undefined;
  private following: Following | undefined;
  /** The last attempt to read FITBIT_LOAD_RUNS failed (since the last one that worked). */
  private readFailure: ReadFailure | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly session: SnowflakeSession,
    private readonly events: EventLog,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** The account's label (`default`: the built-in account). */
    readonly account: string = DEFAULT_ACCOUNT,
  ) {}

  private readonly mine = (e: AppEvent) =>
    e.type === 'load' &&
    e.provider === this.config.provider &&
    e.secret === this.config.snowflake.secret.display;

  /** The last load as last read (in memory, else the history's last 'load' event); undefined: never read. */
  lastReading(): LoadReading | undefined {
    if (this.reading) return this.reading;
    const e = this.events.last(this.mine);
    return e ? { readAt: e.at, firstSeenAt: e.at, load: e.load ?? null } : undefined;
  }

  loadNowState(): LoadNowState | undefined {
    return this.following?.state;
  }

  /** The last attempt to read the runs failed, and none has worked since. */
  lastReadFailure(): ReadFailure | undefined {
    return this.readFailure;
  }

  /** SHOW TASKS for the load's task (no warehouse); undefined when the provider has no daily load. */
  readTask(): Promise<TaskRead> | undefined {
    if (!this.names) return undefined;
    this.taskReading ??= this.showTask(this.names).finally(() => {
      this.taskReading = undefined;
    });
    return this.taskReading;
  }

  private async showTask(names: PipelineNames): Promise<TaskRead> {
    let read: TaskRead;
    try {
      const facts = await showTask(this.session, names.task);
      if (facts) read = { kind: 'found', facts };
      else {
        // Nothing listed: not set up, or set up but the app's role holds nothing on the task.
        const runsVisible = await tableVisible(this.session, names.runsTable).catch(() => false);
        read = { kind: 'missing', runsVisible };
      }
    } catch (e) {
      const err = e as Partial<AppError>;
      if (isAppError(e) && err.code === 'snowflake_object_missing')
        read = { kind: 'missing', runsVisible: false };
      else read = { kind: 'error', why: isAppError(e) ? `${e.title}: ${e.why}` : String(e).slice(0, 300) };
    }
    this.lastTask = read;
    return read;
  }

  /**
   * Reads the last load after a scheduled or clicked end-to-end check (the warehouse is running for it
   * anyway). Shared with a reading under way; never throws. Skipped when the last page load found no
   * pipeline at all.
   */
  readAfterCheck(): Promise<void> {
    const t = this.lastTask;
    if (!this.names || (t?.kind === 'missing' && !t.runsVisible)) return Promise.resolve();
    return this.readRuns();
  }

  private readRuns(): Promise<void> {
    this.readingWork ??= this.read().finally(() => {
      this.readingWork = undefined;
    });
    return this.readingWork;
  }

  private async read(): Promise<void> {
    const names = this.names!;
    let row: Awaited<ReturnType<typeof readLastRun>>;
    try {
      row = await readLastRun(this.session, names.runsTable, this.account);
    } catch (e) {
      const code = isAppError(e) ? e.code : 'internal';
      this.readFailure = {
        at: new Date(this.clock.now()).toISOString(),
        code,
        why: isAppError(e) ? scrubTokens(e.upstream?.message ?? e.why).slice(0, 300) : 'an unexpected error',
      };
      this.log.warn({ errorCode: code }, 'daily load: reading the last run failed');
      return;
    }
    this.readFailure = undefined;
    let runs: TaskRunRow[] = [];
    try {
      runs = await readTaskRuns(this.session, names.task);
    } catch (e) {
      // The runs table is enough unless the procedure itself failed: say so in the log only.
      this.log.warn(
        { errorCode: (e as { code?: string }).code },
        'daily load: reading the task history failed',
      );
    }
    this.remember(lastLoadOf(row, runs));
  }

  /** Keeps what was read, and records a run the history has not seen yet. */
  private remember(load: LastLoad | null): void {
    const now = new Date(this.clock.now()).toISOString();
    const clean = load && {
      ...load,
      errorMessage: load.errorMessage && scrubTokens(load.errorMessage).slice(0, 1000),
    };
    const before = this.lastReading();
    const seen = before?.load && clean && before.load.runId === clean.runId;
    this.reading = { readAt: now, firstSeenAt: seen ? before.firstSeenAt : now, load: clean };
    if (!clean || seen) return;
    this.events.append({
      type: 'load',
      ok: clean.outcome === 'ok',
      provider: this.config.provider,
      secret: this.config.snowflake.secret.display,
      code: clean.errorCode ?? undefined,
      reason: clean.errorMessage ?? undefined,
      load: clean,
    });
    this.log.info(
      {
        account: this.account,
        outcome: clean.outcome,
        rowsChanged: clean.rowsChanged,
        latestDay: clean.latestDay,
        errorCode: clean.errorCode,
      },
      'daily load read',
    );
  }

  /**
   * Load now: EXECUTE TASK, then follow the run in the background. One at a time: while one is followed,
   * pressing again starts nothing. Throws load_now_refused (with the fix) when Snowflake refuses it.
   */
  loadNow(): Promise<LoadNowState> {
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async start(): Promise<LoadNowState> {
    const names = this.names;
    const params = names && {
      task: names.task.display,
      taskSql: names.task.sql,
      appRoleSql: names.appRoleSql,
      pipelineRole: names.pipelineRole,
    };
    if (!names || !params)
      throw appError('load_now_refused', {
        variant: 'no_pipeline',
        task: '',
        taskSql: '',
        appRoleSql: '',
        pipelineRole: '',
      });
    if (this.following?.state.state === 'running') return this.following.state;
    let baseline: Set<string> | undefined;
    try {
      baseline = new Set((await readTaskRuns(this.session, names.task)).flatMap((r) => r.queryId ?? []));
    } catch {
      baseline = undefined; // EXECUTE TASK says what is wrong, if anything is
    }
    try {
      await executeTask(this.session, names.task);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const message = e.upstream?.message ?? '';
      if (e.code === 'snowflake_object_missing')
        throw appError('load_now_refused', { variant: 'not_installed', ...params }, { upstream: e.upstream });
      if (e.code === 'snowflake_privilege')
        throw appError(
          'load_now_refused',
          {
            variant: /EXECUTE TASK privilege/i.test(message) ? 'owner_cannot_execute' : 'no_operate',
            ...params,
          },
          { upstream: e.upstream },
        );
      throw e;
    }
    const now = this.clock.now();
    this.following?.cancel?.();
    const f: Following = {
      state: { startedAt: new Date(now).toISOString(), state: 'running', endedAt: null, message: null },
      baseline,
      deadline: now + FOLLOW_MAX_MS,
      polls: 0,
    };
    this.following = f;
    this.log.info({ task: names.task.display, account: this.account }, 'load now: task started');
    this.arm(f);
    return f.state;
  }

  private arm(f: Following): void {
    const wait = POLL_MS[Math.min(f.polls, POLL_MS.length - 1)]!;
    f.cancel = this.clock.setTimer(() => {
      f.work = this.poll(f);
      return f.work;
    }, wait);
  }

  private end(f: Following, state: 'finished' | 'gave_up' | 'failed', message: string | null): void {
    f.state = { ...f.state, state, endedAt: new Date(this.clock.now()).toISOString(), message };
    f.cancel = undefined;
  }

  /** One look at TASK_HISTORY: the run Load now started, once it is over, brings a reading of its result. */
  private async poll(f: Following): Promise<void> {
    if (this.following !== f || f.state.state !== 'running') return;
    f.polls += 1;
    let runs: TaskRunRow[];
    try {
      runs = await readTaskRuns(this.session, this.names!.task);
    } catch (e) {
      const why = isAppError(e) ? e.title : 'TASK_HISTORY could not be read';
      this.end(f, 'failed', `${why}; the next end-to-end check reads the load’s result.`);
      return;
    }
    const started = runs.find(
      (r) =>
        r.queryId !== null &&
        EXECUTE_TASK.test(r.scheduledFrom ?? '') &&
        (f.baseline === undefined || !f.baseline.has(r.queryId)),
    );
    if (started && runIsOver(started)) {
      await this.readRuns();
      this.end(f, 'finished', null);
      return;
    }
    if (this.clock.now() >= f.deadline) {
      this.end(
        f,
        'gave_up',
        'The load was still running after 15 minutes; the next end-to-end check reads its result.',
      );
      return;
    }
    this.arm(f);
  }

  /** Resolves when no reading and no look at the task's runs is under way (not when a load is over). */
  async idle(): Promise<void> {
    while (this.readingWork || this.following?.work) {
      const work = this.following?.work;
      await Promise.all([this.readingWork, work]);
      if (this.following?.work === work && this.following) this.following.work = undefined;
    }
  }

  /** Waits for a reading under way (a page shows its result rather than the one before). */
  async settled(): Promise<void> {
    await this.readingWork;
  }

  /** Stops following a Load now (the app is stopping): no more looks at TASK_HISTORY. */
  stop(): void {
    const f = this.following;
    if (f?.state.state === 'running') {
      f.cancel?.();
      this.end(
        f,
        'gave_up',
        'The app stopped while the load ran; the next end-to-end check reads its result.',
      );
    }
  }
}
