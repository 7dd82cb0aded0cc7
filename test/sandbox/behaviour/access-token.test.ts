// The access token Snowflake keeps in the secret: accessTokenCache (until-expiry by default) and
// alterSecretClearsAccessToken (false by default: a re-authorization, or a switch to another account,
// may keep running on the previous access token until it expires). Real snowflake-sdk, real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec, failure } from '../snowflake/driver.js';
import {
  buildChain,
  describeSecret,
  googleRefreshToken,
  type Pair,
  snowflakeRefreshes,
  startPair,
  who,
  writeToken,
} from './helpers.js';

const DB = 'AT';
let p: Pair;

afterEach(async () => p?.close());

describe('accessTokenCache', () => {
  beforeEach(async () => {
    p = await startPair();
    await buildChain(p.conn, DB);
  });

  it("until-expiry (default): one refresh, reused by later calls; DESCRIBE SECRET shows the token's expiry", async () => {
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeNull();
    const before = Date.now();
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
    await who(p.conn, DB);
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(1);
    const expiry = (await describeSecret(p.conn, DB)).oauth_access_token_expiry_time as Date;
    expect(expiry).toBeInstanceOf(Date);
    // Google's access tokens live 3599 s.
    expect(expiry.getTime()).toBeGreaterThanOrEqual(before + 3_599_000 - 1000);
    expect(expiry.getTime()).toBeLessThanOrEqual(Date.now() + 3_599_000 + 1000);

    // Past its expiry, the next call refreshes again.
    p.advanceSnowflake(3600);
    await who(p.conn, DB);
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(2);
  });

  it('none: every call refreshes and nothing is cached in the secret', async () => {
    p.snowflake.setBehaviour({ accessTokenCache: 'none' });
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    await who(p.conn, DB);
    await who(p.conn, DB);
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(2);
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeNull();
  });

  it('switching the cache forgets what the secrets held', async () => {
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    await who(p.conn, DB);
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeInstanceOf(Date);
    p.snowflake.setBehaviour({ accessTokenCache: 'until-expiry' });
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeNull();
    await who(p.conn, DB);
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(2);
  });

  it('until-expiry: after a revocation the cached token is refused by the API (401), not at the refresh', async () => {
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    await who(p.conn, DB);
    await fetch(`${p.oauth.url}/sandbox/revoke-all`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const err = await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`));
    expect(err.message).toContain('401 Client Error');
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(1);
  });
});

describe('alterSecretClearsAccessToken', () => {
  async function switchAccount(): Promise<void> {
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { user: 'alice' }));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC'); // alice's access token is now cached
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth, { user: 'bob' }));
  }

  it("false (default): after ALTER SECRET with another account's token, calls still run as the previous account until its access token expires", async () => {
    p = await startPair();
    await buildChain(p.conn, DB);
    await switchAccount();
    const stale = await who(p.conn, DB);
    expect(stale.legacyUserId).toBe('2E4RVC'); // still alice
    const cachedUntil = (await describeSecret(p.conn, DB)).oauth_access_token_expiry_time as Date;
    expect(cachedUntil).toBeInstanceOf(Date);
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(1);

    p.advanceSnowflake(Math.ceil((cachedUntil.getTime() - Date.now()) / 1000) + 1);
    const fresh = await who(p.conn, DB);
    expect(fresh.legacyUserId).toBe(''); // bob, who never had a Fitbit account
    expect(fresh.healthUserId).not.toBe(stale.healthUserId);
  });

  it('true: ALTER SECRET … SET OAUTH_REFRESH_TOKEN drops the cached access token; the next call is the new account', async () => {
    p = await startPair({ alterSecretClearsAccessToken: true });
    await buildChain(p.conn, DB);
    await switchAccount();
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeNull();
    expect((await who(p.conn, DB)).legacyUserId).toBe('');
    expect(await snowflakeRefreshes(p.oauth)).toHaveLength(2);
  });

  it('either way, an ALTER SECRET that does not write a refresh token keeps the cached access token', async () => {
    p = await startPair({ alterSecretClearsAccessToken: true });
    await buildChain(p.conn, DB);
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    await who(p.conn, DB);
    await exec(p.conn, `ALTER SECRET ${DB}.PUBLIC.TOKEN SET COMMENT = 'still alice'`);
    expect((await describeSecret(p.conn, DB)).oauth_access_token_expiry_time).toBeInstanceOf(Date);
  });
});
