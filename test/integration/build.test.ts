// `npm start` runs the app built into dist/ (scripts/build.mjs, which `npm install` and `npm ci` run as
// `prepare`): the build is made, `npm start` runs it without rebuilding and it answers, its pages (views/)
// and files (public/) found from dist/; a source changed since the build makes it stale. And `npm run bench
// -- --quick` runs through and prints every figure: its numbers time a machine, so they are never asserted.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST, staleness } from '../../scripts/build.mjs';
import { freePort } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let app: ChildProcess | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-build-'));

/** Whether any process of the group npm start leads (npm, its shell, the app) is still there. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  if (app?.pid && groupAlive(app.pid)) process.kill(-app.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the build npm start runs', () => {
  it('npm run build makes dist/, up to date with the sources', async () => {
    const r = await run('npm', ['run', '-s', 'build']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(DIST, 'main.js'))).toBe(true);
    expect(staleness()).toBeNull();
  }, 60_000);

  it('npm start runs dist/ as built, in sandbox mode, and answers / with its pages and files', async () => {
    const [port, oauthPort, snowflakePort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      npm_config_update_notifier: 'false',
      PORT: String(port),
      SANDBOX_OAUTH_PORT: String(oauthPort),
      SANDBOX_SNOWFLAKE_PORT: String(snowflakePort),
      SANDBOX_LATENCY: 'off',
      DATA_DIR: dataDir,
      LOG_FORMAT: 'json',
      OPEN_BROWSER: 'false',
    };
    // Its own process group: npm, the shell and the app end together.
    app = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    app.stdout!.on('data', (d: Buffer) => {
      out += String(d);
    });
    app.stderr!.on('data', (d: Buffer) => {
      err += String(d);
    });
    await new Promise<void>((resolve, reject) => {
      const seen = () => {
        if (/"msg":"listening"/.test(out) && /\?token=/.test(out)) resolve();
      };
      app!.stdout!.on('data', seen);
      app!.once('exit', () => reject(new Error(`npm start exited:\n${out}\n${err}`)));
    });
    // Ran what was built: no rebuild, no falling back to the sources.
    expect(err).not.toMatch(/Rebuilt dist|could not be built/);

    // The redirect URI's name, as the printed link says (fetch sends the URL's host, whatever Host says;
    // at 127.0.0.1 a page load is sent to localhost first).
    const origin = `http://localhost:${port}`;
    const host = { Host: `localhost:${port}` };
    // Without the launch link: the sign-in page, rendered from views/.
    const gate = await fetch(`${origin}/`, { headers: host, redirect: 'manual' });
    expect(gate.status).toBe(303);
    const signIn = await fetch(`${origin}${gate.headers.get('location')}`, { headers: host });
    const signInPage = await signIn.text();
    expect(signInPage).toContain('npm start');
    const token = /\?token=([A-Za-z0-9_-]+)/.exec(out)![1]!;
    // A form post: the body parser's charset decoder (iconv-lite) is loaded from node_modules, not bundled.
    const form = await fetch(`${origin}/login`, {
      method: 'POST',
      headers: {
        ...host,
        Cookie: signIn.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body: new URLSearchParams({
        _csrf: /name="_csrf" value="([^"]+)"/.exec(signInPage)![1]!,
        token,
        next: '/',
      }),
      redirect: 'manual',
    });
    expect(form.status).toBe(303);
    expect(form.headers.getSetCookie().join(';')).toMatch(/=/);
    const link = await fetch(`${origin}/?token=${token}`, { headers: host, redirect: 'manual' });
    expect(link.status).toBe(303);
    const cookie = link.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const home = await fetch(`${origin}/`, { headers: { ...host, Cookie: cookie } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Connect');
    const css = await fetch(`${origin}/public/app.css`, { headers: host });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);

    // npm goes at once; the app stops as it does for Ctrl-C, then the group is gone.
    process.kill(-app.pid!, 'SIGTERM');
    await eventually(() => !groupAlive(app!.pid!));
  }, 60_000);

  it('a source changed since the build makes dist/ stale (npm start then rebuilds it)', () => {
    const file = path.join(ROOT, 'server/clock.ts');
    const { atime, mtime } = statSync(file);
    try {
      utimesSync(file, atime, new Date(mtime.getTime() + 60_000));
      expect(staleness()).toBe('server/clock.ts changed');
    } finally {
      utimesSync(file, atime, mtime);
    }
    expect(staleness()).toBeNull();
  });
});

describe('npm run bench -- --quick', () => {
  it('runs through and prints every figure with its goal', async () => {
    const r = await run('npm', ['run', '-s', 'bench', '--', '--quick']);
    expect(r.code, r.stderr).toBe(0);
    for (const figure of [
      'app overhead per callback, L = 0',
      'of which the Snowflake driver’s own statement path',
      'of which openid-client’s code exchange and identity request',
      'app overhead of the first callback after start',
      'where the app time of a callback goes',
      'callback ÷ upstream floor, L = 100 ms',
      'Allow → “secret written” page, L = 100 ms',
      'Allow → the check’s outcome on that page',
      'warehouse resumes the check waits for',
      'status load, L = 100 ms',
      'start to listening (node ., live mode)',
      'start to listening (npm start, live mode)',
      'resident memory after start (live mode)',
      'memory drift after',
    ])
      expect(r.stdout).toContain(figure);
  }, 240_000);
});
