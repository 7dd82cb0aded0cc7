// Hands a refresh token to Snowflake. Writes are serialised: two sign-ins finishing together write
// one after the other, never interleaved, and each learns whether another write came after it.
import type { SnowflakeSession, StatementRun } from './session.js';
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

  write(refreshToken: string, expiresAt?: Date): Promise<WriteResult> {
    const run = async (): Promise<WriteResult> => {
      const sql = alterSecretSql(this.secret, refreshToken, expiresAt);
      let ran: StatementRun | undefined;
      await this.session.execute(sql, {
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
    return next;
  }
}
