// The OAuth stand-in's consent page in real Chromium, as a person meets it: nothing spills sideways at a
// phone's or a desktop's width (long scope URLs included), each checkbox sits on the line of its scope's
// plain name, each seeded user says what it demonstrates, and the browser logs no error (no favicon 404).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthSandbox, startOAuthSandbox } from '../../sandbox/oauth/server.js';
import { fitbit } from '../../server/providers/fitbit.js';
import { googleHealth } from '../../server/providers/google-health.js';
import { type LaunchedBrowser, launchChromium, skipBrowser } from './chromium.js';
import { screenshots, WIDTHS } from './screenshots.js';

const REDIRECT = 'http://localhost:8787/callback';
// Any 43 base64url characters will do: the page is only looked at, never allowed.
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function consentUrl(sb: OAuthSandbox, profile: 'google-health' | 'fitbit'): string {
  const google = profile === 'google-health';
  const url = new URL(google ? '/o/oauth2/v2/auth' : '/oauth2/authorize', sb.url);
  const scopes = google
    ? [...googleHealth.signInScopes, 'profile', ...googleHealth.defaultScopes]
    : fitbit.defaultScopes;
  url.search = new URLSearchParams({
    client_id: google ? 'sandbox-client-id' : '23SBOX',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: scopes.join(' '),
    state: 's1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...(google ? { access_type: 'offline', prompt: 'consent' } : {}),
  }).toString();
  return url.href;
}

// Strings, not functions: this project's TypeScript has no DOM types.
/** Every element that reaches past the body's content box, or whose own content is wider than it. */
const SPILLS = `(() => {
  const body = document.body.getBoundingClientRect();
  const cs = getComputedStyle(document.body);
  const left = body.left + parseFloat(cs.paddingLeft) - 0.5;
  const right = body.right - parseFloat(cs.paddingRight) + 0.5;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (['STYLE', 'SCRIPT'].includes(el.tagName)) continue;
    const r = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '');
    if (r.width > 0 && (r.left < left || r.right > right)) out.push(name + ' spans ' + r.left + '..' + r.right);
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(name + ' overflows itself');
  }
  return out;
})()`;

/** Scopes whose checkbox does not sit beside the first line of its name. */
const LONELY_BOXES = `[...document.querySelectorAll('input[name="scope"]')].filter((box) => {
  const label = box.closest('label');
  const name = label && label.querySelector('.choice-name');
  if (!name) return true;
  const line = name.getClientRects()[0];
  const b = box.getBoundingClientRect();
  return !(b.top < line.bottom && b.bottom > line.top && b.right <= line.left);
}).map((box) => box.value)`;

describe.skipIf(skipBrowser)('browser: the stand-in’s consent page', () => {
  let sb: OAuthSandbox;
  let b: LaunchedBrowser;
  const shoot = screenshots('consent');
  beforeAll(async () => {
    b = await launchChromium();
    sb = await startOAuthSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sb?.close();
    await b?.close();
  });

  async function open(profile: 'google-health' | 'fitbit'): Promise<{ page: Page; errors: string[] }> {
    const page = await b.browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(consentUrl(sb, profile));
    await page.waitForSelector('button[value="allow"]');
    return { page, errors };
  }

  async function expectNoSpill(page: Page, name: string): Promise<void> {
    await shoot(page, name); // the document is no wider than the window, at each width
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      expect(await page.evaluate(SPILLS), `${name} at ${width} px`).toEqual([]);
      expect(await page.evaluate(LONELY_BOXES), `${name} at ${width} px`).toEqual([]);
    }
  }

  it('Google Health: fits 390 and 1280 px; plain scope names over their URLs; a hint per user', async () => {
    const { page, errors } = await open('google-health');
    await expectNoSpill(page, 'google-health');
    const scope = page.locator('label', {
      has: page.locator(`input[value="${googleHealth.defaultScopes[0]}"]`),
    });
    expect(await scope.locator('.choice-name').textContent()).toBe('Activity and fitness');
    expect(await scope.locator('.scope-url').textContent()).toBe(googleHealth.defaultScopes[0]);
    const names = await page.locator('input[name="scope"] ~ * .choice-name').allTextContents();
    expect(names).toEqual(['Activity and fitness', 'Health metrics and measurements', 'Sleep']);
    const hint = (user: string) => page.locator(`#hint-${user}`).textContent();
    expect(await hint('alice')).toContain('legacy Fitbit ID 2E4RVC');
    expect(await hint('bob')).toContain('no legacy Fitbit ID');
    expect(await hint('carol')).toContain('not linked');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Fitbit: fits 390 and 1280 px, with the same layout', async () => {
    const { page, errors } = await open('fitbit');
    await expectNoSpill(page, 'fitbit');
    expect(await page.locator('input[name="user"]').count()).toBe(2); // bob has no Fitbit account
    expect(await page.locator('#hint-carol').textContent()).toContain('Never moved to Google Health');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers /favicon.ico, which browsers ask for on their own', async () => {
    const res = await fetch(`${sb.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/svg+xml');
  });
});
