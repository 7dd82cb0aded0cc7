// The journeys people take (connect, re-authorize after a revocation, switch to another account, the
// status page) under every combination of the stand-ins' switches that changes their outcome, and the app's
// answer is true in each. Snowflake's undocumented behaviour after a write decides the outcomes:
//   accessTokenCache (until-expiry | none) × alterSecretClearsAccessToken (false | true): whether the check
//   right after a write runs on the access token cached before it. Only until-expiry + false keeps it: then
//   the app must say whose token Snowflake still uses, and until when; otherwise the new token is proven.
//   queryHistoryRedaction (none | redacted): whether the ALTER SECRET's text in the history shows the token.
//   scopeOnRefresh (sent | omitted): whether Snowflake's refresh names OAUTH_ALLOWED_SCOPES; the consent
//   granted every scope, so it must change nothing (a consent granting fewer is refused before writing).
// The last two are independent of the first two, so each of their values rides on two of the four rows.
// Every row ends with a scan: no log line, page, event or status answer holds a token, even when the
// query history shows it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const ALICE = '4815162342';
const BOB = '7788990011';

interface Row {
  accessTokenCache: 'until-expiry' | 'none';
  alterSecretClearsAccessToken: boolean;
  queryHistoryRedaction: 'none' | 'redacted';
  scopeOnRefresh: 'sent' | 'omitted';
}

const ROWS: Row[] = [
  // The cautious defaults: Snowflake keeps the cached access token across ALTER SECRET.
  {
    accessTokenCache: 'until-expiry',
    alterSecretClearsAccessToken: false,
    queryHistoryRedaction: 'none',
    scopeOnRefresh: 'sent',
  },
  {
    accessTokenCache: 'until-expiry',
    alterSecretClearsAccessToken: true,
    queryHistoryRedaction: 'redacted',
    scopeOnRefresh: 'omitted',
  },
  {
    accessTokenCache: 'none',
    alterSecretClearsAccessToken: false,
    queryHistoryRedaction: 'redacted',
    scopeOnRefresh: 'sent',
  },
  {
    accessTokenCache: 'none',
    alterSecretClearsAccessToken: true,
    queryHistoryRedaction: 'none',
    scopeOnRefresh: 'omitted',
  },
];

const name = (r: Row) =>
  `cache ${r.accessTokenCache}, ALTER SECRET ${r.alterSecretClearsAccessToken ? 'clears' : 'keeps'} it, history ${r.queryHistoryRedaction}, scope ${r.scopeOnRefresh}`;

interface Status {
  overall: string;
  lastConnect: { userId: string; tokenInHistory: string | null } | null;
  lastCheck: { ok: boolean; seenUserId: string | null; failure: string | null } | null;
  cachedToken: {
    kind: string;
    writtenUserId: string;
    seenUserId?: string;
    until: string | null;
    passed: boolean;
  } | null;
  change: { was: string; now: string } | null;
  checks: { id: string; status: string; detail: string; fix: string | null }[];
}

