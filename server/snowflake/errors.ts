// Snowflake's and the driver's errors, turned into pages that say what to run or set. Snowflake's own
// code and message are kept for the page (they never contain a token: statements are not echoed).
import type { SnowflakeConnectionConfig } from '../config/index.js';
import { type AppError, appError, isAppError } from '../errors/index.js';
import { scrubSqlSecrets } from '../security/redaction.js';

export interface SnowflakeErrorContext {
  /** What the statement was doing: 'writing the secret', 'running the check function', … */
  step?: string;
  objectKind?: 'secret' | 'function' | 'integration';
  objectName?: string;
}

const NETWORK = new Set([
  '401001',
  '402001',
  '401002',
  '401003',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const LOGIN = new Set([
  '390100',
  '390144',
  '390101',
  '390102',
  '390103',
  '390104',
  '390110',
  '390111',
  '390113',
  '390114',
  '390120',
  '390189',
  '390190',
  '390191',
  '390192',
  '390197',
  '390198',
  '390303',
  '390304',
  '390318',
  '390422',
  '394300',
  '394304',
  '395090',
  '395091',
  '395092',
]);

export function snowflakeError(
  e: unknown,
  conn: SnowflakeConnectionConfig,
  ctx: SnowflakeErrorContext = {},
): AppError {
  if (isAppError(e)) return e;
  const err = (e ?? {}) as {
    code?: unknown;
    message?: unknown;
    sqlState?: unknown;
    cause?: { code?: unknown };
  };
  const code = err.code === undefined ? String(err.cause?.code ?? '') : String(err.code);
  const message = scrubSqlSecrets(typeof err.message === 'string' ? err.message : String(e));
  const upstream = { source: 'Snowflake', code: code || undefined, message };
  const role = conn.role ? conn.role : 'the app’s role';
  const roleSql = conn.role ?? '<app role>';
  const step = ctx.step ?? 'talking to Snowflake';

  if (NETWORK.has(code) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|socket hang up|Network error/i.test(message)) {
    return appError(
      'snowflake_unreachable',
      { step, code, account: conn.account, accessUrl: conn.accessUrl },
      { upstream, cause: e },
    );
  }
  // The driver reads the key before it sends anything: a key it cannot parse never reaches Snowflake.
  if (conn.authenticator === 'SNOWFLAKE_JWT' && !/^\d+$/.test(code) && KEY_UNUSABLE.test(message)) {
    return appError(
      'snowflake_login_failed',
      { variant: 'key_unusable', user: conn.username, message, source: conn.source },
      { upstream, cause: e },
    );
  }
  if (LOGIN.has(code) || /^39\d{4}$/.test(code)) {
    return appError(
      'snowflake_login_failed',
      {
        variant: 'refused',
        code,
        message,
        user: conn.username,
        role: conn.role,
        authenticator: conn.authenticator,
        source: conn.source,
      },
      { upstream, cause: e },
    );
  }
  if (code === '003001' || /insufficient privileges/i.test(message)) {
    return appError('snowflake_privilege', { ...ctx, role, roleSql, step }, { upstream, cause: e });
  }
  if (
    code === '002003' ||
    code === '002141' ||
    code === '002140' ||
    /does not exist or not authorized|Unknown user-defined function/i.test(message)
  ) {
    return appError('snowflake_object_missing', { ...ctx, role, roleSql, step }, { upstream, cause: e });
  }
  if (code === '000606' || /no active warehouse/i.test(message)) {
    return appError('snowflake_no_warehouse', { user: conn.username, role, roleSql }, { upstream, cause: e });
  }
  return appError('snowflake_error', { step, code, message }, { upstream, cause: e });
}

/** Errors the driver raises before Snowflake answers, when the private key cannot be used. */
const KEY_UNUSABLE = /DECODER routines|bad decrypt|PEM|private ?key|asn1|unsupported key/i;
