// In real Chromium: a page on another site (http://localhost:<port>, while the app is at
// http://127.0.0.1:<port>) POSTs forms at the app's actions; every one is refused and nothing changes.
// And no page of the app reports a Content-Security-Policy violation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { type LaunchedBrowser, launchChromium, skipBrowser } from './chromium.js';

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
      const action = new URL(req.url ?? '/', 'http://x').searchParams.get('action') ?? '/check';
      res.setHeader('Content-Type', 'text/html');
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
    await h?.close();
    await b?.close();
  });

  it('refuses cross-site form POSTs to every action, and nothing changes', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/status`); // the victim has the app open: its cookie exists
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
      expect(await page.locator('[data-code]').getAttribute('data-code')).toBe('csrf_invalid');
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
    await page.waitForSelector('#result-title');
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
