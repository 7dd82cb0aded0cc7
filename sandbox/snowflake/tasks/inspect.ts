// SHOW TASKS and DESCRIBE TASK: the tasks the role has any privilege on (MONITOR is enough), in
// Snowflake's columns (its documented output, as the Snowflake Terraform provider reads it, plus the
// columns added since), sorted by database, schema and name. Neither needs a warehouse. SHOW TASKS has no
// next-run column in Snowflake: TASK_HISTORY's SCHEDULED row has it, or the schedule read here.
import { qualify } from '../catalog.js';
import type { Ctx } from '../context.js';
import type { ResultSet } from '../contract.js';
import { mustFind } from '../ddl/lookup.js';
import { schemasInScope } from '../inspect.js';
import { cols, likeMatcher, rs, ts } from '../results.js';
import type { ShowScope } from '../show-filter.js';
import type { Task } from './model.js';
import type { TaskStmt } from './parse.js';

export const SHOW_TASKS = cols(
  'created_on:timestamp_ltz name id database_name schema_name owner comment warehouse schedule predecessors ' +
    'state definition condition allow_overlapping_execution error_integration last_committed_on:timestamp_ltz ' +
    'last_suspended_on:timestamp_ltz owner_role_type config budget task_relations last_suspended_reason ' +
    'success_integration scheduling_mode target_completion_interval execute_as_user',
);
export const SHOW_TASKS_TERSE = cols('created_on:timestamp_ltz name kind database_name schema_name schedule');

function row(t: Task): (string | null)[] {
  return [
    ts(t.createdOn),
    t.name,
    t.id,
    t.database,
    t.schema,
    t.owner,
    t.comment,
    t.warehouse,
    t.schedule?.text ?? null,
    '[]',
    t.state,
    t.definition,
    null,
    String(t.allowOverlappingExecution),
    null,
    ts(t.lastCommittedOn),
    ts(t.lastSuspendedOn),
    'ROLE',
    t.config,
    null,
    '{"Predecessors":[]}',
    t.lastSuspendedReason,
    null,
    null,
    null,
    null,
  ];
}

export function showTasks(ctx: Ctx, s: { terse: boolean; like: string | null; scope: ShowScope }): ResultSet {
  const like = likeMatcher(s.like);
  const tasks = schemasInScope(ctx, s)
    .flatMap((sc) => [...sc.tasks.values()])
    .filter((t) => like(t.name) && ctx.access.visible('TASK', qualify(t.database, t.schema, t.name), t.owner))
    .sort(
      (a, b) =>
        a.database.localeCompare(b.database) ||
        a.schema.localeCompare(b.schema) ||
        a.name.localeCompare(b.name),
    );
  if (s.terse) {
    return rs(
      SHOW_TASKS_TERSE,
      tasks.map((t) => [ts(t.createdOn), t.name, null, t.database, t.schema, t.schedule?.text ?? null]),
    );
  }
  return rs(SHOW_TASKS, tasks.map(row));
}

type Describe = Extract<TaskStmt, { k: 'describeTask' }>;

export function describeTask(ctx: Ctx, s: Describe): ResultSet {
  const f = mustFind(ctx, { type: 'TASK', name: s.name });
  if (f.on !== 'TASK') throw new Error('lookup returned another kind');
  return rs(SHOW_TASKS, [row(f.obj)]);
}
