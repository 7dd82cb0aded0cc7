// History lines, "what changed" after a re-authorization, and the chart's geometry and words.
import { describe, expect, it } from 'vitest';
import { dayLabel, niceScale, stepsChart } from '../../server/status/chart.js';
import type { AppEvent } from '../../server/status/events.js';
import { historyLines, lastChange } from '../../server/status/history.js';

const ev = (at: string, e: Partial<AppEvent>): AppEvent => ({ at, type: 'check', ...e }) as AppEvent;

describe('history', () => {
  const log: AppEvent[] = [
    ev('2026-11-01T10:00:00.000Z', { type: 'connect', ok: true, userId: 'alice' }),
    ev('2026-11-01T10:00:01.000Z', { type: 'check', ok: true, ms: 300 }),
    ev('2026-11-18T09:00:00.000Z', {
      type: 'check',
      ok: false,
      failure: 'token_revoked',
      reason: 'invalid_grant',
    }),
    ev('2026-11-20T09:00:00.000Z', { type: 'reauthorize', ok: true, userId: 'alice' }),
    ev('2026-11-20T09:00:01.000Z', { type: 'check', ok: true, ms: 250 }),
  ];

  it('lines newest first, with failures marked', () => {
    const lines = historyLines(log);
    expect(lines.map((l) => l.type)).toEqual(['check', 'reauthorize', 'check', 'check', 'connect']);
    expect(lines[2]).toMatchObject({ what: 'End-to-end check failed', tone: 'bad' });
    // In the app's words: what the provider said is on the status page's end-to-end row, once.
    expect(lines[2]!.detail).toBe('the token was revoked or expired');
  });

  it('names accounts by their email, with the ID as secondary detail', () => {
    const lines = historyLines([
      ev('2026-11-01T10:00:00.000Z', { type: 'connect', ok: true, userId: '4815162342', email: 'a@x.org' }),
      ev('2026-11-01T10:00:01.000Z', { type: 'check', ok: true, ms: 300, seenUserId: '4815162342' }),
      ev('2026-11-02T10:00:00.000Z', { type: 'connect', ok: true, userId: '7788990011', email: 'b@x.org' }),
      ev('2026-11-02T10:01:00.000Z', {
        type: 'token_dropped',
        userId: '7788990011',
        reason: 'not saved in time',
      }),
    ]);
    expect(lines[0]!.detail).toBe('b@x.org (ID 7788990011): not saved in time');
    expect(lines[1]!.detail).toContain(
      'b@x.org (ID 7788990011) — a different account: replaced a@x.org (ID 4815162342)',
    );
    expect(lines[2]!.detail).toBe('as a@x.org (ID 4815162342), 300 ms');
  });

  it('a failure the app has no words for keeps its own sentence, without the machine tag', () => {
    const lines = historyLines([
      ev('2026-11-01T10:00:00.000Z', {
        ok: false,
        failure: 'other',
        reason: 'FITBIT_CONNECT_ERROR[api_error]: https://health.googleapis.com answered HTTP 500',
      }),
    ]);
    expect(lines[0]!.detail).toBe('https://health.googleapis.com answered HTTP 500');
  });

  it('calls out a switch to a different account', () => {
    const lines = historyLines([
      ...log,
      ev('2026-11-21T00:00:00.000Z', { type: 'connect', ok: true, userId: 'bob' }),
    ]);
    expect(lines[0]!.detail).toContain('a different account: replaced alice');
  });

  it('what changed: was revoked N days ago, now connected', () => {
    const c = lastChange(log, new Date('2026-11-20T09:05:00.000Z'));
    expect(c?.was).toBe('the token was revoked or expired — noticed 2 days ago');
    expect(c?.now).toBe('connected as alice (re-authorized 5 min ago)');
  });

  it('no change note when nothing was broken, or when the new connection fails too', () => {
    expect(lastChange(log.slice(0, 2), new Date())).toBeUndefined();
    expect(
      lastChange(
        [...log.slice(0, 4), ev('2026-11-20T09:00:01.000Z', { ok: false, failure: 'other' })],
        new Date(),
      ),
    ).toBeUndefined();
  });

  it('says how long ago in the words of every other page (server/time-format.ts)', () => {
    const at = (iso: string) => lastChange(log, new Date(iso))?.now;
    expect(at('2026-11-20T09:00:30.000Z')).toBe('connected as alice (re-authorized just now)');
    expect(at('2026-11-20T10:00:00.000Z')).toBe('connected as alice (re-authorized 1 h ago)');
    expect(at('2026-11-23T09:00:00.000Z')).toBe('connected as alice (re-authorized 3 days ago)');
  });
});

