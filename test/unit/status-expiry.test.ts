// Each party's view of when the tokens die: the provider's (the last connect), Snowflake's refresh-token
// expiry (the provider's as written, the integration's OAUTH_REFRESH_TOKEN_VALIDITY from the write, or one
// left over) and its cached access token, with a warning a day ahead of the earliest and the fix for it.
import { describe, expect, it } from 'vitest';
import { Unreadable } from '../../server/snowflake/chain-reader.js';
import { configChecks } from '../../server/status/checks/app-config.js';
import { EXPIRY_WARNING_LEAD_MS, type ExpiryInput, judgeExpiry } from '../../server/status/checks/expiry.js';
import { expiryView, judgeChain } from '../../server/status/checks/index.js';
import { config, facts, profile } from './status-fixtures.js';

const H = 3600_000;
const D = 24 * H;
const written = new Date('2026-11-01T12:00:00Z');
const at = (ms: number) => new Date(written.getTime() + ms);

function input(over: Partial<ExpiryInput> = {}): ExpiryInput {
  return {
    now: at(H),
    provider: null,
    history: true,
    writtenAt: written,
    snowflake: { refresh: null, access: null },
    validity: 7_776_000,
    integration: 'FITBIT_OAUTH_INTEGRATION',
    secretSql: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
    testingClient: false,
    google: true,
    ...over,
  };
}

