import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import {
  ACTIVITY,
  api,
  connect,
  control,
  G,
  googleConfig,
  googleParams,
  LOCATION,
  PROFILE,
  REDIRECT,
  SLEEP,
} from './helpers.js';

let sb: OAuthSandbox;
let config: client.Configuration;

beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  config = await googleConfig(sb);
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await control(sb, '/sandbox/reset');
});

async function token(scopes: string[], user = 'alice'): Promise<string> {
  return (await connect(config, googleParams(scopes), { user })).tokens.access_token;
}

const ROLLUP = '/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp';
const day = (year: number, month: number, d: number) => ({ date: { year, month, day: d } });
const range = (start: ReturnType<typeof day>, end: ReturnType<typeof day>) => ({ range: { start, end } });

describe('Health API: identity and profile', () => {
  it('returns the legacy Fitbit id for alice and an empty one for bob', async () => {
    const alice = await api(sb, '/v4/users/me/identity', await token([ACTIVITY]));
    expect(alice.status).toBe(200);
    expect(alice.json).toEqual({
      name: 'users/me/identity',
      healthUserId: '4815162342',
      legacyUserId: '2E4RVC',
    });
    const bob = await api(sb, '/v4/users/me/identity', await token([ACTIVITY], 'bob'));
    expect(bob.json).toMatchObject({ legacyUserId: '' });
  });

  it('identity works with any Health read scope except location and nutrition', async () => {
    expect((await api(sb, '/v4/users/me/identity', await token([SLEEP]))).status).toBe(200);
    const loc = await api(sb, '/v4/users/me/identity', await token([LOCATION, `${G}nutrition.readonly`]));
    expect(loc.status).toBe(403);
    expect(loc.json).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    expect(loc.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
  });

  it('profile needs profile.readonly', async () => {
    const withScope = await api(sb, '/v4/users/me/profile', await token([PROFILE]));
    expect(withScope.status).toBe(200);
    expect(withScope.json).toMatchObject({ name: 'users/me/profile', membershipStartDate: { year: 2016 } });
    const without = await api(sb, '/v4/users/me/profile', await token([ACTIVITY]));
    expect(without.status).toBe(403);
    const details = (without.json.error as { details: Array<{ reason: string }> }).details;
    expect(details[0]?.reason).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
  });

  it('answers 400 FAILED_PRECONDITION / ACCOUNT_NOT_LINKED for a user without a health profile', async () => {
    const r = await api(sb, '/v4/users/me/identity', await token([ACTIVITY], 'carol'));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: 400, status: 'FAILED_PRECONDITION' } });
    const details = (r.json.error as { details: Array<{ reason: string }> }).details;
    expect(details[0]?.reason).toBe('ACCOUNT_NOT_LINKED');
  });

  it('answers 401 in Google’s envelope without, with a bogus, and with a revoked token', async () => {
    const missing = await api(sb, '/v4/users/me/identity', undefined);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect((await api(sb, '/v4/users/me/identity', 'ya29.bogus')).status).toBe(401);
    const t = await token([ACTIVITY]);
    await client.tokenRevocation(config, t);
    expect((await api(sb, '/v4/users/me/identity', t)).status).toBe(401);
  });

  it('answers 429 RESOURCE_EXHAUSTED after 300 requests in a minute, and recovers the next minute', async () => {
    const t = await token([ACTIVITY]);
    // Start at a minute boundary so all 301 calls fall in one window.
    const clock = (await (await fetch(`${sb.url}/sandbox/clock`)).json()) as { now: string };
    const toNextMinute = 60 - (new Date(clock.now).getUTCSeconds() + 1);
    await control(sb, `/sandbox/advance-clock?seconds=${toNextMinute + 1}`);
    for (let i = 0; i < 300; i++) {
      const r = await api(sb, '/v4/users/me/identity', t);
      if (r.status !== 200) throw new Error(`request ${i} answered ${r.status}`);
    }
    const limited = await api(sb, '/v4/users/me/identity', t);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    // Another user is not affected.
    expect((await api(sb, '/v4/users/me/identity', await token([ACTIVITY], 'bob'))).status).toBe(200);
    // Nor is the same user through another client (another Cloud project: Google counts per project and user).
    sb.addClient({
      profile: 'google-health',
      clientId: 'second-project',
      clientSecret: 'second-project-secret',
      name: 'Second project',
      redirectUris: [REDIRECT],
    });
    const other = await googleConfig(sb, { clientId: 'second-project', secret: 'second-project-secret' });
    const t2 = (await connect(other, googleParams([ACTIVITY]), { user: 'alice' })).tokens.access_token;
    expect((await api(sb, '/v4/users/me/identity', t2)).status).toBe(200);
    // A new token for the same user and client shares the count.
    expect((await api(sb, '/v4/users/me/identity', await token([ACTIVITY]))).status).toBe(429);
    await control(sb, '/sandbox/advance-clock?seconds=60');
    expect((await api(sb, '/v4/users/me/identity', t)).status).toBe(200);
  });
});

