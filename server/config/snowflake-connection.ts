// The Snowflake sign-in settings: a named connection (if any) overridden by the environment, the
// sign-in way named or inferred, and each way's own required settings checked.
import { readNamedConnection, settingLabel } from './connections-toml.js';
import type { Env } from './env.js';
import { checkPrivateKey } from './private-key.js';
import { AUTHENTICATORS, SETTINGS, type Setting, type SettingValues } from './schema.js';
import type { Authenticator, SnowflakeConnectionConfig } from './types.js';

const S = SETTINGS;

export function snowflakeConnection(
  c: SettingValues,
  env: Env,
  problems: string[],
): SnowflakeConnectionConfig | undefined {
  let base: Partial<SnowflakeConnectionConfig> = { source: 'environment' };
  if (c.SNOWFLAKE_DEFAULT_CONNECTION_NAME) {
    const named = readNamedConnection(c.SNOWFLAKE_DEFAULT_CONNECTION_NAME, env, problems);
    if (!named) return undefined;
    base = named;
  }
  const source = base.source ?? 'environment';
  // Environment variables override the named connection's fields.
  const conn: Partial<SnowflakeConnectionConfig> = {
    ...base,
    account: c.SNOWFLAKE_ACCOUNT ?? base.account,
    username: c.SNOWFLAKE_USER ?? base.username,
    password: c.SNOWFLAKE_PASSWORD ?? base.password,
    passcode: c.SNOWFLAKE_PASSCODE ?? base.passcode,
    privateKeyPath: c.SNOWFLAKE_PRIVATE_KEY_FILE ?? base.privateKeyPath,
    // The Snowflake CLI's own passphrase variable comes last.
    privateKeyPass: c.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE ?? base.privateKeyPass ?? c.PRIVATE_KEY_PASSPHRASE,
    token: c.SNOWFLAKE_TOKEN ?? base.token,
    role: c.SNOWFLAKE_ROLE ?? base.role,
    warehouse: c.SNOWFLAKE_WAREHOUSE ?? base.warehouse,
    database: c.SNOWFLAKE_DATABASE ?? base.database,
    schema: c.SNOWFLAKE_SCHEMA ?? base.schema,
    accessUrl: c.SNOWFLAKE_ACCESS_URL,
  };
  const name = (setting: Setting) => settingLabel(setting, source);
  const rawAuth = (c.SNOWFLAKE_AUTHENTICATOR ?? base.authenticator ?? '').toUpperCase();
  let authenticator: Authenticator;
  if (rawAuth) {
    if (!AUTHENTICATORS.includes(rawAuth as Authenticator)) {
      problems.push(
        `${name(S.SNOWFLAKE_AUTHENTICATOR)} "${rawAuth}" is not supported. Use one of: ${AUTHENTICATORS.join(', ')}.`,
      );
      return undefined;
    }
    authenticator = rawAuth as Authenticator;
  } else {
    // Guessing between two credentials would sign in a way the person did not choose.
    const given = [
      conn.privateKeyPath ? S.SNOWFLAKE_PRIVATE_KEY_FILE.name : undefined,
      conn.token ? S.SNOWFLAKE_TOKEN.name : undefined,
      conn.password ? S.SNOWFLAKE_PASSWORD.name : undefined,
    ].filter((x) => x !== undefined);
    if (given.length > 1) {
      problems.push(
        `${given.join(' and ')} are all set, so the sign-in way is ambiguous. Set ${S.SNOWFLAKE_AUTHENTICATOR.name} (SNOWFLAKE_JWT for the key, PROGRAMMATIC_ACCESS_TOKEN or OAUTH for the token, SNOWFLAKE for the password) or remove the ones you do not use.`,
      );
      return undefined;
    }
    if (conn.privateKeyPath) authenticator = 'SNOWFLAKE_JWT';
    else if (conn.token) authenticator = 'PROGRAMMATIC_ACCESS_TOKEN';
    else if (conn.passcode) authenticator = 'USERNAME_PASSWORD_MFA';
    else authenticator = 'SNOWFLAKE';
  }

  if (!conn.account)
    problems.push(`${name(S.SNOWFLAKE_ACCOUNT)} is missing (your account identifier, e.g. myorg-myaccount).`);
  else if (/[/:]|snowflakecomputing\.com$/i.test(conn.account) || /\s/.test(conn.account))
    problems.push(
      `${name(S.SNOWFLAKE_ACCOUNT)} "${conn.account}" looks like a URL. Use the account identifier only, e.g. myorg-myaccount (the part before .snowflakecomputing.com).`,
    );
  if (!conn.username) problems.push(`${name(S.SNOWFLAKE_USER)} is missing (the user the app signs in as).`);
  switch (authenticator) {
    case 'SNOWFLAKE_JWT':
      if (!conn.privateKeyPath)
        problems.push(
          `${name(S.SNOWFLAKE_PRIVATE_KEY_FILE)} is missing (key-pair sign-in needs the PKCS#8 private key file).`,
        );
      else checkPrivateKey(conn, source, problems);
      break;
    case 'PROGRAMMATIC_ACCESS_TOKEN':
      if (!conn.token)
        problems.push(
          `${name(S.SNOWFLAKE_TOKEN)} is missing (programmatic access token sign-in needs the token: ALTER USER ${conn.username ?? '<user>'} ADD PROGRAMMATIC ACCESS TOKEN fitbit_connect; shows it once).`,
        );
      break;
    case 'OAUTH':
      if (!conn.token)
        problems.push(
          `${name(S.SNOWFLAKE_TOKEN)} is missing (OAUTH sign-in needs an OAuth access token issued for ${conn.username ?? 'the user'}).`,
        );
      break;
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA':
      if (!conn.password)
        problems.push(
          `${name(S.SNOWFLAKE_PASSWORD)} is missing (or choose key-pair sign-in: ${S.SNOWFLAKE_PRIVATE_KEY_FILE.name}).`,
        );
      break;
    case 'EXTERNALBROWSER':
      break;
  }
  if (conn.passcode && !/^\d{6,8}$/.test(conn.passcode))
    problems.push(`${name(S.SNOWFLAKE_PASSCODE)} must be the 6 to 8 digits your authenticator app shows.`);
  if (conn.passcode && authenticator !== 'SNOWFLAKE' && authenticator !== 'USERNAME_PASSWORD_MFA')
    problems.push(
      `${name(S.SNOWFLAKE_PASSCODE)} is only used with password sign-in (USERNAME_PASSWORD_MFA); ${authenticator} does not take one. Remove it.`,
    );
  if (problems.length) return undefined;
  return { ...(conn as SnowflakeConnectionConfig), authenticator };
}
