// The picture: the last 30 days of daily steps, fetched through Snowflake's data function (a warehouse
// statement, so only right after a passing end-to-end check, never on a page load) and drawn as a
// small bar chart the server renders as SVG.
import type { SnowflakeSession } from '../snowflake/session.js';
import type { QualifiedName } from '../snowflake/sql.js';

export interface DailySteps {
  day: string; // YYYY-MM-DD
  steps: number;
}

export interface StepsChart {
  at: string;
  days: DailySteps[];
  total: number;
  max: number;
  width: number;
  height: number;
  bars: { x: number; y: number; w: number; h: number; day: string; steps: number }[];
}

function dayText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v ?? '').slice(0, 10);
}

export async function fetchDailySteps(session: SnowflakeSession, fn: QualifiedName): Promise<DailySteps[]> {
  const rows = await session.execute<Record<string, unknown>>(
    `SELECT * FROM TABLE(${fn.sql}(DATEADD(day, -29, CURRENT_DATE()), CURRENT_DATE()))`,
    { ctx: { step: 'reading daily steps for the chart', objectKind: 'function', objectName: fn.sql } },
  );
  return rows
    .map((r) => ({ day: dayText(r.DAY ?? r.day), steps: Number(r.STEPS ?? r.steps ?? 0) }))
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.day) && Number.isFinite(d.steps))
    .sort((a, b) => a.day.localeCompare(b.day));
}

/** Bar geometry for a 30-day chart; the view only draws what this returns. */
export function stepsChart(days: DailySteps[], at: string, width = 600, height = 120): StepsChart {
  const max = Math.max(1, ...days.map((d) => d.steps));
  const slot = days.length ? width / days.length : width;
  const gap = Math.min(2, slot / 4);
  const bars = days.map((d, i) => {
    const h = Math.round((d.steps / max) * (height - 4) * 10) / 10;
    return {
      x: Math.round(i * slot * 10) / 10,
      y: Math.round((height - h) * 10) / 10,
      w: Math.max(1, Math.round((slot - gap) * 10) / 10),
      h,
      day: d.day,
      steps: d.steps,
    };
  });
  return { at, days, total: days.reduce((t, d) => t + d.steps, 0), max, width, height, bars };
}
