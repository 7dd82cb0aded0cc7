// History lines, "what changed" after a re-authorization, and the chart's geometry.
import { describe, expect, it } from 'vitest';
import { stepsChart } from '../../server/status/chart.js';
import type { AppEvent } from '../../server/status/events.js';
import { ago, historyLines, lastChange } from '../../server/status/history.js';

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
    expect(lines[2]!.detail).toContain('revoked or expired: invalid_grant');
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
    expect(c?.now).toBe('connected as alice (re-authorized 5 minutes ago)');
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

  it('ago', () => {
    expect(ago('2026-01-01T00:00:00Z', '2026-01-01T00:00:30Z')).toBe('a few seconds');
    expect(ago('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z')).toBe('1 hour');
    expect(ago('2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z')).toBe('3 days');
  });
});

describe('steps chart', () => {
  it('one bar per day, the best day full height, all inside the box', () => {
    const days = Array.from({ length: 30 }, (_, i) => ({
      day: `2026-11-${String(i + 1).padStart(2, '0')}`,
      steps: (i + 1) * 100,
    }));
    const c = stepsChart(days, 'now', 600, 120);
    expect(c.bars).toHaveLength(30);
    expect(c.max).toBe(3000);
    expect(c.total).toBe(46500);
    const last = c.bars[29]!;
    expect(last.h).toBe(116);
    for (const b of c.bars) {
      expect(b.x + b.w).toBeLessThanOrEqual(600);
      expect(b.y + b.h).toBeCloseTo(120, 5);
    }
  });
  it('no data: no bars, no division by zero', () => {
    expect(stepsChart([], 'now').bars).toEqual([]);
  });
});
