// The invite journey in real Chromium: the admin makes an invite for an added account on /invites; a
// participant in a browser of their own (no admin session, no cookies) opens the link, sees who is asking
// and what is shared, continues to the (sandbox) consent page, allows, and lands on a page that says they
// are done, with no way into the rest of the app. Each page at a desktop and a phone width: a full-page
// screenshot (under a temp directory, or FSC_SHOTS_DIR) and no sideways overflow.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount } from '../support/accounts.js';
import { type Harness, startHarness } from '../support/app-harness.js';
import { type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';
import { screenshots } from './screenshots.js';

const shoot = screenshots('invites');
const FROM = 'Dr. Lee, sleep study';

/** No way into the admin's pages: no navigation, no link to them. */
async function linksNowhere(page: Page): Promise<void> {
  expect(await page.locator('header nav').count()).toBe(0);
  for (const href of ['/', '/status', '/setup', '/invites'])
    expect(await page.locator(`a[href="${href}"]`).count(), href).toBe(0);
}

describe.skipIf(skipBrowser)('browser: invite journey', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, logLevel: 'warn' });
    await addAccount(h, 'alice', 'Alice');
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('the admin makes a link; a participant opens it, allows, and is done, seeing nothing else', async () => {
    // The admin, signed in with the launch link.
    const admin = await b.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openApp(admin, h.launchUrl, '/invites');
    await admin.selectOption('#invite-account', 'alice');
    await admin.fill('#invite-from', FROM);
    await admin.click('#invite-create');
    const link = (await admin.locator('#invite-link').textContent())?.trim() ?? '';
    expect(link).toMatch(new RegExp(`^${h.baseUrl}/invite/[A-Za-z0-9_-]{43}$`));
    // The Copy button puts the whole link on the clipboard (app.js: CSP allows no inline script).
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.baseUrl });
    await admin.click('#copy-invite-link');
    await admin.waitForFunction(
      "document.querySelector('#copy-invite-link + .copied')?.textContent === 'Copied.'",
    );
    expect(await admin.evaluate('navigator.clipboard.readText()')).toBe(link);
    // At a phone's width the link wraps inside its card: nothing of it hides in a scrolling box.
    await admin.setViewportSize({ width: 390, height: 844 });
    const box = (await admin.evaluate(`(() => {
      const code = document.getElementById('invite-link');
      const holder = code.parentElement;
      return {
        right: code.getBoundingClientRect().right,
        cardRight: document.getElementById('invite-created').getBoundingClientRect().right,
        hidden: holder.scrollWidth - holder.clientWidth,
      };
    })()`)) as { right: number; cardRight: number; hidden: number };
    expect(box.hidden).toBeLessThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(box.cardRight);
    await admin.setViewportSize({ width: 1280, height: 900 });
    await shoot(admin, 'invites-created');

    // The participant: another browser context, so no cookie of the admin's.
    const context = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text());
    });
    await page.goto(link);
    expect(await page.locator('h1').textContent()).toContain(FROM);
    expect(await page.locator('#invite-kinds li').count()).toBeGreaterThan(1);
    expect(await page.locator('#invite-withdraw a').getAttribute('href')).toBe(
      h.services.profile.accountPermissionsUrl,
    );
    await linksNowhere(page);
    await shoot(page, 'invite-landing');

    await page.click('#invite-continue');
    await page.waitForSelector('button[value="allow"]');
    await page.click('button[value="allow"]');
    await page.waitForSelector('#invite-done');
    expect(page.url()).toMatch(/\/invite-result\/[A-Za-z0-9_-]+$/);
    expect(await page.locator('#invite-done-title').textContent()).toContain(`Done: ${FROM}`);
    expect(await page.locator('#invite-done-who').textContent()).toContain('alice@example.com');
    await linksNowhere(page);
    await shoot(page, 'invite-done');

    // The same link again: refused, saying when it was used; and the status page stays closed.
    await page.goto(link);
    expect(await page.locator('#invite-error').getAttribute('data-code')).toBe('invite_used');
    await linksNowhere(page);
    await shoot(page, 'invite-used');
    await page.goto(`${h.baseUrl}/status`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

    // The admin sees who connected.
    await admin.goto(`${h.baseUrl}/invites`);
    const row = admin.locator('tr.invite[data-state="used"]');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('alice@example.com');
    await shoot(admin, 'invites-list');
    await context.close();
    await admin.close();
  });
});
