// Hands a refresh token to Snowflake. Writes are serialised: two sign-ins finishing together write
// one after the other, never interleaved, and each learns whether another write came after it.
import { type SnowflakeSession, StatementNotSentError, type StatementRun } from './session.js';
import { alterSecretSql, type QualifiedName } from './sql.js';

export interface WriteResult {
  writtenAt: Date;
  /** Sequence number of this write; a later write has a higher one. */
  seq: number;
  expiresAt?: Date;
  /** Snowflake's query id of the ALTER SECRET and the connection it ran on (to find it in the history). */
  ran?: StatementRun;
}

export class SecretWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;

  constructor(
    private readonly session: SnowflakeSession,
    private readonly secret: QualifiedName,
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  /** Resolves once every write queued so far has finished (whatever its outcome). */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /**
   * `signal` gives up on the write (the app is stopping): one still waiting for its turn fails at once
   * with StatementNotSentError (Snowflake never saw it); one sent is cancelled (see session.execute).
   * `onSent` is called just before the ALTER SECRET goes to Snowflake.
   */
  write(
    refreshToken: string,
    expiresAt?: Date,
    opts: { signal?: AbortSignal; onSent?: () => void } = {},
  ): Promise<WriteResult> {
    const { signal, onSent } = opts;
    let started = false;
    const run = async (): Promise<WriteResult> => {
      if (signal?.aborted) throw new StatementNotSentError();
      started = true;
      const sql = alterSecretSql(this.secret, refreshToken, expiresAt);
      let ran: StatementRun | undefined;
      await this.session.execute(sql, {
        signal,
        onSent,
        ctx: {
          step: 'writing the refresh token into the secret',
          objectKind: 'secret',
          objectName: this.secret.sql,
        },
        onRun: (r) => {
          ran = r;
        },
      });
      this.seq += 1;
      return { writtenAt: new Date(), seq: this.seq, expiresAt, ran };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    if (!signal) return next;
    // Queued behind another write: giving up must not wait for that one to finish.
    return new Promise<WriteResult>((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(new StatementNotSentError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      next.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
