// Builds the real app on the real stand-ins (sandbox mode on ports 0), with every log line captured,
// and drives the connect journey over real HTTP: supertest for the app, the stand-in's consent page
// for the user's "Allow".
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import type { OAuthBehaviourChange, SnowflakeBehaviourChange } from '../../sandbox/index.js';
import { type ConsentOptions, consent } from '../../sandbox/oauth/consent.js';
import { createApp } from '../../server/app.js';
import { answerClientErrors } from '../../server/client-errors.js';
import type { ManualClock } from '../../server/clock.js';
import type { AppConfig, BaseConfig } from '../../server/config/index.js';
import { createLogger } from '../../server/log.js';
import type { DataKind, ProviderId } from '../../server/providers/index.js';
import { getProfile } from '../../server/providers/index.js';
import { newAppKeyPair, type SandboxMode, startSandboxMode } from '../../server/sandbox-mode.js';
import { buildServices, type Services } from '../../server/services.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';

export interface HarnessOptions {
  provider?: ProviderId;
  clientStatus?: 'production' | 'testing';
  /** The app's scope set, as OAUTH_SCOPES gives it (default: what the provider's functions need). */
  scopes?: string[];
  /** PIPELINE_DATA_TYPES (default: every kind): a smaller scope set needs fewer kinds. */
  dataKinds?: DataKind[];
  /** Listen on a real port (browser tests); the redirect URI then points at it. */
  listen?: boolean;
  heldTokenTtlMs?: number;
  logLevel?: string;
  /** Change the config before services are built (e.g. a wrong secret name). */
  tweak?: (c: AppConfig) => AppConfig;
  /** The app's clock (held tokens, sign-ins, results, CHECK_INTERVAL): the test moves it. */
  clock?: ManualClock;
  /** The stand-ins' behaviour switches at start (sandbox/README.md, "Behaviour switches"). */
  behaviour?: SnowflakeBehaviourChange & OAuthBehaviourChange;
  /** SANDBOX_LATENCY: `realistic` makes a sleeping warehouse take its resume time (off by default here). */
  sandboxLatency?: 'realistic' | 'off';
  /**
   * The token gate, on by default as in `npm start` (a launch token, or ADMIN_TOKEN when `tweak` sets
   * one); `false` is LAUNCH_TOKEN=off, for tests that are not about it.
   */
  gate?: boolean;
  /** Sign the harness's agent in through the launch link at start (default true; needs the gate). */
  signIn?: boolean;
}

type Agent = ReturnType<typeof supertest.agent>;

/** One Server-Sent Event of a result's stream (GET /result/<id>/events). */
export interface ResultEvent {
  event: string;
  data: { stage?: string; label?: string; ok?: boolean; at?: number; html?: string };
}

/** Parses a text/event-stream body: `event:` and `data:` lines, blocks separated by a blank line. */
export function parseEvents(text: string): ResultEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .filter((l) => l.startsWith(`${name}: `))
          .map((l) => l.slice(name.length + 2))
          .join('\n');
      return { event: field('event') || 'message', data: JSON.parse(field('data') || '{}') };
    });
}

