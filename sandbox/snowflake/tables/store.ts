// The embedded DuckDB that holds the rows of the stand-in's tables: one in-memory database per stand-in,
// opened on first use (importing @duckdb/node-api costs a few hundred milliseconds, which a stand-in that
// never touches a table should not pay), used by one statement at a time, dropped by reset and close.
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { MACROS, SETTINGS, setClock } from './macros.js';
import type { DuckColumnType } from './types.js';

export interface DuckResult {
  columns: { name: string; type: DuckColumnType }[];
  rows: DuckDBValue[][];
}

/** What a statement may do with the database while it holds it. */
export interface Duck {
  run(sql: string): Promise<DuckResult>;
}

export class DuckStore {
  private opened: { instance: DuckDBInstance; conn: DuckDBConnection } | null = null;
  private opening: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private tempCounter = 0;
  private everOpened = false;

  /** Whether this stand-in has opened DuckDB (and so imported it) since it started. */
  get loaded(): boolean {
    return this.everOpened;
  }

  /** A DuckDB temp table name no other statement uses. */
  tempName(): string {
    this.tempCounter += 1;
    return `sf_udtf_${this.tempCounter}`;
  }

  private async open(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
    if (this.opened) return this.opened;
    this.opening ??= (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      for (const sql of [...SETTINGS, ...MACROS]) await conn.run(sql);
      this.opened = { instance, conn };
      this.everOpened = true;
      return this.opened;
    })();
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  /**
   * Runs `work` with the database to itself (statements must not interleave: temp tables, the clock
   * variable and a MERGE's duplicate check belong to one statement), the clock set to `nowMs` first.
   */
  exclusive<T>(nowMs: number, work: (db: Duck) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const { conn } = await this.open();
      const db: Duck = {
        async run(sql) {
          const reader = await conn.runAndReadAll(sql);
          const types = reader.columnTypes();
          return {
            columns: reader.columnNames().map((name, i) => ({
              name,
              type: { text: types[i]!.toString(), alias: types[i]!.alias },
            })),
            rows: reader.getRows(),
          };
        },
      };
      await db.run(setClock(nowMs));
      return work(db);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Forgets every row and table (POST /sandbox/reset); the next statement opens a fresh database. */
  reset(): void {
    const closing = this.queue.then(() => this.closeNow());
    this.queue = closing.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.reset();
    await this.queue;
  }

  private closeNow(): void {
    const o = this.opened;
    this.opened = null;
    if (!o) return;
    o.conn.closeSync();
    o.instance.closeSync();
  }
}
