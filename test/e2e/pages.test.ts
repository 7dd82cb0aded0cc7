// Every page in real Chromium at a desktop and a phone width: a full-page screenshot of each (kept under a
// temp directory, or FSC_SHOTS_DIR), no page wider than the screen, and what each page must say at a
// glance: accounts by email, times people read (ISO only on hover), a chart with axes, problems first.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';
import { type LaunchedBrowser, launchChromium, openApp, skipBrowser } from './chromium.js';
import { screenshots } from './screenshots.js';

const shoot = screenshots('pages');
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Every <time> carries its ISO 8601 in datetime and on hover, and shows something else. */
async function checkTimes(page: Page): Promise<number> {
  const times = await page
    .locator('time')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('datetime'), e.getAttribute('title'), e.textContent]),
    );
  for (const [datetime, title, text] of times) {
    expect(new Date(datetime ?? '').toISOString()).toBe(datetime);
    expect(title).toBe(datetime);
    expect(text).not.toMatch(ISO);
    expect(text).toMatch(/\d{4}, \d{2}:\d{2} \S+$/); // 1 Dec 2026, 17:44 UTC
  }
  // No bare ISO timestamp in what the page shows.
  expect(await shown(page)).not.toMatch(ISO);
  return times.length;
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

/** What the page shows a reader: rendered text, so a closed <details> keeps its content out of it. */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here.
const shown = (page: Page) => page.locator('body').innerText();

