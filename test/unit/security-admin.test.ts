// The access-control building blocks: refusing to start when exposed without ADMIN_TOKEN, the
// constant-time token comparison, session expiry, and post-login redirects that stay on this site.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config/index.js';
import { AdminSessions, LoginThrottle, safeNext } from '../../server/security/admin.js';
import { constantTimeEqual } from '../../server/security/compare.js';

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

describe('LoginThrottle', () => {
  it('blocks an address after five wrong tokens, until its minute is over', () => {
    let t = 1_000_000;
    const th = new LoginThrottle(5, 60_000, () => t);
    for (let i = 0; i < 5; i++) {
      expect(th.blockedFor('10.0.0.1')).toBe(0);
      th.fail('10.0.0.1');
    }
    expect(th.blockedFor('10.0.0.1')).toBe(60);
    expect(th.blockedFor('10.0.0.2')).toBe(0);
    t += 30_000;
    expect(th.blockedFor('10.0.0.1')).toBe(30);
    t += 30_000;
    expect(th.blockedFor('10.0.0.1')).toBe(0);
  });

  it('forgets the failures of an address that signs in', () => {
    const th = new LoginThrottle(2, 60_000, () => 0);
    th.fail('a');
    th.succeed('a');
    th.fail('a');
    expect(th.blockedFor('a')).toBe(0);
  });
});
