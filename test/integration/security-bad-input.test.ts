// Bad input everywhere: oversized or malformed requests, repeated parameters, unexpected methods, and
// provider answers that are not JSON, are cut short or lack fields. Each gets a clear error page (or
// JSON error) and a log line, never a stack trace, and the app keeps answering.
import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

/** A stack frame, a source path or an exception name: none may reach a page. */
const STACK =
  /\bat (?:\S+ \()?(?:file:|node:|\/)\S*:\d+:\d+|\.[cm]?[jt]s:\d+|node_modules|\/work\/|ReferenceError|TypeError|SyntaxError/;
const errorCode = (res: supertest.Response): string | undefined =>
  /data-code="([a-z_]+)"/.exec(res.text)?.[1] ??
  (res.body as { error?: { code?: string } } | undefined)?.error?.code;

interface Case {
  name: string;
  send: (h: Harness) => Promise<supertest.Response>;
  status: number;
  code?: string;
  /** Node's HTTP parser answers these itself, before the app sees them: no page, no app log line. */
  bare?: boolean;
}

const cases: Case[] = [
  {
    name: 'a callback parameter longer than any provider sends',
    send: (h) => h.agent.get(`/callback?state=${'s'.repeat(5000)}&code=c`),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'a URL larger than the header limit',
    send: (h) => h.agent.get(`/callback?junk=${'j'.repeat(20_000)}`),
    status: 431,
    bare: true,
  },
  {
    name: 'a header larger than the header limit',
    send: (h) => h.agent.get('/').set('X-Big', 'b'.repeat(20_000)),
    status: 431,
    bare: true,
  },
  {
    name: 'repeated state',
    send: (h) => h.agent.get('/callback?state=a&state=b&code=c'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'repeated code',
    send: (h) => h.agent.get('/callback?state=a&code=b&code=c'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'bad percent-encoding in the query',
    send: (h) => h.agent.get('/callback?state=%ZZ%E0%A4&code=%'),
    status: 400,
    code: 'state_expired',
  },
  {
    name: 'bad percent-encoding in the path',
    send: (h) => h.agent.get('/result/%E0%A4%A'),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'a NUL in the path',
    send: (h) => h.agent.get('/result/%00abcdefghij'),
    status: 404,
    code: 'not_found',
  },
  { name: 'PUT /', send: (h) => h.agent.put('/'), status: 405, code: 'not_found' },
  { name: 'DELETE /status', send: (h) => h.agent.delete('/status'), status: 405, code: 'not_found' },
  {
    name: 'PATCH /callback',
    send: (h) => h.agent.patch('/callback?code=a&state=b'),
    status: 405,
    code: 'not_found',
  },
  {
    name: 'GET /check (actions are POST only)',
    send: (h) => h.agent.get('/check'),
    status: 405,
    code: 'not_found',
  },
  {
    // Over 8 kB of cookies (another port of this host can set them: a "cookie bomb"): a page on clearing
    // cookies, where the app once ignored them and issued a new browser id on every request.
    name: 'an oversized cookie header',
    send: (h) => h.agent.get('/result/abcdefghijkl').set('Cookie', `junk=${'c'.repeat(8500)}`),
    status: 431,
    code: 'cookies_unreadable',
  },
  {
    name: 'a gzip body that does not decompress',
    send: (h) =>
      h.agent
        .post('/check')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set('Content-Encoding', 'gzip')
        .send(Buffer.from('this is not gzip')),
    status: 400,
    code: 'bad_request',
  },
  {
    name: 'a form body over 8 kB',
    send: (h) =>
      h.agent
        .post('/check')
        .type('form')
        .send({ _csrf: 'x', pad: 'p'.repeat(20_000) }),
    status: 413,
    code: 'bad_request',
  },
  {
    name: 'a form with too many fields',
    send: (h) =>
      h.agent
        .post('/check')
        .type('form')
        .send(Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&')),
    status: 413,
    code: 'bad_request',
  },
  {
    name: 'a JSON body instead of a form',
    send: (h) => h.agent.post('/check').set('Content-Type', 'application/json').send('{"_csrf":'),
    status: 403,
    code: 'csrf_invalid',
  },
  {
    name: 'a form body that is not valid encoding',
    send: (h) =>
      h.agent.post('/check').set('Content-Type', 'application/x-www-form-urlencoded').send('%%%=%'),
    status: 403,
    code: 'csrf_invalid',
  },
  {
    name: 'a body with an unknown charset',
    send: (h) =>
      h.agent
        .post('/check')
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=ebcdic')
        .send('a=1'),
    status: 415,
    code: 'bad_request',
  },
  {
    name: 'a Host header with odd characters',
    send: (h) => h.agent.get('/').set('Host', 'local<host>:8787'),
    status: 421,
    code: 'host_not_allowed',
  },
];

/** Provider answers the stand-in is told to give instead of the real one. */
const providerCases: {
  name: string;
  path: string;
  status?: number;
  body: string;
  contentType?: string;
  code: string;
}[] = [
  {
    name: 'token endpoint answers HTML',
    path: '/token',
    body: '<html>oops</html>',
    contentType: 'text/html',
    code: 'provider_error',
  },
  {
    name: 'token endpoint answers truncated JSON',
    path: '/token',
    body: '{"access_token":"ab',
    code: 'provider_error',
  },
  { name: 'token endpoint answers {}', path: '/token', body: '{}', code: 'provider_error' },
  {
    name: 'token endpoint answers a bare 500 page',
    path: '/token',
    status: 500,
    body: 'Internal Server Error',
    contentType: 'text/plain',
    code: 'provider_error',
  },
  {
    name: 'identity answers HTML',
    path: '/v4/users/me/identity',
    body: '<html>oops</html>',
    contentType: 'text/html',
    code: 'identity_failed',
  },
  {
    name: 'identity answers truncated JSON',
    path: '/v4/users/me/identity',
    body: '{"name":"us',
    code: 'identity_failed',
  },
  { name: 'identity answers {}', path: '/v4/users/me/identity', body: '{}', code: 'identity_failed' },
  {
    name: 'identity answers 503 with no body',
    path: '/v4/users/me/identity',
    status: 503,
    body: '',
    code: 'identity_failed',
  },
];

describe('bad input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.agent.get('/'); // the browser cookie, as a real browser would have it
  });
  afterAll(async () => h?.close());

  async function stillAnswers() {
    const res = await h.agent.get('/status.json');
    expect(res.status).toBe(200);
  }

  for (const c of cases) {
    it(`${c.name}: ${c.status}${c.code ? ` ${c.code}` : ''}, no stack trace, still answering`, async () => {
      const logsBefore = h.logs.length;
      const res = await c.send(h);
      expect(res.status).toBe(c.status);
      expect(res.text ?? '').not.toMatch(STACK);
      if (!c.bare) {
        expect(errorCode(res)).toBe(c.code);
        const logged = h.logs.slice(logsBefore).join('');
        expect(logged).toMatch(new RegExp(`"status":${c.status}`));
      }
      await stillAnswers();
    });
  }

  it('GET of every POST-only action: 405, Allow: POST, and a page pointing at its button; nothing runs', async () => {
    const before = { events: h.services.events.all().length, pending: h.services.pending.size };
    for (const [path, where] of [
      ['/check', 'on the status page'],
      ['/reauthorize', 'on the status page'],
      ['/held/abcdefghijkl/save', 'result page'],
      ['/held/abcdefghijkl/cancel', 'result page'],
      ['/setup/reveal', 'on the Setup page'],
    ] as const) {
      const res = await h.agent.get(path).set('Accept', 'text/html');
      expect(res.status, path).toBe(405);
      expect(res.headers.allow, path).toBe('POST');
      expect(res.text, path).toContain('This address is a button, not a page');
      expect(res.text, path).toContain(where);
      const head = await h.agent.head(path);
      expect(head.status, path).toBe(405);
      expect(head.headers.allow, path).toBe('POST');
    }
    // A GET of a page that exists elsewhere is still a plain 404.
    expect((await h.agent.get('/held/abcdefghijkl')).status).toBe(404);
    // The token gate (on by default) signs browsers in, so /logout is a button too.
    expect((await h.agent.get('/logout')).status).toBe(405);
    expect({ events: h.services.events.all().length, pending: h.services.pending.size }).toEqual(before);
  });

  for (const p of providerCases) {
    it(`${p.name}: a clear error page (${p.code}), a log line, no stack trace`, async () => {
      await h.oauthControl('/sandbox/faults', {
        path: p.path,
        status: p.status ?? 200,
        body: p.body,
        ...(p.contentType ? { contentType: p.contentType } : {}),
        count: 1,
      });
      const logsBefore = h.logs.length;
      const res = await h.connect();
      await fetch(`${h.oauthUrl}/sandbox/faults`, { method: 'DELETE' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(600);
      expect(errorCode(res)).toBe(p.code);
      expect(res.text).not.toMatch(STACK);
      expect(res.text).toMatch(/<p class="fix">/);
      const logged = h.logs.slice(logsBefore).join('');
      expect(logged).toMatch(new RegExp(`"status":${res.status}`));
      await stillAnswers();
    });
  }
});

describe('requests Node refuses before routing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ listen: true });
  });
  afterAll(async () => h?.close());

  it('oversized headers get a short page saying what to do, and a log line', async () => {
    const net = await import('node:net');
    const port = Number(new URL(h.baseUrl!).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
      });
      let data = '';
      s.on('data', (d) => {
        data += d.toString();
      });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('The request headers are too large for this app');
    expect(answer).not.toMatch(STACK);
    expect(h.logs.join('')).toContain('request refused before routing');
    expect((await fetch(`${h.baseUrl}/`)).status).toBe(200);
  });
});
