// The provider requests' transport: node:http(s) with keep-alive agents, answering like fetch. The callback
// makes two provider requests while the user waits (the code exchange and the identity), and Node's
// built-in fetch (undici) costs about half a millisecond more per request than node:http on the same
// connection: a fifth of the app's own time in a callback. Same contract as fetch for what openid-client
// uses: no redirects followed (it asks for 'manual'), the body decoded (gzip, deflate, br), an abort
// rejects with the signal's reason (openid-client's timeout: a TimeoutError), and a network failure is a
// TypeError('fetch failed') whose cause is the system error, as undici reports it.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { isIP, type NetConnectOpts, type Socket } from 'node:net';
import type * as Zlib from 'node:zlib';

// TLS and zlib load on first use (a few ms of start-up otherwise): the first /connect, a compressed answer.
const load = createRequire(import.meta.url);
let https: typeof Https | undefined;
let zlib: typeof Zlib | undefined;
function httpsModule(): typeof Https {
  https ??= load('node:https') as typeof Https;
  return https;
}
function zlibModule(): typeof Zlib {
  zlib ??= load('node:zlib') as typeof Zlib;
  return zlib;
}

type Connect = (options: NetConnectOpts, cb?: (err: Error | null, socket: Socket) => void) => Socket;

/**
 * How long a connection opened ahead waits for its request: most consents take less, and servers close a
 * connection that sends nothing after a while (60 s is common); one closed just as it is used would fail
 * the code exchange, which is never retried.
 */
const PARKED_MS = 30_000;

/**
 * Keeps connections open between requests (the token endpoint, then the API), and can open one ahead of
 * the request (preconnect): the callback then finds TCP (and TLS) set up during the consent, not on its path.
 */
function warmAgent<A extends HttpAgent>(agent: A): A & { preconnect(u: URL): void; parked(): number } {
  /** host:port → a connection opened ahead, and how to take back the listeners it had while it waited. */
  const parked = new Map<string, { socket: Socket; release(): void }>();
  const a = agent as unknown as { createConnection: Connect };
  const create = a.createConnection.bind(agent);
  const key = (host: unknown, port: unknown) => `${String(host)}:${String(port)}`;
  a.createConnection = (options, cb) => {
    const o = options as { host?: string; port?: number | string };
    const k = key(o.host, o.port);
    const p = parked.get(k);
    parked.delete(k);
    if (!p || p.socket.destroyed) return create(options, cb);
    p.release();
    return p.socket;
  };
  return Object.assign(agent, {
    parked: () => parked.size,
    preconnect(u: URL) {
      const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const k = key(host, port);
      if (parked.get(k)?.socket.destroyed === false) return;
      const options = {
        host,
        port,
        ...(u.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
      } as NetConnectOpts;
      const socket = create(options);
      // Not used in time, or closed by the server: dropped; an error only means the request connects itself.
      const drop = () => {
        if (parked.get(k)?.socket === socket) parked.delete(k);
      };
      const expire = () => socket.destroy();
      socket.on('error', drop);
      socket.on('close', drop);
      socket.setTimeout(PARKED_MS, expire);
      socket.unref();
      parked.get(k)?.socket.destroy();
      parked.set(k, {
        socket,
        release() {
          socket.off('error', drop);
          socket.off('close', drop);
          socket.setTimeout(0);
          socket.off('timeout', expire);
          socket.ref();
        },
      });
    },
  });
}

const httpAgent = warmAgent(new HttpAgent({ keepAlive: true }));
let httpsAgent: ReturnType<typeof warmAgent<Https.Agent>> | undefined;

function agentFor(protocol: string): ReturnType<typeof warmAgent<HttpAgent>> | undefined {
  if (protocol === 'http:') return httpAgent;
  if (protocol !== 'https:') return undefined;
  httpsAgent ??= warmAgent(new (httpsModule().Agent)({ keepAlive: true }));
  return httpsAgent;
}

/** How many connections opened ahead are waiting for a request (tests wait for one to be dropped). */
export function parkedConnections(): number {
  return httpAgent.parked() + (httpsAgent?.parked() ?? 0);
}

/**
 * Opens a connection to each URL's origin now, unless one is already waiting, for a request that will
 * come soon. Never throws, never waits.
 */
export function preconnect(urls: (string | URL)[]): void {
  for (const url of new Set(urls.map((x) => new URL(x).origin))) {
    const u = new URL(url);
    try {
      agentFor(u.protocol)?.preconnect(u);
    } catch {
      // the request itself will connect (and report what fails)
    }
  }
}

/** The body of an answer is larger than the cap given: nothing past it is read. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

export interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  /** Decoded (Content-Encoding undone): the length and encoding headers no longer describe it. */
  body: Uint8Array;
}

type HeadersInit = ConstructorParameters<typeof Headers>[0];
type BodyInit = ConstructorParameters<typeof Response>[0];

export interface Ask {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  signal?: AbortSignal | null;
}

function bodyBytes(body: BodyInit | null | undefined): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('unsupported request body for the provider request');
}

function decoded(res: IncomingMessage): NodeJS.ReadableStream {
  switch ((res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlibModule().createGunzip());
    case 'deflate':
      return res.pipe(zlibModule().createInflate());
    case 'br':
      return res.pipe(zlibModule().createBrotliDecompress());
    default:
      return res;
  }
}

/**
 * Sends one request and reads its whole answer, refusing to hold more than `limit` bytes of body (as
 * declared, or as decoded).
 */
export function request(url: string | URL, ask: Ask, limit: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const u = new URL(url);
    const signal = ask.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const body = bodyBytes(ask.body);
    const headers: Record<string, string> = {};
    for (const [k, v] of new Headers(ask.headers)) headers[k] = v;
    if (body !== undefined && headers['content-type'] === undefined && ask.body instanceof URLSearchParams)
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    const agent = agentFor(u.protocol);
    if (!agent) {
      reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${u.protocol}`) }));
      return;
    }
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = () => {
      fail(signal!.reason);
      req.destroy();
    };
    const send = u.protocol === 'https:' ? httpsModule().request : httpRequest;
    const req = send(u, { method: ask.method ?? 'GET', headers, agent }, (res) => {
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > limit) {
        res.destroy();
        fail(new ResponseTooLargeError(limit));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const stream = decoded(res);
      stream.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (size > limit) {
          res.destroy();
          fail(new ResponseTooLargeError(limit));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
      res.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined || k === 'content-length' || k === 'content-encoding') continue;
          for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
        }
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: out,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        });
      });
    });
    req.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}
