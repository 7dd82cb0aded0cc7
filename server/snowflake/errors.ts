// Snowflake's and the driver's errors, turned into pages that say what to run or set. Snowflake's own
// code and message are kept for the page (they never contain a token: statements are not echoed).
import type { SnowflakeConnectionConfig } from '../config/index.js';
import { AppError, isAppError } from '../errors.js';
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
    return new AppError('snowflake_unreachable', {
      status: 504,
      title: 'Could not reach Snowflake',
      why: `The connection to Snowflake failed while ${step} (${code || 'network error'}).`,
      fix: `Check your network and the account identifier SNOWFLAKE_ACCOUNT=${conn.account}${conn.accessUrl ? ` (and SNOWFLAKE_ACCESS_URL=${conn.accessUrl})` : ''}, then try again.`,
      upstream,
      cause: e,
    });
  }
  // The driver reads the key before it sends anything: a key it cannot parse never reaches Snowflake.
  if (conn.authenticator === 'SNOWFLAKE_JWT' && !/^\d+$/.test(code) && KEY_UNUSABLE.test(message)) {
    return new AppError('snowflake_login_failed', {
      status: 502,
      title: 'The app could not use its private key',
      why: `The Snowflake driver could not read the private key for ${conn.username} (${message}); settings from ${conn.source}.`,
      fix: 'Point SNOWFLAKE_PRIVATE_KEY_FILE at the PKCS#8 private key (rsa_key.p8, "-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"), with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if it is encrypted, and restart the app.',
      upstream,
      cause: e,
    });
  }
  if (LOGIN.has(code) || /^39\d{4}$/.test(code)) {
    return new AppError('snowflake_login_failed', {
      status: 502,
      title: 'Snowflake refused the app’s sign-in',
      why: `Snowflake answered ${code}: ${message} (user ${conn.username}, ${conn.authenticator} sign-in, settings from ${conn.source}).`,
      fix: loginFix(code, conn),
      upstream,
      cause: e,
    });
  }
  if (code === '003001' || /insufficient privileges/i.test(message)) {
    const fixSql =
      ctx.objectKind === 'secret' && ctx.objectName
        ? `-- run as the secret's owner or an administrator\nGRANT OWNERSHIP ON SECRET ${ctx.objectName} TO ROLE ${roleSql} COPY CURRENT GRANTS;`
        : ctx.objectKind === 'function' && ctx.objectName
          ? `GRANT USAGE ON FUNCTION ${ctx.objectName}() TO ROLE ${roleSql};`
          : undefined;
    return new AppError('snowflake_privilege', {
      status: 403,
      title: `Snowflake says ${role} may not do this`,
      why: `While ${step}, Snowflake refused with "insufficient privileges". ${ctx.objectKind === 'secret' ? 'Changing a secret’s token needs OWNERSHIP of the secret.' : ''}`.trim(),
      fix: fixSql
        ? `Give ${role} the privilege with the statement below, then retry.`
        : `Grant ${role} the privilege Snowflake names above, then retry.`,
      fixSql,
      upstream,
      cause: e,
    });
  }
  if (
    code === '002003' ||
    code === '002141' ||
    code === '002140' ||
    /does not exist or not authorized|Unknown user-defined function/i.test(message)
  ) {
    return new AppError('snowflake_object_missing', {
      status: 404,
      title: `Snowflake cannot find the ${ctx.objectKind ?? 'object'}${ctx.objectName ? ` ${ctx.objectName}` : ''}`,
      why: `While ${step}, Snowflake said it does not exist or ${role} is not authorized to see it (Snowflake gives one answer for both).`,
      fix: `Create it with the setup script (see the Setup page or \`npm run sql -- setup-<provider>\`), or grant ${role} USAGE on it and on its database and schema. If the name is wrong, fix ${ctx.objectKind === 'function' ? 'SNOWFLAKE_CHECK_FUNCTION' : 'SNOWFLAKE_SECRET'}.`,
      fixSql:
        ctx.objectKind === 'function' && ctx.objectName
          ? `-- run as the function's owner, once it exists\nGRANT USAGE ON FUNCTION ${ctx.objectName}() TO ROLE ${roleSql};`
          : undefined,
      upstream,
      cause: e,
    });
  }
  if (code === '000606' || /no active warehouse/i.test(message)) {
    return new AppError('snowflake_error', {
      status: 409,
      title: 'No warehouse to run the check in',
      why: 'Calling a function needs a running warehouse, and the app’s session has none.',
      fix: `Set SNOWFLAKE_WAREHOUSE (e.g. FITBIT_WH), or give the user a default: ALTER USER ${conn.username} SET DEFAULT_WAREHOUSE = FITBIT_WH; and grant ${role} USAGE on it.`,
      fixSql: `GRANT USAGE ON WAREHOUSE FITBIT_WH TO ROLE ${roleSql};\nALTER USER ${conn.username} SET DEFAULT_WAREHOUSE = FITBIT_WH;`,
      upstream,
      cause: e,
    });
  }
  return new AppError('snowflake_error', {
    status: 502,
    title: `Snowflake returned an error while ${step}`,
    why: `Snowflake answered ${code || 'an error'}: ${message}`,
    fix: 'Read Snowflake’s message above; fix what it names and try again.',
    upstream,
    cause: e,
  });
}

