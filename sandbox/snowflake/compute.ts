// The warehouses' compute: which warehouse runs, and what a statement that needs one waits for. A
// suspended warehouse resumes first (AUTO_RESUME), and a Python function's first call since its warehouse
// started pays a cold start (a resumed warehouse has fresh nodes: no Python process, no packages loaded).
// A running warehouse suspends after AUTO_SUSPEND seconds idle on the engine's clock, so tests move time
// instead of waiting. The state is always kept; the waits are real time, and zero unless the latency
// model is on (sandbox mode and the bench turn it on; tests only where they test it, to stay fast).
import { z } from 'zod';
import type { Warehouse } from './catalog.js';
import { SqlError } from './contract.js';
import { displayIdent } from './lexer.js';

export interface LatencyModel {
  /** How long a suspended warehouse takes to resume. */
  resumeMs: number;
  /** What a Python function's first call on a warehouse adds, after the warehouse (re)started. */
  coldStartMs: number;
}

/**
 * Near a real account's X-Small (sandbox/README.md, "Latency model", says where these come from):
 * Snowflake documents no numbers, so these are estimates.
 */
export const REALISTIC_LATENCY: Readonly<LatencyModel> = Object.freeze({ resumeMs: 1500, coldStartMs: 1500 });
export const NO_LATENCY: Readonly<LatencyModel> = Object.freeze({ resumeMs: 0, coldStartMs: 0 });

const ms = z.number().int().min(0).max(120_000);
const named = z.enum(['realistic', 'off']);
/**
 * `realistic`, `off`, or an object: `model` (default realistic) with either number changed, e.g.
 * `{"model": "realistic", "coldStartMs": 0}` or `{"resumeMs": 3000}`.
 */
export const LatencyModelInput = z.union([
  named,
  z.object({ model: named.optional(), resumeMs: ms.optional(), coldStartMs: ms.optional() }).strict(),
]);
export type LatencyModelInput = z.infer<typeof LatencyModelInput>;

export function latencyModel(given: LatencyModelInput = 'off'): LatencyModel {
  const v = LatencyModelInput.parse(given);
  const { model = 'realistic', ...numbers } = typeof v === 'string' ? { model: v } : v;
  return {
    ...(model === 'off' ? NO_LATENCY : REALISTIC_LATENCY),
    ...Object.fromEntries(Object.entries(numbers).filter(([, x]) => x !== undefined)),
  };
}

export type WarehouseState = 'STARTED' | 'SUSPENDED' | 'RESUMING';

interface Run {
  started: boolean;
  /** Engine clock: when the warehouse last ran a statement (or started); AUTO_SUSPEND counts from here. */
  lastActiveMs: number;
  /** Statements running on it now: a warehouse never suspends under a running statement. */
  busy: number;
  /** The resume under way: every statement that needs the warehouse waits for the same one. */
  resuming: Promise<void> | null;
  /** Functions called since the warehouse last started: their next call is warm. */
  warm: Set<string>;
  resumedOn: number | null;
}

const realSleep = (waitMs: number) => new Promise<void>((resolve) => setTimeout(resolve, waitMs));

/** Snowflake's answer when the session has no warehouse to run on (also: suspended, AUTO_RESUME = FALSE). */
export function noWarehouse(): SqlError {
  return new SqlError(
    '000606',
    '57P03',
    "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n",
  );
}

function invalidState(wh: Warehouse, what: string): SqlError {
  return new SqlError(
    '090064',
    '22000',
    `Invalid state. Warehouse '${displayIdent(wh.name)}' cannot be ${what}.`,
  );
}

export class Compute {
  private readonly runs = new WeakMap<Warehouse, Run>();
  private latency: LatencyModel = { ...NO_LATENCY };
  /** Since start or reset: resumes (automatic or ALTER … RESUME), cold starts, and the time they took. */
  readonly counts = { resumes: 0, coldStarts: 0, waitedMs: 0 };
  /** Hears how long a statement waited for a resume or a cold start (the server logs it with it). */
  onWaited: ((what: 'resume' | 'coldStart', ms: number) => void) | undefined;

