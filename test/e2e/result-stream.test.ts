// The result page in real Chromium: after Allow it says the secret was written, then the check's stages
// and its outcome stream in without a reload and without inline script (a CSP violation fails the test);
// a check that fails after the write shows the failure the same way; with JavaScript off the page
// reloads itself until the outcome is there. The check is held (holdChecks) so that the "written" page
// can be seen before the outcome, without timing anything.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

/** Collects CSP violations (the page's own event, and Chromium's console report) and console errors. */
async function watchCsp(page: Page): Promise<{ violations: () => Promise<string[]>; errors: string[] }> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // Injected by the browser driver, not by the page: CSP does not apply to it, and it survives navigations.
  // A string, not a function: this project's TypeScript has no DOM types.
  await page.addInitScript(
    "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  return {
    errors,
    violations: () => page.evaluate<string[]>('window.cspViolations'),
  };
}

/** Connect Fitbit, Allow: lands on the result page. */
async function allow(page: Page, h: Harness): Promise<void> {
  await openApp(page, h.launchUrl);
  await page.click('#connect');
  await page.waitForSelector('button[value="allow"]');
  await page.click('button[value="allow"]');
  await page.waitForURL(/\/result\/[A-Za-z0-9_-]+$/);
}

describe.skipIf(skipBrowser)('browser: the result page streams the check', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    await h.snowflakeControl('/sandbox/faults', { clear: true });
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('says written at once, then the stages and the outcome arrive without a reload or inline script', async () => {
    context = await b.browser.newContext();
    const page = await context.newPage();
    const csp = await watchCsp(page);
    const held = h.holdChecks();
    await allow(page, h);
    await held.started;
    // The write is done, the check is waiting: the page says so, and listens.
    expect(await page.locator('#result-title').textContent()).toBe('Token written: Snowflake is checking it');
    await page.waitForSelector('#check-stages li[data-stage="check_started"]');
    expect(await page.locator('#check-stages li').first().getAttribute('data-stage')).toBe('written');
    expect(await page.locator('#check-noscript').count()).toBe(0); // <noscript> stays text with scripts on
    // Marks this document: a reload or a navigation would lose the mark.
    await page.evaluate('window.sameDocument = true');
    const url = page.url();
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    held.release();
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    expect(await page.locator('#check-result').textContent()).toContain('passed');
    expect(await page.title()).toContain('Connected');
    expect(page.url()).toBe(url);
    expect(navigations).toBe(0);
    expect(await page.evaluate('window.sameDocument === true')).toBe(true);
    expect(await csp.violations()).toEqual([]);
    expect(csp.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  });

  it('a check that fails after the write streams the failure into the page', async () => {
    context = await b.browser.newContext();
    const page = await context.newPage();
    const csp = await watchCsp(page);
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: 'FITBIT_CONNECTION_CHECK() AS RESULT' },
    });
    await allow(page, h);
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toBe(
      'Token saved, but Snowflake’s check failed',
    );
    expect(await page.locator('#check-result').textContent()).toContain('failed');
    expect(await page.locator('#check-fix').textContent()).toContain('Fix:');
    expect(await csp.violations()).toEqual([]);
  });

  it('with JavaScript off, the page reloads itself until the outcome is there', async () => {
    context = await b.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const held = h.holdChecks();
    await allow(page, h);
    await held.started;
    expect(await page.locator('#result-title').textContent()).toBe('Token written: Snowflake is checking it');
    // The <noscript> fallback is live: a refresh, and a link to the same page.
    expect(await page.locator('#check-noscript').textContent()).toContain('reloads every 2 seconds');
    const link = await page.locator('#check-noscript a').getAttribute('href');
    expect(new URL(link!, page.url()).href).toBe(page.url());
    held.release();
    // The meta refresh brings the outcome in (a new load of the same address).
    await page.waitForSelector('#check-result', { timeout: 30_000 });
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    expect(await page.locator('#check-result').textContent()).toContain('passed');
  });
});
