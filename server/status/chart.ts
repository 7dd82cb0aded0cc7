// The picture: the last 30 days of daily steps (read through the data function by
// snowflake/data-reader.ts, only right after a passing end-to-end check) drawn as a small bar chart the
// server renders as SVG.
import type { DailySteps } from '../snowflake/data-reader.js';

export interface StepsChart {
  at: string;
  days: DailySteps[];
  total: number;
  max: number;
  width: number;
  height: number;
  bars: { x: number; y: number; w: number; h: number; day: string; steps: number }[];
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
