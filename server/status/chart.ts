// The picture: the last 30 days of daily steps (read through the data function by
// snowflake/data-reader.ts, only right after a passing end-to-end check) as a bar chart the server renders
// as SVG: a value scale, a date axis, a 7-day average line, and a title and description for screen readers.
// This module does the geometry and the words; views/partials/steps-chart.ejs only draws what it returns.
import type { DailySteps } from '../snowflake/data-reader.js';

export interface StepsChart {
  at: string;
  days: DailySteps[];
  total: number;
  max: number;
  /** Mean steps a day over the days shown (0 without days). */
  average: number;
  width: number;
  height: number;
  /** The plotting area inside the axes. */
  plot: { x: number; y: number; w: number; h: number };
  bars: { x: number; y: number; w: number; h: number; day: string; steps: number; label: string }[];
  /** Value scale: a gridline and its label at each `y`. */
  yTicks: { y: number; label: string }[];
  /** Date axis: a label under the bar of every seventh day, starting with the first. */
  xLabels: { x: number; label: string }[];
  /** The 7-day trailing average as SVG polyline points ('' with fewer than 7 days). */
  averagePoints: string;
  /** One line for the SVG's <title>, and the numbers a sighted reader takes from the picture for its <desc>. */
  title: string;
  description: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A civil date (`2026-11-02`) as `2 Nov`; `long` adds the weekday and year. Not a moment: no time zone. */
export function dayLabel(day: string, long = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const short = `${d} ${MONTHS[mo - 1] ?? mo}`;
  if (!long) return short;
  return `${WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]} ${short} ${y}`;
}

const steps = (n: number) => Math.round(n).toLocaleString('en-US');

/** The scale's top and step: a round number above the best day, in 3 to 5 steps of 1, 2, 2.5 or 5 × 10^k. */
export function niceScale(max: number): { top: number; step: number } {
  const target = Math.max(4, max);
  const raw = target / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return { top: Math.ceil(target / step) * step, step };
}

/** `15k`, `2.5k`, `800`. */
function compact(n: number): string {
  return n >= 1000 ? `${Math.round((n / 1000) * 10) / 10}k` : String(n);
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The chart for these days (oldest first), fetched at `at`. */
export function stepsChart(days: DailySteps[], at: string, width = 440, height = 210): StepsChart {
  const plot = { x: 44, y: 10, w: width - 44 - 8, h: height - 10 - 26 };
  const max = Math.max(0, ...days.map((d) => d.steps));
  const total = days.reduce((t, d) => t + d.steps, 0);
  const average = days.length ? total / days.length : 0;
  const { top, step } = niceScale(max);
  const yOf = (v: number) => r1(plot.y + plot.h - (v / top) * plot.h);
  const slot = days.length ? plot.w / days.length : plot.w;
  const gap = Math.min(3, slot / 4);
  const bars = days.map((d, i) => {
    const h = r1((d.steps / top) * plot.h);
    return {
      x: r1(plot.x + i * slot + gap / 2),
      y: r1(plot.y + plot.h - h),
      w: Math.max(1, r1(slot - gap)),
      h,
      day: d.day,
      steps: d.steps,
      label: `${dayLabel(d.day, true)}: ${steps(d.steps)} steps`,
    };
  });
  const yTicks: StepsChart['yTicks'] = [];
  for (let v = 0; v <= top + step / 2; v += step) yTicks.push({ y: yOf(v), label: compact(v) });
  const xLabels = days
    .map((d, i) => ({ i, d }))
    .filter(({ i }) => i % 7 === 0)
    .map(({ i, d }) => ({ x: r1(plot.x + (i + 0.5) * slot), label: dayLabel(d.day) }));
  const averages = days.map((_, i) => {
    if (i < 6) return undefined;
    const week = days.slice(i - 6, i + 1);
    return week.reduce((t, d) => t + d.steps, 0) / 7;
  });
  const averagePoints = averages
    .map((v, i) => (v === undefined ? undefined : `${r1(plot.x + (i + 0.5) * slot)},${yOf(v)}`))
    .filter(Boolean)
    .join(' ');

  const first = days[0];
  const last = days.at(-1);
  const title =
    first && last ? `Daily steps, ${dayLabel(first.day)} to ${dayLabel(last.day)}` : 'Daily steps';
  let description = 'No days of data were returned.';
  if (first && last) {
    const best = days.reduce((b, d) => (d.steps > b.steps ? d : b));
    const low = days.reduce((b, d) => (d.steps < b.steps ? d : b));
    const lastWeek = averages.at(-1);
    description = [
      `${days.length} days from ${dayLabel(first.day, true)} to ${dayLabel(last.day, true)}: ${steps(total)} steps in all, ${steps(average)} a day on average.`,
      `Best day ${dayLabel(best.day, true)} with ${steps(best.steps)}; lowest ${dayLabel(low.day, true)} with ${steps(low.steps)}.`,
      lastWeek === undefined ? '' : `The last 7 days averaged ${steps(lastWeek)} a day.`,
    ]
      .filter(Boolean)
      .join(' ');
  }
  return {
    at,
    days,
    total,
    max,
    average,
    width,
    height,
    plot,
    bars,
    yTicks,
    xLabels,
    averagePoints,
    title,
    description,
  };
}
