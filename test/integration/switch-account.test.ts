// Re-authorizing with another account is allowed, but the page says so before writing — also (and
// especially) when the previous account's token was revoked, which is when people re-authorize.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

describe('switching accounts on re-authorize', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('asks before replacing a revoked connection with another account', async () => {
    // The app does not yet cross-check identity: see issue 11. Under the stand-in's cautious default,
    // Snowflake keeps alice's cached (here revoked) access token across bob's ALTER SECRET, so the check
    // after the switch fails with alice's token; this pins the kind answer until the app explains it.
    await h.snowflakeControl('/sandbox/behaviour', { alterSecretClearsAccessToken: true });
    const first = await h.connectAndFollow({ user: 'alice' });
    expect(first.text).toContain('Connected');
    await h.oauthControl('/sandbox/revoke-all');
    const csrf = await h.csrf();
    await h.agent.post('/check').type('form').send({ _csrf: csrf });
    expect((await h.agent.get('/status.json')).body.overall).toBe('needs_reauth');

    const res = await h.connect({ via: 'reauthorize', user: 'bob' });
    const page = await h.agent.get(res.headers.location as string);
    expect(page.text).toContain('This is a different account');
    expect(page.text).toContain('Write this account’s token');
    // Nothing was written yet.
    const stmts = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as {
      sqlText: string;
    }[];
    expect(stmts.filter((s) => s.sqlText.startsWith('ALTER SECRET'))).toHaveLength(1);

    const heldId = /action="\/held\/([^/]+)\/save"/.exec(page.text)![1]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const write = await h.agent.post(`/held/${heldId}/save`).type('form').send({ _csrf: token });
    const done = await h.agent.get(write.headers.location as string);
    expect(done.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(done.text).toMatch(/Replaced<\/dt><dd>the token of user/);
    expect((await h.agent.get('/status.json')).body.overall).toBe('connected');
  });
});
