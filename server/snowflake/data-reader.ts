// Reads health data back through Snowflake's data function: a warehouse statement, so callers run it only
// after a passing end-to-end check, never on a page load.
import type { SnowflakeSession } from './session.js';
import type { QualifiedName } from './sql.js';

export interface DailySteps {
  day: string; // YYYY-MM-DD
  steps: number;
}

function dayText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v ?? '').slice(0, 10);
}

/** The last 30 days of daily steps, oldest first; rows that are not a day and a number are dropped. */
export async function readDailySteps(session: SnowflakeSession, fn: QualifiedName): Promise<DailySteps[]> {
  const rows = await session.execute<Record<string, unknown>>(
    `SELECT * FROM TABLE(${fn.sql}(DATEADD(day, -29, CURRENT_DATE()), CURRENT_DATE()))`,
    { ctx: { step: 'reading daily steps for the chart', objectKind: 'function', objectName: fn.sql } },
  );
  return rows
    .map((r) => ({ day: dayText(r.DAY ?? r.day), steps: Number(r.STEPS ?? r.steps ?? 0) }))
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.day) && Number.isFinite(d.steps))
    .sort((a, b) => a.day.localeCompare(b.day));
}
