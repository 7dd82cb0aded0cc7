import { defineConfig } from 'vitest/config';

// One run covers unit, integration and browser tests. Browser tests decide for themselves whether
// Chromium is present (test/e2e/chromium.ts); with CI=true a missing Chromium fails the run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
