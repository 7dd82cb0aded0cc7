// Errors from Snowflake: signing in (with the fix for each way of signing in), privileges, missing
// objects, the warehouse, time-outs, and a failed ALTER SECRET.
import { entry, PROVIDER, STEP } from './entry.js';

const ROLE = '<app role>';
const USER = '<SNOWFLAKE_USER>';

interface SnowflakeObjectParams {
  /** The app's role for prose ('the app’s role' when none is set) and for SQL ('<app role>'). */
  role: string;
  roleSql: string;
  step: string;
  objectKind?: 'secret' | 'function' | 'integration';
  objectName?: string;
}

interface SnowflakeLoginParams {
  variant: 'refused';
  code: string;
  message: string;
  user: string;
  role?: string;
  authenticator: string;
  /** 'environment' or 'connections.toml [name]'. */
  source: string;
}

interface CachedTokenParams {
  variant: 'previous_account' | 'previous_token';
  /** The account whose token was written. */
  userId: string;
  /** previous_account: the account Snowflake's check answered as. */
  seenUserId?: string;
  /** When Snowflake's cached access token expires (ISO 8601), or null when it did not say. */
  until: string | null;
  /** That time has passed (and no check has run since). */
  passed: boolean;
  provider: string;
  /** Where the account's owner removes the app's access. */
  permissionsUrl: string;
}

