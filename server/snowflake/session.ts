// One warm Snowflake session for the whole app. The driver is heavy (and prints an AWS SDK warning
// on Node 20), so it is imported lazily, on first use. Login starts as soon as a sign-in begins, in
// parallel with the user's consent, so the callback does not wait for it.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import type { Connection, ConnectionOptions } from 'snowflake-sdk';
import type { SnowflakeConnectionConfig } from '../config/index.js';
import { AppError, errorText } from '../errors/index.js';
import type { Logger } from '../log.js';
import { scrubSqlSecrets } from '../security/redaction.js';
import { type SnowflakeErrorContext, snowflakeError } from './errors.js';

type Driver = typeof import('snowflake-sdk');
let driverPromise: Promise<Driver> | undefined;

/**
 * Cloud SDKs the driver requires as it loads but uses only for stage file transfers (PUT/GET) and workload
 * identity sign-in, which this app never does: a third of the driver's load time and memory. They are
 * handed to it unloaded, and load on first use.
 */
const UNUSED_CLOUD_SDKS = new Set([
  '@aws-crypto/sha256-js',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sts',
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/ec2-metadata-service',
  '@azure/identity',
  '@azure/storage-blob',
  '@smithy/protocol-http',
  '@smithy/signature-v4',
  'google-auth-library',
]);

/** A module that loads when first touched. A function target, without a prototype, so calls pass through. */
export function onFirstUse(load: () => object): object {
  let real: object | undefined;
  const get = () => {
    real ??= load();
    return real;
  };
  return new Proxy(() => {}, {
    get: (_t, key) => Reflect.get(get(), key),
    has: (_t, key) => Reflect.has(get(), key),
    apply: (_t, self, args) => Reflect.apply(get() as (...a: unknown[]) => unknown, self, args),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      return d && { ...d, configurable: true };
    },
  });
}

type ModuleLoad = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;

/** Runs `load` (the driver's import) with UNUSED_CLOUD_SDKS handed to the driver's own files unloaded. */
async function withCloudSdksDeferred<T>(load: () => Promise<T>): Promise<T> {
  const loader = Module as unknown as { _load: ModuleLoad };
  const original = loader._load;
  const inDriver = `${path.sep}snowflake-sdk${path.sep}`;
  loader._load = function (this: unknown, request, parent, isMain) {
    if (UNUSED_CLOUD_SDKS.has(request) && parent?.filename?.includes(inDriver))
      return onFirstUse(() => original.call(this, request, parent, isMain) as object);
    return original.call(this, request, parent, isMain);
  };
  try {
    return await load();
  } finally {
    loader._load = original;
  }
}
// The driver's logger is process-wide; it follows the most recent app logger.
let driverLog: Logger | undefined;

/** Loads snowflake-sdk once, with its logs routed into ours at WARN and above (never to a file). */
export function loadDriver(log: Logger): Promise<Driver> {
  driverLog = log.child({ component: 'snowflake-sdk' });
  // The driver bundles the AWS SDK for stage file transfers, which this app never uses; its Node 20
  // end-of-support notice would only confuse people reading the app's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // As it loads, the driver probes AWS, Azure and Google Cloud (their metadata addresses, and AWS STS with
  // whatever credentials this machine has) for its login telemetry, and the first login waits up to 200 ms
  // for the answers. A local app has no business calling them: the driver's own switch turns it off.
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  driverPromise ??= withCloudSdksDeferred(() => import('snowflake-sdk')).then((mod) => {
    const driver = ((mod as unknown as { default?: Driver }).default ?? mod) as Driver;
    const child = {
      error: (m: string) => driverLog?.error(m),
      warn: (m: string) => driverLog?.warn(m),
      debug: (m: string) => driverLog?.debug(m),
    };
    const scrub = (m: string) => scrubSqlSecrets(m);
    driver.configure({
      logLevel: 'WARN',
      customLogger: {
        error: (m) => child.error(scrub(m)),
        warn: (m) => child.warn(scrub(m)),
        info: (m) => child.debug(scrub(m)),
        debug: () => {},
        trace: () => {},
      },
    });
    return driver;
  });
  return driverPromise;
}

