// The first journey in real Chromium: open the app, click Connect Fitbit, Allow on the (sandbox)
// consent page, and land on a page that says Snowflake can read the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

describe.skipIf(skipBrowser)('browser: connect journey', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true });
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('connects through the consent page and shows the identity Snowflake fetched', async () => {
    const page = await b.browser.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    // The link `npm start` prints: it signs the browser in and lands on the home page.
    await openApp(page, h.launchUrl);
    expect(page.url()).toBe(`${h.baseUrl}/`);
    await expect(page.locator('#sandbox-banner')).toBeDefined();
    expect(await page.locator('#sandbox-banner').textContent()).toContain('Nothing real is touched');
    await page.click('text=Connect Fitbit');
    // The sandbox consent page: the client's name, the scopes ticked, a choice of user.
    await page.waitForSelector('button[value="allow"]');
    // Every scope of the app's one scope set is asked for, and ticked.
    expect(await page.locator('input[name="scope"]:checked').count()).toBe(h.config.oauth.scopes.length);
    await page.click('button[value="allow"]');
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    expect(await page.locator('#check-result').textContent()).toContain('passed');
    expect(await page.locator('#legacy-id').textContent()).toBe('2E4RVC');
    expect(page.url()).toMatch(/\/result\/[A-Za-z0-9_-]+$/);
    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

    // And Snowflake's own check function now returns the seeded user's identity.
    const rows = await h.admin('SELECT FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() AS R');
    const value = rows[0]?.R as unknown;
    const identity = typeof value === 'string' ? JSON.parse(value) : value;
    expect(identity).toMatchObject({ legacyUserId: '2E4RVC' });
    await page.close();
  });
});
