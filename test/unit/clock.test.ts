import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';

describe('ManualClock', () => {
  it('runs timers that fall due, in order, at their own time, and not before', async () => {
    const clock = new ManualClock(1_000);
    const ran: [string, number][] = [];
    clock.setTimer(() => ran.push(['b', clock.now()]), 200);
    clock.setTimer(() => ran.push(['a', clock.now()]), 100);
    clock.setTimer(() => ran.push(['c', clock.now()]), 500);
    await clock.advance(199);
    expect(ran).toEqual([['a', 1_100]]);
    await clock.advance(1);
    expect(ran).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.now()).toBe(1_200);
    expect(clock.pending).toBe(1);
  });

  it('waits for the work a timer starts, and runs timers that work sets within the window', async () => {
    const clock = new ManualClock(0);
    const done: number[] = [];
    const tick = async () => {
      await new Promise((r) => setImmediate(r));
      done.push(clock.now());
      clock.setTimer(tick, 100);
    };
    clock.setTimer(tick, 100);
    await clock.advance(350);
    expect(done).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
  });

  it('a cancelled timer never runs', async () => {
    const clock = new ManualClock(0);
    let ran = false;
    const cancel = clock.setTimer(() => {
      ran = true;
    }, 10);
    cancel();
    await clock.advance(100);
    expect(ran).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('fails the advance when the work a timer started fails', async () => {
    const clock = new ManualClock(0);
    clock.setTimer(async () => {
      throw new Error('boom');
    }, 10);
    await expect(clock.advance(10)).rejects.toThrow('boom');
  });
});
