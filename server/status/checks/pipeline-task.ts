// The daily load's task, as SHOW TASKS shows it to the app's role (no warehouse): there, started, owned by
// the pipeline role. Not there at all is no failure (the daily load is optional): the row says how to set it
// up and leaves the verdict alone. The other findings need attention (verdict `warning`, exit 1).

import type { PipelineNames } from '../../setup/pipeline-names.js';
import { isUnreadable } from '../../snowflake/chain-reader.js';
import type { TaskFacts } from '../../snowflake/pipeline-reader.js';
import type { NextRun } from '../next-run.js';
import type { Finding } from './types.js';

/** What SHOW TASKS (and, when it lists nothing, SHOW TABLES) answered. */
export type TaskRead =
  | { kind: 'found'; facts: TaskFacts }
  /** SHOW TASKS lists no such task; `runsVisible`: FITBIT_LOAD_RUNS is there, so the task must be too. */
  | { kind: 'missing'; runsVisible: boolean }
  | { kind: 'error'; why: string };

export interface TaskJudgement {
  finding: Finding;
  /** Whether this finding changes the verdict (a warning that needs attention). */
  counts: boolean;
}

/** `2026-01-02 07:00 UTC` */
export const utcMinute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const ROW = { id: 'pipeline_task', title: 'Daily load task' };

export function pipelineTaskCheck(input: {
  read: TaskRead;
  names: PipelineNames;
  next: NextRun | undefined;
}): TaskJudgement {
  const { read, names } = input;
  const task = names.task.display;
  const taskSql = names.task.sql;
  if (read.kind === 'error')
    return {
      finding: {
        ...ROW,
        status: 'unknown',
        detail: `The app could not read the daily load’s task: ${read.why}`,
        fix: `Run SHOW TASKS LIKE '${names.task.parts[2]}' IN SCHEMA ${names.schemaSql}; as the app’s role to look yourself.`,
      },
      counts: false,
    };
  if (read.kind === 'missing') {
    if (read.runsVisible)
      return {
        finding: {
          ...ROW,
          status: 'warning',
          detail: `The daily load is set up (the app can read ${names.runsTable.display}), but the app’s role cannot see its task ${task}: the status page cannot show it, and Load now cannot start it.`,
          fix: `Give the app’s role MONITOR and OPERATE on the task (the pipeline script does), as ${names.pipelineRole}.`,
          fixSql: `USE ROLE ${names.pipelineRole};\nGRANT MONITOR, OPERATE ON TASK ${taskSql} TO ROLE ${names.appRoleSql};`,
        },
        counts: true,
      };
    return {
      finding: {
        ...ROW,
        status: 'warning',
        detail: `The daily load is not set up: there is no task ${task} the app’s role can see. It is optional: without it the data stays in the API, read through the functions.`,
        fix: 'To land your data in daily tables, run the pipeline script as ACCOUNTADMIN (the Setup page, /setup, renders it filled in), then press Load now on this page.',
      },
      counts: false,
    };
  }
  const f = read.facts;
  if (isUnreadable(f.state) || isUnreadable(f.owner)) {
    const seen = [f.state, f.owner].filter(isUnreadable).map((u) => u.seen);
    return {
      finding: {
        ...ROW,
        status: 'unknown',
        detail: `${seen.join('; ')}.`,
        fix: `Run SHOW TASKS LIKE '${names.task.parts[2]}' IN SCHEMA ${names.schemaSql}; to look yourself. Please report this message.`,
      },
      counts: false,
    };
  }
  const runsOn = f.warehouse ? `on ${f.warehouse}` : 'serverless';
  if (f.state !== 'started') {
    const reason = f.lastSuspendedReason ? ` (${f.lastSuspendedReason})` : '';
    const errors = /ERROR/i.test(f.lastSuspendedReason ?? '')
      ? ' Snowflake suspends a task after 10 failed runs in a row: the last load’s error is below.'
      : '';
    return {
      finding: {
        ...ROW,
        status: 'warning',
        detail: `${task} is ${f.state}${reason}: it does not run on its schedule (${f.schedule ?? 'none'}), so no new data lands.${errors}`,
        fix: `Resume it as ${names.pipelineRole} (Load now still runs it once).`,
        fixSql: `USE ROLE ${names.pipelineRole};\nALTER TASK ${taskSql} RESUME;`,
      },
      counts: true,
    };
  }
  if (f.owner.toUpperCase() !== names.pipelineRole.toUpperCase())
    return {
      finding: {
        ...ROW,
        status: 'warning',
        detail: `${task} is owned by ${f.owner}, not ${names.pipelineRole}: a task runs with its owner’s privileges, and the pipeline script gives them to ${names.pipelineRole} only.`,
        fix: `Hand it back to ${names.pipelineRole} as its owner (a change of owner suspends the task: resume it after).`,
        fixSql: `USE ROLE ${f.owner};\nGRANT OWNERSHIP ON TASK ${taskSql} TO ROLE ${names.pipelineRole} COPY CURRENT GRANTS;\nUSE ROLE ${names.pipelineRole};\nALTER TASK ${taskSql} RESUME;`,
      },
      counts: true,
    };
  const next = input.next;
  const when =
    next?.kind === 'at'
      ? `; next run at ${utcMinute(next.at)}`
      : next
        ? `; the app cannot tell its next run (${next.why})`
        : '';
  return {
    finding: {
      ...ROW,
      status: 'ok',
      detail: `${task} is started, owned by ${f.owner}: it runs ${f.schedule ?? 'without a schedule'} ${runsOn}${when}.`,
    },
    counts: false,
  };
}
