import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { createLogger } from '../../server/log.js';
import { CheckSchedule } from '../../server/status/schedule.js';

const log = createLogger('silent');

function schedule(intervalMs: number, connected: () => boolean) {
  const clock = new ManualClock(0);
  const runs: number[] = [];
  let finish: (() => void) | undefined;
  let hold = false;
  const s = new CheckSchedule(
    intervalMs,
    clock,
    connected,
    async () => {
      runs.push(clock.now());
      if (hold) await new Promise<void>((r) => (finish = r));
    },
    log,
  );
  return { clock, runs, s, holdNext: () => (hold = true), release: () => finish?.() };
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
    const { clock, runs, s, holdNext, release } = schedule(1000, () => true);
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
