// A provider (or anything between it and the app) can send any number with a real token. Before, a
// `refresh_token_expires_in` of 1e300 broke the result page ("RangeError: Invalid time value") and Retry,
// a negative one wrote an expiry in the past, and 1e11 the year 5195. Now every provider number is
// range-checked in one place: an out-of-range one is reported on the result page and in the history,
// and never written; the token, which works, is written without it.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The next token answer carries these fields on top of the real ones. */
async function tokenAnswerSays(x: Harness, merge: Record<string, unknown>): Promise<void> {
  const res = await x.oauthControl('/sandbox/faults', { path: '/token', merge, count: 1 });
  expect(res.status).toBe(201);
}

async function alterSecrets(x: Harness): Promise<string[]> {
  const stmts = (await (await fetch(`${x.snowflakeUrl}/sandbox/statements`)).json()) as { sqlText: string }[];
  return stmts.map((s) => s.sqlText).filter((t) => t.startsWith('ALTER SECRET'));
}

describe('numbers from the provider are range-checked before anything uses them', () => {
  it.each([
    ['1e300', 1e300, '1e+300'],
    ['a negative lifetime', -3600, '-3600'],
    ['the year 5195 (1e11 s)', 1e11, '100000000000'],
    ['under a minute', 30, '30'],
    ['a string', '86400', 'a string'],
  ])(
    'refresh_token_expires_in of %s: written without an expiry, and said so on the page and in the history',
    async (_label, value, shown) => {
      h = await startHarness();
      await tokenAnswerSays(h, { refresh_token_expires_in: value });
      const page = await h.connectAndFollow({ user: 'alice' });
      expect(page.status).toBe(200);
      expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
      expect(page.text).toContain('Google Health API sent a number the app did not believe');
      const note = `Google Health API said the refresh token lives ${shown} s (refresh_token_expires_in): a believable lifetime is between a minute and ten years, so no expiry was written.`;
      expect(page.text).toContain(note);
      expect(page.text).not.toContain('the token expires');
      // Nothing of it reached Snowflake: the ALTER SECRET has no expiry.
      const [write] = await alterSecrets(h);
      expect(write).toBe("ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '***'");
      // The history says so, next to the connect.
      const connect = h.services.events.recent(20).find((e) => e.type === 'connect');
      expect(connect?.expiresAt).toBeUndefined();
      expect(connect?.reason).toBe(note);
      expect((await h.agent.get('/status')).text).toContain('so no expiry was written');
    },
  );

  it('a believable lifetime is written as the expiry, without a note', async () => {
    h = await startHarness();
    await tokenAnswerSays(h, { refresh_token_expires_in: 86_400 });
    const page = await h.connectAndFollow({ user: 'alice' });
    expect(page.text).toContain('the token expires');
    expect(page.text).not.toContain('did not believe');
    expect((await alterSecrets(h))[0]).toMatch(/OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '\d{4}-/);
  });

  it('a Testing client: the 7 days the app knows are written instead of the refused number', async () => {
    h = await startHarness({ clientStatus: 'testing' });
    await tokenAnswerSays(h, { refresh_token_expires_in: 1e300 });
    const page = await h.connectAndFollow({ user: 'alice' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('so the expiry the app knows for this client (7 days) was written instead.');
    const connect = h.services.events.recent(20).find((e) => e.type === 'connect');
    const days = (Date.parse(connect!.expiresAt!) - Date.parse(connect!.at)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
  });

  it('a held token with a refused number: the page renders, and Retry saving writes it without an expiry', async () => {
    h = await startHarness();
    await tokenAnswerSays(h, { refresh_token_expires_in: 1e300 });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
    });
    const res = await h.connect({ user: 'alice' });
    const held = await h.agent.get(res.headers.location as string);
    expect(held.status).toBe(200);
    expect(held.text).toContain('Retry saving');
    expect(held.text).toContain('Google Health API sent a number the app did not believe');
    const id = /action="\/held\/([^/]+)\/save"/.exec(held.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(held.text)![1]!;
    const retry = await h.agent.post(`/held/${id}/save`).type('form').send({ _csrf: csrf });
    expect(retry.status).toBe(303);
    const done = await h.resultWhenDone(retry.headers.location as string);
    expect(done.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(done.text).toContain('Google Health API sent a number the app did not believe');
    expect((await alterSecrets(h)).at(-1)).toBe(
      "ALTER SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN SET OAUTH_REFRESH_TOKEN = '***'",
    );
  });
});
