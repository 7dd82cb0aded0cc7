// Runs tasks on the engine's clock. A started task runs at each due time of its schedule; EXECUTE TASK runs
// one now. Each run executes the task's SQL as the task's owner role, on the task's warehouse (or serverless
// compute), as user SYSTEM, in the task's schema, and is kept for TASK_HISTORY.
//
// Time moves by itself (a timer set for the next due time) or by a jump of the clock (POST /sandbox/clock,
// then tick()). Each due time the clock passes gets one run, in order, one run of a task at a time: a due
// time passed while the previous run executes waits for it (Snowflake would skip it), so that a jump of a
// day runs a daily task exactly once. After a long jump only the last 100 due times within 7 days (as far
// back as TASK_HISTORY reaches) run.
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog.js';
import type { NestedExecute } from '../context.js';
import type { SessionState, SqlError } from '../contract.js';
import { ownerCannotRun, suspend } from './ddl.js';
import type { Task, TaskRun } from './model.js';
import { nextDue } from './schedule.js';

export interface TaskScheduler {
  /** Starts what is due on the engine's clock, and sets the timer for the next due time. */
  tick(): void;
  /** EXECUTE TASK: a run now, or right after the one in progress. */
  executeNow(task: Task): void;
  /** Every run kept (oldest first): TASK_HISTORY and GET /sandbox/tasks/runs read them. */
  runs(): readonly TaskRun[];
  /** The tasks in the catalog now. */
  live(): Task[];
  /** Resolves true when no run of these tasks (all, if none given) executes, waits or is due; false at the
   *  time limit. */
  idle(taskIds?: string[], timeoutMs?: number): Promise<boolean>;
  /** Forgets every run (the catalog's reset has dropped the tasks). */
  reset(): void;
  close(): void;
}

const DAY = 86_400_000;
const CATCH_UP_WINDOW_MS = 7 * DAY;
const MAX_CATCH_UP = 100;
/** Runs kept: TASK_HISTORY reads at most 10,000. */
const MAX_RUNS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function liveTasks(cat: Catalog): Task[] {
  return [...cat.databases.values()].flatMap((db) =>
    [...db.schemas.values()].flatMap((sc) => [...sc.tasks.values()]),
  );
}