describe('Health API: dailyRollUp for steps', () => {
  it('returns deterministic daily steps as int64 strings over a closed-open range', async () => {
    const t = await token([ACTIVITY]);
    const body = { ...range(day(2026, 11, 1), day(2026, 11, 8)), windowSizeDays: 1 };
    const a = await api(sb, ROLLUP, t, body);
    expect(a.status).toBe(200);
    const points = a.json.rollupDataPoints as Array<{
      civilStartTime: { date: { day: number } };
      civilEndTime: { date: { day: number } };
      steps: { countSum: string };
    }>;
    expect(points).toHaveLength(7);
    expect(points[0]?.civilStartTime.date).toEqual({ year: 2026, month: 11, day: 1 });
    expect(points[6]?.civilEndTime.date).toEqual({ year: 2026, month: 11, day: 8 });
    for (const p of points) {
      expect(p.steps.countSum).toMatch(/^\d+$/);
      expect(Number(p.steps.countSum)).toBeGreaterThanOrEqual(2000);
      expect(Number(p.steps.countSum)).toBeLessThanOrEqual(16_000);
    }
    expect(a.json.nextPageToken).toBeUndefined();
    const b = await api(sb, ROLLUP, t, body);
    expect(b.json).toEqual(a.json);
    const bob = await api(sb, ROLLUP, await token([ACTIVITY], 'bob'), body);
    expect(bob.json).not.toEqual(a.json);
  });

  it('sums windows of several days', async () => {
    const t = await token([ACTIVITY]);
    const daily = await api(sb, ROLLUP, t, range(day(2026, 10, 1), day(2026, 10, 15)));
    const weekly = await api(sb, ROLLUP, t, {
      ...range(day(2026, 10, 1), day(2026, 10, 15)),
      windowSizeDays: 7,
    });
    const sum = (pts: unknown, from: number, to: number) =>
      (pts as Array<{ steps: { countSum: string } }>)
        .slice(from, to)
        .reduce((s, p) => s + Number(p.steps.countSum), 0);
    const w = weekly.json.rollupDataPoints as Array<{ steps: { countSum: string } }>;
    expect(w).toHaveLength(2);
    expect(Number(w[0]?.steps.countSum)).toBe(sum(daily.json.rollupDataPoints, 0, 7));
    expect(Number(w[1]?.steps.countSum)).toBe(sum(daily.json.rollupDataPoints, 7, 14));
  });

  it('pages with pageSize and nextPageToken, and refuses a token for another query', async () => {
    const t = await token([ACTIVITY]);
    const base = range(day(2026, 8, 1), day(2026, 10, 30)); // 90 days
    const all = await api(sb, ROLLUP, t, base);
    expect(all.json.rollupDataPoints).toHaveLength(90);
    const collected: unknown[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const r = await api(sb, ROLLUP, t, { ...base, pageSize: 40, ...(pageToken ? { pageToken } : {}) });
      expect(r.status).toBe(200);
      collected.push(...(r.json.rollupDataPoints as unknown[]));
      pageToken = r.json.nextPageToken as string | undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(collected).toEqual(all.json.rollupDataPoints);
    const first = await api(sb, ROLLUP, t, { ...base, pageSize: 40 });
    const other = await api(sb, ROLLUP, t, {
      ...range(day(2026, 8, 2), day(2026, 10, 30)),
      pageSize: 40,
      pageToken: first.json.nextPageToken,
    });
    expect(other.status).toBe(400);
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['a range over 90 days', range(day(2026, 1, 1), day(2026, 4, 2)), /90 days/],
    ['no range', { windowSizeDays: 1 }, /range/],
    ['end before start', range(day(2026, 1, 5), day(2026, 1, 5)), /after/],
    ['an impossible date', range(day(2026, 2, 30), day(2026, 3, 5)), /calendar date/],
    [
      'a misspelt field',
      { ...range(day(2026, 1, 1), day(2026, 1, 5)), windowSize: 1 },
      /Unknown name "windowSize"/,
    ],
    ['a zero window', { ...range(day(2026, 1, 1), day(2026, 1, 5)), windowSizeDays: 0 }, /windowSizeDays/],
    [
      'a non-integer month',
      range({ date: { year: 2026, month: 'x', day: 1 } } as never, day(2026, 2, 1)),
      /TYPE_INT32/,
    ],
  ];
  for (const [name, body, pattern] of invalid) {
    it(`refuses ${name} with 400 INVALID_ARGUMENT`, async () => {
      const r = await api(sb, ROLLUP, await token([ACTIVITY]), body);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
      expect((r.json.error as { message: string }).message).toMatch(pattern);
    });
  }

  it('accepts exactly 90 days and numeric strings for int32 fields', async () => {
    const r = await api(sb, ROLLUP, await token([ACTIVITY]), {
      range: { start: { date: { year: '2026', month: '1', day: '1' } }, end: day(2026, 4, 1) },
    });
    expect(r.status).toBe(200);
    expect(r.json.rollupDataPoints).toHaveLength(90);
  });

  it('needs activity_and_fitness.readonly', async () => {
    const r = await api(sb, ROLLUP, await token([PROFILE]), range(day(2026, 1, 1), day(2026, 1, 2)));
    expect(r.status).toBe(403);
  });

  it('answers malformed JSON with 400 INVALID_ARGUMENT', async () => {
    const t = await token([ACTIVITY]);
    const res = await fetch(`${sb.url}${ROLLUP}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: '{"range":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });
});
