// `npm run status --bogus`: an option written before npm's `--` is npm's, not the script's. npm runs the
// script without it and leaves only npm_config_bogus in its environment, so without a check the script
// did something else (status checked sandbox mode). Each script says what npm did and how to write it,
// exit 2. Spawns the real npm, in a copy of the app's folder without settings (sandbox configuration).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NpmProject, npmProject } from '../support/npm-project.js';

let app: NpmProject;
beforeAll(() => {
  app = npmProject();
});
afterAll(() => app?.close());

describe('options npm takes for itself', () => {
  it('npm run status --bogus: says npm took --bogus, how to pass it, exit 2 (not the sandbox message)', async () => {
    const r = await app.npm(['run', 'status', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm took --bogus as an option of its own and ran the script without it.');
    expect(r.stderr).toContain('npm run status -- --bogus');
    expect(r.stderr).not.toMatch(/Sandbox mode/);
  }, 30_000);

  it('npm run status --json --max-age 3h: names both of the script’s own options, with a value', async () => {
    const r = await app.npm(['run', 'status', '--json', '--max-age', '3h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm took --json and --max-age as options of its own');
    expect(r.stderr).toContain('npm run status -- --json --max-age …');
  }, 30_000);

  it('after `--` the options reach the script, which judges them itself', async () => {
    const bogus = await app.npm(['run', 'status', '--', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('unknown option "--bogus".');
    expect(bogus.stderr).not.toContain('npm took');
  }, 30_000);

  it('npm run verify-live --sandbox and npm run sql --bogus say the same', async () => {
    const verify = await app.npm(['run', 'verify-live', '--sandbox', '--no-browser']);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('npm took --no-browser and --sandbox as options of its own');
    expect(verify.stderr).toContain('npm run verify-live -- --no-browser --sandbox');

    const sql = await app.npm(['run', '-s', 'sql', '--bogus', '--', 'teardown']);
    expect(sql.code).toBe(2);
    expect(sql.stdout).toBe('');
    expect(sql.stderr).toContain('npm took --bogus as an option of its own');
  }, 60_000);

  it('npm’s own options (-s, --loglevel) are npm’s: the script runs', async () => {
    const r = await app.npm(['run', '-s', 'status', '--loglevel', 'silent', '--', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run status/);
    expect(r.stderr).toBe('');
  }, 30_000);
});
