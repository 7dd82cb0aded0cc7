import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { createLogger } from '../../server/log.js';
import { CheckSchedule, nextCheckDue } from '../../server/status/schedule.js';

const log = createLogger('silent');
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * A schedule on a ManualClock. The history it counts from: `checkedAt` (a check before the schedule
 * started, e.g. the connect's), then every check it ran, and any recorded with `checkedBySomeoneElse`.
 */
function schedule(
  intervalMs: number,
  connected: () => boolean,
  opts: { start?: number; checkedAt?: number } = {},
) {
  const clock = new ManualClock(opts.start ?? 0);
  const runs: number[] = [];
  const checks: number[] = opts.checkedAt === undefined ? [] : [opts.checkedAt];
  let finish: (() => void) | undefined;
  let hold = false;
  const s = new CheckSchedule(
    intervalMs,
    clock,
    connected,
    async () => {
      runs.push(clock.now());
      if (hold) await new Promise<void>((r) => (finish = r));
      checks.push(clock.now());
    },
    log,
    () => checks.at(-1),
  );
  return {
    clock,
    runs,
    s,
    holdNext: () => (hold = true),
    release: () => finish?.(),
    checkedBySomeoneElse: () => checks.push(clock.now()),
  };
}

describe('CheckSchedule (CHECK_INTERVAL)', () => {
  it('runs nothing before a connect, then a check every interval', async () => {
    let connected = false;
    const { clock, runs, s } = schedule(1000, () => connected);
    s.start();
    await clock.advance(2500);
    expect(runs).toEqual([]);
    connected = true;
    await clock.advance(2000);
    expect(runs).toEqual([3000, 4000]);
    await s.stop();
    await clock.advance(10_000);
    expect(runs).toEqual([3000, 4000]);
    expect(clock.pending).toBe(0);
  });

  it('is off with an interval of 0', async () => {
    const { clock, runs, s } = schedule(0, () => true);
    s.start();
    await clock.advance(60_000);
    expect(runs).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('stop() waits for the check it started', async () => {
    // Connected, and checked at 0 (the connect's own check): the next one falls due at 1000.
    const { clock, runs, s, holdNext, release } = schedule(1000, () => true, { checkedAt: 0 });
    s.start();
    holdNext();
    const advanced = clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([1000]);
    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await advanced;
    expect(stopped).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('CheckSchedule: daily, across a restart', () => {
  const now = 100 * DAY;

  it('checks at start when the last check is older than the interval, then daily from there', async () => {
    const { clock, runs, s } = schedule(DAY, () => true, { start: now, checkedAt: now - 25 * HOUR });
    s.start();
    await clock.advance(0);
    expect(runs).toEqual([now]);
    await clock.advance(DAY - 1);
    expect(runs).toEqual([now]);
    await clock.advance(1);
    expect(runs).toEqual([now, now + DAY]);
    await s.stop();
  });

  it('checks at start when connected but never checked since', async () => {
    const { clock, runs, s } = schedule(DAY, () => true, { start: now });
    s.start();
    await clock.advance(0);
    expect(runs).toEqual([now]);
    await s.stop();
  });

  it('a recent check: waits only for the rest of the interval, not a whole one', async () => {
    const { clock, runs, s } = schedule(DAY, () => true, { start: now, checkedAt: now - 23 * HOUR });
    s.start();
    await clock.advance(HOUR - 1);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([now + HOUR]);
    await s.stop();
  });

  it('never runs before a connect, however old the last check', async () => {
    const { clock, runs, s } = schedule(DAY, () => false, { start: now, checkedAt: now - 30 * DAY });
    s.start();
    await clock.advance(3 * DAY);
    expect(runs).toEqual([]);
    await s.stop();
    expect(clock.pending).toBe(0);
  });

  it('a check someone else ran (a click, a connect) moves the next scheduled one back', async () => {
    const { clock, runs, s, checkedBySomeoneElse } = schedule(DAY, () => true, {
      start: now,
      checkedAt: now,
    });
    s.start();
    await clock.advance(20 * HOUR);
    checkedBySomeoneElse();
    await clock.advance(4 * HOUR); // one day after the first check: not due, the click was 4 h ago
    expect(runs).toEqual([]);
    await clock.advance(20 * HOUR);
    expect(runs).toEqual([now + 44 * HOUR]);
    await s.stop();
  });
});

describe('nextCheckDue', () => {
  it('one interval after the last check; now without one, or when overdue; at most one interval ahead', () => {
    expect(nextCheckDue(DAY, undefined, 5)).toBe(5);
    expect(nextCheckDue(DAY, 0, HOUR)).toBe(DAY);
    expect(nextCheckDue(DAY, 0, 2 * DAY)).toBe(2 * DAY);
    // A last check "in the future" (the clock was set back) waits one interval, not longer.
    expect(nextCheckDue(DAY, 10 * DAY, 0)).toBe(DAY);
  });
});
