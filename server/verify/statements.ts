// Runs the administrator's statements and says exactly what happened: rows, Snowflake's query id (to find
// a statement in QUERY_HISTORY later) and how long it took, or Snowflake's own error code and message. It
// signs in through the app's SnowflakeSession (same driver options and lazy loading) but calls the driver
// itself, since the query id and the raw error code are the evidence here.
import type { Connection, RowStatement } from 'snowflake-sdk';
import type { SnowflakeConnectionConfig } from '../config/index.js';
import { snowflakeError } from '../snowflake/errors.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { Redactor } from './redactor.js';

export type Row = Record<string, unknown>;

export interface Ran {
  rows: Row[];
  queryId: string;
  ms: number;
}

/** A statement Snowflake refused (or that timed out): its code and message, scrubbed, and the statement as shown. */
export class StatementFailed extends Error {
  constructor(
    readonly shown: string,
    readonly code: string,
    readonly detail: string,
    readonly ms: number,
  ) {
    super(`${shown} failed: ${code === '' ? '' : `${code} `}${detail}`);
    this.name = 'StatementFailed';
  }
}

/** Signing in failed: the app's own explanation (what, why, fix) of the login error. */
export class LoginFailed extends Error {
  constructor(
    readonly title: string,
    readonly why: string,
    readonly fix: string,
  ) {
    super(title);
    this.name = 'LoginFailed';
  }
}

export class AdminSql {
  constructor(
    private readonly session: SnowflakeSession,
    private readonly connection: SnowflakeConnectionConfig,
    private readonly redactor: Redactor,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Runs one statement. `shown` is how the statement appears in the report and in errors: give it whenever
   * the text holds a secret (a token literal, the client secret), which then never leaves this call.
   */
  async run(sql: string, o: { binds?: string[]; shown?: string } = {}): Promise<Ran> {
    const shown = o.shown ?? sql;
    let conn: Connection;
    try {
      conn = await this.session.connection();
    } catch (e) {
      const err = snowflakeError(e, this.connection, { step: 'signing in as the administrator' });
      throw new LoginFailed(err.title, this.redactor.upstream(err.why), this.redactor.upstream(err.fix));
    }
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Ran>((resolve, reject) => {
        const stmt = conn.execute({
          sqlText: sql,
          ...(o.binds ? { binds: o.binds } : {}),
          complete: (err, s: RowStatement, rows) =>
            err
              ? reject(err)
              : resolve({ rows: (rows ?? []) as Row[], queryId: s.getQueryId(), ms: Date.now() - started }),
        });
        timer = setTimeout(() => {
          stmt.cancel(() => {});
          reject(
            new StatementFailed(shown, 'timeout', `no answer within ${this.timeoutMs} ms`, this.timeoutMs),
          );
        }, this.timeoutMs);
      });
    } catch (e) {
      if (e instanceof StatementFailed) throw e;
      const err = e as { code?: unknown; message?: unknown };
      const code = err.code === undefined ? '' : String(err.code);
      const message = this.redactor
        .upstream(String(err.message ?? e))
        .split('\n')
        .filter(Boolean)
        .join(' ');
      throw new StatementFailed(shown, code, message, Date.now() - started);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** "002049 Bind variables are not …" for a failure, a plain message for anything else. */
export function failureText(e: unknown): string {
  if (e instanceof StatementFailed) return `${e.code ? `${e.code} ` : ''}${e.detail}`;
  return e instanceof Error ? e.message : String(e);
}
