// What happens after a write, as it happens: the result page says "written" at once and the check's
// stages stream into it (GET /result/<id>/events). The flow reports each stage here; the page (and a
// reload of it) reads what was reached so far, and listeners hear each new stage and the end. Holds no
// token: only stage names, times, the words the page shows, and finally the outcome.
import type { AppError } from '../errors/index.js';

/**
 * In order. `warehouse_resuming` only when the app knows a warehouse start is under way (its warm-up is
 * still waiting for one) or cannot tell that the warehouse is up.
 */
export const STAGES = [
  'written',
  'check_started',
  'warehouse_resuming',
  'function_running',
  'check_done',
  'history_checked',
] as const;
export type Stage = (typeof STAGES)[number];

export interface StageEvent {
  stage: Stage;
  /** When it was reached (ms, the app's clock). */
  at: number;
  /** What the page says about it, in one sentence. */
  label: string;
  /** check_done: whether the check passed (the page marks the stage passed or failed). */
  ok?: boolean;
}

/**
 * What ended the work after the write: its outcome, or why there is none (the app stopping gave up on it,
 * or a bug): the token stays written either way.
 */
export type ProgressEnd<F> = { kind: 'done'; result: F } | { kind: 'error'; error: AppError };

export type ProgressListener<F> = (e: { stage: StageEvent } | { end: ProgressEnd<F> }) => void;

export class CheckProgress<F> {
  readonly stages: StageEvent[] = [];
  private ending: ProgressEnd<F> | undefined;
  private readonly listeners = new Set<ProgressListener<F>>();
  private resolveEnded!: () => void;
  /** Resolves when the outcome is in, or the work was given up. */
  readonly ended = new Promise<void>((resolve) => {
    this.resolveEnded = resolve;
  });

  constructor(private readonly now: () => number = Date.now) {}

  /** The outcome or the reason it was given up, once there is one. */
  get end(): ProgressEnd<F> | undefined {
    return this.ending;
  }

  /** The stage now reached (a stage already reached, or any after the end, is ignored). */
  reach(stage: Stage, label: string, extra: { ok?: boolean } = {}): void {
    if (this.ending || this.stages.some((s) => s.stage === stage)) return;
    const e: StageEvent = { stage, at: this.now(), label, ...extra };
    this.stages.push(e);
    for (const l of this.listeners) l({ stage: e });
  }

  reached(stage: Stage): boolean {
    return this.stages.some((s) => s.stage === stage);
  }

  finish(result: F): void {
    this.close({ kind: 'done', result });
  }

  /** The work was given up (the app is stopping, or it failed): listeners hear why; later stages are ignored. */
  abandon(error: AppError): void {
    this.close({ kind: 'error', error });
  }

  private close(end: ProgressEnd<F>): void {
    if (this.ending) return;
    this.ending = end;
    for (const l of this.listeners) l({ end });
    this.listeners.clear();
    this.resolveEnded();
  }

  /** Hears every stage from now on and the end; returns the function that stops listening. */
  subscribe(listener: ProgressListener<F>): () => void {
    if (this.ending) return () => {};
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many listen now (a stream left open after its page closed would show here). */
  get listening(): number {
    return this.listeners.size;
  }
}
