// The daily load's two rows (pipeline_task, pipeline_last_load) and what they do to the verdict, from what
// SHOW TASKS answered on this page load and the last reading of FITBIT_LOAD_RUNS. Pure, like the chain's
// checks. The verdict rules are the pipeline's own (docs/status.md, "The daily load"): its rows never make
// it `misconfigured`; a revoked token found by a load makes it `needs_reauth`; anything else that needs
// attention makes it `warning`; a pipeline not set up leaves it alone.
import type { ReadFailure } from '../../connection/daily-load.js';
import type { LoadReading } from '../../connection/load-record.js';
import type { PipelineNames } from '../../setup/pipeline-names.js';
import { type NextRun, nextRun } from '../next-run.js';
import { type LoadEffect, type LoadJudgement, pipelineLoadCheck } from './pipeline-load.js';
import { pipelineTaskCheck, type TaskJudgement, type TaskRead, utcMinute } from './pipeline-task.js';
import type { Finding, StatusCheck } from './types.js';

export type { LoadEffect } from './pipeline-load.js';
export type { TaskRead } from './pipeline-task.js';

export interface PipelineJudgement {
  checks: StatusCheck[];
  /** What the pipeline does to the verdict. */
  effect: LoadEffect;
  /** The task's next run, when it is started and its schedule readable. */
  next: NextRun | undefined;
  task: TaskJudgement;
  /** Undefined when the task is not set up and nothing was ever read. */
  load: LoadJudgement | undefined;
}

export interface PipelineInput {
  read: TaskRead;
  reading: LoadReading | undefined;
  names: PipelineNames;
  provider: string;
  lastConnectAt: string | undefined;
  now: Date;
  readFailure?: ReadFailure;
}

/** When the next run is, as a phrase for sentences. */
export function nextPhrase(read: TaskRead, next: NextRun | undefined): string {
  if (next?.kind === 'at') return `at ${utcMinute(next.at)}`;
  if (read.kind === 'found' && read.facts.state === 'suspended') return 'once the task is resumed';
  return 'on the task’s next run';
}

function stamp(f: Finding, at: string): StatusCheck {
  return {
    id: f.id,
    title: f.title,
    status: f.status,
    detail: f.detail,
    fix: f.fix ?? null,
    fixSql: f.fixSql ?? null,
    unseen: f.unseen ?? false,
    at,
  };
}

export function judgePipeline(input: PipelineInput): PipelineJudgement {
  const { read, now } = input;
  const facts = read.kind === 'found' ? read.facts : undefined;
  const next =
    facts && facts.state === 'started' && facts.schedule ? nextRun(facts.schedule, now) : undefined;
  const task = pipelineTaskCheck({ read, names: input.names, next });
  const at = now.toISOString();
  const notSetUp = read.kind === 'missing' && !read.runsVisible;
  const load =
    notSetUp && !input.reading
      ? undefined
      : pipelineLoadCheck({
          reading: input.reading,
          names: input.names,
          provider: input.provider,
          lastConnectAt: input.lastConnectAt,
          next: nextPhrase(read, next),
          now,
          readFailure: input.readFailure,
        });
  const effect: LoadEffect =
    load?.effect === 'needs_reauth'
      ? 'needs_reauth'
      : task.counts || load?.effect === 'warning'
        ? 'warning'
        : 'none';
  return {
    checks: [task.finding, ...(load ? [load.finding] : [])].map((f) => stamp(f, at)),
    effect,
    next,
    task,
    load,
  };
}
