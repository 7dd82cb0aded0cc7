// Reliability under broken dependencies, concurrency and restarts: every fault is injected through
// the stand-ins' own control endpoints, and the real app, openid-client and snowflake-sdk run over
// real sockets. Extends connect-failures.test.ts (which covers 503/429/drop/not-JSON/timeout at the
// token endpoint and privilege/missing/unreachable/login at Snowflake).
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { createApp } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import { buildServices } from '../../server/services.js';
import {
  browserLike,
  followRefusal,
  type Harness,
  signInWithLink,
  startHarness,
  waitForResult,
} from '../support/app-harness.js';

interface OAuthReq {
  path: string;
  grantType?: string;
  status: number | null;
}
interface Stmt {
  at: string;
  sqlText: string;
  ok: boolean;
}
async function oauthRequests(h: Harness): Promise<OAuthReq[]> {
  const body = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
    | { requests?: OAuthReq[] }
    | OAuthReq[];
  return Array.isArray(body) ? body : (body.requests ?? []);
}
async function statements(h: Harness): Promise<Stmt[]> {
  const body = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as
    | { statements?: Stmt[] }
    | Stmt[];
  return Array.isArray(body) ? body : (body.statements ?? []);
}
const revokeCalls = async (h: Harness) =>
  (await oauthRequests(h)).filter((r) => /\/revoke$/.test(r.path)).length;
const alters = async (h: Harness) =>
  (await statements(h)).filter((s) => s.sqlText.startsWith('ALTER SECRET'));
const errorCode = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];
const heldIdOf = (html: string) => /action="\/held\/([^/]+)\/save"/.exec(html)?.[1];
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const failNextAlter = (h: Harness, code = '003001') =>
  h.snowflakeControl('/sandbox/faults', { statements: { count: 1, code, match: 'ALTER SECRET' } });

/** Runs the end-to-end check through the app's own button and returns the recorded result. */
async function checkThroughApp(h: Harness): Promise<{ ok: boolean; failure?: string }> {
  const csrf = await h.csrf();
  const res = await h.agent.post('/check').type('form').send({ _csrf: csrf });
  expect(res.status).toBe(303);
  const ev = h.services.events.recent(50).find((e) => e.type === 'check');
  return { ok: ev?.ok === true, failure: ev?.failure };
}

describe('token endpoint faults not covered elsewhere', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  for (const [name, fault, status, code] of [
    ['a 500', { path: '/token', status: 500, count: 1 }, 502, 'provider_error'],
    [
      'a 200 JSON body without access_token',
      { path: '/token', status: 200, body: '{"token_type":"Bearer","expires_in":3599}', count: 1 },
      502,
      'provider_error',
    ],
    [
      'a truncated JSON body',
      { path: '/token', status: 200, body: '{"access_token":"ya29.abc","refresh_tok', count: 1 },
      502,
      'provider_error',
    ],
  ] as const) {
    it(`reports ${name} once, writes nothing, and offers to start again`, async () => {
      h = await startHarness();
      const loc = new URL(await consent(await h.startFlow()));
      expect((await h.oauthControl('/sandbox/faults', fault)).ok).toBe(true);
      const res = await h.agent.get(`${loc.pathname}${loc.search}`);
      expect(res.status).toBe(status);
      expect(errorCode(res.text)).toBe(code);
      expect(res.text).toContain('Start again');
      expect(res.text).toMatch(/<strong>Why:<\/strong> \S/);
      expect(res.text).toMatch(/<strong>Fix:<\/strong> \S/);
      // The code is single use: exactly one token request, no blind retry.
      expect((await oauthRequests(h)).filter((r) => r.path === '/token')).toHaveLength(1);
      expect(await alters(h)).toHaveLength(0);
      expect(h.services.held.size).toBe(0);
      const failed = h.services.events.recent(10).find((e) => e.type === 'connect_failed');
      expect(failed).toBeDefined();
    });
  }
});

