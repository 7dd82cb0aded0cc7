// The access-control building blocks: refusing to start when exposed without ADMIN_TOKEN, the launch
// token, the constant-time token comparison, the one throttle of wrong tokens, session expiry, and
// post-login redirects that stay on this site.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { ConfigError, configFromBase, parseConfig } from '../../server/config/index.js';
import { launchMessage, launchUrl, openInBrowser } from '../../server/launch.js';
import { createLogger } from '../../server/log.js';
import { AdminSessions, accessOf, safeNext } from '../../server/security/admin.js';
import { constantTimeEqual } from '../../server/security/compare.js';
import { TokenThrottle } from '../../server/security/throttle.js';
import { eventually } from '../support/eventually.js';

const TOKEN = 'a-very-long-admin-token-value-123';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('refusing to start when reachable from other computers without ADMIN_TOKEN', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'fd00::5', 'myhost.lan']) {
    it(`refuses HOST=${host} without ADMIN_TOKEN (sandbox mode too)`, () => {
      const problems = problemsOf({ HOST: host });
      expect(problems.some((p) => p.includes('ADMIN_TOKEN is required'))).toBe(true);
    });
    it(`starts with HOST=${host} and ADMIN_TOKEN`, () => {
      expect(problemsOf({ HOST: host, ADMIN_TOKEN: TOKEN })).toEqual([]);
    });
  }
  for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
    it(`starts on loopback HOST=${host} without ADMIN_TOKEN`, () => {
      expect(problemsOf({ HOST: host })).toEqual([]);
    });
  }
  it('refuses an ADMIN_TOKEN shorter than 16 characters', () => {
    expect(problemsOf({ HOST: '0.0.0.0', ADMIN_TOKEN: 'short' }).join('\n')).toMatch(/ADMIN_TOKEN/);
  });
});

describe('constantTimeEqual (every secret comparison: ADMIN_TOKEN, CSRF, state binding)', () => {
  it('accepts exactly the token', () => {
    expect(constantTimeEqual(TOKEN, TOKEN)).toBe(true);
  });
  it('refuses prefixes, extensions, case changes and other lengths without throwing', () => {
    // timingSafeEqual on raw buffers throws on a length mismatch: hashing first avoids that (and the leak).
    for (const wrong of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), 'x'.repeat(10_000)]) {
      expect(constantTimeEqual(wrong, TOKEN)).toBe(false);
    }
    expect(constantTimeEqual(undefined, TOKEN)).toBe(false);
  });
});

describe('AdminSessions', () => {
  it('knows the sessions it created, until they expire or end', () => {
    let now = 1_000_000;
    const s = new AdminSessions(1000, () => now);
    const id = s.create();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.valid(id)).toBe(true);
    expect(s.valid(`${id}x`)).toBe(false);
    expect(s.valid(undefined)).toBe(false);
    now += 1001;
    expect(s.valid(id)).toBe(false);
    const id2 = s.create();
    s.end(id2);
    expect(s.valid(id2)).toBe(false);
  });
  it('caps how many sessions it keeps', () => {
    const s = new AdminSessions();
    const first = s.create();
    for (let i = 0; i < 100; i++) s.create();
    expect(s.valid(first)).toBe(false);
  });
});

describe('safeNext', () => {
  it('keeps local paths', () => {
    expect(safeNext('/status')).toBe('/status');
    expect(safeNext('/result/abc?x=1')).toBe('/result/abc?x=1');
  });
  it('sends anything else home', () => {
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/login?next=/x',
      '/a\nb',
      '',
      undefined,
      ['/status'],
    ]) {
      expect(safeNext(bad), String(bad)).toBe('/');
    }
  });
});

describe('the launch token', () => {
  const oauth = {
    issuer: 'https://issuer.example',
    clientId: 'client',
    authorizationUrl: 'https://issuer.example/auth',
    tokenUrl: 'https://issuer.example/token',
    revocationUrl: 'https://issuer.example/revoke',
    healthApiUrl: 'https://api.example',
  };
  const snowflake = {} as Parameters<typeof configFromBase>[2]['snowflake'];
  const start = (env: Record<string, string>) => {
    const parsed = parseConfig(env);
    return configFromBase(parsed.base, 'sandbox', { oauth, snowflake });
  };

  it('is on by default, on loopback too: a new random token at every start', () => {
    const first = start({});
    const second = start({});
    expect(first.launchToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.launchToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.launchToken).not.toBe(first.launchToken);
    expect(accessOf(first)).toEqual({ token: first.launchToken, kind: 'launch_token' });
  });

  it('is ADMIN_TOKEN when that is set (one gate), and off only with LAUNCH_TOKEN=off', () => {
    const admin = start({ ADMIN_TOKEN: TOKEN });
    expect(admin.launchToken).toBeUndefined();
    expect(accessOf(admin)).toEqual({ token: TOKEN, kind: 'admin_token' });
    const off = start({ LAUNCH_TOKEN: 'off' });
    expect(off.launchToken).toBeUndefined();
    expect(accessOf(off)).toBeUndefined();
  });

  it('refuses LAUNCH_TOKEN=off with ADMIN_TOKEN, beyond loopback, or behind a PUBLIC_URL on another machine', () => {
    expect(problemsOf({ LAUNCH_TOKEN: 'off', ADMIN_TOKEN: TOKEN }).join('\n')).toMatch(/contradict/);
    expect(problemsOf({ LAUNCH_TOKEN: 'off', HOST: '0.0.0.0' }).join('\n')).toMatch(
      /ADMIN_TOKEN is required/,
    );
    expect(problemsOf({ LAUNCH_TOKEN: 'off', PUBLIC_URL: 'https://fitbit.example.org' }).join('\n')).toMatch(
      /PUBLIC_URL/,
    );
    expect(problemsOf({ LAUNCH_TOKEN: 'off', PUBLIC_URL: 'http://127.0.0.1:8787' })).toEqual([]);
    expect(problemsOf({ LAUNCH_TOKEN: 'maybe' }).join('\n')).toMatch(/LAUNCH_TOKEN/);
  });

  it('npm start prints the link with the token, never ADMIN_TOKEN', () => {
    const c = start({});
    expect(launchUrl(c)).toBe(`http://localhost:8787/?token=${c.launchToken}`);
    expect(launchMessage(c)).toContain(`http://localhost:8787/?token=${c.launchToken}`);
    const admin = start({ ADMIN_TOKEN: TOKEN });
    expect(launchUrl(admin)).toBe('http://localhost:8787/');
    expect(launchMessage(admin)).not.toContain(TOKEN);
    expect(launchMessage(start({ LAUNCH_TOKEN: 'off' }))).toMatch(/LAUNCH_TOKEN=off: anything/);
  });
});

