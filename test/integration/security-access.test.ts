// Access control (the launch token or ADMIN_TOKEN, the session, the one throttle), DNS rebinding (Host
// check) and the security headers of every page, through the real app on the real stand-ins.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { SESSION_COOKIE } from '../../server/security/admin.js';
import { type Harness, startHarness } from '../support/app-harness.js';

/** The session cookie as the app sets it on loopback: the __Host- one (the plain copy is for Safari). */
const SESSION = `__Host-${SESSION_COOKIE}`;

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** A stack frame, a source path or an exception name: none may reach a page. */
const STACK =
  /\bat (?:\S+ \()?(?:file:|node:|\/)\S*:\d+:\d+|\.[cm]?[jt]s:\d+|node_modules|\/work\/|ReferenceError|TypeError/;
const errorCode = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const cookieHeaders = (res: supertest.Response): string[] => {
  const v = res.headers['set-cookie'] as string[] | string | undefined;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

type AppLike = NonNullable<Parameters<typeof supertest.agent>[0]>;
/** The app (as supertest holds it) behind the harness's agent. */
const appOf = (h: Harness): AppLike => (h.agent as unknown as { app: AppLike }).app;

/** A fresh browser (its own cookie jar, not signed in) on the same app, naming the app's host. */
const newBrowser = (h: Harness) => h.newBrowser({ signedIn: false });

async function login(a: ReturnType<typeof supertest.agent>, token: string, next = '/') {
  const page = await a.get(`/login?next=${encodeURIComponent(next)}`);
  const csrf = csrfOf(page.text);
  if (!csrf) throw new Error('no CSRF token on /login');
  return a.post('/login').type('form').send({ _csrf: csrf, token, next });
}

describe('access control with ADMIN_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, adminToken: ADMIN_TOKEN }), signIn: false });
  });
  afterAll(async () => h?.close());

  it('sends a browser without a session to the login page, for every page', async () => {
    const a = await newBrowser(h);
    for (const p of ['/', '/status', '/connect', '/result/abcdefghijkl']) {
      const res = await a.get(p).set('Accept', 'text/html');
      expect(res.status, p).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(p)}`);
    }
  });

  it('never copies a callback’s code into the login link', async () => {
    const a = await newBrowser(h);
    const res = await a.get('/callback?code=secret-code-value&state=y').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });

  it('refuses every action and the JSON status without a session (401, nothing runs)', async () => {
    const a = await newBrowser(h);
    const csrf = csrfOf((await a.get('/login')).text)!;
    const before = h.services.events.recent(100).length;
    for (const p of ['/check', '/reauthorize', '/held/abcdefghijkl/save', '/held/abcdefghijkl/cancel']) {
      const res = await a.post(p).type('form').send({ _csrf: csrf });
      expect(res.status, p).toBe(401);
      expect(errorCode(res.text)).toBe('unauthorized');
    }
    expect(h.services.pending.size).toBe(0);
    expect(h.services.events.recent(100).length).toBe(before);
    const json = await a.get('/status.json');
    expect(json.status).toBe(401);
    expect(json.body.error.code).toBe('unauthorized');
    expect(JSON.stringify(json.body)).not.toContain('FITBIT.PUBLIC');
  });

  it('lets a monitor read /status.json with the bearer token, and only that', async () => {
    const ok = await supertest(appOf(h))
      .get('/status.json')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.body.secret).toBe('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    const wrong = await supertest(appOf(h))
      .get('/status.json')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    const page = await supertest(appOf(h))
      .get('/status')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(page.status).toBe(401);
  });

  it('refuses a wrong token and a login without the anti-forgery token', async () => {
    const a = await newBrowser(h);
    const wrong = await login(a, `${ADMIN_TOKEN.slice(0, -1)}X`);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('id="login-failed"');
    expect(cookieHeaders(wrong).some((c) => c.includes(`${SESSION_COOKIE}=`))).toBe(false);
    const short = await login(a, 'x');
    expect(short.status).toBe(401);
    await a.get('/login');
    const forged = await a.post('/login').type('form').send({ token: ADMIN_TOKEN });
    expect(forged.status).toBe(403);
    expect(errorCode(forged.text)).toBe('csrf_invalid');
    expect((await a.get('/').set('Accept', 'text/html')).status).toBe(303);
  });

  it('logs in with an HttpOnly SameSite=Lax session cookie that is not the token', async () => {
    const a = await newBrowser(h);
    const res = await login(a, ADMIN_TOKEN, '/status');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status');
    const cookie = cookieHeaders(res).find((c) => c.startsWith(`${SESSION}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    expect((await a.get('/status')).status).toBe(200);
    expect((await a.get('/')).status).toBe(200);
  });

  it('never redirects off-site after login', async () => {
    for (const next of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const res = await login(await newBrowser(h), ADMIN_TOKEN, next);
      expect(res.status).toBe(303);
      expect(res.headers.location, next).toBe('/');
    }
  });

  it('does not accept a made-up session cookie', async () => {
    const a = await newBrowser(h);
    for (const name of [SESSION, SESSION_COOKIE]) {
      const res = await a
        .get('/status')
        .set('Accept', 'text/html')
        .set('Cookie', `${name}=${'A'.repeat(43)}`);
      expect(res.status, name).toBe(303);
    }
  });

  it('finishes the whole connect journey in a signed-in browser (the callback gets the cookie)', async () => {
    const l = await login(h.agent, ADMIN_TOKEN);
    expect(l.status).toBe(303);
    const page = await h.connectAndFollow();
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
  });

  it('signs out from the button on every page: the session stops working, and the login page says so', async () => {
    const a = await newBrowser(h);
    await login(a, ADMIN_TOKEN);
    const page = (await a.get('/status')).text;
    // The button is in the header, a POST form with the page's CSRF token.
    expect(page).toMatch(/<form method="post" action="\/logout" class="inline signout" id="signout">/);
    const csrf = csrfOf(page)!;
    const out = await a.post('/logout').type('form').send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login?signed_out=1');
    const after = await a.get('/login?signed_out=1');
    expect(after.status).toBe(200);
    expect(after.text).toContain('You are signed out');
    expect(after.text).not.toContain('id="signout"');
    expect(after.text).not.toContain('<a href="/status">Status</a>');
    expect(page).toContain('<a href="/status">Status</a>');
    expect((await a.get('/status').set('Accept', 'text/html')).status).toBe(303);
  });

  it('never tells a browser that is still signed in that it is signed out (a link can say signed_out=1)', async () => {
    const a = await newBrowser(h);
    await login(a, ADMIN_TOKEN);
    const page = await a.get('/login?signed_out=1');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('You are signed out');
    expect(page.text).toContain('id="signout"');
  });

  it('signs out from a tab whose session has already ended: the same signed-out page, not an error', async () => {
    const a = await newBrowser(h);
    await login(a, ADMIN_TOKEN);
    const csrf = csrfOf((await a.get('/status')).text)!;
    expect((await a.post('/logout').type('form').send({ _csrf: csrf })).status).toBe(303);
    // The other tab still shows the button, with the same CSRF token.
    const again = await a.post('/logout').type('form').send({ _csrf: csrf });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/login?signed_out=1');
    // Without the page's token it is refused, as every POST is.
    expect((await a.post('/logout').type('form').send({})).status).toBe(403);
  });

  it('shows no sign-out button to a browser that is not signed in', async () => {
    const page = await (await newBrowser(h)).get('/login');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('id="signout"');
    expect(page.text).not.toContain('You are signed out');
    // Nor the app's links: each would lead back here. Nor on a page refused before the gate.
    expect(page.text).not.toContain('<a href="/status">Status</a>');
    const refused = await (await newBrowser(h))
      .get('/')
      .set('Host', 'evil.example')
      .set('Accept', 'text/html');
    expect(refused.status).toBe(421);
    expect(/<header[\s\S]*?<\/header>/.exec(refused.text)?.[0]).not.toContain('<nav>');
  });
});