describe('Snowflake faults after the token was obtained', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('an ALTER SECRET that times out holds the token and says the write may still land', async () => {
    const clock = new ManualClock();
    h = await startHarness({
      heldTokenTtlMs: 1500,
      clock,
      tweak: (c) => ({ ...c, timeouts: { ...c.timeouts, snowflakeMs: 1000 } }),
    });
    // Sign in first, so the timeout hits the statement, not the login.
    await h.services.session.info();
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 2500 });
    const res = await h.connectAndFollow();
    expect(res.status).toBe(200);
    expect(res.text).toContain('Retry saving');
    expect(errorCode(res.text)).toBe('snowflake_timeout');
    expect(res.text).toContain('Snowflake did not answer in time');
    expect(res.text).toContain('id="outcome-unknown"');
    expect(res.text).toContain('SNOWFLAKE_TIMEOUT_SECONDS');
    expect(h.services.held.size).toBe(1);
    // Whether Snowflake took the token is unknown: revoking it could kill the secret's token, so it
    // must be dropped, and the page says so.
    expect(res.text).toContain('id="on-expiry" data-action="drop"');
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
    const before = await revokeCalls(h);
    // Past the deadline: advance() returns once the expiry's disposal is done.
    await clock.advance(1500);
    expect(h.services.held.size).toBe(0);
    expect(await revokeCalls(h)).toBe(before);
    expect(h.services.events.recent(10).map((e) => e.type)).toContain('token_dropped');
  });

  it('drops (does not revoke) a second token of the connected user, and Snowflake’s token keeps working', async () => {
    const clock = new ManualClock();
    h = await startHarness({ heldTokenTtlMs: 600, clock });
    const first = await h.connectAndFollow({ user: 'alice' });
    expect(first.text).toContain('Connected: Snowflake can read your Fitbit data');
    await failNextAlter(h);
    const res = await h.connectAndFollow({ user: 'alice' });
    expect(errorCode(res.text)).toBe('snowflake_privilege');
    expect(res.text).toContain('Retry saving');
    expect(res.text).toContain('id="on-expiry" data-action="drop"');
    expect(res.text).toContain('not revoked');
    const before = await revokeCalls(h);
    await clock.advance(600);
    expect(h.services.held.size).toBe(0);
    expect(await revokeCalls(h)).toBe(before);
    const history = h.services.events.recent(20);
    const dropped = history.find((e) => e.type === 'token_dropped');
    expect(dropped?.userId).toBe(h.services.status.deliveredUser());
    expect(dropped?.userId).toBeTruthy();
    expect(history.some((e) => e.type === 'token_revoked')).toBe(false);
    expect(await checkThroughApp(h)).toEqual({ ok: true, failure: undefined });
  });

  it('revokes an unsaved token of a different user (bob) after alice is connected', async () => {
    const clock = new ManualClock();
    h = await startHarness({ heldTokenTtlMs: 800, clock });
    await h.connectAndFollow({ user: 'alice' });
    const alice = h.services.status.deliveredUser();
    expect(alice).toBeTruthy();
    // A different account: the app asks first, and says what happens if nobody answers.
    const ask = await h.connectAndFollow({ user: 'bob' });
    expect(ask.text).toContain('This is a different account');
    expect(ask.text).toContain('id="on-expiry" data-action="revoke"');
    const heldId = heldIdOf(ask.text)!;
    await failNextAlter(h);
    const save = await h.agent
      .post(`/held/${heldId}/save`)
      .type('form')
      .send({ _csrf: csrfOf(ask.text) });
    expect(save.status).toBe(303);
    const page = await h.agent.get(save.headers.location as string);
    expect(errorCode(page.text)).toBe('snowflake_privilege');
    expect(page.text).toContain('Retry saving');
    expect(page.text).toContain('id="on-expiry" data-action="revoke"');
    expect(page.text).toContain('revoked at');
    const before = await revokeCalls(h);
    await clock.advance(800);
    expect(h.services.held.size).toBe(0);
    expect(await revokeCalls(h)).toBe(before + 1);
    const revoked = h.services.events.recent(20).find((e) => e.type === 'token_revoked');
    expect(revoked?.userId).toBeTruthy();
    expect(revoked?.userId).not.toBe(alice);
    expect(revoked?.ok).not.toBe(false);
    // Alice's token in the secret is untouched by revoking bob's grant.
    expect(await checkThroughApp(h)).toEqual({ ok: true, failure: undefined });
    expect(h.services.status.deliveredUser()).toBe(alice);
  });

  it('fitbit: revokes an unsaved second token of the same user (the new grant replaced Snowflake’s)', async () => {
    const clock = new ManualClock();
    h = await startHarness({ provider: 'fitbit', heldTokenTtlMs: 800, clock });
    const first = await h.connectAndFollow({ user: 'alice' });
    expect(first.text).toContain('Connected: Snowflake can read your Fitbit data');
    await failNextAlter(h);
    const res = await h.connectAndFollow({ user: 'alice' });
    expect(errorCode(res.text)).toBe('snowflake_privilege');
    expect(res.text).toContain('id="on-expiry" data-action="revoke"');
    // Fitbit keeps one refresh token per user and app: the page says Snowflake's copy stopped working.
    expect(res.text).toContain('id="replaced-previous"');
    const before = await revokeCalls(h);
    await clock.advance(800);
    expect(h.services.held.size).toBe(0);
    expect(await revokeCalls(h)).toBe(before + 1);
    const history = h.services.events.recent(20);
    expect(history.find((e) => e.type === 'token_revoked')).toMatchObject({ userId: '2E4RVC' });
    expect(history.some((e) => e.type === 'token_dropped')).toBe(false);
  });
});

