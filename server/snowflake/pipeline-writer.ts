// "Load now": starts one run of the daily load's task. EXECUTE TASK returns at once ("scheduled to run
// immediately"); the run itself shows up in TASK_HISTORY (pipeline-reader.ts). Needs OPERATE on the task,
// which the pipeline script grants the app's role; the run uses the task's own warehouse and owner. The run
// loads every account: the app's role holds nothing on the procedure (CALL FITBIT_LOAD('<label>', …) would
// need USAGE on it, and would run the load in the app's own session), so one account's Load now loads all.
import type { SnowflakeSession } from './session.js';
import type { QualifiedName } from './sql.js';

export async function executeTask(session: SnowflakeSession, task: QualifiedName): Promise<void> {
  await session.execute(`EXECUTE TASK ${task.sql}`, {
    ctx: { step: 'starting the daily load (EXECUTE TASK)' },
  });
}