describe('the launch token (the default, on loopback too)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ signIn: false });
  });
  afterAll(async () => h?.close());

  it('asks every page and action for the launch token, and its page says to open the link npm start printed', async () => {
    const a = await newBrowser(h);
    for (const p of ['/', '/status', '/setup', '/connect']) {
      const res = await a.get(p).set('Accept', 'text/html');
      expect(res.status, p).toBe(303);
      expect(res.headers.location, p).toBe(`/login?next=${encodeURIComponent(p)}`);
    }
    const page = await a.get('/login?next=%2Fstatus');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-kind="launch_token"');
    expect(page.text).toContain('Open the link the app printed in its terminal</strong> when it started');
    const csrf = csrfOf(page.text)!;
    const before = { events: h.services.events.recent(100).length, pending: h.services.pending.size };
    for (const p of ['/check', '/reauthorize', '/setup/reveal', '/held/abcdefghijkl/save']) {
      const res = await a.post(p).type('form').send({ _csrf: csrf });
      expect(res.status, p).toBe(401);
      expect(errorCode(res.text), p).toBe('unauthorized');
      expect(res.text, p).toContain('Open the link the app printed in its terminal when it started');
    }
    const json = await a.get('/status.json');
    expect(json.status).toBe(401);
    expect(JSON.stringify(json.body)).not.toContain('FITBIT.PUBLIC');
    expect({ events: h.services.events.recent(100).length, pending: h.services.pending.size }).toEqual(
      before,
    );
  });

  it('the launch link signs the browser in with a __Host- session cookie and redirects to the same address without the token', async () => {
    const a = await newBrowser(h);
    const res = await a.get(`/status?token=${h.accessToken}&x=1`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/status?x=1');
    const cookies = cookieHeaders(res);
    const session = cookies.find((c) => c.startsWith(`${SESSION}=`));
    expect(session).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    expect(cookies.join('\n')).not.toContain(h.accessToken!);
    expect((await a.get('/status')).status).toBe(200);
    expect((await a.get('/setup')).status).toBe(200);
    // The token never reaches a log line (the request log keeps the path only).
    expect(h.logs.join('')).not.toContain(h.accessToken!);
  });

  it('a wrong or old link gets a page saying to open the link npm start printed (401), and no session', async () => {
    const a = await newBrowser(h);
    const res = await a.get('/?token=a-token-from-an-earlier-start-0123456789abcdef');
    expect(res.status).toBe(401);
    expect(res.text).toContain('id="login-link-failed"');
    expect(res.text).toContain('Open the link the app printed in its terminal</strong> when it started');
    expect(cookieHeaders(res).some((c) => c.includes(`${SESSION_COOKIE}=`))).toBe(false);
    expect((await a.get('/status').set('Accept', 'text/html')).status).toBe(303);
  });

  it('the token pasted at /login signs in too', async () => {
    const a = await newBrowser(h);
    const res = await login(a, h.accessToken!, '/status');
    expect(res.status).toBe(303);
    expect((await a.get('/status')).status).toBe(200);
  });

  it('lets a monitor read /status.json with the launch token as a bearer token, and only that', async () => {
    const ok = await supertest(appOf(h))
      .get('/status.json')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${h.accessToken}`);
    expect(ok.status).toBe(200);
    const page = await supertest(appOf(h))
      .get('/setup')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${h.accessToken}`);
    expect(page.status).toBe(401);
  });

  it('finishes the whole connect journey in a browser signed in by the link (the callback gets the cookie)', async () => {
    const a = await h.newBrowser();
    const start = await a.get('/connect');
    expect(start.status).toBe(303);
    const { consent } = await import('../../sandbox/oauth/consent.js');
    const back = new URL(await consent(start.headers.location as string));
    const cb = await a.get(`${back.pathname}${back.search}`);
    expect(cb.status).toBe(303);
    const page = await h.resultWhenDone(cb.headers.location as string, a);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
  });

  describe('DNS rebinding: only the configured host names are served', () => {
    const refused = [
      'attacker.example',
      'attacker.example:8787',
      '127.0.0.1.nip.io',
      '[::2]:8787',
      '',
      '[::1]evil.example',
      'localhost:9101@evil.example',
    ];
    for (const host of refused) {
      it(`refuses Host "${host}" with 421 and a plain page`, async () => {
        const a = supertest(appOf(h));
        const req = a.get('/status.json').set('Authorization', `Bearer ${h.accessToken}`);
        const res = await (host === '' ? req.set('Host', '') : req.set('Host', host));
        expect(res.status).toBe(421);
        expect(res.text).not.toContain('FITBIT.PUBLIC');
        expect(res.text).not.toMatch(STACK);
      });
    }
    it('refuses a rebinding POST before it can act', async () => {
      const a = await h.newBrowser();
      const csrf = csrfOf((await a.get('/status')).text)!;
      const before = h.services.pending.size;
      const res = await a
        .post('/reauthorize')
        .set('Host', 'attacker.example:8787')
        .type('form')
        .send({ _csrf: csrf });
      expect(res.status).toBe(421);
      expect(h.services.pending.size).toBe(before);
    });
    for (const host of ['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST:8787']) {
      it(`serves Host "${host}"`, async () => {
        const res = await supertest(appOf(h))
          .get('/status.json')
          .set('Host', host)
          .set('Authorization', `Bearer ${h.accessToken}`);
        expect(res.status).toBe(200);
      });
    }
  });
});

