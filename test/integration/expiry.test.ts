// A refresh token whose lifetime is known (a Google client in Testing status: 7 days) is written with
// its expiry, so Snowflake and the status page both know when it dies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

describe('a known refresh-token lifetime', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clientStatus: 'testing' });
  });
  afterAll(async () => h?.close());

  it('writes OAUTH_REFRESH_TOKEN_EXPIRY_TIME in UTC and Snowflake reads it back', async () => {
    const before = Date.now();
    const res = await h.connectAndFollow();
    expect(res.text).toContain('Connected');
    expect(res.text).toMatch(/the token expires <strong><time datetime="\d{4}-\d\d-\d\dT/);
    const stmts = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as {
      sqlText: string;
    }[];
    const alter = stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'));
    expect(alter).toHaveLength(1);
    const m =
      /^ALTER SECRET FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '\*\*\*' OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'$/.exec(
        alter[0]!.sqlText,
      );
    expect(m, alter[0]!.sqlText).not.toBeNull();
    const written = Date.parse(`${m![1]!.replace(' ', 'T')}Z`);
    const sevenDays = 7 * 24 * 3600 * 1000;
    expect(written).toBeGreaterThanOrEqual(before + sevenDays - 5000);
    expect(written).toBeLessThanOrEqual(Date.now() + sevenDays + 5000);

    const rows = await h.admin('DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    const expiry = rows[0]?.oauth_refresh_token_expiry_time;
    expect(expiry).toBeTruthy();
    expect(Math.abs(new Date(expiry as string | Date).getTime() - written)).toBeLessThan(1000);
  });
});
