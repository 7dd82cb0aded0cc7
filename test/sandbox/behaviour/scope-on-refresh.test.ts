// scopeOnRefresh: 'sent' (default: Snowflake's refresh carries scope= with the integration's
// OAUTH_ALLOWED_SCOPES, and Google refuses a scope the token was not granted) or 'omitted'. A user who
// unticks one of the allowed scopes on the consent page gets a token the refresh then breaks on.
import { afterEach, describe, expect, it } from 'vitest';
import { exec, failure } from '../snowflake/driver.js';
import {
  ACTIVITY,
  buildChain,
  googleRefreshToken,
  type Pair,
  PROFILE,
  snowflakeRefreshes,
  startPair,
  who,
  writeToken,
} from './helpers.js';

const DB = 'SC';
let p: Pair;

afterEach(async () => p?.close());

describe('scopeOnRefresh', () => {
  it('sent (default): the refresh names OAUTH_ALLOWED_SCOPES; a token granted all of them works', async () => {
    p = await startPair();
    await buildChain(p.conn, DB, { scopes: [ACTIVITY, PROFILE] });
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { ticked: [ACTIVITY, PROFILE] }));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    expect(await snowflakeRefreshes(p.oauth)).toEqual([
      expect.objectContaining({ status: 200, scope: `${ACTIVITY} ${PROFILE}` }),
    ]);
  });

  it('sent: a token missing one of the allowed scopes is refused by Google with invalid_scope', async () => {
    p = await startPair();
    await buildChain(p.conn, DB, { scopes: [ACTIVITY, PROFILE] });
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { ticked: [ACTIVITY] }));
    const err = await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`));
    expect(err.code).toBe('100357');
    expect(err.message).toContain('invalid_scope');
    expect(await snowflakeRefreshes(p.oauth)).toEqual([expect.objectContaining({ status: 400 })]);
  });

  it('sent: an integration without OAUTH_ALLOWED_SCOPES sends no scope', async () => {
    p = await startPair();
    await buildChain(p.conn, DB);
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { ticked: [ACTIVITY] }));
    await who(p.conn, DB);
    const [refresh] = await snowflakeRefreshes(p.oauth);
    expect(refresh).toMatchObject({ status: 200 });
    expect(refresh).not.toHaveProperty('scope');
  });

  it('omitted: no scope on the refresh, so the same narrower token works', async () => {
    p = await startPair({ scopeOnRefresh: 'omitted' });
    await buildChain(p.conn, DB, { scopes: [ACTIVITY, PROFILE] });
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { ticked: [ACTIVITY] }));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    const [refresh] = await snowflakeRefreshes(p.oauth);
    expect(refresh).toMatchObject({ status: 200 });
    expect(refresh).not.toHaveProperty('scope');
  });
});
