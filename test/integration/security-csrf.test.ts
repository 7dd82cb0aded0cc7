// CSRF and the callback's one-time state: every state-changing request is a POST carrying a token a
// foreign page cannot read, and a callback whose state is missing, unknown, expired, reused or from
// another browser is refused without calling the token endpoint.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { ManualClock } from '../../server/clock.js';
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

  const actions = ['/check', '/load', '/reauthorize', '/held/abcdefghijkl/save', '/held/abcdefghijkl/cancel'];
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
      const stranger = await h.newBrowser();
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
    // Signed in (the session cookie) but without a browser id: a browser's very first request.
    const session = /(__Host-fsc_session=[^;]+)/.exec(
      (await h.newBrowser({ signedIn: false }).then((b) => b.get(`/?token=${h.accessToken}`))).headers[
        'set-cookie'
      ]?.toString() ?? '',
    )?.[1];
    expect(session).toBeDefined();
    const res = await supertest(appOf(h))
      .post('/check')
      .set('Host', 'localhost:8787')
      .set('Cookie', session!)
      .type('form')
      .send({ _csrf: token });
    expect(res.status).toBe(403);
    // And without any cookie the token gate refuses it first.
    const bare = await supertest(appOf(h))
      .post('/check')
      .set('Host', 'localhost:8787')
      .type('form')
      .send({ _csrf: token });
    expect(bare.status).toBe(401);
  });
});

describe('callback state', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock, tweak: (c) => ({ ...c, flowTtlMs: 400 }) });
  });
  afterAll(async () => h?.close());

  it('refuses an expired state without calling the token endpoint', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    await clock.advance(600);
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

  it('a refused callback redirects to a clean address first (post/redirect/get): the code leaves the address bar', async () => {
    const browser = await h.newBrowser({ raw: true });
    const cb = await browser.get('/callback?code=code-value-that-must-not-stay&state=made-up-state');
    expect(cb.status).toBe(303);
    const location = cb.headers.location as string;
    expect(location).toMatch(/^\/result\/[A-Za-z0-9_-]+$/);
    expect(cb.text).not.toContain('code-value-that-must-not-stay');
    const page = await browser.get(location);
    expect(page.status).toBe(400);
    expect(errorCode(page.text)).toBe('state_expired');
    expect(page.text).not.toContain('code-value-that-must-not-stay');
    // The page is this browser's only, like a result.
    expect((await (await h.newBrowser({ raw: true })).get(location)).status).toBe(404);
  });

  it('refuses a state started in another browser without calling the token endpoint', async () => {
    const authUrl = await h.startFlow();
    const loc = new URL(await consent(authUrl));
    const stranger = await h.newBrowser();
    await stranger.get('/');
    const before = await codeGrants(h);
    const res = await stranger.get(`${loc.pathname}${loc.search}`);
    expect(res.status).toBe(400);
    expect(errorCode(res.text)).toBe('state_other_browser');
    expect(await codeGrants(h)).toBe(before);
  });
});

describe('Fetch Metadata: other sites may navigate here, not load or fetch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => h?.close());

  const statementCount = async () => {
    const body = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as
      | { statements: unknown[] }
      | unknown[];
    return (Array.isArray(body) ? body : body.statements).length;
  };
  const img = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' };
  const xhr = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' };
  const frame = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' };
  const otherPort = { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' };
  const link = {
    'Sec-Fetch-Site': 'cross-site',
    'Sec-Fetch-Mode': 'navigate',
    'Sec-Fetch-Dest': 'document',
    'Sec-Fetch-User': '?1',
  };

  it('an <img>, fetch(), frame or another local port’s page hitting /connect starts no sign-in', async () => {
    for (const [name, headers] of Object.entries({ img, xhr, frame, otherPort })) {
      const res = await h.agent.get('/connect').set(headers).set('Accept', 'text/html');
      expect(res.status, name).toBe(403);
      expect(errorCode(res.text), name).toBe('csrf_invalid');
      expect(res.text, name).toContain('A request from another site was refused');
      expect(res.text, name).toContain('Open the app yourself');
    }
    expect(h.services.pending.size).toBe(0);
  });

  it('an <img> or fetch() of /status or /status.json runs nothing in Snowflake', async () => {
    const before = await statementCount();
    for (const p of ['/status', '/status.json', '/setup']) {
      expect((await h.agent.get(p).set(img)).status, p).toBe(403);
      expect((await h.agent.get(p).set(xhr)).status, p).toBe(403);
    }
    const json = await h.agent.get('/status.json').set(xhr);
    expect(json.body.error).toMatchObject({
      code: 'csrf_invalid',
      title: 'A request from another site was refused',
    });
    expect(await statementCount()).toBe(before);
  });

  it('a cross-site form POST is refused before the CSRF check', async () => {
    const token = await h.csrf();
    const res = await h.agent
      .post('/check')
      .set({ ...link })
      .type('form')
      .send({ _csrf: token });
    expect(res.status).toBe(403);
    expect(res.text).toContain('A request from another site was refused');
  });

  it('a link from another site to / or /connect, and the provider’s redirect to /callback, still work', async () => {
    const home = await h.agent.get('/').set(link);
    expect(home.status).toBe(200);
    const pending = h.services.pending.size;
    const start = await h.agent.get('/connect').set(link);
    expect(start.status).toBe(303);
    expect(h.services.pending.size).toBe(pending + 1);
    const back = new URL(await consent(start.headers.location as string));
    // The provider's consent page redirects the browser back: a cross-site top-level navigation.
    const cb = await h.agent.get(`${back.pathname}${back.search}`).set({
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
    });
    expect(cb.status).toBe(303);
    expect(cb.headers.location).toMatch(/^\/result\//);
  });

  it('requests without Fetch Metadata (curl, monitors, old browsers) and the app’s own pages pass', async () => {
    expect((await h.agent.get('/status.json')).status).toBe(200);
    expect(
      (
        await h.agent
          .get('/status.json')
          .set({ 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' })
      ).status,
    ).toBe(200);
    expect(
      (await h.agent.get('/status').set({ 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate' })).status,
    ).toBe(200);
  });
});

describe('health data stays in memory, for the browser that signed in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => h?.close());

  it('a result page opens only in its own browser; the steps chart never reaches the data directory', async () => {
    const cb = await h.connect();
    expect(cb.status).toBe(303);
    const resultPath = cb.headers.location as string;
    expect((await h.agent.get(resultPath)).status).toBe(200);
    const stranger = await h.newBrowser();
    const other = await stranger.get(resultPath);
    expect(other.status).toBe(404);
    expect(other.text).toContain('This result is no longer available');

    const chart = await h.services.status.stepsChart();
    expect(chart?.days.length).toBe(30);
    const { readdirSync, readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const files = readdirSync(h.dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    for (const f of files) {
      const text = readFileSync(path.join(f.parentPath, f.name), 'utf8');
      expect(text, f.name).not.toMatch(/"steps"|"days"|"bars"/);
    }
  });
});
