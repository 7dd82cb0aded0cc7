// Full-page screenshots at a desktop and a phone width, with no sideways overflow: the check every page
// journey makes. The pictures go under FSC_SHOTS_DIR, or a temp directory of the test's own.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const WIDTHS = [1280, 390];

/** `shoot(page, name)` for one test file, its pictures in one folder named after `prefix`. */
export function screenshots(prefix: string): (page: Page, name: string) => Promise<void> {
  const dir = process.env.FSC_SHOTS_DIR ?? mkdtempSync(path.join(tmpdir(), `fsc-${prefix}-`));
  mkdirSync(dir, { recursive: true });
  return async (page, name) => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // Let the layout settle at the new width before measuring it.
      // Strings, not functions: this project's TypeScript has no DOM types.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      const [scrollWidth, innerWidth] = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      await page.screenshot({ path: path.join(dir, `${name}-${width}.png`), fullPage: true });
      expect(scrollWidth, `${name} at ${width} px is ${scrollWidth} px wide`).toBeLessThanOrEqual(innerWidth);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };
}
