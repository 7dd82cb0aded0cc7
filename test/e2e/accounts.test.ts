// Several accounts in real Chromium, as a household's admin goes: add a person on /setup, let the sandbox
// play the administrator (Run it on the sandbox), connect that account as its person, and read every
// account's verdict on the status page; each page fits a phone, with full-page screenshots of each.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';
import { screenshots } from './screenshots.js';

const shoot = screenshots('accounts');

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
    await b?.close();
    await h?.close();
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
