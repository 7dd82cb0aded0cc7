import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors/index.js';
import { BROWSER_COOKIE, browserIdMiddleware, Csrf, parseCookies } from '../../server/security/browser.js';
import { AppCookies } from '../../server/security/cookies.js';
import { allowedHostnames, hostCheck, hostnameOf } from '../../server/security/host.js';

interface FakeRes {
  locals: Record<string, unknown>;
  headers: [string, string][];
  append(name: string, value: string): FakeRes;
}

function fakeReq(headers: Record<string, string | undefined>, body?: unknown): Request {
  return { headers, body } as unknown as Request;
}

function fakeRes(locals: Record<string, unknown> = {}): FakeRes & Response {
  const res: FakeRes = {
    locals,
    headers: [],
    append(name, value) {
      this.headers.push([name, value]);
      return this;
    },
  };
  return res as FakeRes & Response;
}

function nextSpy() {
  const calls: unknown[][] = [];
  const next = ((...args: unknown[]) => {
    calls.push(args);
  }) as NextFunction;
  return { calls, next };
}

describe('parseCookies', () => {
  it('reads name=value pairs, trimming around them', () => {
    expect(parseCookies('a=1; b=2;c=3 ')).toEqual({ a: '1', b: '2', c: '3' });
  });
  it('keeps everything after the first = and the first of duplicates', () => {
    expect(parseCookies('a=b=c; a=second')).toEqual({ a: 'b=c' });
  });
  it('skips parts without a name or without =', () => {
    expect(parseCookies('=x; novalue; ;; k=')).toEqual({ k: '' });
  });
  it('returns nothing for a missing, empty or oversized header', () => {
    expect(parseCookies(undefined)).toEqual({});
    expect(parseCookies('')).toEqual({});
    expect(parseCookies(`a=${'x'.repeat(8200)}`)).toEqual({});
    expect(parseCookies(`a=${'x'.repeat(8000)}`).a).toHaveLength(8000);
  });
  it('does not let a cookie named __proto__ touch prototypes', () => {
    const out = parseCookies('__proto__=polluted; constructor=x; a=1');
    expect(out.a).toBe('1');
    expect(Object.hasOwn(out, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('browserIdMiddleware', () => {
  it('keeps a well-formed id from the cookie', () => {
    const id = 'A'.repeat(32);
    const res = fakeRes();
    const { calls, next } = nextSpy();
    browserIdMiddleware(false)(fakeReq({ cookie: `${BROWSER_COOKIE}=${id}` }), res, next);
    expect(res.locals.browserId).toBe(id);
    expect(res.locals.newBrowser).toBeUndefined();
    expect(res.headers).toEqual([]);
    expect(calls).toEqual([[]]);
  });
  it.each([undefined, `${BROWSER_COOKIE}=short`, `${BROWSER_COOKIE}=${'a'.repeat(30)}!`])(
    'issues a new id for cookie %j',
    (cookie) => {
      const res = fakeRes();
      const { next } = nextSpy();
      browserIdMiddleware(true)(fakeReq({ cookie }), res, next);
      expect(res.locals.newBrowser).toBe(true);
      expect(res.locals.browserId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const [name, value] = res.headers[0]!;
      expect(name).toBe('Set-Cookie');
      expect(value).toContain(`${BROWSER_COOKIE}=${res.locals.browserId as string};`);
      expect(value).toMatch(/HttpOnly/);
      expect(value).toMatch(/SameSite=Lax/);
      expect(value).toMatch(/; Secure/);
    },
  );
  it('omits Secure on plain http', () => {
    const res = fakeRes();
    browserIdMiddleware(false)(fakeReq({}), res, nextSpy().next);
    expect(res.headers[0]![1]).not.toMatch(/Secure/);
  });
});

describe('Csrf', () => {
  const browserId = 'B'.repeat(32);

  function verify(
    csrf: Csrf,
    opts: { sent?: unknown; site?: string; locals?: Record<string, unknown>; body?: unknown },
  ): unknown {
    const body = opts.body !== undefined ? opts.body : { _csrf: opts.sent };
    const req = fakeReq({ 'sec-fetch-site': opts.site }, body);
    const res = fakeRes(opts.locals ?? { browserId });
    try {
      csrf.verify(req, res);
      return undefined;
    } catch (e) {
      return e;
    }
  }

  it('token is stable per browser and differs between browsers and processes', () => {
    const a = new Csrf();
    expect(a.token(browserId)).toBe(a.token(browserId));
    expect(a.token(browserId)).not.toBe(a.token('C'.repeat(32)));
    expect(new Csrf().token(browserId)).not.toBe(a.token(browserId));
  });
  it('accepts the right token, same-origin or without Sec-Fetch-Site', () => {
    const csrf = new Csrf();
    expect(verify(csrf, { sent: csrf.token(browserId), site: 'same-origin' })).toBeUndefined();
    expect(verify(csrf, { sent: csrf.token(browserId) })).toBeUndefined();
    expect(verify(csrf, { sent: csrf.token(browserId), site: 'none' })).toBeUndefined();
  });
  it.each([
    ['cross-site request', { site: 'cross-site' }],
    ['same-site request', { site: 'same-site' }],
    ['missing token', { sent: undefined }],
    ['wrong token', { sent: 'x'.repeat(43) }],
    ['token of another browser', { other: true }],
    ['non-string token', { sent: ['a'] }],
    ['no body', { body: null }],
    ['new browser', { locals: { browserId, newBrowser: true } }],
    ['no browser id', { locals: {} }],
  ])('refuses a %s', (_label, opts: Record<string, unknown>) => {
    const csrf = new Csrf();
    const sent = opts.other ? csrf.token('C'.repeat(32)) : 'sent' in opts ? opts.sent : csrf.token(browserId);
    const err = verify(csrf, {
      sent,
      site: opts.site as string | undefined,
      locals: opts.locals as Record<string, unknown> | undefined,
      body: opts.body,
    });
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('csrf_invalid');
    expect((err as AppError).status).toBe(403);
  });
});

describe('allowedHostnames', () => {
  it('always allows the loopback names', () => {
    expect([...allowedHostnames([])].sort()).toEqual(['127.0.0.1', '::1', 'localhost', '[::1]'].sort());
  });
  it('adds extra names in lower case, skipping wildcards and blanks', () => {
    const s = allowedHostnames(['MyBox.Local', '0.0.0.0', '::', undefined, '']);
    expect(s.has('mybox.local')).toBe(true);
    expect(s.has('0.0.0.0')).toBe(false);
    expect(s.has('::')).toBe(false);
    expect(s.has('')).toBe(false);
  });
});

describe('hostCheck', () => {
  const check = hostCheck(allowedHostnames(['mybox.local']));
  function run(host: string | undefined) {
    const { calls, next } = nextSpy();
    check(fakeReq({ host }), fakeRes(), next);
    expect(calls).toHaveLength(1);
    return calls[0]!;
  }
  it.each(['localhost:8787', 'localhost', '127.0.0.1:1234', '[::1]:8787', '[::1]', 'MYBOX.local:80'])(
    'serves Host: %s',
    (host) => {
      expect(run(host)).toEqual([]);
    },
  );
  it.each([
    'evil.example',
    'evil.example:8787',
    'localhost.evil.example:8787',
    '127.0.0.1.evil.example',
    '[::2]:8787',
    '0.0.0.0:8787',
    '',
    undefined,
    '[::1]evil.example',
    '[::1]evil.example:8787',
    'localhost:9101@evil.example',
    'localhost@evil.example',
    'localhost:8787/evil',
    'localhost:99999',
    'localhost:',
    'localhost evil.example',
  ])('refuses Host: %j with 421', (host) => {
    const [err] = run(host);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('host_not_allowed');
    expect((err as AppError).status).toBe(421);
  });
  it('serves a bare IPv6 HOST the way browsers send it, in brackets', () => {
    const { calls, next } = nextSpy();
    hostCheck(allowedHostnames(['FD00::5']))(fakeReq({ host: '[fd00::5]:8787' }), fakeRes(), next);
    expect(calls).toEqual([[]]);
  });
  it('does not echo an overlong Host header in full', () => {
    const [err] = run(`${'a'.repeat(500)}.example`);
    expect((err as AppError).why.length).toBeLessThan(400);
  });
});

describe('hostnameOf (the Host header parsed, not pattern-matched)', () => {
  it('reads a name or an IP literal and an optional port, nothing else', () => {
    expect(hostnameOf('LocalHost:8787')).toBe('localhost');
    expect(hostnameOf('[::1]:8787')).toBe('[::1]');
    expect(hostnameOf('127.0.0.1')).toBe('127.0.0.1');
    for (const bad of ['[::1]evil.example', 'localhost:9101@evil.example', 'a b', '[::1', 'x:1:2', undefined])
      expect(hostnameOf(bad), String(bad)).toBeUndefined();
  });
});

describe('AppCookies (names another site on this host cannot shadow)', () => {
  const req = (host: string, cookie?: string) => ({ headers: { host, cookie } }) as unknown as Request;
  const errorOf = (f: () => unknown) => {
    try {
      f();
      return undefined;
    } catch (e) {
      return e as AppError;
    }
  };

  it('on loopback sets a __Host- cookie and a plain copy for browsers without Secure on http (Safari)', () => {
    const res = fakeRes();
    new AppCookies(false).set(req('localhost:8787'), res, 'fsc_x', 'v1', 60);
    expect(res.headers.map(([, v]) => v)).toEqual([
      '__Host-fsc_x=v1; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
      'fsc_x=v1; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    ]);
  });

  it('sets only the __Host- cookie over https, and only a plain one over http elsewhere', () => {
    const https = fakeRes();
    new AppCookies(true).set(req('fitbit.example.org'), https, 'fsc_x', 'v', 60);
    expect(https.headers.map(([, v]) => v)).toEqual([
      '__Host-fsc_x=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
    ]);
    const lan = fakeRes();
    new AppCookies(false).set(req('192.168.1.20:8787'), lan, 'fsc_x', 'v', 60);
    expect(lan.headers.map(([, v]) => v)).toEqual(['fsc_x=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60']);
  });

  it('reads the __Host- cookie first, whatever plain cookies of the same name a path-scoped shadow adds', () => {
    const jar = new AppCookies(false);
    expect(jar.read(req('localhost:8787', 'fsc_x=shadow; __Host-fsc_x=mine; fsc_x=mine'), 'fsc_x')).toBe(
      'mine',
    );
    expect(jar.read(req('localhost:8787', 'fsc_x=only-plain'), 'fsc_x')).toBe('only-plain');
    expect(jar.read(req('localhost:8787', 'other=1'), 'fsc_x')).toBeUndefined();
    // Over https a plain cookie (settable from http://the-same-host) is never read.
    expect(new AppCookies(true).read(req('fitbit.example.org', 'fsc_x=planted'), 'fsc_x')).toBeUndefined();
  });

  it('refuses a name that comes twice (a shadow it cannot tell from its own) with a page on clearing cookies', () => {
    const jar = new AppCookies(false);
    const err = errorOf(() => jar.read(req('localhost:8787', 'fsc_x=shadow; fsc_x=mine'), 'fsc_x'));
    expect(err?.code).toBe('cookies_unreadable');
    expect(err?.status).toBe(400);
    expect(err?.fix).toMatch(/Clear this browser’s cookies for localhost/);
    expect(
      errorOf(() => jar.read(req('localhost:8787', '__Host-fsc_x=a; __Host-fsc_x=b'), 'fsc_x'))?.code,
    ).toBe('cookies_unreadable');
  });

  it('refuses an oversized Cookie header (a cookie bomb) with 431 and a page on clearing cookies', () => {
    const err = errorOf(() =>
      new AppCookies(false).checkSize(req('localhost:8787', `a=${'x'.repeat(9000)}`)),
    );
    expect(err?.code).toBe('cookies_unreadable');
    expect(err?.status).toBe(431);
    expect(err?.why).toContain('9002 bytes');
    expect(
      errorOf(() => new AppCookies(false).checkSize(req('localhost:8787', `a=${'x'.repeat(8000)}`))),
    ).toBe(undefined);
  });
});
