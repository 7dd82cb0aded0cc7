// The app's Snowflake sign-in: as whom, with which role, and whether a warehouse is there for the
// end-to-end check.
import type { SnowflakeConnectionConfig } from '../../config/index.js';
import { isUnreadable, type SessionFacts } from '../../snowflake/chain-reader.js';
import type { Seen } from '../describe.js';
import type { Finding } from './types.js';
import { sqlName, unknownFinding } from './unknown.js';

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
  const look = 'SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE();';
  if (session.kind === 'odd')
    return [unknownFinding({ id: ID, title: TITLE }, session.seen, 'the session’s user and role', look)];
  if (session.kind !== 'ok') {
    const e = session.error;
    return [{ id: ID, title: TITLE, status: 'failed', detail: e.why, fix: e.fix, fixSql: e.fixSql }];
  }
  const s = session.value;
  const out: Finding[] = [];
  const { user: u, role: r } = s;
  const user = isUnreadable(u) ? conn.username || '<user>' : u;
  const odd = [u, r].find(isUnreadable);
  if (odd)
    out.push(
      unknownFinding(
        { id: ID, title: TITLE },
        `signed in to ${conn.account}, but ${odd.seen}`,
        'which user and role the app runs as',
        look,
      ),
    );
  else if (!isUnreadable(r) && conn.role && conn.role.toUpperCase() !== r.toUpperCase())
    out.push({
      id: ID,
      title: TITLE,
      status: 'warning',
      detail: `Signed in as ${u}, but with role ${r} instead of SNOWFLAKE_ROLE=${conn.role}.`,
      fix: `Grant the role to the user, or change SNOWFLAKE_ROLE.`,
      fixSql: `GRANT ROLE ${sqlName(conn.role, '<role>')} TO USER ${sqlName(user, '<user>')};`,
    });
  else
    out.push({
      id: ID,
      title: TITLE,
      status: 'ok',
      detail: `Signed in to ${conn.account} as ${u} with role ${r} (${conn.authenticator}, settings from ${conn.source}).`,
    });
  if (!s.warehouse)
    out.push({
      id: 'warehouse',
      title: 'Warehouse for the end-to-end check',
      status: 'warning',
      detail:
        'The session has no warehouse, so the end-to-end check and the steps chart cannot run (page loads need none).',
      fix: 'Set SNOWFLAKE_WAREHOUSE, or give the user a default warehouse and grant the role USAGE on it.',
      fixSql: `GRANT USAGE ON WAREHOUSE ${defaultWarehouse} TO ROLE ${roleSql};\nALTER USER ${sqlName(user, '<user>')} SET DEFAULT_WAREHOUSE = ${defaultWarehouse};`,
    });
  return out;
}