describe('steps chart', () => {
  const days = Array.from({ length: 30 }, (_, i) => ({
    day: `2026-11-${String(i + 1).padStart(2, '0')}`,
    steps: (i + 1) * 100,
  }));

  it('one bar per day inside the plot, on a value scale that starts at 0 and tops the best day', () => {
    const c = stepsChart(days, '2026-12-01T00:00:00.000Z', 440, 210);
    expect(c.bars).toHaveLength(30);
    expect(c.max).toBe(3000);
    expect(c.total).toBe(46500);
    expect(c.average).toBe(1550);
    const bottom = c.plot.y + c.plot.h;
    for (const b of c.bars) {
      expect(b.x).toBeGreaterThanOrEqual(c.plot.x);
      expect(b.x + b.w).toBeLessThanOrEqual(c.plot.x + c.plot.w + 0.1);
      expect(b.y + b.h).toBeCloseTo(bottom, 0);
    }
    expect(c.yTicks.map((t) => t.label)).toEqual(['0', '1k', '2k', '3k']);
    expect(c.yTicks[0]!.y).toBeCloseTo(bottom, 5);
    // The best day reaches the top tick.
    expect(c.bars[29]!.y).toBeCloseTo(c.yTicks.at(-1)!.y, 0);
    expect(c.bars[0]!.label).toBe('Sun 1 Nov 2026: 100 steps');
  });

  it('a date under every seventh day, and a 7-day average line from the seventh day on', () => {
    const c = stepsChart(days, 'now');
    expect(c.xLabels.map((l) => l.label)).toEqual(['1 Nov', '8 Nov', '15 Nov', '22 Nov', '29 Nov']);
    const points = c.averagePoints.split(' ');
    expect(points).toHaveLength(24);
    // The last week (days 24–30) averages 2,700: its point sits at that height on the scale.
    const [, y] = points.at(-1)!.split(',').map(Number);
    expect(y).toBeCloseTo(c.plot.y + c.plot.h - (2700 / 3000) * c.plot.h, 0);
  });

  it('a title and a description with the numbers a sighted reader takes from the picture', () => {
    const c = stepsChart(days, 'now');
    expect(c.title).toBe('Daily steps, 1 Nov to 30 Nov');
    expect(c.description).toBe(
      '30 days from Sun 1 Nov 2026 to Mon 30 Nov 2026: 46,500 steps in all, 1,550 a day on average. Best day Mon 30 Nov 2026 with 3,000; lowest Sun 1 Nov 2026 with 100. The last 7 days averaged 2,700 a day.',
    );
  });

  it('nice scales, and dates as days', () => {
    expect(niceScale(15_797)).toEqual({ top: 20_000, step: 5000 });
    expect(niceScale(3000)).toEqual({ top: 3000, step: 1000 });
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(dayLabel('2026-12-01', true)).toBe('Tue 1 Dec 2026');
  });

  it('no data: no bars, no line, no division by zero', () => {
    const c = stepsChart([], 'now');
    expect(c.bars).toEqual([]);
    expect(c.averagePoints).toBe('');
    expect(c.description).toBe('No days of data were returned.');
  });
});