  constructor(
    /** The engine's clock, in ms. */
    private readonly now: () => number,
    /** Tests pass one that records the wait instead of sleeping. */
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {}

  setLatency(model: LatencyModel): void {
    this.latency = { ...model };
  }

  getLatency(): LatencyModel {
    return { ...this.latency };
  }

  resetCounts(): void {
    Object.assign(this.counts, { resumes: 0, coldStarts: 0, waitedMs: 0 });
  }

  /** CREATE WAREHOUSE: running, unless INITIALLY_SUSPENDED = TRUE (one never created here, e.g. seeded: asleep). */
  created(wh: Warehouse, suspended: boolean): void {
    const now = this.now();
    this.runs.set(wh, {
      started: !suspended,
      lastActiveMs: now,
      busy: 0,
      resuming: null,
      warm: new Set(),
      resumedOn: suspended ? null : now,
    });
  }

  state(wh: Warehouse): WarehouseState {
    const r = this.run(wh);
    return r.resuming ? 'RESUMING' : r.started ? 'STARTED' : 'SUSPENDED';
  }

  /** When it last started (engine clock, ms), or null when it never has. */
  resumedOn(wh: Warehouse): number | null {
    return this.run(wh).resumedOn;
  }

  /**
   * Before a statement needs `wh`: a suspended warehouse that may not resume by itself fails the statement,
   * with the answer Snowflake gives when no warehouse is usable.
   */
  check(wh: Warehouse): void {
    if (!this.run(wh).started && !wh.autoResume) throw noWarehouse();
  }

  /** Runs `work` on `wh`: resumed first when suspended, kept from suspending while it runs. */
  async use<T>(wh: Warehouse, work: () => Promise<T>): Promise<T> {
    this.check(wh);
    const r = this.run(wh);
    const before = performance.now();
    await this.start(r);
    this.waited('resume', before);
    r.busy += 1;
    try {
      return await work();
    } finally {
      r.busy -= 1;
      r.lastActiveMs = this.now();
    }
  }

  /** A Python function's call on `wh` (inside use()): its first since the warehouse started is cold. */
  async functionCall(wh: Warehouse, fn: string): Promise<void> {
    const r = this.run(wh);
    if (r.warm.has(fn)) return;
    r.warm.add(fn);
    this.counts.coldStarts += 1;
    const before = performance.now();
    await this.wait(this.latency.coldStartMs);
    this.waited('coldStart', before);
  }

  /** ALTER WAREHOUSE … RESUME [IF SUSPENDED]: answers once the warehouse runs. */
  async resume(wh: Warehouse, ifSuspended: boolean): Promise<void> {
    const r = this.run(wh);
    if (r.started && !r.resuming) {
      if (ifSuspended) return;
      throw invalidState(wh, 'resumed since it is not suspended');
    }
    const before = performance.now();
    await this.start(r);
    this.waited('resume', before);
  }

  /** ALTER WAREHOUSE … SUSPEND: statements running on it finish, and do not resume it again. */
  suspend(wh: Warehouse): void {
    const r = this.run(wh);
    if (!r.started) throw invalidState(wh, 'suspended');
    this.stop(r);
  }

  private run(wh: Warehouse): Run {
    let r = this.runs.get(wh);
    if (!r) {
      r = {
        started: false,
        lastActiveMs: this.now(),
        busy: 0,
        resuming: null,
        warm: new Set(),
        resumedOn: null,
      };
      this.runs.set(wh, r);
    }
    // Auto-suspend, worked out when asked: idle AUTO_SUSPEND seconds (0 or unset: never), nothing running.
    const idleMs = this.now() - r.lastActiveMs;
    if (r.started && !r.resuming && r.busy === 0 && wh.autoSuspend > 0 && idleMs >= wh.autoSuspend * 1000)
      this.stop(r);
    return r;
  }

  private stop(r: Run): void {
    r.started = false;
    r.warm.clear();
  }

  private start(r: Run): Promise<void> {
    if (r.resuming) return r.resuming;
    if (r.started) return Promise.resolve();
    r.started = true;
    r.warm.clear();
    r.resumedOn = this.now();
    this.counts.resumes += 1;
    const resuming = this.wait(this.latency.resumeMs).finally(() => {
      if (r.resuming === resuming) r.resuming = null;
      r.lastActiveMs = this.now();
    });
    r.resuming = resuming;
    return resuming;
  }

  private waited(what: 'resume' | 'coldStart', since: number): void {
    const ms = performance.now() - since;
    if (ms >= 1) this.onWaited?.(what, ms);
  }

  private async wait(waitMs: number): Promise<void> {
    if (waitMs <= 0) return;
    this.counts.waitedMs += waitMs;
    await this.sleep(waitMs);
  }
}
