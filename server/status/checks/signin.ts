// The app's Snowflake sign-in: as whom, with which role, and whether a warehouse is there for the
// end-to-end check.
import type { SnowflakeConnectionConfig } from '../../config/index.js';
import type { SessionFacts } from '../../snowflake/chain-reader.js';
import { nameSql } from '../../snowflake/sql.js';
import type { Seen } from '../describe.js';
import type { Finding } from './types.js';

const ID = 'snowflake_signin';
const TITLE = 'Snowflake sign-in';

export function signinChecks(input: {
  session: Seen<SessionFacts>;
  conn: SnowflakeConnectionConfig;
  roleSql: string;
  /** The warehouse the setup script creates, for the fix. */
  defaultWarehouse: string;
}): Finding[] {
  const { session, conn, roleSql, defaultWarehouse } = input;
  if (session.kind !== 'ok') {
    const e = session.error;
    return [{ id: ID, title: TITLE, status: 'failed', detail: e.why, fix: e.fix, fixSql: e.fixSql }];
  }
  const s = session.value;
  const out: Finding[] = [];
  if (conn.role && s.role && conn.role.toUpperCase() !== s.role.toUpperCase())
    out.push({
      id: ID,
      title: TITLE,
      status: 'warning',
      detail: `Signed in as ${s.user}, but with role ${s.role} instead of SNOWFLAKE_ROLE=${conn.role}.`,
      fix: `Grant the role to the user, or change SNOWFLAKE_ROLE.`,
      fixSql: `GRANT ROLE ${nameSql(conn.role)} TO USER ${nameSql(s.user)};`,
    });
  else
    out.push({
      id: ID,
      title: TITLE,
      status: 'ok',
      detail: `Signed in to ${conn.account} as ${s.user} with role ${s.role} (${conn.authenticator}, settings from ${conn.source}).`,
    });
  if (!s.warehouse)
    out.push({
      id: 'warehouse',
      title: 'Warehouse for the end-to-end check',
      status: 'warning',
      detail:
        'The session has no warehouse, so the end-to-end check and the steps chart cannot run (page loads need none).',
      fix: 'Set SNOWFLAKE_WAREHOUSE, or give the user a default warehouse and grant the role USAGE on it.',
      fixSql: `GRANT USAGE ON WAREHOUSE ${defaultWarehouse} TO ROLE ${roleSql};\nALTER USER ${nameSql(s.user)} SET DEFAULT_WAREHOUSE = ${defaultWarehouse};`,
    });
  return out;
}