describe('another loopback name of this computer (127.0.0.1 when the redirect URI says localhost)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ signIn: false });
  });
  afterAll(async () => h?.close());

  it('sends a page load to the same address at the redirect URI’s name, the launch link too, before any sign-in', async () => {
    const a = await newBrowser(h);
    for (const name of ['127.0.0.1', '[::1]']) {
      for (const p of ['/', '/status?account=default', `/?token=${h.accessToken}`]) {
        const res = await a.get(p).set('Host', `${name}:8787`).set('Accept', 'text/html');
        expect(res.status, `${name} ${p}`).toBe(303);
        expect(res.headers.location, `${name} ${p}`).toBe(`http://localhost:8787${p}`);
        // No session was started at the other name: its cookie would never reach the callback.
        expect(
          cookieHeaders(res).some((c) => c.includes(SESSION_COOKIE)),
          p,
        ).toBe(false);
      }
    }
  });

  it('answers a monitor’s /status.json, a POST, and another port where they are', async () => {
    const a = await newBrowser(h);
    const json = await a.get('/status.json').set('Host', '127.0.0.1:8787').set('Accept', 'application/json');
    expect(json.status).not.toBe(303);
    const post = await a.post('/connect').set('Host', '127.0.0.1:8787').type('form').send({});
    expect(post.status).not.toBe(303);
    // Another port is another app, or a forwarded one: not this app's own address to send people to.
    const other = await a.get('/').set('Host', '127.0.0.1:9999').set('Accept', 'text/html');
    expect(other.headers.location ?? '').not.toContain('http://localhost');
  });
});