describe.skipIf(process.platform !== 'linux')('opening the browser', () => {
  it('hands the browser a file only this user can read, never the token on a command line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fsc-open-'));
    const savedPath = process.env.PATH;
    try {
      // A stand-in xdg-open that records what it was asked to open (its command line, as `ps` shows it).
      const argsFile = path.join(dir, 'args');
      writeFileSync(path.join(dir, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$*" > '${argsFile}'\n`);
      chmodSync(path.join(dir, 'xdg-open'), 0o755);
      process.env.PATH = `${dir}:${savedPath}`;
      const url = `http://localhost:8787/?token=${'T'.repeat(43)}`;
      openInBrowser(url, dir, createLogger('silent'));
      await eventually(async () => {
        try {
          return readFileSync(argsFile, 'utf8').length > 0;
        } catch {
          return false;
        }
      });
      const opened = readFileSync(argsFile, 'utf8');
      expect(opened).not.toContain('token');
      expect(statSync(opened).mode & 0o777).toBe(0o600);
      expect(readFileSync(opened, 'utf8')).toContain(url);
    } finally {
      process.env.PATH = savedPath;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TokenThrottle (every way of presenting the token)', () => {
  const limits = { perSource: 5, global: 50, windowMs: 60_000 };

  it('answers 429 with the seconds to wait after five wrong tokens from one source, until the minute is over', async () => {
    const clock = new ManualClock(1_000_000);
    const th = new TokenThrottle(clock, limits);
    for (let i = 0; i < 5; i++) expect(th.check('10.0.0.1', `wrong-${i}`, TOKEN)).toEqual({ ok: false });
    expect(th.check('10.0.0.1', 'wrong-5', TOKEN)).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(th.check('10.0.0.2', 'wrong', TOKEN)).toEqual({ ok: false });
    await clock.advance(30_000);
    expect(th.check('10.0.0.1', 'wrong-6', TOKEN)).toEqual({ ok: false, retryAfterSeconds: 30 });
    await clock.advance(30_001);
    expect(th.check('10.0.0.1', 'wrong-7', TOKEN)).toEqual({ ok: false });
  });

  it('never refuses the right token, however many wrong ones came before (no lockout)', () => {
    const th = new TokenThrottle(new ManualClock(0), limits);
    for (let i = 0; i < 200; i++) th.check('10.0.0.1', `wrong-${i}`, TOKEN);
    expect(th.check('10.0.0.1', 'wrong', TOKEN).ok).toBe(false);
    expect(th.check('10.0.0.1', TOKEN, TOKEN)).toEqual({ ok: true });
    expect(th.check('10.0.0.9', TOKEN, TOKEN)).toEqual({ ok: true });
  });

  it('caps wrong tokens from all sources together, so many addresses do not multiply the budget', () => {
    const th = new TokenThrottle(new ManualClock(0), limits);
    for (let i = 0; i < 50; i++) expect(th.check(`10.0.1.${i}`, 'wrong', TOKEN)).toEqual({ ok: false });
    expect(th.check('10.0.2.1', 'wrong', TOKEN)).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(th.check('10.0.2.2', TOKEN, TOKEN)).toEqual({ ok: true });
  });

  it('counts a missing token as a wrong one, and keeps bounded memory under a flood of sources', () => {
    const th = new TokenThrottle(new ManualClock(0), { perSource: 1, global: 1_000_000, windowMs: 60_000 });
    expect(th.check('a', undefined, TOKEN)).toEqual({ ok: false });
    expect(th.check('a', undefined, TOKEN)).toEqual({ ok: false, retryAfterSeconds: 60 });
    for (let i = 0; i < 20_000; i++) th.check(`s${i}`, 'wrong', TOKEN);
    expect((th as unknown as { bySource: Map<string, number[]> }).bySource.size).toBeLessThanOrEqual(10_000);
  });
});
