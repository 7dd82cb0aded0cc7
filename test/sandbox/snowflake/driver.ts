// Promise wrappers over the real snowflake-sdk, for tests that drive the stand-in over real sockets.
import snowflake from 'snowflake-sdk';

snowflake.configure({ logLevel: 'OFF' });

export type Conn = snowflake.Connection;
export type DriverError = Error & { code?: string | number; sqlState?: string; data?: { queryId?: string } };

export function connect(url: string, options: Partial<snowflake.ConnectionOptions>): Promise<Conn> {
  const conn = snowflake.createConnection({
    account: 'sandbox',
    accessUrl: url,
    username: 'SANDBOX_ADMIN',
    sfRetryMaxLoginRetries: 0,
    ...options,
  } as snowflake.ConnectionOptions);
  // connectAsync() resolves even when login fails; the callback is the reliable signal.
  return new Promise((resolve, reject) => {
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  });
}

export function exec(
  conn: Conn,
  sqlText: string,
  binds?: snowflake.Binds,
  parameters?: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      ...(parameters ? { parameters } : {}),
      complete: (err, _stmt, rows) =>
        err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[]),
    });
  });
}

export function destroy(conn: Conn): Promise<void> {
  return new Promise((resolve) => {
    if (!conn.isUp()) return resolve();
    conn.destroy(() => resolve());
  });
}

export async function failure(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (err) {
    return err as DriverError;
  }
  throw new Error('expected the promise to reject');
}
