// A named connection from the Snowflake CLI's connections.toml, read as the CLI reads it, and how a
// message names a setting that may have come from there.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { type Env, readSetting } from './env.js';
import { SETTING_PATTERNS, SETTINGS, type Setting } from './schema.js';
import type { Authenticator, SnowflakeConnectionConfig } from './types.js';

const S = SETTINGS;

/** Reads a named connection from connections.toml the way the Snowflake CLI does. */
export function readNamedConnection(
  connectionName: string,
  env: Env,
  problems: string[],
): Partial<SnowflakeConnectionConfig> | undefined {
  const home = readSetting(env, S.SNOWFLAKE_HOME) ?? path.join(homedir(), '.snowflake');
  const file = path.join(home, 'connections.toml');
  if (!existsSync(file)) {
    problems.push(
      `${S.SNOWFLAKE_DEFAULT_CONNECTION_NAME.name}=${connectionName} but ${file} does not exist. Create it with \`snow connection add\` or set ${S.SNOWFLAKE_ACCOUNT.name} and friends instead.`,
    );
    return undefined;
  }
  // The Snowflake CLI and the driver refuse a connections.toml others may write: whoever can edit it
  // can point the app at their own account and collect the refresh token. So does the app.
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && mode & 0o022) {
    problems.push(
      `${file} is writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); the Snowflake CLI and driver refuse it, and so does the app. Fix: chmod 0600 ${file}`,
    );
    return undefined;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    problems.push(`${file} is not valid TOML: ${(e as Error).message}`);
    return undefined;
  }
  const section = doc[connectionName];
  if (!section || typeof section !== 'object') {
    problems.push(
      `${file} has no [${connectionName}] connection (found: ${Object.keys(doc).join(', ') || 'none'}).`,
    );
    return undefined;
  }
  // SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> overrides one key of the named connection, as in the CLI.
  const prefix = SETTING_PATTERNS.CONNECTION_OVERRIDE.prefix(connectionName);
  const s: Record<string, unknown> = { ...(section as Record<string, unknown>) };
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(prefix) && v !== undefined && v.trim() !== '')
      s[k.slice(prefix.length).toLowerCase()] = v;
  }
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  // A setting's first key that is there (the later ones are older spellings `snow` still accepts).
  const key = (setting: Setting) => setting.tomlKeys?.map(str).find((v) => v !== undefined);
  return {
    account: key(S.SNOWFLAKE_ACCOUNT),
    username: key(S.SNOWFLAKE_USER),
    authenticator: key(S.SNOWFLAKE_AUTHENTICATOR)?.toUpperCase() as Authenticator | undefined,
    password: key(S.SNOWFLAKE_PASSWORD),
    passcode: key(S.SNOWFLAKE_PASSCODE),
    privateKeyPath: key(S.SNOWFLAKE_PRIVATE_KEY_FILE),
    privateKeyPass: key(S.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE),
    token: key(S.SNOWFLAKE_TOKEN),
    role: key(S.SNOWFLAKE_ROLE),
    warehouse: key(S.SNOWFLAKE_WAREHOUSE),
    database: key(S.SNOWFLAKE_DATABASE),
    schema: key(S.SNOWFLAKE_SCHEMA),
    host: str('host'),
    source: `${file} [${connectionName}]`,
  };
}

/** A setting's name for a message: the variable, and the connections.toml key when one is in use. */
export function settingLabel(setting: Setting, source: string): string {
  return source === 'environment' || !setting.tomlKeys
    ? setting.name
    : `${setting.name} (or ${setting.tomlKeys[0]} in ${source})`;
}
