// The bench's printout: one line per figure with its goal and PASS / FAIL (or "—" where there is no goal or
// nothing to measure), then what each figure was made of.
import { cpus, loadavg } from 'node:os';

export interface Row {
  figure: string;
  value: string;
  goal: string;
  /** null: no goal, or nothing measured. */
  pass: boolean | null;
  detail: string;
}

export function report(rows: Row[], notes: string[], app: string): string {
  const width = Math.max(...rows.map((r) => r.figure.length));
  const valueWidth = Math.max(...rows.map((r) => r.value.length));
  const goalWidth = Math.max(...rows.map((r) => r.goal.length));
  const lines = [
    `npm run bench: one run on ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)} (others' work slows the times)`,
    `the app: ${app}`,
    '',
    ...rows.map(
      (r) =>
        `${r.figure.padEnd(width)}  ${r.value.padStart(valueWidth)}  ${r.goal.padEnd(goalWidth)}  ${r.pass === null ? '—' : r.pass ? 'PASS' : 'FAIL'}`,
    ),
    '',
    ...rows.map((r) => `${r.figure}: ${r.detail}`),
    ...(notes.length ? ['', ...notes] : []),
    '',
  ];
  return lines.join('\n');
}
