// In real Chromium: a page on another site (http://localhost:<port>, while the app is at
// http://127.0.0.1:<port>) POSTs forms at the app's actions and embeds its pages as images; every one is
// refused by the Fetch Metadata policy and nothing changes, while a link to /connect still works.
// And no page of the app reports a Content-Security-Policy violation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

describe.skipIf(skipBrowser)('browser: security', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  let attacker: http.Server;
  let attackerOrigin: string;
  let target = '';
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true });
    // The attacker's page: a form that auto-submits to whatever action the test names.
    attacker = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('Content-Type', 'text/html');
      if (u.pathname === '/img') {
        // Subresources aimed at the app's GETs with side effects, and a plain link to /connect.
        res.end(
          `<!doctype html><img id="i1" src="${target}/connect"><img id="i2" src="${target}/status"><img id="i3" src="${target}/status.json"><a id="go" href="${target}/connect">Connect</a>`,
        );
        return;
      }
      const action = u.searchParams.get('action') ?? '/check';
      res.end(
        `<!doctype html><form id="f" method="post" action="${target}${action}"><input name="_csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    target = h.baseUrl!;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
    await b?.close();
    await h?.close();
  });

  it('refuses cross-site form POSTs to every action, and nothing changes', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await openApp(page, h.launchUrl, '/status'); // the victim has the app open: its cookies exist
    const before = { events: h.services.events.recent(1000).length, pending: h.services.pending.size };
    for (const action of ['/check', '/reauthorize', '/held/abcdefghijkl/save']) {
      const sent: Record<string, string>[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().startsWith(h.baseUrl!)) sent.push(r.headers());
      });
      const response = page.waitForResponse((r) => r.url() === `${h.baseUrl}${action}`);
      await page.goto(`${attackerOrigin}/?action=${encodeURIComponent(action)}`);
      const res = await response;
      expect(res.status(), action).toBe(403);
      // Refused by the Fetch Metadata policy (a cross-site POST), before the CSRF check would refuse it.
      expect(await page.locator('[data-code]').getAttribute('data-code')).toBe('csrf_invalid');
      expect(await page.textContent('body')).toContain('A request from another site was refused');
      // What Chromium said about the request: another site, and (SameSite=Lax) no cookie.
      const all = await res.request().allHeaders();
      expect(all['sec-fetch-site']).toBe('cross-site');
      expect(all.cookie ?? '').not.toContain('fsc_browser=');
      page.removeAllListeners('request');
    }
    expect({ events: h.services.events.recent(1000).length, pending: h.services.pending.size }).toEqual(
      before,
    );
    await context.close();
  }, 60_000);

  it('an <img src> on another site’s page starts no sign-in and signs in to nothing; its link still works', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await openApp(page, h.launchUrl, '/status'); // the victim has the app open: its cookies exist
    const pendingBefore = h.services.pending.size;
    const statements = async () => {
      const body = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as
        | { statements: unknown[] }
        | unknown[];
      return (Array.isArray(body) ? body : body.statements).length;
    };
    const statementsBefore = await statements();
    // helmet's Cross-Origin-Resource-Policy keeps the page from reading the answers (the loads fail in
    // the browser), but the requests still reach the app: what matters is what the app did with them.
    const sent: string[] = [];
    const settle = (r: { url(): string }) => {
      if (r.url().startsWith(h.baseUrl!)) sent.push(new URL(r.url()).pathname);
    };
    page.on('requestfailed', settle);
    page.on('requestfinished', settle);
    const logged = h.logs.length;
    await page.goto(`${attackerOrigin}/img`);
    await expect.poll(() => sent.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const answers = h.logs
      .slice(logged)
      .map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number })
      .filter((l) => l.msg === 'request');
    for (const p of ['/connect', '/status', '/status.json'])
      expect(answers.find((a) => a.path === p)?.status, p).toBe(403);
    expect(h.services.pending.size).toBe(pendingBefore);
    expect(await statements()).toBe(statementsBefore);

    // Following the link is a top-level navigation: the sign-in starts and the provider's page opens.
    await page.click('#go');
    await page.waitForURL((u) => u.href.startsWith(h.oauthUrl));
    expect(h.services.pending.size).toBe(pendingBefore + 1);
    await context.close();
  }, 60_000);

  it('reports no Content-Security-Policy violation on any page', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    await page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
    // A string, not a function: this project's TypeScript has no DOM types.
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));",
    );
    const visited: string[] = [];
    const visit = async (p: string) => {
      await page.goto(`${h.baseUrl}${p}`);
      await page.waitForLoadState('load');
      visited.push(page.url());
    };
    await visit('/login');
    await visit('/?token=a-wrong-token');
    await openApp(page, h.launchUrl);
    visited.push(page.url());
    await visit('/');
    await visit('/status');
    await visit('/setup');
    await visit('/no-such-page');
    await visit('/callback?code=x&state=unknown');
    // The whole journey: consent page (the stand-in's own) and the result page.
    await visit('/');
    await page.click('text=Connect Fitbit');
    await page.waitForSelector('button[value="allow"]');
    await page.click('button[value="allow"]');
    await checkOutcome(page); // the check's stages stream in: no violation there either
    visited.push(page.url());
    // An action through the app's own form: Re-authorize leaves for the provider (form-action allows it).
    await visit('/status');
    await page.click('#run-check');
    await page.waitForLoadState('load');
    await page.click('#reauthorize');
    await page.waitForSelector('button[value="allow"]');
    visited.push(page.url());
    expect(visited.length).toBeGreaterThan(7);
    expect(violations).toEqual([]);
    await context.close();
  }, 90_000);
});