export const snowflakeErrors = {
  snowflake_login_failed: entry<
    SnowflakeLoginParams | { variant: 'key_unusable'; user: string; message: string; source: string }
  >({
    group: 'snowflake',
    when: 'Snowflake refused the app’s sign-in (its code and message are on the page), or the driver could not use the private key. See docs/going-live.md, “Signing in to Snowflake”.',
    status: 502,
    title: (p) =>
      p.variant === 'key_unusable'
        ? 'The app could not use its private key'
        : 'Snowflake refused the app’s sign-in',
    why: (p) =>
      p.variant === 'key_unusable'
        ? `The Snowflake driver could not read the private key for ${p.user} (${p.message}); settings from ${p.source}.`
        : `Snowflake answered ${p.code}: ${p.message} (user ${p.user}, ${p.authenticator} sign-in, settings from ${p.source}).`,
    fix: (p) =>
      p.variant === 'key_unusable'
        ? 'Point SNOWFLAKE_PRIVATE_KEY_FILE at the PKCS#8 private key (e.g. the full path of ~/.snowflake/fitbit_connect_rsa_key.p8, "-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"), with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if it is encrypted, and restart the app.'
        : loginFix(p),
    examples: [
      {
        label:
          'the driver could not read `SNOWFLAKE_PRIVATE_KEY_FILE` (wrong path, not PKCS#8, wrong or missing passphrase)',
        params: {
          variant: 'key_unusable',
          user: USER,
          message: '<driver message>',
          source: '<settings source>',
        },
      },
      ...(
        [
          ['`390144` JWT invalid, key-pair sign-in', '390144', 'SNOWFLAKE_JWT'],
          ['`394400` token invalid, programmatic access token', '394400', 'PROGRAMMATIC_ACCESS_TOKEN'],
          ['`390318` OAuth access token expired', '390318', 'OAUTH'],
          ['`390309` OAuth access token of another user', '390309', 'OAUTH'],
          ['another OAuth refusal', '<code>', 'OAUTH'],
          ['browser (SSO) sign-in', '<code>', 'EXTERNALBROWSER'],
          ['`390100` wrong password', '390100', 'SNOWFLAKE'],
          ['`394508` MFA required', '394508', 'USERNAME_PASSWORD_MFA'],
          ['`390127` passcode refused', '390127', 'USERNAME_PASSWORD_MFA'],
          ['`390120` MFA push denied', '390120', 'USERNAME_PASSWORD_MFA'],
          ['`390189` role not granted (any sign-in)', '390189', 'SNOWFLAKE'],
          ['`390101` user locked (any sign-in)', '390101', 'SNOWFLAKE'],
          ['`390102` user disabled (any sign-in)', '390102', 'SNOWFLAKE'],
        ] as const
      ).map(([label, code, authenticator]) => ({
        label,
        params: {
          variant: 'refused' as const,
          code,
          message: '<Snowflake’s message>',
          user: USER,
          role: '<SNOWFLAKE_ROLE>',
          authenticator,
          source: 'environment',
        },
      })),
    ],
  }),
  snowflake_unreachable: entry<{ step: string; code?: string; account: string; accessUrl?: string }>({
    group: 'snowflake',
    when: 'The network is down, or `SNOWFLAKE_ACCOUNT` / `SNOWFLAKE_ACCESS_URL` is wrong. A token that was not written waits in memory: fix the setting, then **Retry saving**.',
    status: 504,
    title: 'Could not reach Snowflake',
    why: (p) => `The connection to Snowflake failed while ${p.step} (${p.code || 'network error'}).`,
    fix: (p) =>
      `Check your network and the account identifier SNOWFLAKE_ACCOUNT=${p.account}${p.accessUrl ? ` (and SNOWFLAKE_ACCESS_URL=${p.accessUrl})` : ''}, then try again.`,
    examples: [{ params: { step: STEP, code: '<code>', account: '<account>', accessUrl: '<access URL>' } }],
  }),
  snowflake_timeout: entry<{ seconds: number | string; step: string }>({
    group: 'snowflake',
    when: 'A statement took longer than `SNOWFLAKE_TIMEOUT_SECONDS`; it may still have run. A held token is then only forgotten, never revoked, since Snowflake may already have it.',
    status: 504,
    title: 'Snowflake did not answer in time',
    why: (p) =>
      `Snowflake gave no answer within ${p.seconds} s while ${p.step}. The app asked Snowflake to cancel it, but the statement may still have run: it is not known whether it took effect.`,
    fix: 'Check Snowflake’s status and the warehouse or network, then retry (doing it again is safe). If Snowflake is just slow, raise SNOWFLAKE_TIMEOUT_SECONDS.',
    examples: [{ params: { seconds: '<SNOWFLAKE_TIMEOUT_SECONDS>', step: STEP } }],
  }),
  snowflake_privilege: entry<SnowflakeObjectParams>({
    group: 'snowflake',
    when: '`003001` insufficient privileges: e.g. the app’s role does not own the secret. Run the statement shown, then **Retry saving**.',
    status: 403,
    title: (p) => `Snowflake says ${p.role} may not do this`,
    why: (p) =>
      `While ${p.step}, Snowflake refused with "insufficient privileges". ${p.objectKind === 'secret' ? 'Changing a secret’s token needs OWNERSHIP of the secret.' : ''}`.trim(),
    fix: (p) =>
      privilegeSql(p)
        ? `Give ${p.role} the privilege with the statement below, then retry.`
        : `Grant ${p.role} the privilege Snowflake names above, then retry.`,
    fixSql: privilegeSql,
    examples: [
      {
        label: 'writing the secret',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'writing the secret',
          objectKind: 'secret',
          objectName: '<secret>',
        },
      },
      {
        label: 'calling the check function',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'running the check function',
          objectKind: 'function',
          objectName: '<function>',
        },
      },
      { label: 'anything else', params: { role: ROLE, roleSql: ROLE, step: STEP } },
    ],
  }),
  snowflake_object_missing: entry<SnowflakeObjectParams>({
    group: 'snowflake',
    when: '`002003`: the secret (or the check function, or the integration) does not exist, or the app’s role cannot see it. Run the setup script (or fix the name), then **Retry saving**.',
    status: 404,
    title: (p) =>
      `Snowflake cannot find the ${p.objectKind ?? 'object'}${p.objectName ? ` ${p.objectName}` : ''}`,
    why: (p) =>
      `While ${p.step}, Snowflake said it does not exist or ${p.role} is not authorized to see it (Snowflake gives one answer for both).`,
    fix: (p) =>
      `Create it with the setup script (see the Setup page or \`npm run sql -- setup-<provider>\`), or grant ${p.role} USAGE on it and on its database and schema. If the name is wrong, fix ${p.objectKind === 'function' ? 'SNOWFLAKE_CHECK_FUNCTION' : 'SNOWFLAKE_SECRET'}.`,
    fixSql: (p) =>
      p.objectKind === 'function' && p.objectName
        ? `-- run as the function's owner, once it exists\nGRANT USAGE ON FUNCTION ${p.objectName}() TO ROLE ${p.roleSql};`
        : undefined,
    examples: [
      {
        label: 'the secret',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'writing the secret',
          objectKind: 'secret',
          objectName: '<secret>',
        },
      },
      {
        label: 'the check function',
        params: {
          role: ROLE,
          roleSql: ROLE,
          step: 'running the check function',
          objectKind: 'function',
          objectName: '<function>',
        },
      },
    ],
  }),
  snowflake_no_warehouse: entry<{ user: string; role: string; roleSql: string }>({
    group: 'snowflake',
    when: 'The check function needs a running warehouse and the app’s session has none.',
    status: 409,
    title: 'No warehouse to run the check in',
    why: 'Calling a function needs a running warehouse, and the app’s session has none.',
    fix: (p) =>
      `Set SNOWFLAKE_WAREHOUSE (e.g. FITBIT_WH), or give the user a default: ALTER USER ${p.user} SET DEFAULT_WAREHOUSE = FITBIT_WH; and grant ${p.role} USAGE on it.`,
    fixSql: (p) =>
      `GRANT USAGE ON WAREHOUSE FITBIT_WH TO ROLE ${p.roleSql};\nALTER USER ${p.user} SET DEFAULT_WAREHOUSE = FITBIT_WH;`,
    examples: [{ params: { user: USER, role: ROLE, roleSql: ROLE } }],
  }),
  snowflake_error: entry<{ step: string; code?: string; message: string }>({
    group: 'snowflake',
    when: 'Any other Snowflake error; its code and message are on the page. Fix what it names, then **Retry saving** or run the check again.',
    status: 502,
    title: (p) => `Snowflake returned an error while ${p.step}`,
    why: (p) => `Snowflake answered ${p.code || 'an error'}: ${p.message}`,
    fix: 'Read Snowflake’s message above; fix what it names and try again.',
    examples: [{ params: { step: STEP, code: '<code>', message: '<Snowflake’s message>' } }],
  }),
  snowflake_cached_token: entry<CachedTokenParams>({
    group: 'snowflake',
    when: 'The token was written, but Snowflake’s check still ran on the access token it cached in the secret before the write: it answered as the previous account, or failed on the revoked grant’s token. Shown on the result page and, until a check proves the new token, on the status page (verdict `cached_token`).',
    status: 200,
    title: (p) =>
      p.variant === 'previous_account'
        ? `The token was written, but Snowflake is still using ${p.seenUserId}’s access token`
        : 'The token was written, but Snowflake is still using its old cached access token',
    why: (p) => {
      const until = p.until
        ? `until ${p.until}`
        : 'until it expires (Snowflake did not say when; Google’s access tokens last about an hour)';
      return p.variant === 'previous_account'
        ? `The token of ${p.userId} was written, but Snowflake is still using ${p.seenUserId}’s access token, cached in the secret ${until}: its check answered as ${p.seenUserId}. Writing a new refresh token does not clear the access token Snowflake got with the previous one, so until then everything that uses the secret reads ${p.seenUserId}’s data.`
        : `The token of ${p.userId} was written, but Snowflake is still using the access token it cached in the secret before this write, ${until}, and ${p.provider} refused it (it belongs to the revoked or expired grant). Snowflake uses the refresh token just written only once that token has expired: the next check after that proves it, and until then the failure says nothing about the new token.`;
    },
    fix: (p) => {
      if (p.passed)
        return `The cached access token expired at ${p.until}: run the end-to-end check now (Status page); it proves ${p.userId}’s token.`;
      const wait = `Wait ${p.until ? `until ${p.until}` : 'about an hour'}, then run the end-to-end check on the Status page: it proves ${p.userId}’s token. No statement clears the cached token safely: ALTER SECRET cannot, and re-creating the secret needs CREATE SECRET (the app’s role has none), drops the secret’s grants, and whether the function and the external access integration stay bound to a re-created secret is undocumented.`;
      return p.variant === 'previous_account'
        ? `${wait} If ${p.seenUserId}’s data must not be read until then, remove this app’s access in ${p.seenUserId}’s account (${p.permissionsUrl}): the cached token stops working at once (the check then fails until ${p.until ?? 'it expires'}).`
        : wait;
    },
    examples: [
      {
        label: 'the check answered as the previous account (after an account switch)',
        params: {
          variant: 'previous_account',
          userId: '<new user>',
          seenUserId: '<previous user>',
          until: '<oauth_access_token_expiry_time>',
          passed: false,
          provider: PROVIDER,
          permissionsUrl: '<provider’s third-party access page>',
        },
      },
      {
        label: 'the check failed on the revoked grant’s cached token (after a re-authorization)',
        params: {
          variant: 'previous_token',
          userId: '<you>',
          until: '<oauth_access_token_expiry_time>',
          passed: false,
          provider: PROVIDER,
          permissionsUrl: '<provider’s third-party access page>',
        },
      },
      {
        label: 'the cached token has expired since; no check has run after it',
        params: {
          variant: 'previous_token',
          userId: '<you>',
          until: '<oauth_access_token_expiry_time>',
          passed: true,
          provider: PROVIDER,
          permissionsUrl: '<provider’s third-party access page>',
        },
      },
    ],
  }),
  token_in_query_history: entry<{ user: string; warehouse: string; permissionsUrl: string }>({
    group: 'snowflake',
    when: 'After a write, the app found its own `ALTER SECRET` in its session’s query history and the text holds the refresh token (Snowflake did not redact it). Shown on the result page; `/status.json` has `lastConnect.tokenInHistory`.',
    status: 200,
    title: 'Snowflake’s query history shows the refresh token',
    why: (p) =>
      `The token goes into ALTER SECRET as a literal, and Snowflake keeps the statement’s text as sent. Whoever can read ${p.user}’s query history can read the token: ${p.user} itself (any session), ACCOUNTADMIN, roles that own or have MONITOR or OPERATE on ${p.warehouse} (Snowsight’s Query History and INFORMATION_SCHEMA.QUERY_HISTORY*, 7 days), and roles that read SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (IMPORTED PRIVILEGES on the SNOWFLAKE database or its GOVERNANCE_VIEWER database role; kept 365 days).`,
    fix: (p) =>
      `Run the app as a dedicated user (the setup script’s FITBIT_CONNECT_APP) with its own warehouse, grant no other role MONITOR or OPERATE on ${p.warehouse}, and keep ACCOUNT_USAGE to administrators: then only they can read it. Check with SHOW GRANTS ON WAREHOUSE ${p.warehouse}; and SHOW GRANTS TO ROLE <role>;. Revoking the token and connecting again does not remove the history, and every write shows its own token: limit the readers first. If someone who should not could read it, remove this app’s access (${p.permissionsUrl}; Snowflake’s copy stops working too) and connect again.`,
    examples: [
      {
        params: {
          user: USER,
          warehouse: '<warehouse>',
          permissionsUrl: '<provider’s third-party access page>',
        },
      },
    ],
  }),
  secret_write_failed: entry<{ detail: string }>({
    group: 'snowflake',
    when: '`ALTER SECRET` failed in a way no other code describes; the token waits in memory (never on disk): fix the cause, then **Retry saving** before the hold expires (or **Cancel**: the token is then revoked or dropped).',
    status: 502,
    title: 'Writing the secret failed',
    why: (p) => p.detail,
    fix: 'Retry saving.',
    examples: [{ params: { detail: '<the error>' } }],
  }),
};

