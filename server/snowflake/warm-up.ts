// Gets the warehouse running while the user is on the consent page, so that the check after the write
// does not wait for a resume (a second or two, and a Python function's start-up on top). The app's role
// has USAGE on its warehouse, not OPERATE, so it cannot ALTER WAREHOUSE … RESUME: it runs the cheapest
// statement that needs compute instead, and the warehouse's AUTO_RESUME (on, as the setup scripts create
// it) starts it. A constant SELECT would not do: Snowflake answers those (and COUNT(*) of a table, and
// cached results) in its cloud services, without the warehouse. One warm-up per window at most: a flood of
// /connect must not resume the warehouse a thousand times.
import type { Logger } from '../log.js';
import type { SnowflakeSession } from './session.js';
import { quoteIdentifierPart } from './sql.js';

/**
 * At most one warm-up per this many ms. Half the setup scripts' AUTO_SUSPEND (60 s): a warehouse started
 * by a warm-up in the window is still running when the window ends.
 */
export const WARM_WINDOW_MS = 30_000;

/**
 * A one-row read of the session's own query history: it needs the warehouse (an INFORMATION_SCHEMA table
 * function runs on one), its answer changes with every statement (no cached result), and the app's role
 * can run it with what it already has (the query-history lookup after a write runs the same function).
 */
export function warmUpSql(database: string): string {
  return (
    `SELECT COUNT(*) AS N FROM TABLE(${quoteIdentifierPart(database)}.INFORMATION_SCHEMA.` +
    'QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 1))'
  );
}

/** What the app knows of the warehouse: started by a warm-up just now, being started, or not known. */
export type WarehouseState = 'running' | 'resuming' | 'unknown';

export class WarehouseWarmup {
  private running: Promise<void> | undefined;
  private startedAt = Number.NEGATIVE_INFINITY;
  private doneAt = Number.NEGATIVE_INFINITY;
  /** How many warm-ups were started (tests and the bench count them). */
  started = 0;

  constructor(
    private readonly session: SnowflakeSession,
    /** The database whose INFORMATION_SCHEMA the statement reads (the secret's). */
    private readonly database: string,
    private readonly log: Logger,
    /** The app's clock, in ms: the window counts on it. */
    private readonly now: () => number = Date.now,
    private readonly windowMs = WARM_WINDOW_MS,
  ) {}

  /**
   * Starts a warm-up unless one is under way or started within the window. Never waits, never throws:
   * the caller (a sign-in starting) must not be slowed down, and a failure only means the check pays the
   * resume itself.
   */
  warm(): void {
    const now = this.now();
    if (this.running || now - this.startedAt < this.windowMs) return;
    this.startedAt = now;
    this.started += 1;
    const p = this.session
      .execute(warmUpSql(this.database), { ctx: { step: 'starting the warehouse before the check' } })
      .then(
        () => {
          this.doneAt = this.now();
          this.log.debug('warehouse warm-up ran');
        },
        (e: unknown) =>
          this.log.info(
            { errorCode: (e as { code?: string }).code },
            'warehouse warm-up failed: the check will start the warehouse itself',
          ),
      )
      .finally(() => {
        if (this.running === p) this.running = undefined;
      });
    this.running = p;
  }

  /**
   * `resuming`: a warm-up is waiting for the warehouse now; `running`: one finished within the window, so
   * the warehouse is up; `unknown`: no warm-up lately (it may be asleep, or another user keeps it up).
   */
  state(): WarehouseState {
    if (this.running) return 'resuming';
    return this.now() - this.doneAt < this.windowMs ? 'running' : 'unknown';
  }

  /** The warm-up under way, if any (it never rejects). */
  underWay(): Promise<void> | undefined {
    return this.running;
  }

  /** Resolves when no warm-up is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
