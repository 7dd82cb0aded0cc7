import { describe, expect, it } from 'vitest';
import { type PendingFlow, PendingFlows } from '../../server/oauth/pending.js';
import { constantTimeEqual } from '../../server/security/compare.js';

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function flow(state: string, createdAt: number, browserId = 'browser-A'): PendingFlow {
  return {
    state,
    verifier: `verifier-${state}`,
    browserId,
    intent: 'connect',
    account: 'default',
    createdAt,
  };
}

describe('PendingFlows', () => {
  it('a flow is taken once, by the browser that started it', () => {
    const c = clock();
    const p = new PendingFlows(60_000, 10, c.now);
    p.add(flow('s1', c.now()));
    const r = p.take('s1', 'browser-A');
    expect(r).toEqual({ ok: true, flow: flow('s1', c.now()) });
    expect(p.take('s1', 'browser-A')).toEqual({ ok: false, reason: 'unknown' });
    expect(p.size).toBe(0);
  });
  it('an unknown state is refused', () => {
    const p = new PendingFlows(60_000);
    expect(p.take('nope', 'browser-A')).toEqual({ ok: false, reason: 'unknown' });
  });
  it('another browser is refused, and the flow is used up', () => {
    const c = clock();
    const p = new PendingFlows(60_000, 10, c.now);
    p.add(flow('s1', c.now()));
    expect(p.take('s1', 'browser-B')).toEqual({ ok: false, reason: 'other_browser' });
    expect(p.take('s1', 'browser-A')).toEqual({ ok: false, reason: 'unknown' });
  });
  it('a missing browser id is refused', () => {
    const c = clock();
    const p = new PendingFlows(60_000, 10, c.now);
    p.add(flow('s1', c.now()));
    expect(p.take('s1', undefined)).toEqual({ ok: false, reason: 'other_browser' });
  });
  it('expires after the TTL (and not at it)', () => {
    const c = clock();
    const p = new PendingFlows(60_000, 10, c.now);
    p.add(flow('s1', c.now()));
    p.add(flow('s2', c.now()));
    c.advance(60_000);
    expect(p.take('s1', 'browser-A').ok).toBe(true);
    c.advance(1);
    expect(p.take('s2', 'browser-A')).toEqual({ ok: false, reason: 'expired' });
    expect(p.size).toBe(0);
  });
  it('the cap evicts the oldest flow', () => {
    const c = clock();
    const p = new PendingFlows(60_000, 3, c.now);
    for (const s of ['a', 'b', 'c', 'd']) {
      p.add(flow(s, c.now()));
      c.advance(1);
    }
    expect(p.size).toBe(3);
    expect(p.take('a', 'browser-A').ok).toBe(false);
    expect(p.take('b', 'browser-A').ok).toBe(true);
    expect(p.take('d', 'browser-A').ok).toBe(true);
  });
  it('sweep drops expired flows only', () => {
    const c = clock();
    const p = new PendingFlows(1000, 100, c.now);
    p.add(flow('old', c.now()));
    c.advance(600);
    p.add(flow('young', c.now()));
    c.advance(600);
    p.sweep();
    expect(p.size).toBe(1);
    expect(p.take('young', 'browser-A').ok).toBe(true);
  });
  it('adding sweeps expired flows first', () => {
    const c = clock();
    const p = new PendingFlows(1000, 100, c.now);
    for (let i = 0; i < 50; i++) p.add(flow(`s${i}`, c.now()));
    c.advance(1001);
    p.add(flow('new', c.now()));
    expect(p.size).toBe(1);
  });
  it('a flow added without a start time starts now on the store’s clock', () => {
    const c = clock();
    const p = new PendingFlows(1000, 100, c.now);
    p.add({ state: 's', verifier: 'v', browserId: 'browser-A', intent: 'connect', account: 'default' });
    c.advance(1000);
    expect(p.take('s', 'browser-A')).toEqual({ ok: true, flow: { ...flow('s', 1_000_000), verifier: 'v' } });
    p.add({ state: 't', verifier: 'v', browserId: 'browser-A', intent: 'connect', account: 'default' });
    c.advance(1001);
    expect(p.take('t', 'browser-A')).toEqual({ ok: false, reason: 'expired' });
  });
  it('clear empties the store', () => {
    const p = new PendingFlows(1000);
    p.add(flow('s', Date.now()));
    p.clear();
    expect(p.size).toBe(0);
  });
});

describe('constantTimeEqual (the state binding)', () => {
  it('compares strings, including different lengths and unicode', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'é')).toBe(true);
    expect(constantTimeEqual('é', 'e')).toBe(false);
  });
});
