// One long-lived python3 running python/worker.py for the function runner: it takes one call at a
// time and runs each in a child it forks, so a call costs a fork instead of starting python3 and
// importing requests. Lines on fd 3 (the child's token requests, a procedure's statements, the result,
// then the worker's "exit") carry the call's id; the answers to requests go back on fd 4.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const WORKER_PATH = fileURLToPath(new URL('./python/worker.py', import.meta.url));

export type WorkerMessage =
  | { type: 'started'; id: number }
  | { type: 'token'; id: number; alias: string }
  | { type: 'sql'; id: number; text: string; params: unknown[] }
  | { type: 'result'; id: number; value?: string | null; rows?: (string | null)[][] }
  | { type: 'error'; id: number; message: string };

/** How a call's Python ended without (or after) a result. */
export interface Ended {
  code?: number | null;
  signal?: string | null;
  /** python3 could not be started at all. */
  spawnError?: NodeJS.ErrnoException;
  /** The end of what was written to stderr during the call. */
  stderr: string;
}

export interface CallHandlers {
  message(msg: WorkerMessage): void;
  /** The call's child is gone (after its result, or without one), or the worker itself ended. */
  ended(how: Ended): void;
}

const STDERR_KEPT = 4000;

export class PythonWorker {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private current: { id: number; handlers: CallHandlers } | undefined;
  private stderr = '';
  private alive = true;
  /** Resolves when the process is gone (or never started). */
  readonly closed: Promise<void>;

  constructor(python: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(python, ['-E', '-B', '-X', 'utf8', WORKER_PATH], {
      cwd: tmpdir(),
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      // Its own process group: a call past its time limit is ended by killing the worker and its child.
      detached: true,
    });
    const child = this.child;
    this.toWorker = child.stdio[4] as Writable;
    this.toWorker.on('error', () => {}); // the worker may be gone before an answer is written
    child.stdin?.on('error', () => {});
    child.stdout?.resume(); // a handler's print() output is not part of any result
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_KEPT);
    });
    this.readLines(child.stdio[3] as Readable);
    this.closed = new Promise<void>((resolve) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        this.alive = false;
        this.end({ spawnError: err, stderr: this.stderr });
        resolve();
      });
      child.on('close', (code, signal) => {
        this.alive = false;
        this.end({ code, signal, stderr: this.stderr });
        resolve();
      });
    });
  }

  /** Alive and not running a call. */
  get idle(): boolean {
    return this.alive && this.current === undefined;
  }

  /** Sends one call; `handlers` hear its messages and its end. */
  start(id: number, invocation: Record<string, unknown>, handlers: CallHandlers): void {
    if (!this.idle) throw new Error('the Python worker is busy or gone');
    this.current = { id, handlers };
    this.stderr = '';
    this.ref(true);
    this.child.stdin?.write(`${JSON.stringify({ ...invocation, id })}\n`);
  }

  /** Answers the call's token request, unless that call is over. */
  answer(id: number, answer: Record<string, unknown>): void {
    if (!this.alive || this.current?.id !== id || this.toWorker.destroyed) return;
    this.toWorker.write(`${JSON.stringify({ ...answer, id })}\n`);
  }

  /** Ends the worker and the call it runs, at once. */
  kill(): void {
    this.alive = false;
    this.ref(true); // whoever waits for `closed` keeps the process alive until it comes
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Lets an idle worker exit (it stops at the end of its input). */
  stop(): void {
    this.alive = false;
    this.ref(true);
    this.child.stdin?.end();
  }

  /** Idle workers do not keep the process alive. */
  ref(on: boolean): void {
    const handles = [this.child, ...this.child.stdio] as (Pick<Socket, 'ref' | 'unref'> | null)[];
    for (const h of handles) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  private end(how: Ended): void {
    const call = this.current;
    this.current = undefined;
    call?.handlers.ended(how);
  }

  private readLines(from: Readable): void {
    let buffered = '';
    from.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim()) this.onLine(line);
      }
    });
  }

  private onLine(line: string): void {
    let msg: (WorkerMessage | { type: 'exit'; id: number; code?: number; signal?: string }) | undefined;
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    const call = this.current;
    if (!msg || !call || msg.id !== call.id) return;
    if (msg.type === 'exit') {
      this.current = undefined;
      call.handlers.ended({ code: msg.code ?? null, signal: msg.signal ?? null, stderr: this.stderr });
    } else call.handlers.message(msg);
  }
}
