// alterSecretBinds: 'refused' (default: like every other DDL property, OAUTH_REFRESH_TOKEN = ? is a
// compilation error) or 'accepted' (the bind's value is written, and Snowflake then exchanges it).
// Real snowflake-sdk over real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { exec, failure } from '../snowflake/driver.js';
import { buildChain, googleRefreshToken, type Pair, startPair, who } from './helpers.js';

const DB = 'BINDS';
const ALTER = `ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN = ?`;
let p: Pair;

afterEach(async () => p?.close());

describe('alterSecretBinds', () => {
  it('refused (default): ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? fails with 002049 and writes nothing', async () => {
    p = await startPair();
    await buildChain(p.conn, DB);
    const token = await googleRefreshToken(p.oauth);
    const err = await failure(exec(p.conn, ALTER, [token]));
    expect(err.code).toBe('002049');
    expect(err.message).toMatch(/Bind variables are not supported for property 'OAUTH_REFRESH_TOKEN'/);
    expect((await failure(who(p.conn, DB))).message).toMatch(/no OAUTH_REFRESH_TOKEN/);
  });

  it('accepted: the bound token is written and Snowflake exchanges it; other DDL still refuses binds', async () => {
    p = await startPair({ alterSecretBinds: 'accepted' });
    await buildChain(p.conn, DB);
    const token = await googleRefreshToken(p.oauth);
    await exec(p.conn, ALTER, [token]);
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    expect((await failure(exec(p.conn, `ALTER SECRET ${DB}.PUBLIC.TOKEN SET COMMENT = ?`, ['x']))).code).toBe(
      '002049',
    );
    expect((await failure(exec(p.conn, ALTER))).code).toBe('002049');
  });
});
