// CSRF and the callback's one-time state: every state-changing request is a POST carrying a token a
// foreign page cannot read, and a callback whose state is missing, unknown, expired, reused or from
// another browser is refused without calling the token endpoint.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { type Harness, startHarness } from '../support/app-harness.js';

type AppLike = NonNullable<Parameters<typeof supertest.agent>[0]>;
const appOf = (h: Harness): AppLike => (h.agent as unknown as { app: AppLike }).app;
const errorCode = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];

async function codeGrants(h: Harness): Promise<number> {
  const body = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
    | { requests?: { grantType?: string }[] }
    | { grantType?: string }[];
  const reqs = Array.isArray(body) ? body : (body.requests ?? []);
  return reqs.filter((r) => r.grantType === 'authorization_code').length;
}

describe('CSRF on every state-changing request', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    token = await h.csrf();
  });
  afterAll(async () => h?.close());

  const actions = ['/check', '/reauthorize', '/held/abcdefghijkl/save', '/held/abcdefghijkl/cancel'];
  const checks = () => h.services.events.recent(1000).length;

  for (const path of actions) {
    it(`POST ${path} without the token is refused and changes nothing`, async () => {
      const before = { events: checks(), pending: h.services.pending.size };
      const res = await h.agent.post(path).type('form').send({});
      expect(res.status).toBe(403);
      expect(errorCode(res.text)).toBe('csrf_invalid');
      expect({ events: checks(), pending: h.services.pending.size }).toEqual(before);
    });
    it(`POST ${path} with a wrong token, or another browser's, is refused`, async () => {
      const before = { events: checks(), pending: h.services.pending.size };
      expect(
        (
          await h.agent
            .post(path)
            .type('form')
            .send({ _csrf: `${token}x` })
        ).status,
      ).toBe(403);
      const stranger = supertest.agent(appOf(h));
      stranger.set('Host', 'localhost:8787');
      await stranger.get('/');
      expect((await stranger.post(path).type('form').send({ _csrf: token })).status).toBe(403);
      expect({ events: checks(), pending: h.services.pending.size }).toEqual(before);
    });
    it(`POST ${path} marked cross-site by the browser is refused even with the right token`, async () => {
      for (const site of ['cross-site', 'same-site']) {
        const res = await h.agent.post(path).set('Sec-Fetch-Site', site).type('form').send({ _csrf: token });
        expect(res.status, site).toBe(403);
      }
    });
  }

  it('accepts the same POST from the app’s own page (the refusals above are not blanket)', async () => {
    const res = await h.agent.post('/reauthorize').set('Sec-Fetch-Site', 'same-origin').type('form').send({
      _csrf: token,
    });
    expect(res.status).toBe(303);
    expect(h.services.pending.size).toBeGreaterThan(0);
  });

  it('a cookie-less request (a first visit) cannot POST even with a token', async () => {
    const res = await supertest(appOf(h))
      .post('/check')
      .set('Host', 'localhost:8787')
      .type('form')
      .send({ _csrf: token });
    expect(res.status).toBe(403);
  });
});

describe('callback state', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, flowTtlMs: 400 }) });
  });
  afterAll(async () => h?.close());

  it('refuses an expired state without calling the token endpoint', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    await new Promise((r) => setTimeout(r, 600));
    const before = await codeGrants(h);
    const res = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_expired');
    expect(await codeGrants(h)).toBe(before);
  });

  it('refuses a reused state: the second callback never reaches the token endpoint', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    const first = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(first.status).toBe(303);
    const after = await codeGrants(h);
    expect(after).toBeGreaterThan(0);
    const again = await h.agent.get(`${loc.pathname}${loc.search}`);
    expect(again.status).toBe(400);
    expect(errorCode(again.text)).toBe('state_expired');
    expect(await codeGrants(h)).toBe(after);
  });

  for (const [name, query, code] of [
    ['missing', '?code=abc', 'state_invalid'],
    ['unknown', '?code=abc&state=made-up-state', 'state_expired'],
    ['empty', '?code=abc&state=', 'state_invalid'],
  ] as const) {
    it(`refuses a ${name} state without calling the token endpoint`, async () => {
      const before = await codeGrants(h);
      const res = await h.agent.get(`/callback${query}`);
      expect(res.status).toBe(400);
      expect(errorCode(res.text)).toBe(code);
      expect(await codeGrants(h)).toBe(before);
    });
  }

  it('refuses a state started in another browser without calling the token endpoint', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    const stranger = supertest.agent(appOf(h));
    stranger.set('Host', 'localhost:8787');
    await stranger.get('/');
    const before = await codeGrants(h);
    const res = await stranger.get(`${loc.pathname}${loc.search}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_other_browser');
    expect(await codeGrants(h)).toBe(before);
  });
});
