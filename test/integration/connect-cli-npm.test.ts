// `npm run connect -- --no-browser` as a person runs it: the real npm, in a copy of the app's folder with no
// settings (sandbox mode: the stand-ins start inside the command). The test reads the address it prints,
// consents on the stand-in, pastes the address the browser would show back into its stdin, and waits for
// the exit code. The conversation itself is tested in-process (connect-cli.test.ts).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { freePort } from '../support/child-app.js';
import { type NpmProject, npmProject } from '../support/npm-project.js';

let app: NpmProject;
beforeAll(() => {
  app = npmProject();
});
afterAll(() => app?.close());

function runNpm(args: string[], env: Record<string, string>) {
  const child = spawn('npm', args, {
    cwd: app.dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: app.home,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const seen: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    stdout += String(d);
    for (const s of seen.splice(0)) s();
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const until = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const m = re.exec(stdout);
        if (m) return resolve(m);
        seen.push(look);
      };
      void exited.then(() => reject(new Error(`exited before ${re}:\n${stdout}\n${stderr}`)));
      look();
    });
  return { child, exited, until, stdout: () => stdout, stderr: () => stderr };
}

describe('npm run connect -- --no-browser (a real process)', () => {
  it('sandbox mode: prints the address, takes the pasted callback, connects and checks, exit 0', async () => {
    const port = await freePort();
    const run = runNpm(['run', '-s', 'connect', '--', '--no-browser'], {
      PORT: String(port),
      DATA_DIR: `${app.home}/data`,
    });
    try {
      const url = (await run.until(/^ {4}(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/\S+)$/m))[1]!;
      expect(run.stdout()).toContain('Sandbox mode');
      const callback = await consent(url);
      expect(callback.startsWith(`http://localhost:${port}/callback?`)).toBe(true);
      run.child.stdin.write(`${callback}\n`);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain('✓ Connected: Snowflake can read your Fitbit data.');
      // No token of the stand-in's (Google's shapes) in anything the command printed.
      expect(run.stdout() + run.stderr()).not.toMatch(/ya29\.|1\/\/0/);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('an unknown option, an option npm took, and --help', async () => {
    const bad = runNpm(['run', '-s', 'connect', '--', '--no-browsr'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('unknown option "--no-browsr".');
    expect(bad.stderr()).toContain('usage: npm run connect');
    // Without `--`, npm takes --no-browser for itself: the command says so instead of opening a browser.
    const took = runNpm(['run', 'connect', '--no-browser'], {});
    expect(await took.exited).toBe(2);
    expect(took.stderr()).toContain('npm took --no-browser as an option of its own');
    expect(took.stderr()).toContain('npm run connect -- --no-browser');
    const help = runNpm(['run', '-s', 'connect', '--', '--help'], {});
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--no-browser');
  }, 30_000);
});
