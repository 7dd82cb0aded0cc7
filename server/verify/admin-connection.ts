// The administrator's Snowflake sign-in, for the temporary objects the app's own narrow role may not
// create. It is a named connection from the Snowflake CLI's connections.toml, read and checked by the very
// code that reads the app's (config/snowflake-connection.ts): only the app's SNOWFLAKE_* settings are left
// out, since they describe the app's user, not the administrator. The CLI's per-connection overrides
// (SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>) still apply, and so does SNOWFLAKE_ACCESS_URL (same account).

import type { Env } from '../config/env.js';
import { readSettings } from '../config/env.js';
import { ConfigError, type SnowflakeConnectionConfig } from '../config/index.js';
import { snowflakeConnection } from '../config/snowflake-connection.js';

/** What the administrator's role needs, for messages and the docs. */
export const ADMIN_PRIVILEGES = [
  'CREATE INTEGRATION on the account (four temporary security integrations and one external access integration)',
  'CREATE SCHEMA on the database given with --database (default: the database of SNOWFLAKE_SECRET), or, with --schema, CREATE SECRET, CREATE NETWORK RULE and CREATE FUNCTION on that schema',
  "USAGE on a warehouse (the connection's `warehouse`): the probe function and INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION run on it",
];

export function adminConnection(name: string, env: Env): SnowflakeConnectionConfig {
  const c = readSettings(env);
  const problems: string[] = [];
  const conn = snowflakeConnection(
    {
      ...c,
      SNOWFLAKE_DEFAULT_CONNECTION_NAME: name,
      SNOWFLAKE_ACCOUNT: undefined,
      SNOWFLAKE_USER: undefined,
      SNOWFLAKE_AUTHENTICATOR: undefined,
      SNOWFLAKE_PASSWORD: undefined,
      SNOWFLAKE_PASSCODE: undefined,
      SNOWFLAKE_PRIVATE_KEY_FILE: undefined,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: undefined,
      SNOWFLAKE_TOKEN: undefined,
      SNOWFLAKE_ROLE: undefined,
      SNOWFLAKE_WAREHOUSE: undefined,
      SNOWFLAKE_DATABASE: undefined,
      SNOWFLAKE_SCHEMA: undefined,
    },
    env,
    problems,
  );
  if (conn && !conn.warehouse) {
    problems.push(
      `The [${name}] connection names no warehouse: add warehouse = "…" to it (or set SNOWFLAKE_CONNECTIONS_${name.toUpperCase()}_WAREHOUSE). The probe function runs on it.`,
    );
  }
  if (problems.length || !conn)
    throw new ConfigError(problems.map((p) => `--admin-connection ${name}: ${p}`));
  return { ...conn, source: `${conn.source} (administrator)` };
}
