// A task as the catalog keeps it, and one run of it as TASK_HISTORY reports it.
import type { SchemaObj } from '../catalog.js';
import type { Schedule } from './schedule.js';

export type TaskState = 'started' | 'suspended';

export interface Task extends SchemaObj {
  /** New for every CREATE (OR REPLACE), as Snowflake's task id: SHOW TASKS `id`, TASK_HISTORY ROOT_TASK_ID. */
  id: string;
  /** null: serverless (Snowflake-managed compute). */
  warehouse: string | null;
  managedInitialWarehouseSize: string | null;
  schedule: Schedule | null;
  /** The SQL after AS, as written. */
  definition: string;
  state: TaskState;
  allowOverlappingExecution: boolean;
  /** SUSPEND_TASK_AFTER_NUM_FAILURES (Snowflake's default 10; 0 = never). */
  suspendAfterFailures: number;
  consecutiveFailures: number;
  config: string | null;
  /** When a version was last set (resume or EXECUTE TASK); null before. */
  lastCommittedOn: number | null;
  lastSuspendedOn: number | null;
  lastSuspendedReason: string | null;
  /** Interval schedules count from here: set by RESUME and by SET SCHEDULE. */
  intervalBase: number | null;
  /** When started: the next due time the scheduler has not yet run. */
  nextRun: number | null;
  /** TASK_HISTORY GRAPH_VERSION: 1 at creation, +1 for every change. */
  graphVersion: number;
}

export type RunState = 'EXECUTING' | 'SUCCEEDED' | 'FAILED' | 'FAILED_AND_AUTO_SUSPENDED';

/** One run, in TASK_HISTORY's terms (a SCHEDULED row is derived from the task, never stored). */
export interface TaskRun {
  queryId: string;
  taskId: string;
  name: string;
  database: string;
  schema: string;
  queryText: string;
  state: RunState;
  errorCode: string | null;
  errorMessage: string | null;
  scheduledTime: number;
  queryStartTime: number;
  nextScheduledTime: number | null;
  completedTime: number | null;
  graphVersion: number;
  scheduledFrom: 'SCHEDULE' | 'EXECUTE_TASK';
  graphRunGroupId: string;
}