export function createTaskScheduler(cat: Catalog, nested: NestedExecute): TaskScheduler {
  const history: TaskRun[] = [];
  const active = new Set<string>();
  const manual = new Set<string>();
  const waiters = new Set<{ ids: string[] | undefined; resolve: (idle: boolean) => void }>();
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let closed = false;
  // Runs belong to no request: not to the EXECUTE TASK or clock jump that started them (the protocol
  // layer counts a request's function calls by its async context).
  const detached = new AsyncResource('SandboxTaskRun');

  const due = (t: Task, now: number) => t.state === 'started' && t.nextRun !== null && t.nextRun <= now;

  function isIdle(ids: string[] | undefined): boolean {
    const now = cat.clock();
    const tasks = liveTasks(cat);
    const busy = (id: string) =>
      active.has(id) || manual.has(id) || tasks.some((t) => t.id === id && due(t, now));
    return ids ? !ids.some(busy) : !tasks.some((t) => busy(t.id)) && active.size === 0;
  }

  function settleWaiters(): void {
    for (const w of [...waiters]) {
      if (isIdle(w.ids)) {
        waiters.delete(w);
        w.resolve(true);
      }
    }
  }

  /** After a jump: no further back than the window, and no more than MAX_CATCH_UP due times. */
  function limitCatchUp(t: Task, now: number): void {
    if (!t.schedule || t.nextRun === null) return;
    if (t.nextRun < now - CATCH_UP_WINDOW_MS) {
      t.nextRun = nextDue(t.schedule, now - CATCH_UP_WINDOW_MS, t.intervalBase);
    }
    const pending: number[] = [];
    for (let at = t.nextRun; at !== null && at <= now; at = nextDue(t.schedule, at, t.intervalBase)) {
      pending.push(at);
      if (pending.length > MAX_CATCH_UP) pending.shift();
    }
    if (pending.length > 0) t.nextRun = pending[0]!;
  }

  function record(run: TaskRun): void {
    history.push(run);
    if (history.length > MAX_RUNS) history.splice(0, history.length - MAX_RUNS);
  }

  function finish(run: TaskRun, task: Task, error: SqlError | null): void {
    const now = cat.clock();
    run.completedTime = now;
    if (!error) {
      run.state = 'SUCCEEDED';
      task.consecutiveFailures = 0;
      return;
    }
    run.state = 'FAILED';
    run.errorCode = error.code;
    run.errorMessage = error.message;
    task.consecutiveFailures += 1;
    const limit = task.suspendAfterFailures;
    if (limit > 0 && task.consecutiveFailures >= limit && task.state === 'started') {
      suspend(task, now, 'SUSPENDED_DUE_TO_ERRORS');
      run.state = 'FAILED_AND_AUTO_SUSPENDED';
    }
  }

  async function execute(task: Task, run: TaskRun): Promise<void> {
    const refused = ownerCannotRun(cat, task);
    if (refused) return finish(run, task, refused);
    const session: SessionState = {
      user: 'SYSTEM',
      role: task.owner,
      database: task.database,
      schema: task.schema,
      warehouse: task.warehouse,
      computeGranted: true,
    };
    const out = await nested(session, task.definition, [], 'task', run.queryId);
    finish(run, task, 'error' in out ? out.error : null);
  }

  function start(task: Task, scheduledTime: number, from: TaskRun['scheduledFrom']): void {
    const run: TaskRun = {
      queryId: randomUUID(),
      taskId: task.id,
      name: task.name,
      database: task.database,
      schema: task.schema,
      queryText: task.definition,
      state: 'EXECUTING',
      errorCode: null,
      errorMessage: null,
      scheduledTime,
      queryStartTime: cat.clock(),
      nextScheduledTime: task.state === 'started' ? task.nextRun : null,
      completedTime: null,
      graphVersion: task.graphVersion,
      scheduledFrom: from,
      graphRunGroupId: randomUUID(),
    };
    record(run);
    active.add(task.id);
    const gen = generation;
    detached
      .runInAsyncScope(() => execute(task, run))
      .catch((err: unknown) => {
        run.state = 'FAILED';
        run.completedTime = cat.clock();
        run.errorMessage = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        if (gen !== generation) return;
        active.delete(task.id);
        pump();
      });
  }

  /** Starts every run that may start now, then arms the timer and wakes whoever waits. */
  function pump(): void {
    if (closed) return;
    const now = cat.clock();
    const tasks = liveTasks(cat);
    for (const id of manual) if (!tasks.some((t) => t.id === id)) manual.delete(id);
    for (const task of tasks) {
      if (active.has(task.id)) continue;
      if (manual.delete(task.id)) start(task, now, 'EXECUTE_TASK');
      else if (due(task, now) && task.schedule) {
        const at = task.nextRun!;
        task.nextRun = nextDue(task.schedule, at, task.intervalBase);
        start(task, at, 'SCHEDULE');
      }
    }
    arm(tasks);
    settleWaiters();
  }

  function arm(tasks: Task[]): void {
    clearTimeout(timer);
    timer = undefined;
    const next = Math.min(
      ...tasks
        .filter((t) => t.state === 'started' && t.nextRun !== null && !active.has(t.id))
        .map((t) => t.nextRun!),
    );
    if (!Number.isFinite(next)) return;
    timer = setTimeout(tick, Math.min(Math.max(0, next - cat.clock()), MAX_TIMER_MS));
    timer.unref();
  }

  function tick(): void {
    if (closed) return;
    const now = cat.clock();
    for (const t of liveTasks(cat)) if (due(t, now) && !active.has(t.id)) limitCatchUp(t, now);
    pump();
  }

  return {
    tick,
    executeNow(task) {
      manual.add(task.id);
      pump();
    },
    runs: () => history,
    live: () => liveTasks(cat),
    idle(ids, timeoutMs = 30_000) {
      if (isIdle(ids)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const w = {
          ids,
          resolve: (idle: boolean) => {
            clearTimeout(limit);
            resolve(idle);
          },
        };
        const limit = setTimeout(() => {
          waiters.delete(w);
          resolve(false);
        }, timeoutMs);
        waiters.add(w);
      });
    },
    reset() {
      generation += 1;
      history.length = 0;
      active.clear();
      manual.clear();
      clearTimeout(timer);
      timer = undefined;
      settleWaiters();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of waiters) w.resolve(isIdle(w.ids));
      waiters.clear();
    },
  };
}