describe.skipIf(skipBrowser)('browser: every page, desktop and phone', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  let page: Page;
  const notFound: string[] = [];
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({ listen: true, logLevel: 'warn' });
    page = await b.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('response', (r) => {
      if (r.status() === 404) notFound.push(r.url());
    });
    // Signed in as a person is: with the link `npm start` printed.
    await openApp(page, h.launchUrl);
  });
  // The app's stop is bounded, not instant: this file ends with a held token (the switch question), which the
  // stop disposes of by the rule, asking Snowflake first; under a loaded CI machine that took over 30 s twice.
  afterAll(async () => {
    await b?.close();
    await h?.close();
  }, 90_000);

  it('before a connect: home invites one in plain words, with no Re-authorize anywhere; a favicon, no 404', async () => {
    await page.goto(`${h.baseUrl}/`);
    const lead = (await text(page, '.lead')) ?? '';
    expect(lead).not.toMatch(/OAuth|PKCE|refresh token/);
    expect(lead).toContain('Google account');
    expect(await page.locator('#connect.primary').textContent()).toBe('Connect Fitbit');
    expect(await page.locator('#home-reauthorize, #reauthorize').count()).toBe(0);
    expect(await page.locator('#snowflake-not-ready').count()).toBe(0);
    expect(await page.locator('head link[rel="icon"]').getAttribute('href')).toBe('/public/favicon.svg');
    await shoot(page, 'home');
    await page.goto(`${h.baseUrl}/status`);
    expect(await page.locator('#reauthorize').count()).toBe(0);
    await shoot(page, 'status-not-connected');
    const ico = await fetch(`${h.baseUrl}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toContain('image/svg+xml');
    expect(notFound).toEqual([]);
  });

  it('the result page names the account by its email, the ID beside it, and says when in local time', async () => {
    await page.goto(`${h.baseUrl}/`);
    await page.click('#connect');
    await page.waitForSelector('button[value="allow"]');
    await page.click('button[value="allow"]');
    await page.waitForSelector('#result-title');
    const who = (await text(page, '#user-id')) ?? '';
    expect(who).toMatch(/^alice@example\.com \(ID 4815162342\)/);
    expect(await checkTimes(page)).toBeGreaterThan(0);
    // Scope URLs wrap at their slashes and dots.
    expect(await page.locator('code.scope wbr').count()).toBeGreaterThan(0);
    await shoot(page, 'result');
  });

  it('home and status after it: the email everywhere an account appears, times people read', async () => {
    await page.goto(`${h.baseUrl}/`);
    expect(await text(page, '#connected-as')).toBe('alice@example.com (ID 4815162342)');
    expect(await page.locator('#home-reauthorize').count()).toBe(1);
    expect(await checkTimes(page)).toBeGreaterThan(0);
    await shoot(page, 'home-connected');

    await page.goto(`${h.baseUrl}/status`);
    expect(await page.locator('#overall').getAttribute('data-overall')).toBe('connected');
    expect(await text(page, '#last-connect')).toContain('alice@example.com (ID 4815162342)');
    expect(await text(page, '#last-check')).toContain('as alice@example.com (ID 4815162342)');
    expect(await text(page, '#history')).toContain('alice@example.com (ID 4815162342)');
    expect(await page.locator('#reauthorize').count()).toBe(1);
    expect(await checkTimes(page)).toBeGreaterThan(3);
    await shoot(page, 'status');
  });

  it('status when all is well: the verdict, then the chart and history above the fold; the passing checks folded', async () => {
    await page.goto(`${h.baseUrl}/status`);
    expect(await page.locator('#attention').count()).toBe(0);
    const passed = page.locator('details#checks-passed');
    expect(await passed.getAttribute('open')).toBeNull();
    const summary = (await text(page, 'details#checks-passed > summary')) ?? '';
    const n = Number(/^(\d+) checks passed$/.exec(summary)?.[1]);
    expect(n).toBe(await page.locator('details#checks-passed tr[data-status="ok"]').count());
    expect(n).toBeGreaterThan(10);
    // On a desktop screen the chart and the start of the history are in view without scrolling.
    for (const selector of ['#steps-chart svg', '#history tbody tr']) {
      const box = await page.locator(selector).first().boundingBox();
      expect(box!.y + Math.min(box!.height, 40), selector).toBeLessThan(900);
    }
  });

  it('the steps chart: a titled, described SVG with a value scale, a date axis and a 7-day average', async () => {
    const svg = page.locator('#steps-chart svg');
    expect(await svg.getAttribute('role')).toBe('img');
    expect(await svg.getAttribute('aria-labelledby')).toBe('steps-chart-title steps-chart-desc');
    expect(await text(page, '#steps-chart-title')).toMatch(/^Daily steps, \d+ \w{3} to \d+ \w{3}$/);
    expect(await text(page, '#steps-chart-desc')).toMatch(/^30 days from .*steps in all.*a day on average/);
    expect(await page.locator('#steps-chart rect.bar').count()).toBe(30);
    const yLabels = await page.locator('#steps-chart .y-axis text').allTextContents();
    expect(yLabels[0]).toBe('0');
    expect(yLabels.length).toBeGreaterThanOrEqual(3);
    const xLabels = await page.locator('#steps-chart .x-axis text').allTextContents();
    expect(xLabels).toHaveLength(5);
    for (const l of xLabels) expect(l).toMatch(/^\d{1,2} [A-Z][a-z]{2}$/);
    expect(await page.locator('#steps-chart polyline.average').count()).toBe(1);
  });

  it('setup: one script open at a time, a disabled Copy that looks it, the RSA key filled in, reveal keeps your place', async () => {
    await page.goto(`${h.baseUrl}/setup`);
    const open = () =>
      page
        .locator('details.script')
        .evaluateAll((ds) => ds.filter((d) => (d as unknown as { open: boolean }).open).map((d) => d.id));
    await expect.poll(open, { timeout: 10_000 }).toEqual(['script-setup-google-health']);
    const copy = page.locator('#copy-setup-google-health');
    expect(await copy.getAttribute('aria-disabled')).toBe('true');
    expect(
      await page.evaluate('getComputedStyle(document.getElementById("copy-setup-google-health")).cursor'),
    ).toBe('not-allowed');
    const sql = (await text(page, '#sql-setup-google-health')) ?? '';
    expect(sql).not.toContain('PASTE_THE_APP_RSA_PUBLIC_KEY_HERE');
    expect(sql).toMatch(/RSA_PUBLIC_KEY = 'MIIBIjAN[A-Za-z0-9+/=]+'/);
    await shoot(page, 'setup');
    // The page is no longer a scroll through every script.
    expect(await page.evaluate('document.documentElement.scrollHeight')).toBeLessThan(4000);

    await page.click('.script-tab[data-script="teardown"]');
    await expect.poll(open, { timeout: 10_000 }).toEqual(['script-teardown']);
    await page.click('.script-tab[data-script="setup-google-health"]');
    await expect.poll(open, { timeout: 10_000 }).toEqual(['script-setup-google-health']);

    // Reveal from the script itself: the answer comes back at that script, open.
    await page.locator('#reveal-setup-google-health').scrollIntoViewIfNeeded();
    await page.click('#reveal-setup-google-health');
    await page.waitForSelector('#hide-secret');
    expect(new URL(page.url()).hash).toBe('#script-setup-google-health');
    await expect.poll(open, { timeout: 10_000 }).toEqual(['script-setup-google-health']);
    const top = (await page.locator('#script-setup-google-health').boundingBox())!.y;
    expect(top).toBeGreaterThanOrEqual(-1);
    expect(top).toBeLessThan(200);
    expect(await copy.getAttribute('aria-disabled')).toBeNull();
    expect(await copy.isDisabled()).toBe(false);
  });

  it('after a revocation: what Snowflake said appears once, behind a disclosure; the network rule stays proven', async () => {
    expect((await h.oauthControl('/sandbox/revoke-all')).status).toBe(200);
    await page.goto(`${h.baseUrl}/status`);
    await page.click('#run-check');
    await page.waitForSelector('#overall[data-overall="needs_reauth"]');
    const raw = (html: string) => html.split('FITBIT_CONNECT_ERROR[').length - 1;
    expect(raw(await page.content())).toBe(1);
    expect(raw(await shown(page))).toBe(0);
    const row = page.locator('#attention [data-check-id="end_to_end"]');
    expect(await row.locator('.detail').textContent()).toBe(
      'The last check failed: the token was revoked or expired.',
    );
    await row.locator('details.said > summary').click();
    expect(raw(await shown(page))).toBe(1);
    expect(await page.locator('[data-check-id="network_rule"]').getAttribute('data-status')).toBe('ok');
    expect(await page.locator('#attention [data-check-id="network_rule"]').count()).toBe(0);
    await shoot(page, 'status-revoked');
  });

  it('switching accounts: the question names both accounts by email', async () => {
    await page.goto(`${h.baseUrl}/connect`);
    await page.waitForSelector('button[value="allow"]');
    await page.check('input[name="user"][value="bob"]');
    await page.click('button[value="allow"]');
    await page.waitForSelector('#switch');
    expect(await text(page, '#switch-you')).toBe('bob@example.com (ID 7788990011)');
    expect(await text(page, '#switch-previous')).toBe('alice@example.com (ID 4815162342)');
    expect(await checkTimes(page)).toBeGreaterThan(0);
    await shoot(page, 'switch');
    await page.click('#cancel-held');
    await page.waitForSelector('#overall');
    expect(await text(page, '#history tbody tr')).toContain('bob@example.com (ID 7788990011)');
  });

  it('an error page says its title once', async () => {
    await page.goto(`${h.baseUrl}/no-such-page`);
    expect(await page.locator('h1').textContent()).toBe('Nothing here');
    expect(await page.locator('main h2').count()).toBe(0);
    expect(await page.locator('[data-code="not_found"]').count()).toBe(1);
    await shoot(page, 'error');
  });
});

describe.skipIf(skipBrowser)('browser: the sign-in page of an app started with ADMIN_TOKEN', () => {
  let h: Harness;
  let b: LaunchedBrowser;
  beforeAll(async () => {
    b = await launchChromium();
    h = await startHarness({
      listen: true,
      logLevel: 'warn',
      tweak: (c) => ({ ...c, adminToken: 'pages-test-admin-token-0123456789abcdef' }),
    });
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('fits a phone and a desktop', async () => {
    const page = await b.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${h.baseUrl}/login`);
    await page.waitForSelector('#login-form');
    await shoot(page, 'login');
  });
});
