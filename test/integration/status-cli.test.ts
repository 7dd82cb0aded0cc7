// `npm run status`: the same checks in a terminal, exit 0 / 1 / 2 for cron and monitors.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/status.ts', ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run status', () => {
  let h: Harness;
  /** `npm run status` with the token the app asks for (its launch token here) as ADMIN_TOKEN. */
  let withToken: (args: string[]) => ReturnType<typeof run>;
  beforeAll(async () => {
    h = await startHarness({ listen: true, logLevel: 'warn' });
    withToken = (args) => run(args, { ADMIN_TOKEN: h.accessToken! });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sandbox mode without --url: says there is nothing to check and exits 2', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'fsc-cli-'));
    try {
      const r = await run([], { DATA_DIR: cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--url');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('--url: not connected exits 1, connected exits 0, revoked-and-checked exits 1', async () => {
    const before = await withToken(['--url', h.baseUrl!]);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('overall: not_connected');

    expect((await h.connect()).status).toBe(303);
    const ok = await withToken(['--url', h.baseUrl!]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('overall: connected');
    expect(ok.stdout).toMatch(/\[ok {2}\] end_to_end:/);

    await h.oauthControl('/sandbox/revoke-all');
    await h.services.status.runCheck();
    const json = await withToken(['--url', h.baseUrl!, '--json']);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout) as { overall: string; checks: { id: string; status: string }[] };
    expect(body.overall).toBe('needs_reauth');
    expect(body.checks.find((c) => c.id === 'end_to_end')?.status).toBe('failed');
  });

  it('misconfigured exits 2 and prints the fix statement', async () => {
    await h.admin('GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE FITBIT_CONNECT_APP_ROLE');
    await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = FALSE');
    try {
      const r = await withToken(['--url', h.baseUrl!]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('[FAIL] integration_enabled');
      expect(r.stdout).toContain('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE;');
    } finally {
      await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE');
    }
  });

  it('--url against an app with a launch token, without ADMIN_TOKEN: says how to get a token and exits 2', async () => {
    const r = await run(['--url', h.baseUrl!]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HTTP 401');
    expect(r.stderr).toContain('start the app with the same ADMIN_TOKEN');
    expect(r.stderr).toContain('without --url reads Snowflake directly');
  });

  it('an address that is not this app exits 2', async () => {
    const r = await run(['--url', `${h.oauthUrl}/`]);
    expect(r.code).toBe(2);
  });
});

describe('npm run status --url against an app started with ADMIN_TOKEN', () => {
  const ADMIN_TOKEN = 'cli-admin-token-0123456789abcdef';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      listen: true,
      logLevel: 'warn',
      tweak: (c) => ({ ...c, adminToken: ADMIN_TOKEN }),
      signIn: false,
    });
    // Sign the harness's browser in, then connect through the gate.
    const page = await h.agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const login = await h.agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrf, token: ADMIN_TOKEN, next: '/' });
    expect(login.status).toBe(303);
    expect((await h.connect()).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends ADMIN_TOKEN as a bearer token and reads the status', async () => {
    const r = await run(['--url', h.baseUrl!], { ADMIN_TOKEN });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('overall: connected');
    // The token is sent, never printed.
    expect(r.stdout).not.toContain(ADMIN_TOKEN);
  });

  it('without ADMIN_TOKEN, or with a wrong one, says what to set and exits 2', async () => {
    const none = await run(['--url', h.baseUrl!]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('HTTP 401');
    expect(none.stderr).toContain('set ADMIN_TOKEN');
    const wrong = await run(['--url', h.baseUrl!], { ADMIN_TOKEN: `${ADMIN_TOKEN}x` });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('refused the ADMIN_TOKEN');
    expect(wrong.stderr).not.toContain(ADMIN_TOKEN);
  });
});

describe('npm run status --url against an address that never answers', () => {
  let silent: http.Server;
  let url = '';
  beforeAll(async () => {
    // Accepts the connection and the request, and never responds.
    silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('gives up after --timeout (10 s by default) with a clear message and exits 2', async () => {
    // The default is in the usage; the wait itself is shortened so no test sits out ten seconds.
    expect((await run(['--help'])).stdout).toContain('default 10s');
    const r = await run(['--url', url, '--timeout', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did not answer within 1 s');
  });
});