export interface Harness {
  services: Services;
  config: AppConfig;
  sandbox: SandboxMode;
  /**
   * A browser: its own cookie jar, signed in through the launch link unless `signIn: false`. Like a
   * browser it follows a refused callback to its error page: a GET of /callback answers with that page
   * (the callback itself redirects every outcome to /result/<id>); a success stays the callback's 303.
   */
  agent: Agent;
  /** The token the gate asks for (the launch token, or ADMIN_TOKEN); undefined with `gate: false`. */
  accessToken?: string;
  /** With `listen`: the link `npm start` prints, http://127.0.0.1:<port>/?token=… */
  launchUrl?: string;
  /**
   * Another browser (its own cookie jar) naming the app's host: signed in unless `signedIn: false`; like
   * `agent`, it shows a refused callback's page unless `raw` (then it returns the callback's 303).
   */
  newBrowser(opts?: { signedIn?: boolean; raw?: boolean }): Promise<Agent>;
  /** Every line the app logged, as text. */
  logs: string[];
  dataDir: string;
  baseUrl?: string;
  oauthUrl: string;
  snowflakeUrl: string;
  /**
   * GET /connect, consent on the stand-in, GET /callback; returns the callback response, or, when the
   * callback refused (it redirects to its error page, post/redirect/get), that page. The callback answers
   * once the token is written; like the result page's script, this then waits on the result's events
   * until the check's outcome is in (resultWhenDone), unless `untilChecked: false`.
   */
  connect(
    opts?: ConsentOptions & { via?: 'connect' | 'reauthorize'; untilChecked?: boolean },
  ): Promise<supertest.Response>;
  /** As connect(), then follows the redirect to the result page (with the check's outcome). */
  connectAndFollow(opts?: ConsentOptions): Promise<supertest.Response>;
  /**
   * Reads a result's events (GET `<location>/events`, as `agent`, default the harness's) to their end: the
   * stages as they happened, then `done`. Resolves when the stream ends, i.e. when the check's outcome is
   * in (or the app gave up on it): an event, not a duration.
   */
  resultEvents(location: string, agent?: Agent): Promise<ResultEvent[]>;
  /** Waits for the check's outcome on the result's events, then returns the result page as it now is. */
  resultWhenDone(location: string, agent?: Agent): Promise<supertest.Response>;
  /**
   * Holds every end-to-end check the app starts from now on until `release()` (the checks then run as
   * usual; `started` resolves once one is waiting): a test can look at the result page while the check is
   * under way without timing anything.
   */
  holdChecks(): { started: Promise<void>; release(): void };
  /** The provider URL /connect redirects to (the flow is started but not finished). */
  startFlow(): Promise<string>;
  /** POST to the OAuth stand-in's control API. */
  oauthControl(pathname: string, body?: unknown): Promise<Response>;
  snowflakeControl(pathname: string, body?: unknown): Promise<Response>;
  csrf(): Promise<string>;
  /** Runs SQL on the Snowflake stand-in as its administrator (SANDBOX_ADMIN, ACCOUNTADMIN). */
  admin(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * Moves time forward everywhere it is kept: the OAuth stand-in's clock, the Snowflake stand-in's (a
   * cached access token expires on it), and the app's when the harness was given a ManualClock.
   */
  advanceClocks(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reads a result's events (GET `<location>/events`, as `agent`) to their end: the stages as they happened,
 * then `done`. Resolves when the stream ends, i.e. when the check's outcome is in (or the app gave up on
 * it): an event, not a duration.
 */
export async function readResultEvents(agent: Agent, location: string): Promise<ResultEvent[]> {
  const res = await agent.get(`${location}/events`).buffer(true);
  if (res.status !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream'))
    throw new Error(`${location}/events answered ${res.status}: ${res.text.slice(0, 300)}`);
  return parseEvents(res.text);
}

/** A result's events stream, read as it arrives (see openResultEvents). */
export interface OpenStream {
  /** The events so far. */
  events: ResultEvent[];
  /** Resolves with the first event (so far or to come) that `pred` accepts; rejects if the stream ends first. */
  next(pred: (e: ResultEvent) => boolean): Promise<ResultEvent>;
  /** Resolves with every event once the server ends the stream. */
  ended: Promise<ResultEvent[]>;
  /** The response's status and headers (once they arrived). */
  response: Promise<{ status: number; headers: Record<string, string> }>;
}

/** Opens a result's events stream (GET `<location>/events`, as `agent`) and reads it as it arrives. */
export function openResultEvents(agent: Agent, location: string): OpenStream {
  const events: ResultEvent[] = [];
  const waiting: {
    pred: (e: ResultEvent) => boolean;
    ok: (e: ResultEvent) => void;
    no: (e: Error) => void;
  }[] = [];
  let done = false;
  let gotResponse!: (r: { status: number; headers: Record<string, string> }) => void;
  const response = new Promise<{ status: number; headers: Record<string, string> }>((r) => {
    gotResponse = r;
  });
  const ended = new Promise<ResultEvent[]>((resolve, reject) => {
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      for (const w of waiting.splice(0)) w.no(err ?? new Error(`${location}/events ended first`));
      if (err) reject(err);
      else resolve(events);
    };
    let buffer = '';
    // Unbuffered, superagent settles its promise when the headers arrive: the stream's end is the
    // response's own 'end'.
    agent
      .get(`${location}/events`)
      .buffer(false)
      .parse((res, cb) => {
        gotResponse({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          for (const e of parseEvents(blocks.join('\n\n'))) {
            events.push(e);
            for (const w of waiting.filter((x) => x.pred(e))) {
              waiting.splice(waiting.indexOf(w), 1);
              w.ok(e);
            }
          }
        });
        res.on('end', () => {
          cb(null, undefined);
          finish();
        });
        res.on('error', (err: Error) => {
          cb(err, undefined);
          finish(err);
        });
      })
      .catch((err: Error) => finish(err));
  });
  ended.catch(() => {});
  return {
    events,
    response,
    ended,
    next(pred) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      if (done) return Promise.reject(new Error(`${location}/events ended first`));
      return new Promise((ok, no) => waiting.push({ pred, ok, no }));
    },
  };
}

/** Waits on a result's events for the check's outcome, then returns the result page as it now is. */
export async function waitForResult(agent: Agent, location: string): Promise<supertest.Response> {
  const events = await readResultEvents(agent, location);
  if (events.at(-1)?.event !== 'done') throw new Error(`${location}/events ended without an outcome`);
  return agent.get(location);
}

// Harnesses started and not closed yet. test/support/setup.ts fails a test file that leaves one open:
// its app, stand-ins and background work would outlive the file.
const registry = globalThis as Record<symbol, Set<string> | undefined>;
const OPEN = Symbol.for('fsc.test.openHarnesses');
const open = registry[OPEN] ?? new Set<string>();
registry[OPEN] = open;

/**
 * Makes a supertest agent send `Secure` cookies over plain http to loopback, as Chromium and Firefox do
 * (http://localhost is a potentially trustworthy origin); superagent's jar sends them over https only.
 */
export function browserLike(agent: Agent): Agent {
  const a = agent as unknown as {
    jar: { getCookies(access: unknown): { toValueString(): string } };
    _attachCookies(req: { url: string; cookies: string }): void;
  };
  a._attachCookies = (req) => {
    const url = new URL(req.url);
    const loopback =
      url.hostname === 'localhost' || url.hostname.startsWith('127.') || url.hostname === '[::1]';
    // The shape of cookiejar's CookieAccessInfo (superagent's jar reads these four fields).
    const access = {
      domain: url.hostname,
      path: url.pathname,
      secure: url.protocol === 'https:' || loopback,
      script: false,
    };
    req.cookies = a.jar.getCookies(access).toValueString();
  };
  return agent;
}

/** Signs a browser in the way a person does: opens the launch link (GET /?token=…). */
export async function signInWithLink(agent: Agent, token: string): Promise<void> {
  const res = await agent.get(`/?token=${encodeURIComponent(token)}`);
  if (res.status !== 303)
    throw new Error(`the launch link answered ${res.status}: ${res.text.slice(0, 300)}`);
}

// One key pair for every sandbox this test file starts: each stand-in is separate, and making a key
// for each harness was a good part of starting one.
let keyPair: ReturnType<typeof newAppKeyPair> | undefined;

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/**
 * The page a callback's answer leads to when it was refused: the callback redirects every outcome to
 * /result/<id>, and a refusal's page there answers with the error's status. A success stays the 303.
 */
export async function followRefusal(agent: Agent, res: supertest.Response): Promise<supertest.Response> {
  const location = res.headers.location as string | undefined;
  if (res.status !== 303 || !location?.startsWith('/result/')) return res;
  const page = await agent.get(location);
  return page.status >= 400 ? page : res;
}

/** Makes an agent's GETs of /callback answer with a refusal's page (see Harness.agent). */
function showRefusals(agent: Agent): void {
  const get = agent.get.bind(agent);
  agent.get = ((url: string, ...rest: unknown[]) => {
    const test = (get as (u: string, ...r: unknown[]) => supertest.Test)(url, ...rest);
    if (!url.startsWith('/callback')) return test;
    const then = test.then.bind(test);
    // biome-ignore lint/suspicious/noThenProperty: a supertest Test is a thenable; this wraps its then.
    test.then = ((ok, fail) => then((res) => followRefusal(agent, res)).then(ok, fail)) as typeof test.then;
    return test;
  }) as typeof agent.get;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const provider = opts.provider ?? 'google-health';
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const log = createLogger(opts.logLevel ?? 'debug', stream);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fsc-test-'));
  const port = opts.listen ? await freePort() : 8787;
  const host = opts.listen ? '127.0.0.1' : 'localhost';
  const base: BaseConfig = {
    host: '127.0.0.1',
    port,
    provider,
    redirectUri: `http://${host}:${port}/callback`,
    scopes: opts.scopes ?? getProfile(provider).defaultScopes,
    ...(opts.dataKinds ? { dataKinds: opts.dataKinds } : {}),
    clientStatus: opts.clientStatus ?? 'production',
    dataDir,
    logLevel: opts.logLevel ?? 'debug',
    logFormat: 'json',
    heldTokenTtlMs: opts.heldTokenTtlMs ?? 600_000,
    checkIntervalSeconds: 0,
    timeouts: { oauthSeconds: 5, snowflakeMs: 20_000 },
    sandboxPorts: { oauth: 0, snowflake: 0 },
    launchToken: opts.gate === false ? 'off' : 'on',
    ...(opts.sandboxLatency ? { sandboxLatency: opts.sandboxLatency } : {}),
  };
  keyPair ??= newAppKeyPair();
  // The Snowflake stand-in's clock: real time plus what the test moved it by.
  let snowflakeAheadMs = 0;
  const sandbox = await startSandboxMode(base, log, {
    oauthPort: 0,
    snowflakePort: 0,
    dataDir,
    keyPair,
    standIns: { ...opts.behaviour, snowflakeNow: () => new Date(Date.now() + snowflakeAheadMs) },
  });
  const config = opts.tweak ? opts.tweak(sandbox.config) : sandbox.config;
  const services = buildServices(config, log, { clock: opts.clock, sandboxAdmin: sandbox.runAsAdmin });
  const app = createApp(services);
  let server: Server | undefined;
  let baseUrl: string | undefined;
  if (opts.listen) {
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
      answerClientErrors(s, log);
    });
    baseUrl = `http://127.0.0.1:${port}`;
  }
  const accessToken = config.adminToken ?? config.launchToken;
  const newAgent = async (signedIn: boolean, raw = false): Promise<Agent> => {
    const a = browserLike(supertest.agent(server ?? app));
    if (!raw) showRefusals(a);
    // Without a real listener, requests still name the redirect URI's host, as a browser would.
    if (!server) a.set('Host', 'localhost:8787');
    if (signedIn && accessToken) await signInWithLink(a, accessToken);
    return a;
  };
  let agent: Agent;
  try {
    agent = await newAgent(opts.signIn !== false);
  } catch (e) {
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await services.shutdown();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  const startFlow = async () => {
    const res = await agent.get('/connect');
    if (res.status !== 303) throw new Error(`/connect answered ${res.status}: ${res.text.slice(0, 300)}`);
    return res.headers.location as string;
  };
  const resultEvents = (location: string, a: Agent = agent) => readResultEvents(a, location);
  const resultWhenDone = (location: string, a: Agent = agent) => waitForResult(a, location);
  const connect = async (
    o: ConsentOptions & { via?: 'connect' | 'reauthorize'; untilChecked?: boolean } = {},
  ): Promise<supertest.Response> => {
    let authUrl: string;
    if (o.via === 'reauthorize') {
      const token = await csrf();
      const res = await agent.post('/reauthorize').type('form').send({ _csrf: token });
      if (res.status !== 303) throw new Error(`/reauthorize answered ${res.status}`);
      authUrl = res.headers.location as string;
    } else authUrl = await startFlow();
    const location = await consent(authUrl, o);
    const u = new URL(location);
    const res = await agent.get(`${u.pathname}${u.search}`);
    const result = res.status === 303 ? (res.headers.location as string) : '';
    if (o.untilChecked !== false && result.startsWith('/result/')) await resultEvents(result);
    return res;
  };
  const csrf = async () => {
    const res = await agent.get('/status');
    const m = /name="_csrf" value="([^"]+)"/.exec(res.text);
    if (!m) throw new Error('no CSRF token on /status');
    return m[1]!;
  };
  const control = (baseUrlOf: string) => (pathname: string, body?: unknown) =>
    fetch(`${baseUrlOf}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  const adminSession = new SnowflakeSession(
    {
      account: 'sandbox',
      username: 'SANDBOX_ADMIN',
      authenticator: 'SNOWFLAKE',
      password: 'sandbox',
      accessUrl: sandbox.snowflakeUrl,
      source: 'test',
    },
    log,
  );
  open.add(dataDir);
  const oauthControl = control(sandbox.oauthUrl);
  return {
    admin: (sql: string) => adminSession.execute(sql),
    async advanceClocks(seconds: number) {
      const res = await oauthControl('/sandbox/advance-clock', { seconds });
      if (res.status !== 200) throw new Error(`advance-clock answered ${res.status}`);
      snowflakeAheadMs += seconds * 1000;
      await opts.clock?.advance(seconds * 1000);
    },
    services,
    config,
    sandbox,
    agent,
    accessToken,
    // A `?token=` link works with ADMIN_TOKEN too: one gate.
    launchUrl: baseUrl && accessToken ? `${baseUrl}/?token=${accessToken}` : undefined,
    newBrowser: (o = {}) => newAgent(o.signedIn !== false, o.raw),
    logs,
    dataDir,
    baseUrl,
    oauthUrl: sandbox.oauthUrl,
    snowflakeUrl: sandbox.snowflakeUrl,
    connect,
    async connectAndFollow(o = {}) {
      const res = await connect(o);
      if (res.status !== 303) return res;
      return agent.get(res.headers.location as string);
    },
    resultEvents,
    resultWhenDone,
    holdChecks() {
      const check = services.endToEnd;
      const run = check.run;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let started!: () => void;
      const waiting = new Promise<void>((r) => {
        started = r;
      });
      check.run = () => {
        started();
        return gate.then(() => run.call(check));
      };
      return {
        started: waiting,
        release() {
          check.run = run;
          release();
        },
      };
    },
    startFlow,
    oauthControl,
    snowflakeControl: control(sandbox.snowflakeUrl),
    csrf,
    async close() {
      if (server) {
        // As the app's own stop does (server/main.ts), without its grace for a person's page: the sign-ins
        // settle first, then whatever a client still holds open (a browser's keep-alive or in-flight
        // request, an event stream) is cut, so closing never waits on a client.
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await services.stopSignIns();
        server.closeAllConnections();
        await closed;
      }
      await services.shutdown();
      await adminSession.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
      open.delete(dataDir);
    },
  };
}