/** Errors the driver raises before Snowflake answers, when the private key cannot be used. */
const KEY_UNUSABLE = /DECODER routines|bad decrypt|PEM|private ?key|asn1|unsupported key/i;

function loginFix(code: string, conn: SnowflakeConnectionConfig): string {
  const user = conn.username;
  const via = conn.source === 'environment' ? '' : ` (settings from ${conn.source})`;
  // Refusals that do not depend on how the app signed in.
  switch (code) {
    case '390189':
      return `SNOWFLAKE_ROLE=${conn.role ?? ''} is not granted to ${user}${conn.authenticator === 'PROGRAMMATIC_ACCESS_TOKEN' || conn.authenticator === 'OAUTH' ? ', or the token is restricted to another role' : ''}: grant it (GRANT ROLE ${conn.role ?? '<role>'} TO USER ${user};) or change SNOWFLAKE_ROLE${via}.`;
    case '390101':
      return `${user} is locked after too many failed sign-ins. Wait for the lock to expire or ask an administrator: ALTER USER ${user} SET MINS_TO_UNLOCK = 0;`;
    case '390102':
      return `${user} is disabled. An administrator can enable it: ALTER USER ${user} SET DISABLED = FALSE;`;
  }
  switch (conn.authenticator) {
    case 'SNOWFLAKE_JWT':
      return `Check that SNOWFLAKE_PRIVATE_KEY_FILE is the private half of the key registered for ${user} (DESC USER ${user} shows RSA_PUBLIC_KEY_FP; register it with ALTER USER ${user} SET RSA_PUBLIC_KEY = '…';), and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted${via}.`;
    case 'PROGRAMMATIC_ACCESS_TOKEN':
      return `Check SNOWFLAKE_TOKEN${via}: the programmatic access token may be wrong, expired, revoked or for another user. Create a new one with ALTER USER ${user} ADD PROGRAMMATIC ACCESS TOKEN fitbit_connect; and restart the app with it.`;
    case 'OAUTH':
      if (code === '390318')
        return 'The OAuth access token in SNOWFLAKE_TOKEN has expired (they last minutes). Get a fresh one from your authorization server and restart the app, or use key-pair sign-in, which does not expire.';
      if (code === '390309')
        return `SNOWFLAKE_TOKEN was issued to another user than SNOWFLAKE_USER=${user}: use a token issued for ${user}, or set SNOWFLAKE_USER to the token's user.`;
      return `Check SNOWFLAKE_TOKEN${via}: Snowflake does not accept it as an OAuth access token for this account. Get a fresh one and restart the app.`;
    case 'EXTERNALBROWSER':
      return `Sign in as ${user} in the browser window the app opened (SNOWFLAKE_USER must be the identity you pick there), and check that your account's SSO (SAML) integration is set up. For an unattended app, use key-pair sign-in.`;
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA':
      if (code === '394508' || code === '390124' || code === '390126' || code === '390132')
        return `${user} must pass MFA: set SNOWFLAKE_PASSCODE to the current code from the authenticator app and restart the app. A passcode works once, so the app must be restarted with a new one whenever it signs in again: use key-pair sign-in for a service.`;
      if (code === '390127')
        return 'Snowflake refused SNOWFLAKE_PASSCODE: it is wrong, expired, or already used (each passcode works once). Set the current code from the authenticator app and restart the app.';
      if (code === '390120')
        return `The MFA request was denied on ${user}'s phone. Approve it, or set SNOWFLAKE_PASSCODE to the current code and restart the app.`;
      return `Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD${via} (or switch to key-pair sign-in with SNOWFLAKE_PRIVATE_KEY_FILE, which Snowflake recommends for services).`;
  }
}