function privilegeSql(p: SnowflakeObjectParams): string | undefined {
  if (p.objectKind === 'secret' && p.objectName)
    return `-- run as the secret's owner or an administrator\nGRANT OWNERSHIP ON SECRET ${p.objectName} TO ROLE ${p.roleSql} COPY CURRENT GRANTS;`;
  if (p.objectKind === 'function' && p.objectName)
    return `GRANT USAGE ON FUNCTION ${p.objectName}() TO ROLE ${p.roleSql};`;
  return undefined;
}

/** The fix for a refused Snowflake sign-in: by Snowflake's code, then by the way the app signs in. */
function loginFix(p: SnowflakeLoginParams): string {
  const { user, code } = p;
  const via = p.source === 'environment' ? '' : ` (settings from ${p.source})`;
  // Refusals that do not depend on how the app signed in.
  switch (code) {
    case '390189':
      return `SNOWFLAKE_ROLE=${p.role ?? ''} is not granted to ${user}${p.authenticator === 'PROGRAMMATIC_ACCESS_TOKEN' || p.authenticator === 'OAUTH' ? ', or the token is restricted to another role' : ''}: grant it (GRANT ROLE ${p.role ?? '<role>'} TO USER ${user};) or change SNOWFLAKE_ROLE${via}.`;
    case '390101':
      return `${user} is locked after too many failed sign-ins. Wait for the lock to expire or ask an administrator: ALTER USER ${user} SET MINS_TO_UNLOCK = 0;`;
    case '390102':
      return `${user} is disabled. An administrator can enable it: ALTER USER ${user} SET DISABLED = FALSE;`;
  }
  switch (p.authenticator) {
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
    default:
      // SNOWFLAKE (password) and USERNAME_PASSWORD_MFA.
      if (code === '394508' || code === '390124' || code === '390126' || code === '390132')
        return `${user} must pass MFA: set SNOWFLAKE_PASSCODE to the current code from the authenticator app and restart the app. A passcode works once, so the app must be restarted with a new one whenever it signs in again: use key-pair sign-in for a service.`;
      if (code === '390127')
        return 'Snowflake refused SNOWFLAKE_PASSCODE: it is wrong, expired, or already used (each passcode works once). Set the current code from the authenticator app and restart the app.';
      if (code === '390120')
        return `The MFA request was denied on ${user}'s phone. Approve it, or set SNOWFLAKE_PASSCODE to the current code and restart the app.`;
      return `Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD${via} (or switch to key-pair sign-in with SNOWFLAKE_PRIVATE_KEY_FILE, which Snowflake recommends for services).`;
  }
}
