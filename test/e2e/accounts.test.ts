// Several accounts in real Chromium, as a household's admin goes: add a person on /setup, let the sandbox
// play the administrator (Run it on the sandbox), connect that account as its person, and read every
// account's verdict on the status page; each page fits a phone, with full-page screenshots of each.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

const SHOTS = process.env.FSC_SHOTS_DIR ?? mkdtempSync(path.join(tmpdir(), 'fsc-accounts-'));
mkdirSync(SHOTS, { recursive: true });

/** At a desktop and a phone width: no sideways overflow, and a full-page screenshot. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const [scrollWidth, innerWidth] = (await page.evaluate(
      '[document.documentElement.scrollWidth, window.innerWidth]',
    )) as [number, number];
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    expect(scrollWidth, `${name} at ${width} px is ${scrollWidth} px wide`).toBeLessThanOrEqual(innerWidth);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe.skipIf(skipBrowser)('browser: several accounts', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  let page: Page;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, logLevel: 'warn' });
    page = await b.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openApp(page, h.launchUrl);
  });
  afterAll(async () => {
    await h?.close();
    await b?.close();
  });

  it('adds a person, runs their SQL on the sandbox, connects them, and shows each account', async () => {
    await page.goto(`${h.baseUrl}/setup`);
    await page.fill('#account-label', 'alice');
    await page.fill('#account-person', 'Alice');
    await Promise.all([page.waitForURL(/#script-account-alice/), page.click('#add-account-button')]);

    // Before the SQL ran: the account's status page says so, and offers no Connect.
    await page.goto(`${h.baseUrl}/status?account=alice`);
    expect(await page.locator('#account-not-ready').textContent()).toContain('Setup page');
    expect(await page.locator('#connect').count()).toBe(0);
    await shoot(page, 'status-account-not-ready');

    await page.goto(`${h.baseUrl}/setup#script-account-alice`);
    await Promise.all([
      page.waitForURL(/\/status\?account=alice$/),
      page.click('#run-account-alice button[type="submit"]'),
    ]);
    await page.click('#connect');
    await page.waitForSelector('button[value="allow"]');
    await page.check('input[name="user"][value="alice"]');
    await page.click('button[value="allow"]');
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    expect(await page.locator('body').textContent()).toContain('FITBIT_OAUTH_TOKEN_ALICE');

    await page.goto(`${h.baseUrl}/status?account=alice`);
    const rows = await page
      .locator('#accounts-table tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-account'), tr.getAttribute('data-overall')]),
      );
    expect(rows).toEqual([
      ['default', 'not_connected'],
      ['alice', 'connected'],
    ]);
    expect(await page.locator('h1').textContent()).toContain('Alice');
    await shoot(page, 'status-two-accounts');
    await page.goto(`${h.baseUrl}/`);
    expect(await page.locator('#home-accounts').textContent()).toContain('Alice (alice)');
    await shoot(page, 'home-two-accounts');
  });
});