describe('expiry: the provider’s view beside Snowflake’s', () => {
  it('warns a day ahead: the lead time is one constant', () => {
    expect(EXPIRY_WARNING_LEAD_MS).toBe(D);
  });

  it('a Testing client: Snowflake shows the provider’s 7 days; warning a day ahead, fix is re-authorize and publish', () => {
    const seven = at(7 * D);
    const base = { provider: seven, testingClient: true, snowflake: { refresh: seven, access: at(H / 2) } };
    const early = judgeExpiry(input(base));
    expect(early.finding.status).toBe('ok');
    expect(early.view.snowflake?.refreshToken).toMatchObject({ origin: 'provider', counted: true });
    expect(early.view.earliest).toMatchObject({ at: seven.toISOString(), from: 'provider', soon: false });
    const late = judgeExpiry(input({ ...base, now: at(7 * D - 2 * H) }));
    expect(late.finding).toMatchObject({
      status: 'warning',
      fix: 'Re-authorize before then; to stop the weekly expiry, publish the Google client to “In production”.',
      fixSql: null,
    });
    expect(late.finding.detail).toContain('Testing-status');
    expect(judgeExpiry(input({ ...base, now: at(7 * D + 1) })).finding).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('Re-authorize now'),
    });
  });

  it('Snowflake applies the integration’s validity from the write: that expiry counts, and the fix is SQL on the integration', () => {
    const thirty = 30 * 86400;
    const snowflake = { refresh: at(thirty * 1000), access: null };
    const judged = judgeExpiry(input({ validity: thirty, snowflake, now: at(thirty * 1000 - 3 * H) }));
    expect(judged.view.snowflake?.refreshToken).toMatchObject({
      origin: 'integration_validity',
      counted: true,
    });
    expect(judged.view.earliest).toMatchObject({ from: 'snowflake', soon: true });
    expect(judged.finding).toMatchObject({
      status: 'warning',
      fixSql:
        'ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_REFRESH_TOKEN_VALIDITY = 7776000;',
    });
    expect(judged.finding.fix).toContain('then re-authorize before then');
    expect(judged.finding.detail).toContain('OAUTH_REFRESH_TOKEN_VALIDITY (2592000 s, 30 days)');
    expect(judged.finding.detail).toContain(
      'from Snowflake, from the integration’s OAUTH_REFRESH_TOKEN_VALIDITY',
    );
    // Already at the 90-day default: no statement to raise it, only re-authorizing restarts it.
    const ninety = judgeExpiry(
      input({ snowflake: { refresh: at(7_776_000_000), access: null }, now: at(7_776_000_000 - H) }),
    );
    expect(ninety.finding).toMatchObject({ status: 'warning', fixSql: null });
    expect(ninety.finding.fix).toContain(
      'Re-authorize before then: Snowflake counts OAUTH_REFRESH_TOKEN_VALIDITY',
    );
  });

  it('an expiry left over from an earlier write is shown, not counted (ALTER SECRET cannot clear it)', () => {
    const judged = judgeExpiry(input({ snowflake: { refresh: at(3 * D), access: null }, now: at(5 * D) }));
    expect(judged.finding.status).toBe('ok');
    expect(judged.view.snowflake?.refreshToken).toMatchObject({ origin: 'unexplained', counted: false });
    expect(judged.view.earliest).toBeNull();
    expect(judged.finding.detail).toContain('No expiry is known');
    expect(judged.finding.detail).toContain('can overwrite but not clear');
    // Without the app's history, the secret's expiry is all there is: it counts.
    const alone = judgeExpiry(
      input({
        history: false,
        provider: undefined,
        writtenAt: undefined,
        snowflake: { refresh: at(3 * D), access: null },
        now: at(5 * D),
      }),
    );
    expect(alone.finding.status).toBe('failed');
    expect(alone.view.provider).toBeNull();
  });

  it('Google production: never "until revoked", but revocation, six months unused and the token cap', () => {
    const judged = judgeExpiry(input());
    expect(judged.finding.status).toBe('ok');
    expect(judged.finding.detail).toContain('six months unused');
    expect(judged.finding.detail).toContain('100 refresh tokens');
    expect(judged.finding.detail).not.toMatch(/until revoked/);
    const status = configChecks(config(), profile).find((c) => c.id === 'client_status');
    expect(status?.detail).toContain('six months unused');
    expect(status?.detail).not.toMatch(/until revoked/);
  });

  it('the cached access token: until its expiry Snowflake may use it, even after a re-authorization', () => {
    const live = judgeExpiry(input({ snowflake: { refresh: null, access: at(2 * H) } }));
    expect(live.finding.detail).toContain(`cached access token expires at ${at(2 * H).toISOString()}`);
    expect(live.view.snowflake?.accessToken).toEqual({ at: at(2 * H).toISOString(), unreadable: null });
    const gone = judgeExpiry(input({ snowflake: { refresh: null, access: at(H / 2) } }));
    expect(gone.finding.detail).toContain('expired at');
  });

  it('an expiry Snowflake answered in a shape the app cannot read: unknown, with what was seen', () => {
    const judged = judgeExpiry(
      input({
        snowflake: {
          refresh: new Unreadable(
            'DESCRIBE SECRET answered without an oauth_refresh_token_expiry_time column',
          ),
          access: null,
        },
      }),
    );
    expect(judged.finding).toMatchObject({
      status: 'unknown',
      fixSql: 'DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN;',
      detail: expect.stringContaining('without an oauth_refresh_token_expiry_time column'),
    });
    expect(judged.view.snowflake?.refreshToken.unreadable).toContain('oauth_refresh_token_expiry_time');
    // A known expiry that is near still warns, whatever else could not be read.
    const near = judgeExpiry(
      input({ provider: at(2 * H), snowflake: { refresh: null, access: new Unreadable('odd') } }),
    );
    expect(near.finding.status).toBe('warning');
  });

  it('judgeChain and expiryView read the validity from DESCRIBE INTEGRATION and the write time from the history', () => {
    const f = facts();
    const integ = f.integration!.seen as { value: Record<string, string> };
    integ.value.OAUTH_REFRESH_TOKEN_VALIDITY = '86400';
    const sec = f.secret!.kind === 'ok' ? f.secret!.value : undefined;
    sec!.refreshTokenExpiry = at(D);
    const judge = {
      config: config(),
      profile,
      facts: f,
      now: at(2 * H),
      localHistory: true,
      lastWriteAt: written,
    };
    const view = expiryView(judge);
    expect(view).toMatchObject({
      provider: { at: null },
      refreshTokenValidity: { seconds: 86400, unreadable: null },
      snowflake: { refreshToken: { origin: 'integration_validity', counted: true } },
      earliest: { from: 'snowflake', soon: true },
      warnAheadHours: 24,
    });
    expect(judgeChain(judge).find((c) => c.id === 'token_expiry')).toMatchObject({
      status: 'warning',
      fixSql:
        'ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_REFRESH_TOKEN_VALIDITY = 7776000;',
    });
    integ.value.OAUTH_REFRESH_TOKEN_VALIDITY = 'ninety days';
    expect(expiryView(judge)?.refreshTokenValidity?.unreadable).toContain(
      'OAUTH_REFRESH_TOKEN_VALIDITY as “ninety days”',
    );
  });
});
