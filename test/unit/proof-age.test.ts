// How old the proof is, in numbers and words; what a scheduled check costs; --max-age's re-judging.
import { describe, expect, it } from 'vitest';
import { xsmallCreditsPer30Days, xsmallCreditsPerCheck } from '../../server/status/check-cost.js';
import type { AppEvent } from '../../server/status/events.js';
import { proofOf, scheduleOf, withinMaxAge } from '../../server/status/proof.js';
import { formatAge, formatAgo, formatEvery, formatSpan } from '../../server/time-format.js';

const H = 3600;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const connect: AppEvent = { type: 'connect', ok: true, at: at(T0), userId: 'u' } as AppEvent;
const passed = (ms: number): AppEvent => ({ type: 'check', ok: true, at: at(ms) }) as AppEvent;
const LIMIT = 26 * H;

describe('durations in words', () => {
  it('ages round down to the unit that reads well', () => {
    expect(formatAge(45)).toBe('45 s');
    expect(formatAge(12 * 60 + 59)).toBe('12 min');
    expect(formatAge(3 * H + 59 * 60)).toBe('3 h');
    expect(formatAge(30 * H)).toBe('30 h');
    expect(formatAge(4 * 24 * H + 5)).toBe('4 days');
    expect(formatAgo(59)).toBe('just now');
    expect(formatAgo(3 * H)).toBe('3 h ago');
  });
  it('limits and intervals exactly', () => {
    expect(formatSpan(26 * H)).toBe('26 h');
    expect(formatSpan(24 * H)).toBe('1 day');
    expect(formatSpan(48 * H)).toBe('2 days');
    expect(formatSpan(90 * 60)).toBe('90 min');
    expect(formatSpan(61)).toBe('61 s');
    expect(formatEvery(24 * H)).toBe('daily');
    expect(formatEvery(H)).toBe('hourly');
    expect(formatEvery(6 * H)).toBe('every 6 h');
  });
});

describe('proofOf: the last passing end-to-end check since the last connect, against the limit', () => {
  it('fresh: last proven 3 h ago', () => {
    const p = proofOf(connect, passed(T0 + 60_000), new Date(T0 + 60_000 + 3 * H * 1000), LIMIT);
    expect(p).toEqual({
      at: at(T0 + 60_000),
      ageSeconds: 3 * H,
      maxAgeSeconds: LIMIT,
      fresh: true,
      text: 'last proven 3 h ago',
    });
  });
  it('at the limit still fresh; past it, stale and saying so', () => {
    expect(proofOf(connect, passed(T0), new Date(T0 + LIMIT * 1000), LIMIT).fresh).toBe(true);
    const p = proofOf(connect, passed(T0), new Date(T0 + 30 * H * 1000), LIMIT);
    expect(p.fresh).toBe(false);
    expect(p.text).toBe('last proven 30 h ago, more than the 26 h limit');
  });
  it('a pass from before the last connect proves nothing; no connect, nothing to prove', () => {
    const p = proofOf(connect, passed(T0 - 1000), new Date(T0), LIMIT);
    expect(p).toMatchObject({
      at: null,
      ageSeconds: null,
      fresh: false,
      text: 'not proven since the last connect',
    });
    expect(proofOf(undefined, undefined, new Date(T0), LIMIT)).toMatchObject({ at: null, fresh: false });
  });
});

describe('withinMaxAge (npm run status --max-age)', () => {
  const old = proofOf(connect, passed(T0), new Date(T0 + 30 * H * 1000), LIMIT);
  it('a larger limit turns unproven back into connected; a smaller one turns connected into unproven', () => {
    expect(withinMaxAge('unproven', old, 2 * 24 * H, '--max-age 2d')).toMatchObject({
      overall: 'connected',
      proof: { fresh: true, maxAgeSeconds: 2 * 24 * H, text: 'last proven 30 h ago' },
    });
    const recent = proofOf(connect, passed(T0), new Date(T0 + 3 * H * 1000), LIMIT);
    expect(withinMaxAge('connected', recent, H, '--max-age 1h')).toMatchObject({
      overall: 'unproven',
      proof: { fresh: false, text: 'last proven 3 h ago, more than --max-age 1h' },
    });
  });
  it('other verdicts stand, and no proof stays unproven', () => {
    expect(withinMaxAge('needs_reauth', old, 100 * H).overall).toBe('needs_reauth');
    expect(withinMaxAge('warning', old, 100 * H).overall).toBe('warning');
    const none = proofOf(connect, undefined, new Date(T0), LIMIT);
    expect(withinMaxAge('unproven', none, 100 * H).overall).toBe('unproven');
  });
});

describe('the schedule and what it costs', () => {
  it('an XSMALL check is the 60-second minimum of 1 credit an hour; daily is about 0.5 credits a month', () => {
    expect(xsmallCreditsPerCheck()).toBe(0.017);
    expect(xsmallCreditsPer30Days(24 * H)).toBe(0.5);
    expect(xsmallCreditsPer30Days(H)).toBe(12);
    expect(xsmallCreditsPer30Days(0)).toBe(0);
    // Checks closer together than the minimum cannot cost more than a warehouse that never stops.
    expect(xsmallCreditsPer30Days(1)).toBe(720);
  });
  it('the next check: one interval after the last check since the connect; none when off or never connected', () => {
    const now = new Date(T0 + 5 * H * 1000);
    const check = passed(T0 + H * 1000);
    expect(scheduleOf(24 * H, connect, check, now)).toMatchObject({
      intervalSeconds: 24 * H,
      every: 'daily',
      nextAt: at(T0 + 25 * H * 1000),
    });
    expect(scheduleOf(24 * H, connect, undefined, now).nextAt).toBe(now.toISOString());
    expect(scheduleOf(0, connect, check, now)).toMatchObject({ every: null, nextAt: null });
    expect(scheduleOf(24 * H, undefined, undefined, now).nextAt).toBeNull();
  });
});
