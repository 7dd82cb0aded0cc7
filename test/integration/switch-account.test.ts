// Re-authorizing with another account is allowed, but the page says so before writing — also (and
// especially) when the previous account's token was revoked, which is when people re-authorize. After
// the write, the app tells the truth about which token Snowflake uses: under the stand-in's cautious
// default Snowflake keeps alice's (revoked) access token cached across bob's ALTER SECRET until it
// expires, and only then uses bob's; when ALTER SECRET clears the cache, bob's is used at once.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

const ALICE = '4815162342';
const BOB = '7788990011';
/** Google's access tokens last 3599 s: past the cached one's expiry, on every clock. */
const PAST_CACHED_TOKEN_S = 3600 + 60;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function statusJson(x: Harness) {
  return (await x.agent.get('/status.json')).body;
}

/** alice connects, her grant is revoked, the check says so, bob re-authorizes and confirms the switch. */
async function switchAfterRevocation(x: Harness) {
  const first = await x.connectAndFollow({ user: 'alice' });
  expect(first.text).toContain('Connected');
  await x.oauthControl('/sandbox/revoke-all');
  const csrf = await x.csrf();
  await x.agent.post('/check').type('form').send({ _csrf: csrf });
  expect((await statusJson(x)).overall).toBe('needs_reauth');

  const res = await x.connect({ via: 'reauthorize', user: 'bob' });
  const page = await x.agent.get(res.headers.location as string);
  expect(page.text).toContain('This is a different account');
  expect(page.text).toContain('Write this account’s token');
  // Nothing was written yet.
  const stmts = (await (await fetch(`${x.snowflakeUrl}/sandbox/statements`)).json()) as {
    sqlText: string;
  }[];
  expect(stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'))).toHaveLength(1);

  const heldId = /action="\/held\/([^/]+)\/save"/.exec(page.text)![1]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const write = await x.agent.post(`/held/${heldId}/save`).type('form').send({ _csrf: token });
  // The page says "written" at once; the check's outcome streams in.
  return x.resultWhenDone(write.headers.location as string);
}

describe('switching accounts on re-authorize', () => {
  it('asks before replacing a revoked connection; Snowflake keeps the revoked token cached: the page says until when, and the check after that proves bob', async () => {
    h = await startHarness();
    const done = await switchAfterRevocation(h);
    // Not "connected", and not "needs re-authorization" either: the new token was not used yet.
    expect(done.text).toContain(
      'The token was written, but Snowflake is still using its old cached access token',
    );
    expect(done.text).not.toContain('Connected: Snowflake can read your Fitbit data');
    expect(done.text).toMatch(
      /Replaced<\/dt><dd>the token of <strong class="account-email">alice@example.com<\/strong>/,
    );
    const until = /id="cached-token" data-kind="previous_token" data-until="([^"]+)"/.exec(done.text)?.[1];
    expect(until).toBeDefined();
    expect(done.text).toContain(`until <time datetime="${until}"`);
    const s = await statusJson(h);
    expect(s.overall).toBe('cached_token');
    expect(s.cachedToken).toMatchObject({ kind: 'previous_token', writtenUserId: BOB, until, passed: false });
    expect(s.lastConnect.userId).toBe(BOB);

    await h.advanceClocks(PAST_CACHED_TOKEN_S);
    const csrf = await h.csrf();
    await h.agent.post('/check').type('form').send({ _csrf: csrf });
    const after = await statusJson(h);
    expect(after.overall).toBe('connected');
    expect(after.lastCheck).toMatchObject({ ok: true, seenUserId: BOB });
    expect(after.cachedToken).toBeNull();
  });

  it('when ALTER SECRET clears the cached token, bob is connected at once', async () => {
    h = await startHarness({ behaviour: { alterSecretClearsAccessToken: true } });
    const done = await switchAfterRevocation(h);
    expect(done.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(done.text).toMatch(
      /Replaced<\/dt><dd>the token of <strong class="account-email">alice@example.com<\/strong>/,
    );
    const s = await statusJson(h);
    expect(s.overall).toBe('connected');
    expect(s.lastCheck).toMatchObject({ ok: true, seenUserId: BOB });
    expect(s.lastConnect.userId).not.toBe(ALICE);
  });
});