describe('concurrent connects', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('writes the secret one after the other, and tells the one that lost', async () => {
    h = await startHarness({ listen: true });
    // Two browsers of the same person, each signed in with the launch link.
    const [a, b] = [await h.newBrowser(), await h.newBrowser()];
    const start = async (agent: ReturnType<typeof supertest.agent>) => {
      const res = await agent.get('/connect');
      expect(res.status).toBe(303);
      const loc = new URL(await consent(res.headers.location as string, { user: 'alice' }));
      return `${loc.pathname}${loc.search}`;
    };
    const [cbA, cbB] = await Promise.all([start(a), start(b)]);
    await h.services.session.info(); // signed in already: both callbacks race only on the write
    const latency = 400;
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: latency });
    const [ra, rb] = await Promise.all([a.get(cbA), b.get(cbB)]);
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 0 });
    expect(ra.status).toBe(303);
    expect(rb.status).toBe(303);

    const writes = await alters(h);
    expect(writes).toHaveLength(2);
    expect(writes.every((w) => w.ok)).toBe(true);
    // `at` is when the stand-in finished each statement, after `latency`: serialised writes end at
    // least one latency apart; interleaved ones would end together.
    const gap = Math.abs(Date.parse(writes[1]!.at) - Date.parse(writes[0]!.at));
    expect(gap).toBeGreaterThanOrEqual(latency - 20);

    // Each page says "written" at once; the outcome (who the secret holds now) streams in after the check.
    const pages = await Promise.all([
      h.resultWhenDone(ra.headers.location as string, a),
      h.resultWhenDone(rb.headers.location as string, b),
    ]);
    const superseded = pages.filter((p) => p.text.includes('id="superseded"'));
    expect(superseded).toHaveLength(1);
    expect(superseded[0]!.text).toContain('written after it');
    for (const p of pages) expect(p.text).toContain('Snowflake');
    expect(await checkThroughApp(h)).toEqual({ ok: true, failure: undefined });
  });
});

describe('restart in the middle of a sign-in', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a callback reaching a restarted app says the sign-in expired, without using the code', async () => {
    h = await startHarness();
    const loc = new URL(await consent(await h.startFlow()));
    // "Restart": a new app with fresh services on the same stand-ins and data directory.
    const services = buildServices(h.config, h.services.log);
    try {
      const agent = browserLike(supertest.agent(createApp(services)));
      agent.set('Host', 'localhost:8787');
      await signInWithLink(agent, h.accessToken!); // the same configuration: the same token
      const res = await followRefusal(agent, await agent.get(`${loc.pathname}${loc.search}`));
      expect(res.status).toBe(400);
      expect(errorCode(res.text)).toBe('state_expired');
      expect(res.text).toContain('This sign-in expired, start again');
      expect(res.text).toContain('restarted');
      expect(res.text).toContain('Start again');
      expect((await oauthRequests(h)).filter((r) => r.grantType === 'authorization_code')).toHaveLength(0);
      // The restarted app's own sign-in still works end to end.
      const again = await agent.get('/connect');
      expect(again.status).toBe(303);
      const loc2 = new URL(await consent(again.headers.location as string));
      const cb = await agent.get(`${loc2.pathname}${loc2.search}`);
      expect(cb.status).toBe(303);
      const page = await waitForResult(agent, cb.headers.location as string);
      expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    } finally {
      await services.shutdown();
    }
  });
});