describe.each(ROWS)(
  'the truth under $accessTokenCache / clears=$alterSecretClearsAccessToken / $queryHistoryRedaction / $scopeOnRefresh',
  (row) => {
    // Only this combination keeps the previous access token in use after a write.
    const keepsCachedToken = row.accessTokenCache === 'until-expiry' && !row.alterSecretClearsAccessToken;
    const clock = new ManualClock();
    let h: Harness;
    const pages: string[] = [];

    const get = async (url: string) => {
      const res = await h.agent.get(url);
      pages.push(res.text);
      return res;
    };
    const status = async (): Promise<Status> => (await get('/status.json')).body as Status;
    const runCheck = async () => {
      await h.agent
        .post('/check')
        .type('form')
        .send({ _csrf: await h.csrf() });
      pages.push((await get('/status')).text);
    };
    /** Past the expiry of the access token Snowflake shows cached, on every clock. */
    const pastCachedToken = async (until: string) => {
      await h.advanceClocks(Math.ceil((Date.parse(until) - clock.now()) / 1000) + 60);
    };
    /** Confirms "Write this account's token" on a different-account page; returns the result page. */
    const confirmSwitch = async (question: string) => {
      const heldId = /action="\/held\/([^/]+)\/save"/.exec(question)![1]!;
      const token = /name="_csrf" value="([^"]+)"/.exec(question)![1]!;
      const write = await h.agent.post(`/held/${heldId}/save`).type('form').send({ _csrf: token });
      // The page says "written" at once; the check's outcome streams in.
      const page = await h.resultWhenDone(write.headers.location as string);
      pages.push(page.text);
      return page;
    };

    beforeAll(async () => {
      h = await startHarness({ logLevel: 'debug', clock, behaviour: { ...row } });
    });
    afterAll(async () => {
      await h?.close();
    });

    it(`${name(row)}: connect → connected as alice, and the page says whether the query history shows the token`, async () => {
      const cb = await h.connect({ user: 'alice' });
      const page = await get(cb.headers.location as string);
      expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
      const s = await status();
      expect(s.overall).toBe('connected');
      expect(s.lastCheck).toMatchObject({ ok: true, seenUserId: ALICE });
      const shown = row.queryHistoryRedaction === 'none';
      expect(s.lastConnect?.tokenInHistory).toBe(shown ? 'shown' : 'redacted');
      expect(page.text).toContain(`id="query-history" data-answer="${shown ? 'shown' : 'redacted'}"`);
      if (shown) {
        expect(page.text).toContain('Snowflake’s query history shows the refresh token');
        // Who can read it, and what limits that.
        for (const words of [
          'ACCOUNTADMIN',
          'MONITOR or OPERATE',
          'ACCOUNT_USAGE.QUERY_HISTORY',
          'dedicated user',
        ])
          expect(page.text).toContain(words);
        expect(page.text).toContain('does not remove the history');
      } else expect(page.text).toContain('with the token redacted');
      const statusPage = await get('/status');
      expect(statusPage.text).toContain(
        `id="token-in-history" data-answer="${shown ? 'shown' : 'redacted'}"`,
      );
    });

    it(`${name(row)}: re-authorize after a revocation → ${keepsCachedToken ? 'Snowflake still holds the revoked token until T; after T the check proves the new one' : 'connected at once'}`, async () => {
      await h.oauthControl('/sandbox/revoke-all');
      await runCheck();
      expect((await status()).overall).toBe('needs_reauth');

      const cb = await h.connect({ via: 'reauthorize', user: 'alice' });
      const page = await get(cb.headers.location as string);
      const s = await status();
      if (keepsCachedToken) {
        expect(page.text).toContain(
          'The token was written, but Snowflake is still using its old cached access token',
        );
        const until = s.cachedToken?.until;
        expect(until).toBeTruthy();
        expect(page.text).toContain(`id="cached-token" data-kind="previous_token" data-until="${until}"`);
        expect(page.text).toContain(`Wait until <time datetime="${until}"`);
        // Neither "connected" nor "needs re-authorization": the new token was not used yet.
        expect(s.overall).toBe('cached_token');
        expect(s.cachedToken).toMatchObject({ kind: 'previous_token', writtenUserId: ALICE, passed: false });
        expect(s.checks.find((c) => c.id === 'end_to_end')).toMatchObject({ status: 'warning' });
        expect(s.change).toBeNull();
        // The app still knows whose token the secret holds (custody): alice's, not "nobody".
        expect(h.services.history.deliveredUser()).toBe(ALICE);

        // The status page says the same, and once T has passed on its clock, that the check is due now.
        await pastCachedToken(until!);
        const due = await status();
        expect(due.overall).toBe('cached_token');
        expect(due.cachedToken).toMatchObject({ passed: true });
        expect(due.checks.find((c) => c.id === 'end_to_end')?.fix).toContain('run the end-to-end check now');
        await runCheck();
      } else {
        expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
        expect(page.text).toMatch(/id="change".*revoked or expired/s);
      }
      const fixed = await status();
      expect(fixed.overall).toBe('connected');
      expect(fixed.lastCheck).toMatchObject({ ok: true, seenUserId: ALICE });
      expect(fixed.cachedToken).toBeNull();
      expect(fixed.change?.was).toContain('revoked or expired');
    });

    it(`${name(row)}: switch alice → bob (confirmed) → ${keepsCachedToken ? 'Snowflake still uses alice’s access token until T; after T the check proves bob' : 'connected as bob at once'}`, async () => {
      const cb = await h.connect({ via: 'reauthorize', user: 'bob' });
      const question = await get(cb.headers.location as string);
      expect(question.text).toContain('This is a different account');
      const page = await confirmSwitch(question.text);
      expect(page.text).toMatch(
        /Replaced<\/dt><dd>the token of <strong class="account-email">alice@example.com<\/strong>/,
      );
      const s = await status();
      expect(s.lastConnect?.userId).toBe(BOB);
      if (keepsCachedToken) {
        const until = s.cachedToken?.until;
        expect(until).toBeTruthy();
        expect(page.text).toContain(
          `The token was written, but Snowflake is still using alice@example.com (ID ${ALICE})’s access token`,
        );
        expect(page.text).toContain(
          `still using alice@example.com (ID ${ALICE})’s access token, cached in the secret until <time datetime="${until}"`,
        );
        expect(page.text).toContain(`answered as alice@example.com (ID ${ALICE})`);
        // What to do: wait and check, or stop alice's data being read now at her account; no unsafe SQL.
        expect(page.text).toContain(`Wait until <time datetime="${until}"`);
        expect(page.text).toContain('myaccount.google.com/connections');
        expect(page.text).toContain('ALTER SECRET cannot');
        expect(s.overall).toBe('cached_token');
        expect(s.cachedToken).toMatchObject({
          kind: 'previous_account',
          writtenUserId: BOB,
          seenUserId: ALICE,
          passed: false,
        });
        expect(s.lastCheck).toMatchObject({ ok: true, seenUserId: ALICE });
        const statusPage = await get('/status');
        expect(statusPage.text).toContain('id="overall" data-overall="cached_token"');
        expect(statusPage.text).toContain(
          `Snowflake is still using the access token of <strong class="account-email">alice@example.com</strong>`,
        );
        // No chart of alice's steps under bob's connection.
        expect(statusPage.text).not.toContain('id="steps-chart"');
        expect(statusPage.text).toContain('End-to-end check answered as another account');
        // The card says why and what to do; the end-to-end row under "Needs attention" one line, linking to it.
        expect(statusPage.text.split('myaccount.google.com/connections')).toHaveLength(2);
        const row = /<tr data-check-id="end_to_end"[\s\S]*?<\/tr>/.exec(statusPage.text)![0];
        expect(row.replace(/<[^>]+>/g, '')).toContain(
          `Snowflake is still using the access token of alice@example.com (ID ${ALICE}) until `,
        );
        expect(row).toContain('<a href="#cached-token">why, and what to do</a>');

        await pastCachedToken(until!);
        await runCheck();
      } else expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
      const after = await status();
      expect(after.overall).toBe('connected');
      expect(after.lastCheck).toMatchObject({ ok: true, seenUserId: BOB });
      expect(after.cachedToken).toBeNull();
      expect((await get('/status')).text).toContain('id="steps-chart"');
    });

    it(`${name(row)}: re-authorize the same account while it works → connected${keepsCachedToken ? ', saying Snowflake answered with its cached token until T' : ''}`, async () => {
      const cb = await h.connect({ via: 'reauthorize', user: 'bob' });
      const page = await get(cb.headers.location as string);
      expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
      const s = await status();
      expect(s.overall).toBe('connected');
      expect(s.lastCheck).toMatchObject({ ok: true, seenUserId: BOB });
      if (keepsCachedToken) {
        // The same account's cached token answered: true for the account, and the page says the new
        // refresh token takes over only once that token expires.
        expect(page.text).toContain('id="cached-at-write"');
        expect(page.text).toMatch(
          /keeps that token until <time datetime="[^"]+"[^>]*>[^<]+<\/time>.*? and uses the refresh token just written after that/,
        );
      } else expect(page.text).not.toContain('id="cached-at-write"');
    });

    it(`${name(row)}: no log line, page, event or status answer holds a token`, async () => {
      pages.push((await get('/status')).text, (await get('/status.json')).text);
      const secrets = [...h.sandbox.sandbox.oauth.issuedSecrets(), h.config.oauth.clientSecret ?? ''].filter(
        (x) => x.length >= 8,
      );
      expect(secrets.length).toBeGreaterThan(5);
      const logs = h.logs.join('\n');
      const events = readFileSync(path.join(h.dataDir, 'events.jsonl'), 'utf8');
      const shown = events.includes('"tokenInHistory":"shown"');
      expect(shown).toBe(row.queryHistoryRedaction === 'none');
      for (const x of secrets) {
        expect(logs.includes(x), `a log line holds a secret (${x.slice(0, 4)}…)`).toBe(false);
        expect(events.includes(x), 'events.jsonl holds a secret').toBe(false);
        expect(
          pages.some((p) => p.includes(x)),
          'a page holds a secret',
        ).toBe(false);
      }
    });
  },
);