export function driverOptions(c: SnowflakeConnectionConfig, timeoutMs: number): ConnectionOptions {
  const o: ConnectionOptions = {
    account: c.account,
    username: c.username,
    authenticator: c.authenticator,
    application: 'fitbit-snowflake-connect',
    timeout: timeoutMs,
    clientSessionKeepAlive: true,
    // The driver retries a failed login 7 times with backoff (over a minute against a closed port);
    // a person is waiting on a page, so fail fast and say why.
    sfRetryMaxLoginRetries: 1,
  } as ConnectionOptions;
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== '') (o as Record<string, unknown>)[k] = v;
  };
  set('role', c.role);
  set('warehouse', c.warehouse);
  set('database', c.database);
  set('schema', c.schema);
  set('accessUrl', c.accessUrl);
  set('host', c.host);
  switch (c.authenticator) {
    case 'SNOWFLAKE_JWT':
      if (c.privateKey) set('privateKey', c.privateKey);
      else if (c.privateKeyPath) set('privateKey', readFileSync(c.privateKeyPath, 'utf8'));
      set('privateKeyPass', c.privateKeyPass);
      break;
    case 'PROGRAMMATIC_ACCESS_TOKEN':
    case 'OAUTH':
      set('token', c.token);
      break;
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA':
      set('password', c.password);
      set('passcode', c.passcode);
      break;
    case 'EXTERNALBROWSER':
      break;
  }
  return o;
}

/**
 * Snowflake did not answer a statement in time. The statement may still run (a cancel was sent, but
 * Snowflake may already have executed it), so its outcome is unknown.
 */
export class StatementTimeoutError extends AppError {
  readonly outcomeUnknown = true;
  constructor(timeoutMs: number, ctx: SnowflakeErrorContext = {}) {
    super('snowflake_timeout', {
      ...errorText('snowflake_timeout', {
        seconds: Math.round(timeoutMs / 1000),
        step: ctx.step ?? 'running a statement',
      }),
      upstream: { source: 'Snowflake', code: 'timeout', message: `no answer within ${timeoutMs} ms` },
    });
  }
}

/** The caller gave up (the app is stopping) before the statement was sent: Snowflake never saw it. */
export class StatementNotSentError extends Error {
  constructor() {
    super('the statement was not sent: the app stopped waiting first');
    this.name = 'StatementNotSentError';
  }
}

/**
 * The caller gave up (the app is stopping) while Snowflake was running the statement. The app asked
 * Snowflake to cancel it, but an acknowledged cancel does not say the statement was undone: as after a
 * timeout, its outcome is unknown.
 */
export class StatementCancelledError extends Error {
  readonly outcomeUnknown = true;
  constructor(
    /** Whether Snowflake answered the cancel request (within CANCEL_WAIT_MS). */
    readonly acknowledged: boolean,
  ) {
    super(
      `the app cancelled the statement (${acknowledged ? 'Snowflake acknowledged' : 'no answer to'} the cancel)`,
    );
    this.name = 'StatementCancelledError';
  }
}

/** How long a cancel waits for Snowflake's answer: it is sent while the app stops, which should not hang. */
const CANCEL_WAIT_MS = 5_000;

/** A statement meant for the connection an earlier one ran on found another (the session was signed in again). */
export class SessionChangedError extends Error {
  constructor() {
    super('the Snowflake session changed since the statement it follows');
    this.name = 'SessionChangedError';
  }
}

/** Where a statement ran: its query id, and the driver's id for the connection (one Snowflake session). */
export interface StatementRun {
  queryId: string;
  connectionId: string;
}

export interface SessionInfo {
  user: string;
  role: string;
}

export class SnowflakeSession {
  private conn: Promise<Connection> | undefined;
  private closed = false;

  constructor(
    private readonly config: SnowflakeConnectionConfig,
    private readonly log: Logger,
    private readonly timeoutMs = 60_000,
  ) {}

  /** Starts signing in if not already signed in; never throws (the failure is reported on use). */
  warm(): void {
    this.connection().catch((e) =>
      this.log.warn({ err: snowflakeError(e, this.config) }, 'snowflake warm-up failed'),
    );
  }

  connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error('session closed'));
    if (!this.conn) {
      const p = this.open();
      this.conn = p;
      // A failed login is not cached: the next use tries again.
      p.catch(() => {
        if (this.conn === p) this.conn = undefined;
      });
    }
    return this.conn;
  }

  private async open(): Promise<Connection> {
    const driver = await loadDriver(this.log);
    const conn = driver.createConnection(driverOptions(this.config, this.timeoutMs));
    const started = Date.now();
    // connectAsync() resolves even when login fails; the callback form reports the error.
    await new Promise<void>((resolve, reject) => {
      const cb = (err: unknown) => (err ? reject(err) : resolve());
      if (this.config.authenticator === 'EXTERNALBROWSER') conn.connectAsync(cb).catch(reject);
      else conn.connect(cb);
    });
    this.log.info({ ms: Date.now() - started, user: this.config.username }, 'snowflake session open');
    return conn;
  }

  /**
   * Runs one statement; rows as objects keyed by column name. Errors become AppErrors. `onRun` learns
   * where a successful statement ran; `sameConnectionAs` refuses (SessionChangedError) to run anywhere but
   * on that connection, for a statement that must see the same session (its query history). `signal`
   * gives up: before sending, StatementNotSentError; after, a cancel is sent and StatementCancelledError.
   */
  async execute<T = Record<string, unknown>>(
    sqlText: string,
    opts: {
      binds?: (string | number | null)[];
      ctx?: SnowflakeErrorContext;
      onRun?: (run: StatementRun) => void;
      sameConnectionAs?: string;
      signal?: AbortSignal;
      /** Called just before the statement goes to Snowflake. */
      onSent?: () => void;
    } = {},
  ): Promise<T[]> {
    const { binds, ctx, signal } = opts;
    let conn: Connection;
    try {
      conn = await this.connection();
    } catch (e) {
      if (signal?.aborted) throw new StatementNotSentError();
      throw snowflakeError(e, this.config, ctx);
    }
    if (signal?.aborted) throw new StatementNotSentError();
    if (opts.sameConnectionAs !== undefined && conn.getId() !== opts.sameConnectionAs)
      throw new SessionChangedError();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let cancelWait: NodeJS.Timeout | undefined;
    try {
      return await new Promise<T[]>((resolve, reject) => {
        opts.onSent?.();
        const stmt = conn.execute({
          sqlText,
          binds: binds as never,
          complete: (err, done, rows) => {
            if (err) reject(err);
            else {
              opts.onRun?.({ queryId: done.getQueryId(), connectionId: conn.getId() });
              resolve((rows ?? []) as T[]);
            }
          },
        });
        // The driver's own `timeout` is per HTTP request and it retries timed-out queries, so a
        // hanging statement would keep a person waiting for minutes: give up after timeoutMs.
        timer = setTimeout(() => {
          stmt.cancel(() => {});
          reject(new StatementTimeoutError(this.timeoutMs, ctx));
        }, this.timeoutMs);
        // Giving up on a statement Snowflake has: ask it to cancel, and wait (briefly) for the answer, so
        // the cancel is not lost when the session closes right after.
        onAbort = () => {
          clearTimeout(timer);
          let told = false;
          const done = (acknowledged: boolean) => {
            if (told) return;
            told = true;
            clearTimeout(cancelWait);
            this.log.info({ acknowledged }, 'asked Snowflake to cancel a statement');
            reject(new StatementCancelledError(acknowledged));
          };
          cancelWait = setTimeout(() => done(false), CANCEL_WAIT_MS);
          stmt.cancel((err) => done(!err));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } catch (e) {
      if (e instanceof StatementCancelledError) throw e;
      const code = (e as { code?: unknown }).code;
      // Session gone (expired, network blip): drop it so the next statement signs in again.
      if (code === 407002 || code === '390112' || code === 401001) this.conn = undefined;
      throw snowflakeError(e, this.config, ctx);
    } finally {
      clearTimeout(timer);
      clearTimeout(cancelWait);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  async info(): Promise<SessionInfo> {
    const rows = await this.execute<Record<string, string>>(
      'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R',
    );
    return { user: String(rows[0]?.U ?? ''), role: String(rows[0]?.R ?? '') };
  }

  isOpen(): boolean {
    return this.conn !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.conn;
    this.conn = undefined;
    if (!p) return;
    try {
      const conn = await p;
      await new Promise<void>((resolve) => conn.destroy(() => resolve()));
      this.log.info('snowflake session closed');
    } catch {
      // never signed in: nothing to close
    }
  }
}
