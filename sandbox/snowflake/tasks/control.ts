// The /sandbox/ endpoints for time and tasks: read and move the engine's clock (due tasks run when it
// passes their time), list the runs, and wait until the runs settle, so tests wait for an event (the run
// finished), never for a duration.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SandboxClock } from '../clock.js';
import type { SqlEngine } from '../contract.js';
import { controlInput, type Send } from '../control-input.js';
import type { TaskRun } from './model.js';

export const TASK_CONTROL_INDEX = {
  'GET /sandbox/clock': "the engine's clock (CURRENT_DATE, expiries, task schedules): {now, offsetMs}",
  'POST /sandbox/clock':
    'JSON {"advanceMs": n} or {"now": "<ISO time>"}: moves the engine clock; tasks due by then run',
  'GET /sandbox/tasks/runs': 'every task run kept, oldest first (?task=[db.schema.]name filters)',
  'POST /sandbox/tasks/wait':
    'JSON {"task"?: "[db.schema.]name", "timeoutMs"?: n}: answers once no run of that task (of any task) executes, waits or is due',
};

const ClockInput = z.union([
  z.object({ advanceMs: z.number().int().nonnegative() }).strict(),
  z.object({ now: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO time') }).strict(),
]);
const WaitInput = z
  .object({
    task: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
  })
  .strict();

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A run as the control API shows it. */
function view(r: TaskRun) {
  return {
    queryId: r.queryId,
    task: `${r.database}.${r.schema}.${r.name}`,
    state: r.state,
    scheduledFrom: r.scheduledFrom,
    scheduledTime: iso(r.scheduledTime),
    queryStartTime: iso(r.queryStartTime),
    completedTime: iso(r.completedTime),
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
  };
}

/** 'NAME' or 'DB.SCHEMA.NAME' (unquoted, any case) against a run's or task's names. */
function matcher(
  task: string | null | undefined,
): (x: { database: string; schema: string; name: string }) => boolean {
  if (!task) return () => true;
  const want = task.toUpperCase();
  return (x) => (want.includes('.') ? `${x.database}.${x.schema}.${x.name}` : x.name).toUpperCase() === want;
}

export async function handleTaskControl(
  engine: SqlEngine,
  clock: SandboxClock,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  send: Send,
): Promise<boolean> {
  const key = `${req.method ?? 'GET'} ${url.pathname}`;
  if (!(key in TASK_CONTROL_INDEX)) return false;
  const tasks = engine.tasks;
  const clockView = () => ({ now: clock.now().toISOString(), offsetMs: clock.offset });
  const parse = <T>(schema: z.ZodType<T>): Promise<T | null> => controlInput(req, res, send, schema);
  if (key === 'GET /sandbox/clock') {
    send(res, clockView());
    return true;
  }
  if (key === 'POST /sandbox/clock') {
    const input = await parse(ClockInput);
    if (!input) return true;
    if ('advanceMs' in input) clock.advance(input.advanceMs);
    else clock.set(new Date(input.now));
    tasks?.tick();
    send(res, clockView());
    return true;
  }
  if (!tasks) {
    send(res, { error: 'not_supported', message: 'this engine has no tasks' }, 404);
    return true;
  }
  if (key === 'GET /sandbox/tasks/runs') {
    const match = matcher(url.searchParams.get('task'));
    send(res, tasks.runs().filter(match).map(view));
    return true;
  }
  const input = await parse(WaitInput);
  if (!input) return true;
  const match = matcher(input.task);
  let ids: string[] | undefined;
  if (input.task) {
    ids = tasks
      .live()
      .filter(match)
      .map((t) => t.id);
    if (ids.length === 0) {
      send(res, { error: 'not_found', message: `No task named ${input.task}` }, 404);
      return true;
    }
  }
  const idle = await tasks.idle(ids, input.timeoutMs);
  send(res, { idle, runs: tasks.runs().filter(match).map(view) });
  return true;
}
