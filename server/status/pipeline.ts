// The daily load as /status.json, the status page's card and the result page's "What next" show it, for one
// account (names.account): the task from SHOW TASKS (this page load; one task loads every account), the
// account's last load as last read (with how old that reading is), what Load now is doing, and the query for
// the account's own steps with the real names.
import type { LoadNowState, ReadFailure } from '../connection/daily-load.js';
import type { LastLoad, LoadReading } from '../connection/load-record.js';
import type { LoadFailureCause } from '../errors/pipeline.js';
import { type PipelineNames, stepsQuery } from '../setup/pipeline-names.js';
import { isUnreadable } from '../snowflake/chain-reader.js';
import { formatAgo } from '../time-format.js';
import { nextPhrase, type PipelineJudgement, type TaskRead } from './checks/index.js';
import type { LoadEffect } from './checks/pipeline-load.js';
import { nextRun } from './next-run.js';

export interface PipelineReport {
  /** The account's label: its rows in the tables and in FITBIT_LOAD_RUNS are keyed by it. */
  account: string;
  /** The task, as Snowflake displays it. */
  task: string;
  /** The pipeline script ran: the task (or FITBIT_LOAD_RUNS) is there; null when it could not be read. */
  installed: boolean | null;
  /** The app's role sees the task (SHOW TASKS lists it). */
  taskVisible: boolean | null;
  state: string | null;
  schedule: string | null;
  /** null: serverless, or not known. */
  warehouse: string | null;
  owner: string | null;
  committedAt: string | null;
  suspendedReason: string | null;
  /** Computed from the schedule (SHOW TASKS has no next-run column); null when suspended or not readable. */
  nextRunAt: string | null;
  /** The same as a phrase: `at 2026-01-02 07:00 UTC`, `once the task is resumed`, `on the task’s next run`. */
  next: string;
  lastLoad: LastLoad | null;
  /** When the app read the last load (after a scheduled or clicked end-to-end check, or a Load now); null: never. */
  readAt: string | null;
  readAgeSeconds: number | null;
  /** `read 3 h ago`, or `not read yet`. */
  readText: string;
  /** The last attempt to read the runs failed (and none worked since): when, the app's error code, why. */
  readFailure: ReadFailure | null;
  /** The last load's failure in the app's words, with the fix; null when it did not fail. */
  failure: {
    cause: LoadFailureCause;
    title: string;
    why: string;
    fix: string;
    fixSql: string | null;
  } | null;
  /** What the pipeline does to the verdict. */
  effect: LoadEffect;
  loadNow: LoadNowState | null;
  /** The query for the account's own steps (a reader's). */
  stepsQuery: string | null;
  stepsTable: string | null;
  runsTable: string;
}

const found = (read: TaskRead) => (read.kind === 'found' ? read.facts : undefined);
const text = (v: unknown) => (typeof v === 'string' ? v : null);

export function pipelineReport(input: {
  names: PipelineNames;
  read: TaskRead;
  judgement: PipelineJudgement;
  reading: LoadReading | undefined;
  readFailure: ReadFailure | undefined;
  loadNow: LoadNowState | null;
  now: Date;
}): PipelineReport {
  const { names, read, judgement, reading, now } = input;
  const f = found(read);
  const age = reading ? Math.max(0, Math.floor((now.getTime() - Date.parse(reading.readAt)) / 1000)) : null;
  const said = judgement.load?.said;
  const cause = judgement.load?.cause;
  return {
    account: names.account,
    task: names.task.display,
    installed: read.kind === 'error' ? null : read.kind === 'found' || read.runsVisible,
    taskVisible: read.kind === 'error' ? null : read.kind === 'found',
    state: f && !isUnreadable(f.state) ? f.state : null,
    schedule: f?.schedule ?? null,
    warehouse: f?.warehouse ?? null,
    owner: f ? text(f.owner) : null,
    committedAt: f?.committedOn?.toISOString() ?? null,
    suspendedReason: f?.lastSuspendedReason ?? null,
    nextRunAt: judgement.next?.kind === 'at' ? judgement.next.at.toISOString() : null,
    next: nextPhrase(read, judgement.next),
    lastLoad: reading?.load ?? null,
    readAt: reading?.readAt ?? null,
    readAgeSeconds: age,
    readText: age === null ? 'not read yet' : `read ${formatAgo(age)}`,
    readFailure: input.readFailure ?? null,
    failure: said && cause ? { cause, ...said } : null,
    effect: judgement.effect,
    loadNow: input.loadNow,
    stepsQuery: stepsQuery(names) ?? null,
    stepsTable: names.tables.steps?.display ?? null,
    runsTable: names.runsTable.display,
  };
}

/** The result page's "What next": whether the daily load is set up, and the query for the user's steps. */
export interface WhatNext {
  /** true: set up (SHOW TASKS lists the task); false: not set up, or the app's role cannot see it. */
  installed: boolean | null;
  task: string;
  state: string | null;
  schedule: string | null;
  /** `at 2026-01-02 07:00 UTC`, … */
  next: string;
  stepsQuery: string | null;
  stepsTable: string | null;
  readerRole: string;
}

export function whatNextOf(names: PipelineNames, read: TaskRead, now: Date): WhatNext {
  const f = found(read);
  const state = f && !isUnreadable(f.state) ? f.state : null;
  const next = state === 'started' && f?.schedule ? nextRun(f.schedule, now) : undefined;
  return {
    installed: read.kind === 'error' ? null : read.kind === 'found',
    task: names.task.display,
    state,
    schedule: f?.schedule ?? null,
    next: nextPhrase(read, next),
    stepsQuery: stepsQuery(names) ?? null,
    stepsTable: names.tables.steps?.display ?? null,
    readerRole: names.readerRole,
  };
}
