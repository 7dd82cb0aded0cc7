import { defineConfig } from 'vitest/config';

// One run covers unit, integration and browser tests. Browser tests decide for themselves whether
// Chromium is present (test/e2e/chromium.ts); with CI=true a missing Chromium fails the run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: the files start servers, child processes and Python workers.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine. The
    // files mostly wait on sockets, stand-ins and child processes, so three share two cores well
    // (measured on a fresh clone beside another busy process: 207 s with two workers, 173 s with three).
    maxWorkers: 3,
    setupFiles: ['test/support/setup.ts'],
    // An unhandled error or rejection fails the run (the default; never turn it off).
    dangerouslyIgnoreUnhandledErrors: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
