// OAUTH_REFRESH_TOKEN_VALIDITY and OAUTH_REFRESH_TOKEN_EXPIRY_TIME: refreshTokenValidity 'applied'
// (default: a token written without an expiry dies at write time + the integration's validity) or
// 'ignored'; an explicit expiry, once written, can only be overwritten. Real snowflake-sdk, real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { exec, failure } from '../snowflake/driver.js';
import {
  buildChain,
  describeSecret,
  googleRefreshToken,
  type Pair,
  startPair,
  who,
  writeToken,
} from './helpers.js';

const DB = 'RV';
let p: Pair;

afterEach(async () => p?.close());

const expiryOf = async () =>
  (await describeSecret(p.conn, DB)).oauth_refresh_token_expiry_time as Date | null;

describe('refreshTokenValidity', () => {
  it("applied (default): DESCRIBE SECRET shows write time + validity, and the token dies then, before the provider's own expiry", async () => {
    p = await startPair();
    await buildChain(p.conn, DB, { validity: 60 });
    const before = Date.now();
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    const expiry = await expiryOf();
    expect(expiry).toBeInstanceOf(Date);
    expect(expiry!.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    expect(expiry!.getTime()).toBeLessThanOrEqual(Date.now() + 60_000 + 1000);
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');

    p.advanceSnowflake(61);
    // Even with an access token still cached, as Snowflake would with an expired refresh token.
    const err = await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`));
    expect(err.code).toBe('100357');
    expect(err.message).toContain('the refresh token expired at');
    expect(err.message).toContain('OAUTH_REFRESH_TOKEN_VALIDITY');

    // A new write starts a new validity period.
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
  });

  it('applied: the default validity is 90 days', async () => {
    p = await startPair();
    await buildChain(p.conn, DB);
    const before = Date.now();
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    const ninety = 7_776_000_000;
    expect((await expiryOf())!.getTime()).toBeGreaterThanOrEqual(before + ninety - 1000);
    expect((await expiryOf())!.getTime()).toBeLessThanOrEqual(Date.now() + ninety + 1000);
  });

  it('ignored: no expiry shown, and the token keeps working past the validity', async () => {
    p = await startPair({ refreshTokenValidity: 'ignored' });
    await buildChain(p.conn, DB, { validity: 60 });
    await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
    expect(await expiryOf()).toBeNull();
    p.advanceSnowflake(3 * 3600); // past the validity and the cached access token's life
    expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
  });
});

describe('OAUTH_REFRESH_TOKEN_EXPIRY_TIME', () => {
  it.each(['applied', 'ignored'] as const)(
    'once written it outlives the token it came with: overwritten, never cleared (%s)',
    async (mode) => {
      p = await startPair({ refreshTokenValidity: mode });
      await buildChain(p.conn, DB, { validity: 86_400 });
      const soon = new Date(Date.now() + 120_000).toISOString().slice(0, 19).replace('T', ' ');
      await writeToken(p.conn, DB, await googleRefreshToken(p.oauth), soon);
      expect((await expiryOf())!.toISOString().slice(0, 19).replace('T', ' ')).toBe(soon);

      // A production token written later without an expiry still carries the old, short one.
      await writeToken(p.conn, DB, await googleRefreshToken(p.oauth));
      expect((await expiryOf())!.toISOString().slice(0, 19).replace('T', ' ')).toBe(soon);
      p.advanceSnowflake(121);
      const err = await failure(exec(p.conn, `SELECT ${DB}.PUBLIC.WHO()`));
      expect(err.message).toContain('the refresh token expired at');

      // It cannot be cleared…
      for (const sql of [
        `ALTER SECRET ${DB}.PUBLIC.TOKEN UNSET OAUTH_REFRESH_TOKEN_EXPIRY_TIME`,
        `ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN_EXPIRY_TIME = NULL`,
        `ALTER SECRET ${DB}.PUBLIC.TOKEN UNSET OAUTH_REFRESH_TOKEN`,
        `ALTER SECRET ${DB}.PUBLIC.TOKEN UNSET OAUTH_SCOPES`,
      ]) {
        expect((await failure(exec(p.conn, sql))).code, sql).toMatch(/^00/);
      }
      // …only overwritten.
      const later = new Date(Date.now() + 86_400_000 * 30).toISOString().slice(0, 10);
      await exec(p.conn, `ALTER SECRET ${DB}.PUBLIC.TOKEN SET OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '${later}'`);
      expect((await expiryOf())!.toISOString().slice(0, 10)).toBe(later);
      expect((await who(p.conn, DB)).legacyUserId).toBe('2E4RVC');
      await exec(p.conn, `ALTER SECRET ${DB}.PUBLIC.TOKEN UNSET COMMENT`);
    },
  );
});
