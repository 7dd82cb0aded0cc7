// Who may use the app, in real Chromium: the launch link `npm start` prints signs the browser in (an
// HttpOnly __Host- cookie on http://127.0.0.1, which Chromium accepts there as a potentially trustworthy
// origin) and leaves the address bar; and a page on another port of the same host, which shares the
// host's cookies, can neither shadow the app's cookies for /callback nor break it with a cookie bomb.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

/** A browser id of the right shape, so that code reading the first `fsc_browser` would take it. */
const PLANTED_ID = 'AttackerPlantedBrowserId0123456789';

describe.skipIf(skipBrowser)('browser: the launch token and cookies from other ports', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  let other: http.Server;
  let otherOrigin = '';
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, logLevel: 'warn' });
    // Another program on this computer, on another port of the same host name (127.0.0.1): cookies
    // are not kept apart by port, so whatever it sets, the app receives.
    other = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/shadow') {
        res.setHeader('Set-Cookie', [
          // Sent before the app's own cookies on /callback (longer paths first).
          `fsc_browser=${PLANTED_ID}; Path=/callback; HttpOnly`,
          `fsc_session=${PLANTED_ID}; Path=/callback; HttpOnly`,
          // Chromium refuses a __Host- cookie with another path: nothing can shadow those.
          `__Host-fsc_browser=${PLANTED_ID}; Path=/callback; Secure; HttpOnly`,
        ]);
      } else if (u.pathname === '/bomb') {
        res.setHeader(
          'Set-Cookie',
          ['a', 'b', 'c'].map((n) => `bomb_${n}=${n.repeat(3500)}; Path=/`),
        );
      }
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>another local app</title><p>done</p>');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => (other ? other.close(() => r()) : r()));
    await b?.close();
    await h?.close();
  });

  it('the launch link signs Chromium in with an HttpOnly __Host- cookie and leaves the address bar and the history', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await page.goto(h.launchUrl!);
    expect(page.url()).toBe(`${h.baseUrl}/`);
    expect(await page.locator('h1').first().textContent()).not.toContain('Sign in');
    const session = (await context.cookies()).find((c) => c.name === '__Host-fsc_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(session?.value).not.toBe(h.accessToken);
    // The link's address is not a history entry: back goes to where the tab was before.
    await page.goBack();
    expect(page.url()).toBe('about:blank');

    // Sign out from the header: the login page says so, and the pages ask for the token again.
    await page.goto(`${h.baseUrl}/status`);
    await Promise.all([page.waitForURL(`${h.baseUrl}/login?signed_out=1`), page.click('#signout button')]);
    expect(await page.locator('#login-signed-out').textContent()).toContain('You are signed out');
    // Not the hint for a browser that lost its cookie: this one signed out on purpose.
    expect(await page.locator('#login-how').textContent()).not.toContain('did not keep the sign-in cookie');
    expect(await page.locator('#signout').count()).toBe(0);
    await page.goto(`${h.baseUrl}/status`);
    expect(page.url()).toBe(`${h.baseUrl}/login?next=%2Fstatus`);

    // Another browser (no link opened): every page sends it to a page saying how to get in.
    const stranger = await b.browser.newContext();
    const other = await stranger.newPage();
    const res = await other.goto(`${h.baseUrl}/setup`);
    expect(res?.status()).toBe(200);
    expect(other.url()).toBe(`${h.baseUrl}/login?next=%2Fsetup`);
    expect(await other.locator('#login-how').textContent()).toContain(
      'Open the link the app printed in its terminal',
    );
    // The link as this app prints it: its own address and port, not the default's.
    expect(await other.locator('#login-how').textContent()).toContain(`${h.baseUrl}/?token=…`);
    expect(await other.textContent('body')).not.toContain('Reveal');
    await stranger.close();
    await context.close();
  });

  it('a page on another port that sets path=/callback cookies does not break the sign-in', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await openApp(page, h.launchUrl);
    await page.goto(`${otherOrigin}/shadow`);
    await page.goto(`${h.baseUrl}/`);
    await page.click('text=Connect Fitbit');
    await page.waitForSelector('button[value="allow"]');
    const callback = page.waitForRequest((r) => r.url().startsWith(`${h.baseUrl}/callback`));
    await page.click('button[value="allow"]');
    const callbackCookies = (await (await callback).allHeaders()).cookie ?? '';
    // The result page, or the error page the shadow once caused ("started in another browser").
    await page.waitForSelector('#result-title, [data-code]');
    expect(await page.locator('[data-code]').count()).toBe(0);
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    // The attack was live: Chromium sent the planted cookie to /callback, first.
    expect(callbackCookies.startsWith(`fsc_browser=${PLANTED_ID}`)).toBe(true);
    expect(callbackCookies).not.toContain(`__Host-fsc_browser=${PLANTED_ID}`);
    await context.close();
  });

  it('a cookie bomb from another port gets a page saying how to clear cookies, not a new browser id', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await openApp(page, h.launchUrl);
    const idBefore = (await context.cookies()).find((c) => c.name === '__Host-fsc_browser')?.value;
    await page.goto(`${otherOrigin}/bomb`);
    const res = await page.goto(`${h.baseUrl}/status`);
    expect(res?.status()).toBe(431);
    expect(await page.locator('[data-code]').getAttribute('data-code')).toBe('cookies_unreadable');
    expect(await page.textContent('body')).toContain('Clear this browser’s cookies for 127.0.0.1');
    expect(await res?.headerValue('set-cookie')).toBeNull();
    expect((await context.cookies()).find((c) => c.name === '__Host-fsc_browser')?.value).toBe(idBefore);
    await context.close();
  });
});
