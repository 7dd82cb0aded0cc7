// The third journey in real Chromium: the status page an admin trusts. Revocation turns the page to
// needs re-authorization (through the end-to-end check), one click re-authorizes; and a Testing-status
// Google client's token dies after 7 days on the provider's clock.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';

async function connectInBrowser(page: Page, h: Harness): Promise<void> {
  await openApp(page, h.launchUrl);
  await page.click('text=Connect Fitbit');
  await page.waitForSelector('button[value="allow"]');
  await page.click('button[value="allow"]');
  await checkOutcome(page);
  expect(await page.locator('#result-title').textContent()).toContain('Connected');
}

const overall = (page: Page) => page.locator('#overall').getAttribute('data-overall');

describe.skipIf(skipBrowser)('browser: status page and re-authorize', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, logLevel: 'warn' });
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('revoked → the end-to-end check says needs re-authorization → Re-authorize, Allow → Snowflake’s cached token until T → after T the check proves it: connected, with the history', async () => {
    const page = await b.browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await connectInBrowser(page, h);
    await page.click('nav >> text=Status');
    await page.waitForSelector('#overall');
    expect(await overall(page)).toBe('connected');
    expect(await page.locator('#steps-chart rect.bar').count()).toBe(30);

    expect((await h.oauthControl('/sandbox/revoke-all')).status).toBe(200);
    await page.click('#run-check');
    await page.waitForSelector('#overall[data-overall="needs_reauth"]');
    expect(await page.locator('#overall-why').textContent()).toContain('re-authorize');
    expect(await page.locator('#last-check').textContent()).toContain('failed');
    expect(await page.locator('#reauthorize').getAttribute('class')).toContain('primary');

    await page.click('#reauthorize');
    await page.waitForSelector('button[value="allow"]');
    // Re-authorization asks for consent again (prompt=consent).
    expect(page.url()).toContain('prompt=consent');
    await page.click('button[value="allow"]');
    await checkOutcome(page);
    // Snowflake keeps the revoked grant's access token cached across the ALTER SECRET (the stand-in's
    // cautious default): the result page says so, and until when, rather than claiming either verdict.
    expect(await page.locator('#result-title').textContent()).toContain(
      'The token was written, but Snowflake is still using its old cached access token',
    );
    const until = await page.locator('#cached-token').getAttribute('data-until');
    expect(Date.parse(until ?? '')).toBeGreaterThan(Date.now());
    expect(await page.locator('#cached-token-fix').textContent()).toContain('Wait until');
    expect(await page.locator('#cached-token-fix time').first().getAttribute('datetime')).toBe(until);
    expect(await page.locator('#check-result').textContent()).toContain('failed on the old cached token');
    await page.click('nav >> text=Status');
    await page.waitForSelector('#overall');
    expect(await overall(page)).toBe('cached_token');
    expect(await page.locator('#cached-token').textContent()).toContain('until');
    expect(await page.locator('#cached-token time').first().getAttribute('datetime')).toBe(until);

    // After T on the provider's and Snowflake's clocks, one click proves the new token.
    await h.advanceClocks(3600 + 60);
    await page.click('#run-check');
    await page.waitForSelector('#overall[data-overall="connected"]');
    expect(await page.locator('#last-check').textContent()).toContain('passed');
    expect(await page.locator('#change').textContent()).toMatch(
      /Was:.*revoked or expired.*Now:.*connected as/s,
    );

    const types = await page
      .locator('#history tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    // Newest first: the check that proved the new token, the check on the old cached token, the
    // re-authorization, the failed check, the check after the first connect, the first connect.
    expect(types.slice(0, 6)).toEqual(['check', 'check', 'reauthorize', 'check', 'check', 'connect']);
    const text = await page.locator('#history').textContent();
    expect(text).toContain('Re-authorized');
    expect(text).toContain('End-to-end check failed');
    expect(text).toContain('Connected');
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.close();
  });
});

describe.skipIf(skipBrowser)('browser: Testing-status Google client', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, clientStatus: 'testing', logLevel: 'warn' });
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('shows the date the token dies; 7 days later on the provider’s clock the check says needs re-authorization', async () => {
    const page = await b.browser.newPage();
    const before = Date.now();
    await connectInBrowser(page, h);
    await page.click('nav >> text=Status');
    await page.waitForSelector('#overall');
    // The expiry comes from the token response's refresh_token_expires_in (7 days for a Testing client).
    const at = Date.parse((await page.locator('#expiry-at time').getAttribute('datetime')) ?? '');
    expect(at).toBeGreaterThan(before + 7 * 86400_000 - 120_000);
    expect(at).toBeLessThan(Date.now() + 7 * 86400_000 + 120_000);
    expect(await page.locator('#testing-client').textContent()).toContain('Publish app');
    // Warned about the weekly expiry, but working.
    expect(await overall(page)).toBe('warning');
    expect(await page.locator('[data-check-id="client_status"]').getAttribute('data-status')).toBe('warning');

    // The provider's clock moves 7 days: its refresh token is dead. The app's clock did not move, so it
    // learns this the way it would in production: Snowflake's refresh fails with invalid_grant.
    expect((await h.oauthControl('/sandbox/advance-clock', { seconds: 7 * 86400 + 60 })).status).toBe(200);
    await page.click('#run-check');
    await page.waitForSelector('#overall[data-overall="needs_reauth"]');
    const check = await page.locator('[data-check-id="end_to_end"]').textContent();
    expect(check).toContain('revoked or expired');
    expect(await page.locator('#testing-client').textContent()).toContain('7 days');
    await page.close();
  });
});
