// integrationReplaceUnbindsSecret: true (default: after CREATE OR REPLACE SECURITY INTEGRATION, a secret
// made against the old integration no longer works) or false. ALTER … SET never unbinds. Real
// snowflake-sdk, real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { exec, failure } from '../snowflake/driver.js';
import {
  buildChain,
  googleRefreshToken,
  integrationSql,
  type Pair,
  startPair,
  who,
  writeToken,
} from './helpers.js';

const DB = 'IR';
let p: Pair;

afterEach(async () => p?.close());

async function connected(): Promise<void> {
  await buildChain(p.conn, DB);
  await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
  expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC'); // and an access token is cached
}

describe('integrationReplaceUnbindsSecret', () => {
  it('true (default): re-running CREATE OR REPLACE SECURITY INTEGRATION breaks the secret, cached token or not', async () => {
    p = await startPair();
    await connected();
    await exec(p.conn, integrationSql(DB));
    const err = await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`));
    expect(err.code).toBe('100357');
    expect(err.message).toContain(
      `the security integration ${DB}_OAUTH this secret was created with was replaced`,
    );
    // A new token does not help; a secret made against the new integration does.
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    expect((await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`))).message).toContain('was replaced');
    await exec(
      p.conn,
      `CREATE OR REPLACE SECRET ${DB}.PUBLIC.TOKEN TYPE = OAUTH2 API_AUTHENTICATION = ${DB}_OAUTH`,
    );
    await exec(
      p.conn,
      `ALTER EXTERNAL ACCESS INTEGRATION ${DB}_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (${DB}.PUBLIC.TOKEN)`,
    );
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
  });

  it('true: DROP then CREATE unbinds too; CREATE … IF NOT EXISTS and ALTER … SET keep the secret bound', async () => {
    p = await startPair();
    await connected();
    await exec(
      p.conn,
      integrationSql(DB, { orReplace: false }).replace('INTEGRATION', 'INTEGRATION IF NOT EXISTS'),
    );
    await exec(
      p.conn,
      `ALTER SECURITY INTEGRATION ${DB}_OAUTH SET OAUTH_REFRESH_TOKEN_VALIDITY = 7776000 ENABLED = TRUE`,
    );
    p.advanceSnowflake(3600); // past the cached access token: a real refresh through the integration
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    await exec(p.conn, `DROP INTEGRATION ${DB}_OAUTH`);
    await exec(p.conn, integrationSql(DB, { orReplace: false }));
    expect((await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`))).message).toContain('was replaced');
  });

  it('false: the secret follows the integration by name and keeps working', async () => {
    p = await startPair({ integrationReplaceUnbindsSecret: false });
    await connected();
    await exec(p.conn, integrationSql(DB));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    p.advanceSnowflake(3600);
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
  });
});
