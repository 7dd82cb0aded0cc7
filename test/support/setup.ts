// Runs with every test file (vitest.config.ts setupFiles). Vitest already fails the run on an error
// or rejection nobody handled while a file runs; what fails after a file ended is lost with its
// worker. So every file must end what it started: a harness left open (app, stand-ins, held tokens,
// scheduled checks, Python workers) fails the file here, after its own afterAll hooks.
import { afterAll } from 'vitest';

afterAll(() => {
  const open = (globalThis as Record<symbol, unknown>)[Symbol.for('fsc.test.openHarnesses')] as
    | Set<string>
    | undefined;
  if (open?.size)
    throw new Error(
      `${open.size} test harness(es) still open after the file's tests: close every startHarness() in afterEach/afterAll`,
    );
});
