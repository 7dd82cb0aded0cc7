// /setup's Accounts section in real Chromium: adding an account through the form opens its SQL (one script
// open at a time, as for the others), and nothing is wider than a phone's screen, long names included.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

const LABEL = 'participant_long_label07'; // the longest label the naming rule allows (24)

async function widthAt(page: Page, width: number): Promise<[number, number]> {
  await page.setViewportSize({ width, height: 900 });
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  return (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [
    number,
    number,
  ];
}

describe.skipIf(skipBrowser)('browser: /setup accounts', () => {
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

  it('adds an account, opens its SQL alone, and fits a phone', async () => {
    await page.goto(`${h.baseUrl}/setup`);
    await page.fill('#account-label', LABEL);
    await page.fill('#account-person', 'A participant with a rather long name, for the layout');
    await Promise.all([page.waitForURL(/#script-account-/), page.click('#add-account-button')]);
    const open = () =>
      page.locator('details.script[open]').evaluateAll((els) => els.map((e) => e.getAttribute('id')));
    await expect.poll(open, { timeout: 10_000 }).toEqual([`script-account-${LABEL}`]);
    const sql = (await page.locator(`#sql-account-${LABEL}`).textContent()) ?? '';
    expect(sql).toContain(`FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_${LABEL.toUpperCase()}`);
    expect(await page.locator(`#copy-account-${LABEL}`).isDisabled()).toBe(false);
    for (const width of [1280, 390]) {
      const [scrollWidth, innerWidth] = await widthAt(page, width);
      expect(scrollWidth, `/setup at ${width} px is ${scrollWidth} px wide`).toBeLessThanOrEqual(innerWidth);
    }
    // Opening a script closes the account's SQL: still one at a time.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click('.script-tab[data-script="teardown"]');
    await expect.poll(open, { timeout: 10_000 }).toEqual(['script-teardown']);
  });
});
