// The provider requests' transport: answers like fetch for what openid-client uses, and a connection opened
// ahead (preconnect, during the consent) is the one the next request uses.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parkedConnections,
  preconnect,
  ResponseTooLargeError,
  request,
} from '../../server/oauth/http-fetch.js';

let server: Server;
let base: string;
const sockets: Socket[] = [];
/** The socket each request arrived on, by path. */
const seenOn = new Map<string, Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    seenOn.set(req.url ?? '', req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ ok: true })));
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(2048));
      } else if (req.url === '/slow') {
        // never answers: the caller's signal ends it
      } else {
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-echo-type': req.headers['content-type'] ?? '',
        });
        res.end(JSON.stringify({ method: req.method, body }));
      }
    });
  });
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('request', () => {
  it('sends the method, headers and a form body, and answers with status, headers and the bytes', async () => {
    const res = await request(
      `${base}/echo`,
      { method: 'POST', body: new URLSearchParams({ a: 'b' }), headers: { accept: 'application/json' } },
      1024,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo-type')).toContain('application/x-www-form-urlencoded');
    expect(JSON.parse(Buffer.from(res.body).toString('utf8'))).toEqual({ method: 'POST', body: 'a=b' });
  });

  it('decodes a gzip body and drops the headers that described the encoded one', async () => {
    const res = await request(`${base}/gzip`, {}, 1024);
    expect(JSON.parse(Buffer.from(res.body).toString('utf8'))).toEqual({ ok: true });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBeNull();
  });

  it('refuses a body over the cap', async () => {
    await expect(request(`${base}/big`, {}, 1024)).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it("rejects with the signal's reason when it aborts", async () => {
    const reason = new DOMException('timed out', 'TimeoutError');
    const ac = new AbortController();
    const p = request(`${base}/slow`, { signal: ac.signal }, 1024);
    await once(server, 'request');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it("reports a refused connection as fetch does: TypeError('fetch failed') with the system error as cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = (await request(`http://127.0.0.1:${port}/`, {}, 1024).catch((x: unknown) => x)) as TypeError;
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('fetch failed');
    expect((e.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

describe('preconnect', () => {
  it('opens the connection ahead, and the next request to that origin goes over it', async () => {
    // Other tests' keep-alive connections are closed first, so the only one left is the preconnected one.
    server.closeAllConnections();
    await new Promise((r) => setImmediate(r));
    const opened = once(server, 'connection');
    preconnect([`${base}/token`, `${base}/identity`]);
    const [socket] = (await opened) as [Socket];
    const before = sockets.length;
    await request(`${base}/after-preconnect`, {}, 1024);
    expect(seenOn.get('/after-preconnect')).toBe(socket);
    expect(sockets.length).toBe(before);
  });

  it('connects afresh when the connection opened ahead was closed by the server', async () => {
    server.closeAllConnections();
    await new Promise((r) => setImmediate(r));
    const opened = once(server, 'connection');
    preconnect([base]);
    const [socket] = (await opened) as [Socket];
    socket.destroy();
    // The app's side hears the close on its next read: the connection is dropped, not handed to a request.
    while (parkedConnections() > 0) await new Promise((r) => setImmediate(r));
    const res = await request(`${base}/after-close`, {}, 1024);
    expect(res.status).toBe(200);
    expect(seenOn.get('/after-close')).not.toBe(socket);
  });
});
