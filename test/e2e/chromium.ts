// Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (never a
// downloaded browser). Without Chromium the browser tests are skipped locally, but with CI=true a
// missing Chromium fails the run.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Use as `describe.skipIf(skipBrowser)(…)`; in CI, `requireChromium()` in beforeAll fails loudly instead. */
export const skipBrowser = !hasChromium && !isCI;

export function requireChromium(): void {
  if (!hasChromium)
    throw new Error(`Chromium not found at ${CHROMIUM}: CI must install Debian's chromium (.ci/run does).`);
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules=…` to send a name elsewhere. */
export async function launchChromium(extraArgs: string[] = []): Promise<LaunchedBrowser> {
  requireChromium();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      ...extraArgs,
    ],
  });
  return {
    browser,
    async close() {
      // playwright gives each launch a fresh, empty profile directory and removes it on close.
      await browser.close();
    },
  };
}

/**
 * Waits on the result page until the check's outcome is in: the page says "written" at once, and its
 * script replaces that with the outcome when the events stream brings it (no reload).
 */
export async function checkOutcome(page: Page): Promise<void> {
  await page.waitForSelector('#result-title');
  await page.waitForSelector('#check-progress', { state: 'detached' });
}

/**
 * Opens the app as a person does after `npm start`: the link it printed (its launch token signs the
 * browser in and drops out of the address), then `path` when given.
 */
export async function openApp(page: Page, launchUrl: string | undefined, path?: string): Promise<void> {
  if (!launchUrl) throw new Error('openApp needs a harness started with listen: true (and the token gate)');
  await page.goto(launchUrl);
  if (page.url().includes('token=')) throw new Error(`the launch link did not sign in: ${page.url()}`);
  if (path) await page.goto(new URL(path, launchUrl).href);
}