describe('with LAUNCH_TOKEN=off (a computer nobody else uses)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gate: false });
  });
  afterAll(async () => h?.close());

  it('serves pages without a login, and has no login page', async () => {
    expect((await h.agent.get('/status')).status).toBe(200);
    expect((await h.agent.get('/login')).status).toBe(404);
  });
});

describe('DNS rebinding with a PUBLIC_URL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      tweak: (c) => ({ ...c, publicOrigin: 'https://fitbit.example.org', adminToken: ADMIN_TOKEN }),
      signIn: false,
    });
  });
  afterAll(async () => h?.close());

  it('serves the public host name and still refuses others', async () => {
    const app = appOf(h);
    const ok = await supertest(app)
      .get('/status.json')
      .set('Host', 'fitbit.example.org')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(ok.status).toBe(200);
    const bad = await supertest(app)
      .get('/status.json')
      .set('Host', 'fitbit.example.org.attacker.example')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(bad.status).toBe(421);
  });

  it('marks cookies Secure and upgrades insecure requests on an https origin', async () => {
    const res = await supertest(appOf(h)).get('/login').set('Host', 'fitbit.example.org');
    expect(res.status).toBe(200);
    for (const c of cookieHeaders(res)) expect(c).toMatch(/; Secure/);
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('sends HSTS for an https PUBLIC_URL, without includeSubDomains unless configured', async () => {
    const res = await supertest(appOf(h)).get('/login').set('Host', 'fitbit.example.org');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    const sub = await startHarness({
      tweak: (c) => ({
        ...c,
        publicOrigin: 'https://fitbit.example.org',
        adminToken: ADMIN_TOKEN,
        hstsIncludeSubDomains: true,
      }),
      signIn: false,
    });
    try {
      const withSub = await supertest(appOf(sub)).get('/login').set('Host', 'fitbit.example.org');
      expect(withSub.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await sub.close();
    }
  });
});

describe('security headers on every page', () => {
  let h: Harness;
  let authOrigin: string;
  const pages: { name: string; res: supertest.Response }[] = [];
  beforeAll(async () => {
    h = await startHarness({ tweak: (c) => ({ ...c, adminToken: ADMIN_TOKEN }), signIn: false });
    authOrigin = new URL(h.config.oauth.authorizationUrl).origin;
    const a = h.agent;
    pages.push({ name: 'login', res: await a.get('/login') });
    pages.push({ name: 'unauthenticated redirect', res: await a.get('/status').set('Accept', 'text/html') });
    pages.push({ name: 'unauthorized JSON', res: await a.get('/status.json') });
    await login(a, ADMIN_TOKEN);
    pages.push({ name: 'home', res: await a.get('/') });
    pages.push({ name: 'status', res: await a.get('/status') });
    pages.push({ name: 'status.json', res: await a.get('/status.json') });
    const cb = await h.connect();
    pages.push({ name: 'callback (success)', res: cb });
    pages.push({ name: 'result', res: await a.get(cb.headers.location as string) });
    pages.push({ name: 'callback (refused)', res: await a.get('/callback?code=x&state=unknown') });
    pages.push({ name: 'launch link (wrong token)', res: await (await newBrowser(h)).get('/?token=wrong') });
    pages.push({ name: 'connect redirect', res: await a.get('/connect') });
    pages.push({ name: 'not found', res: await a.get('/no-such-page') });
    pages.push({ name: 'wrong method', res: await a.put('/status') });
    pages.push({ name: 'host refused', res: await a.get('/').set('Host', 'attacker.example') });
    const csrf = await h.csrf();
    pages.push({ name: 'check (POST)', res: await a.post('/check').type('form').send({ _csrf: csrf }) });
    pages.push({ name: 'csrf refused', res: await a.post('/check').type('form').send({ _csrf: 'x' }) });
  }, 60_000);
  afterAll(async () => h?.close());

  it('has a strict CSP: no inline script or style, narrow form-action, no framing', () => {
    expect(pages.length).toBeGreaterThan(10);
    for (const { name, res } of pages) {
      const csp = String(res.headers['content-security-policy'] ?? '');
      const d = new Map(
        csp
          .split(';')
          .map((x) => x.trim().split(/\s+/))
          .filter((x) => x[0])
          .map((x) => [x[0]!, x.slice(1)]),
      );
      expect(d.get('default-src'), name).toEqual(["'self'"]);
      expect(d.get('script-src'), name).toEqual(["'self'"]);
      expect(d.get('style-src'), name).toEqual(["'self'"]);
      expect(d.get('script-src-attr'), name).toEqual(["'none'"]);
      expect(d.get('object-src'), name).toEqual(["'none'"]);
      expect(d.get('base-uri'), name).toEqual(["'self'"]);
      expect(d.get('frame-ancestors'), name).toEqual(["'none'"]);
      expect(d.get('form-action'), name).toEqual(["'self'", authOrigin]);
      expect(csp, name).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      // Plain http origin: upgrading would break every load on a LAN bind.
      expect(d.has('upgrade-insecure-requests'), name).toBe(false);
    }
  });

  it('never caches a page, and never sends a Referer', () => {
    for (const { name, res } of pages) {
      // HSTS only for an https PUBLIC_URL: on http (and loopback) it would pin other local apps.
      expect(res.headers['strict-transport-security'], name).toBeUndefined();
      expect(res.headers['cache-control'], name).toBe('no-store');
      expect(res.headers['referrer-policy'], name).toBe('no-referrer');
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(res.headers['x-frame-options'], name).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by'], name).toBeUndefined();
    }
  });

  it('sets the browser cookie HttpOnly and SameSite=Lax', () => {
    const all = pages.flatMap((p) => cookieHeaders(p.res));
    expect(all.length).toBeGreaterThan(0);
    for (const c of all) {
      expect(c).toMatch(/; HttpOnly/);
      expect(c).toMatch(/; SameSite=Lax/);
    }
  });
});

describe('one throttle for every way of presenting the token, never locking the owner out', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock, tweak: (c) => ({ ...c, adminToken: ADMIN_TOKEN }), signIn: false });
  });
  afterAll(async () => h?.close());

  const bearer = (token: string) =>
    supertest(appOf(h))
      .get('/status.json')
      .set('Host', 'localhost:8787')
      .set('Authorization', `Bearer ${token}`);

  it('guesses at /status.json meet the same budget as /login and the link: 429 with Retry-After', async () => {
    const a = await newBrowser(h);
    expect((await login(a, 'wrong-token-number-0')).status).toBe(401);
    expect((await login(a, 'wrong-token-number-1')).status).toBe(401);
    expect((await a.get('/?token=wrong-token-number-2')).status).toBe(401);
    expect((await a.get('/?token=wrong-token-number-3')).status).toBe(401);
    expect((await bearer('wrong-token-number-4')).status).toBe(401);
    // The budget (5 a minute from this address) is spent, whichever way each guess came.
    const guessed = await bearer('wrong-token-number-5');
    expect(guessed.status).toBe(429);
    expect(Number(guessed.headers['retry-after'])).toBeGreaterThan(0);
    expect(guessed.body.error.code).toBe('too_many_tries');
    const form = await login(a, 'wrong-token-number-6');
    expect(form.status).toBe(429);
    expect(form.text).toContain('id="login-wait"');
    expect((await a.get('/?token=wrong-token-number-7')).status).toBe(429);
    // A monitor's guessing run: every further wrong bearer token is a 429, none a 401.
    const run = await Promise.all(Array.from({ length: 50 }, (_, i) => bearer(`guess-${i}`)));
    expect(run.map((r) => r.status).filter((st) => st !== 429)).toEqual([]);
  });

  it('the right token still works at once through every way while guesses are refused', async () => {
    expect((await bearer('still-guessing')).status).toBe(429);
    expect((await bearer(ADMIN_TOKEN)).status).toBe(200);
    const byForm = await newBrowser(h);
    const res = await login(byForm, ADMIN_TOKEN, '/status');
    expect(res.status).toBe(303);
    expect(cookieHeaders(res).some((c) => c.startsWith(`${SESSION}=`))).toBe(true);
    expect((await byForm.get('/status')).status).toBe(200);
    const byLink = await newBrowser(h);
    expect((await byLink.get(`/status?token=${ADMIN_TOKEN}`)).status).toBe(303);
    expect((await byLink.get('/status')).status).toBe(200);
  });

  it('lets wrong tokens be answered 401 again once the minute has passed (the app’s clock)', async () => {
    expect((await bearer('one-more-guess')).status).toBe(429);
    await clock.advance(61_000);
    expect((await bearer('a-guess-a-minute-later')).status).toBe(401);
  });
});
