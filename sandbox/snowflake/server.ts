// The Snowflake stand-in's HTTP server: the endpoints the real snowflake-sdk calls (login, token
// renewal, queries, telemetry, session delete) plus the /sandbox/ control endpoints for tests.
// SQL goes to the engine (engine.ts); Python functions to the runner (runner.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSetting } from '../../server/config/env.js';
import { SETTINGS } from '../../server/config/schema.js';
import { controlRefusal, providerRefusal, type StandInAddress } from '../control-guard.js';
import { authenticate, connectIdentifier, type LoginRequest, loginError } from './auth.js';
import { handleSignInControl, resetSignInState } from './auth-control.js';
import { SESSION_ERRORS, type Session, SessionStore } from './auth-sessions.js';
import { initialBehaviour, type SnowflakeBehaviour, SnowflakeBehaviourChange } from './behaviour.js';
import { SandboxClock } from './clock.js';
import { type LatencyModel, type LatencyModelInput, latencyModel } from './compute.js';
import type { FunctionRunner, SessionState, SqlEngine } from './contract.js';
import { SqlError } from './contract.js';
import { createEngine, type NestedStatement } from './engine.js';
import { Faults } from './faults.js';
import {
  BodyError,
  bindsFromRequest,
  type Envelope,
  fail,
  multiResultData,
  ok,
  readJsonBody,
  resultData,
  sessionParameters,
  sqlErrorEnvelope,
  tokenFromHeader,
} from './protocol.js';
import {
  appendCapped,
  type ControlContext,
  handleControl,
  type LoginRecord,
  type StatementRecord,
} from './protocol-control.js';
import { finishQuery, recordQuery } from './query-history.js';
import { checkPython, createPythonRunner, REQUESTS_HINT } from './runner.js';
import type { AccessTokenCacheMode, RotationPolicy } from './runner-oauth.js';
import { handleTaskControl } from './tasks/control.js';

export type EngineFactory = (opts: {
  runner: FunctionRunner;
  now?: () => Date;
  behaviour?: () => SnowflakeBehaviour;
  onNestedStatement?: (s: NestedStatement) => void;
}) => SqlEngine;

/**
 * The switches (behaviour.ts) may be given here too, each defaulting to its cautious value: accessTokenCache
 * ('until-expiry'), alterSecretClearsAccessToken (false), refreshTokenValidity ('applied'), scopeOnRefresh
 * ('sent'), queryHistoryRedaction ('none'), integrationReplaceUnbindsSecret (true), rotationPolicy ('persist'),
 * alterSecretBinds ('refused').
 */
export interface SnowflakeSandboxOptions extends SnowflakeBehaviourChange {
  host?: string; // default '127.0.0.1'
  port?: number; // default: the SANDBOX_SNOWFLAKE_PORT setting (8791); 0 = any
  egress?: Record<string, string>; // host → base URL of the local stand-in serving it
  python?: string; // default 'python3'
  functionTimeoutMs?: number; // default 30000
  /** A stored procedure's time limit, its statements included; default 600000. */
  procedureTimeoutMs?: number;
  /** Seam for tests of the protocol layer alone; default: engine.ts's createEngine. */
  createEngine?: EngineFactory;
  /** Clock for sessions, JWT checks and the engine; default: the real one. */
  now?: () => Date;
  /** Where the missing-python3 / missing-requests line goes; default console.warn. */
  warn?: (line: string) => void;
  /**
   * What a statement waits for when its warehouse is suspended, and a Python function's first call after
   * it: 'realistic' (near a real account's), 'off' (default: no waits, the state is kept all the same) or
   * the two numbers (compute.ts; POST /sandbox/latency-model changes it).
   */
  latencyModel?: LatencyModelInput;
}

export interface SnowflakeSandbox {
  readonly url: string;
  readonly port: number;
  readonly engine: SqlEngine;
  /** python3's version line, or null when it could not be started. */
  readonly python: string | null;
  /** Whether that python3 can import requests (the Health API handlers use it). */
  readonly pythonRequests: boolean;
  setRotationPolicy(p: RotationPolicy): void;
  /** Switches the access-token cache (and forgets what it held). */
  setAccessTokenCache(mode: AccessTokenCacheMode): void;
  /** The current value of every switch (GET /sandbox/behaviour). */
  behaviour(): SnowflakeBehaviour;
  /** Changes some switches (POST /sandbox/behaviour); an invalid value throws and changes nothing. */
  setBehaviour(change: SnowflakeBehaviourChange): SnowflakeBehaviour;
  /** Count of statements that used a warehouse since start/reset. */
  warehouseStatements(): number;
  /** The latency model now (GET /sandbox/latency-model). */
  latencyModel(): LatencyModel;
  /** Changes it (POST /sandbox/latency-model); an invalid value throws and changes nothing. */
  setLatencyModel(model: LatencyModelInput): LatencyModel;
  /** The engine's clock (POST /sandbox/clock): moving it runs the tasks due by then. */
  advanceClock(ms: number): void;
  setClock(at: Date): void;
  /** Resolves true once no task run executes, waits or is due (false after `timeoutMs`). */
  waitForTasks(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

const MAX_KEPT_RESULTS = 500;

/** A Map that forgets its oldest entries beyond `cap` (results kept for GET /queries/:id/result). */
function capped<K, V>(map: Map<K, V>, key: K, value: V, cap: number): void {
  map.set(key, value);
  while (map.size > cap) map.delete(map.keys().next().value as K);
}

export async function startSnowflakeSandbox(opts: SnowflakeSandboxOptions = {}): Promise<SnowflakeSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? readSetting(process.env, SETTINGS.SANDBOX_SNOWFLAKE_PORT);
  const clock = opts.now ?? (() => new Date());
  const nowMs = () => clock().getTime();
  // CURRENT_DATE, expiries and task schedules; sign-in and sessions keep `clock` (clock.ts says why).
  const engineClock = new SandboxClock(clock);
  const python = opts.python ?? 'python3';
  // The switches given at start are what /sandbox/reset goes back to.
  const startBehaviour = initialBehaviour(opts);
  let behaviour: SnowflakeBehaviour = startBehaviour;
  // Also what /sandbox/reset goes back to.
  const startLatency = latencyModel(opts.latencyModel);

  // Which statement a function call belongs to, so a failing call still counts as warehouse use.
  const current = new AsyncLocalStorage<{ usedWarehouse: boolean; resumeMs: number; coldStartMs: number }>();
  const inner = createPythonRunner({
    python,
    timeoutMs: opts.functionTimeoutMs ?? 30_000,
    procedureTimeoutMs: opts.procedureTimeoutMs ?? 600_000,
    egress: opts.egress ?? {},
    rotationPolicy: () => behaviour.rotationPolicy,
    accessTokenCache: () => behaviour.accessTokenCache,
  });
  let functionCalls = 0;
  const runner: FunctionRunner = {
    run(inv) {
      functionCalls += 1;
      const ctx = current.getStore();
      if (ctx) ctx.usedWarehouse = true;
      return inner.run(inv);
    },
  };
  const factory = opts.createEngine ?? createEngine;
  // Statements a procedure or a task runs never come through query(): they are logged and counted here.
  const onNestedStatement = (n: NestedStatement) => {
    if (n.usedWarehouse) control.counters.warehouseStatements += 1;
    let sqlText: string;
    try {
      sqlText = engine.redact(n.sqlText);
    } catch {
      sqlText = '(statement not shown: it could not be redacted)';
    }
    appendCapped(control.statements, {
      at: clock().toISOString(),
      queryId: n.queryId,
      user: n.user,
      role: n.role,
      sqlText,
      ok: n.ok,
      ...(n.ok ? {} : { code: n.code }),
      usedWarehouse: n.usedWarehouse,
      origin: n.origin,
    });
  };
  const engine = factory({
    runner,
    now: () => engineClock.now(),
    behaviour: () => behaviour,
    onNestedStatement,
  });
  engine.compute?.setLatency(startLatency);
  if (engine.compute)
    engine.compute.onWaited = (what, ms) => {
      const ctx = current.getStore();
      if (ctx && what === 'resume') ctx.resumeMs += ms;
      else if (ctx) ctx.coldStartMs += ms;
    };
  const setLatencyModel = (model: LatencyModelInput): LatencyModel => {
    const parsed = latencyModel(model);
    engine.compute?.setLatency(parsed);
    return parsed;
  };
  const getLatencyModel = (): LatencyModel => engine.compute?.getLatency() ?? latencyModel('off');
  const setBehaviour = (change: SnowflakeBehaviourChange): SnowflakeBehaviour => {
    const parsed = SnowflakeBehaviourChange.parse(change);
    behaviour = {
      ...behaviour,
      ...Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)),
    };
    if (parsed.accessTokenCache !== undefined) {
      // Switching the cache forgets what it held, so a test starts from a known state.
      inner.clearAccessTokens();
      engine.forgetAccessTokens?.();
    }
    return behaviour;
  };

  const checked = await checkPython(python);
  const pythonVersion = checked.version;
  const warn = opts.warn ?? console.warn;
  if (!pythonVersion) {
    warn(
      `[snowflake-sandbox] '${python}' was not found: LANGUAGE PYTHON functions will fail. Install python3 and its 'requests' package (Debian/Ubuntu: apt-get install python3 python3-requests).`,
    );
  } else if (!checked.requests) {
    warn(
      `[snowflake-sandbox] '${python}' (${pythonVersion}) cannot import 'requests': functions that use it will fail; ${REQUESTS_HINT}.`,
    );
  }

  let bound = 0;
  const address: StandInAddress = { port: () => bound, boundHost: host };
  const sessions = new SessionStore(nowMs);
  const faults = new Faults();
  const results = new Map<string, { sessionId: number; envelope: Envelope }>();
  const replies = new Map<string, Envelope>(); // by requestId, replayed to the driver's retries
  const control: ControlContext = {
    engine,
    faults,
    sessions,
    statements: [] as StatementRecord[],
    logins: [] as LoginRecord[],
    counters: {
      inFlight: 0,
      statements: 0,
      logins: 0,
      failedLogins: 0,
      warehouseStatements: 0,
      renewals: 0,
      functionCalls: () => functionCalls,
    },
    getBehaviour: () => behaviour,
    setBehaviour,
    getLatencyModel,
    setLatencyModel,
    compute: () => engine.compute?.counts ?? { resumes: 0, coldStarts: 0, waitedMs: 0 },
    onReset: () => {
      engineClock.reset();
      behaviour = startBehaviour;
      engine.compute?.setLatency(startLatency);
      engine.compute?.resetCounts();
      inner.clearAccessTokens();
      resetSignInState(engine);
      results.clear();
      replies.clear();
      functionCalls = 0;
    },
  };

  function send(res: ServerResponse, body: unknown, status = 200): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  function recordLogin(r: Omit<LoginRecord, 'at'>): void {
    if (r.ok) control.counters.logins += 1;
    else control.counters.failedLogins += 1;
    appendCapped(control.logins, { at: clock().toISOString(), ...r });
  }

  async function useQuietly(state: SessionState, kind: string, name: string | null | undefined) {
    if (!name) return;
    const ident = /^"/.test(name) ? name : `"${connectIdentifier(name).replace(/"/g, '""')}"`;
    try {
      await engine.execute(state, `USE ${kind} ${ident}`);
    } catch {
      // Snowflake logs in anyway and leaves the session without it ("No active warehouse selected" later).
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readJsonBody(req)) as { data?: Record<string, unknown> };
    const data = body.data ?? {};
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const request: LoginRequest = {
      accountName: str(data.ACCOUNT_NAME) ?? '',
      loginName: str(data.LOGIN_NAME) ?? '',
      authenticator: str(data.AUTHENTICATOR) ?? 'SNOWFLAKE',
      password: str(data.PASSWORD),
      token: str(data.TOKEN),
      passcode: str(data.PASSCODE),
      passcodeInPassword: data.passcodeInPassword === true,
      roleName: url.searchParams.get('roleName') ?? undefined,
    };
    const who = connectIdentifier(request.loginName);
    const loginLatency = faults.loginLatency();
    if (loginLatency > 0) await new Promise((r) => setTimeout(r, loginLatency));
    const injected = faults.takeLogin();
    if (injected) {
      const message = loginError(
        injected.code,
        { role: request.roleName ?? 'PUBLIC', what: 'object' },
        injected.message,
      );
      recordLogin({
        user: who,
        authenticator: request.authenticator,
        ok: false,
        code: injected.code,
        reason: 'fault',
      });
      send(res, fail(injected.code, message, { sqlState: '08001', nextAction: 'RETRY_LOGIN' }));
      return;
    }
    const outcome = authenticate(engine, request, nowMs());
    if (!outcome.ok) {
      recordLogin({
        user: who,
        authenticator: outcome.method,
        ok: false,
        code: outcome.code,
        reason: outcome.reason,
      });
      send(res, fail(outcome.code, outcome.message, { sqlState: '08001', nextAction: 'RETRY_LOGIN' }));
      return;
    }
    const user = outcome.user;
    const state: SessionState = {
      user: user.name,
      role: outcome.role,
      database: null,
      schema: null,
      warehouse: null,
    };
    await useQuietly(state, 'WAREHOUSE', url.searchParams.get('warehouse') ?? user.defaultWarehouse);
    const [db, schema] = (user.defaultNamespace ?? '').split('.');
    await useQuietly(state, 'DATABASE', url.searchParams.get('databaseName') ?? db);
    if (state.database) await useQuietly(state, 'SCHEMA', url.searchParams.get('schemaName') ?? schema);
    const session = sessions.create(state);
    state.sessionId = session.id;
    state.history = [];
    recordLogin({ user: user.name, authenticator: outcome.method, ok: true, role: state.role });
    send(
      res,
      ok({
        token: session.token,
        validityInSeconds: Math.round((session.tokenExpiresAt - nowMs()) / 1000),
        masterToken: session.masterToken,
        masterValidityInSeconds: Math.round((session.masterExpiresAt - nowMs()) / 1000),
        mfaToken: null,
        mfaTokenValidityInSeconds: 0,
        idToken: null,
        idTokenValidityInSeconds: 0,
        displayUserName: user.name,
        serverVersion: '9.40.0 (sandbox)',
        firstLogin: false,
        remMeToken: null,
        remMeValidityInSeconds: 0,
        healthCheckInterval: 45,
        newClientForUpgrade: null,
        sessionId: session.id,
        parameters: sessionParameters(),
        sessionInfo: {
          databaseName: state.database,
          schemaName: state.schema,
          warehouseName: state.warehouse,
          roleName: state.role,
        },
      }),
    );
  }

  function sessionFor(req: IncomingMessage): { session: Session } | { error: Envelope } {
    const found = sessions.bySessionToken(tokenFromHeader(req.headers.authorization));
    if (found.ok) return { session: found.session };
    const e = SESSION_ERRORS[found.error];
    return { error: fail(e.code, e.message) };
  }

  async function query(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const auth = sessionFor(req);
    const body = (await readJsonBody(req)) as {
      sqlText?: unknown;
      bindings?: unknown;
      parameters?: Record<string, unknown>;
    };
    if ('error' in auth) return send(res, auth.error);
    const { session } = auth;
    const requestId = url.searchParams.get('requestId');
    // A retry of a request we already answered (the reply was lost) gets the same reply, as Snowflake does.
    const earlier = requestId && url.searchParams.has('retryCount') ? replies.get(requestId) : undefined;
    if (earlier) return send(res, earlier);

    const sqlText = typeof body.sqlText === 'string' ? body.sqlText : '';
    if (faults.takeDrop(sqlText, 'before')) {
      req.socket.destroy();
      return;
    }
    const latency = faults.statementLatency();
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    const queryId = randomUUID();
    const role = session.state.role;
    const ctx = { usedWarehouse: false, resumeMs: 0, coldStartMs: 0 };
    let envelope: Envelope;
    const injected = faults.takeStatement(sqlText);
    const binds = bindsFromRequest(body.bindings);
    const expected = Number(body.parameters?.MULTI_STATEMENT_COUNT ?? 1);
    // In the session's query history before it runs, as Snowflake lists a running query.
    const history = recordQuery(session.state, { queryId, sqlText, at: nowMs() }, behaviour, (t) =>
      engine.redact(t),
    );
    if (injected) {
      envelope = sqlErrorEnvelope(injected.code, injected.sqlState, injected.message, queryId);
    } else if (!sqlText.trim()) {
      envelope = sqlErrorEnvelope('000900', '42000', 'SQL compilation error:\nEmpty SQL statement.', queryId);
    } else if ('error' in binds) {
      envelope = sqlErrorEnvelope('000002', '0A000', `Unsupported feature '${binds.error}'.`, queryId);
    } else {
      try {
        const sets = (
          await current.run(ctx, () => engine.execute(session.state, sqlText, binds, expected !== 1))
        ).map((set) => faults.reshape(sqlText, set));
        if (sets.length === 0)
          throw new SqlError('000900', '42000', 'SQL compilation error:\nEmpty SQL statement.');
        if ((expected === 1 && sets.length > 1) || (expected > 1 && sets.length !== expected)) {
          throw new SqlError(
            '000008',
            '0A000',
            `Actual statement count ${sets.length} did not match the desired statement count ${expected}.`,
          );
        }
        ctx.usedWarehouse ||= sets.some((s) => s.usedWarehouse);
        const meta = { queryId, sqlText, session: session.state, numberOfBinds: binds.length };
        if (sets.length === 1 && expected === 1) {
          envelope = ok(resultData(sets[0]!, meta));
        } else {
          const ids = sets.map(() => randomUUID());
          sets.forEach((set, i) => {
            const child = ok(resultData(set, { ...meta, queryId: ids[i]! }));
            capped(results, ids[i]!, { sessionId: session.id, envelope: child }, MAX_KEPT_RESULTS);
          });
          envelope = ok(multiResultData(ids, meta));
        }
      } catch (err) {
        envelope =
          err instanceof SqlError
            ? sqlErrorEnvelope(err.code, err.sqlState, err.message, queryId)
            : sqlErrorEnvelope(
                '000603',
                'XX000',
                `SQL execution internal error:\nProcessing aborted due to error 300002 (sandbox engine: ${err instanceof Error ? err.message : String(err)}).`,
                queryId,
              );
      }
    }
    finishQuery(
      history,
      envelope.success
        ? { ok: true }
        : { ok: false, code: envelope.code ?? null, message: envelope.message ?? '' },
      nowMs(),
    );
    capped(results, queryId, { sessionId: session.id, envelope }, MAX_KEPT_RESULTS);
    if (requestId) capped(replies, requestId, envelope, MAX_KEPT_RESULTS);
    if (ctx.usedWarehouse) control.counters.warehouseStatements += 1;
    let redacted: string;
    try {
      redacted = engine.redact(sqlText);
    } catch {
      redacted = '(statement not shown: it could not be redacted)';
    }
    control.counters.statements += 1;
    appendCapped(control.statements, {
      at: clock().toISOString(),
      queryId,
      user: session.state.user,
      role,
      sqlText: redacted,
      ok: envelope.success,
      ...(envelope.success ? {} : { code: envelope.code ?? undefined }),
      usedWarehouse: ctx.usedWarehouse,
      ...(ctx.resumeMs > 0 ? { resumeWaitMs: Math.round(ctx.resumeMs) } : {}),
      ...(ctx.coldStartMs > 0 ? { coldStartMs: Math.round(ctx.coldStartMs) } : {}),
    });
    if (faults.takeDrop(sqlText, 'after')) {
      req.socket.destroy();
      return;
    }
    send(res, envelope);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname === '/sandbox') url.pathname = '/sandbox/'; // the index, with or without the slash
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isControl = path.startsWith('/sandbox/');
    // Who may call (control-guard.ts): a loopback Host on this port for everything, and for the control
    // endpoints no request from another site and JSON bodies only.
    const refused = isControl ? controlRefusal(req, address) : providerRefusal(req, address);
    if (refused) {
      req.resume(); // the body is not read: let it drain so the answer goes out whole
      return send(res, { error: refused.error, message: refused.message }, refused.status);
    }
    if (isControl) {
      if (await handleSignInControl(engine, req, res, `${method} ${path}`, send, nowMs())) return;
      if (await handleTaskControl(engine, engineClock, req, res, url, send)) return;
      return handleControl(control, req, res, url, send);
    }
    if (method === 'POST' && path === '/session/v1/login-request') return login(req, res, url);
    if (method === 'POST' && path === '/queries/v1/query-request') {
      // Counted while answered: a test can tell that a statement is in flight (and stop the app then).
      control.counters.inFlight += 1;
      return query(req, res, url).finally(() => {
        control.counters.inFlight -= 1;
      });
    }
    if (method === 'POST' && path === '/session/token-request') {
      const body = (await readJsonBody(req)) as { requestType?: string };
      if (body.requestType !== 'RENEW') return send(res, fail('390100', 'Unsupported token request type.'));
      const renewed = sessions.renew(tokenFromHeader(req.headers.authorization));
      if (!renewed.ok) {
        const e = SESSION_ERRORS[renewed.error];
        return send(res, fail(e.code, e.message));
      }
      control.counters.renewals += 1;
      const s = renewed.session;
      return send(
        res,
        ok({
          sessionToken: s.token,
          validityInSecondsST: Math.round((s.tokenExpiresAt - nowMs()) / 1000),
          masterToken: s.masterToken,
          validityInSecondsMT: Math.round((s.masterExpiresAt - nowMs()) / 1000),
          sessionId: s.id,
        }),
      );
    }
    if (method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') {
      await readJsonBody(req);
      const s = sessions.peek(tokenFromHeader(req.headers.authorization));
      if (!s) return send(res, fail(SESSION_ERRORS.gone.code, SESSION_ERRORS.gone.message));
      sessions.delete(s);
      return send(res, ok(null));
    }
    if (method === 'POST' && (path === '/telemetry/send' || path === '/session/heartbeat')) {
      await readJsonBody(req);
      const auth = sessionFor(req);
      return send(res, 'error' in auth ? auth.error : ok(null));
    }
    if (method === 'POST' && path === '/queries/v1/abort-request') {
      await readJsonBody(req);
      return send(res, ok(null));
    }
    const resultPath = /^\/queries\/([^/]+)\/result$/.exec(path);
    if (method === 'GET' && resultPath) {
      const auth = sessionFor(req);
      if ('error' in auth) return send(res, auth.error);
      const kept = results.get(resultPath[1]!);
      if (!kept || kept.sessionId !== auth.session.id) {
        return send(res, fail('000709', `Statement ${resultPath[1]} not found`, { sqlState: '02000' }));
      }
      return send(res, kept.envelope);
    }
    send(
      res,
      { success: false, code: null, message: `No such endpoint: ${method} ${path}`, data: null },
      404,
    );
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return; // answered already, or the client is gone
      // One line, never a stack: a bad body (not gzip, not JSON, too large) is the client's mistake and
      // says so; anything else is this stand-in's and answers 500, logged by kind only (its message could
      // quote what the request carried).
      const status = err instanceof BodyError ? err.status : 500;
      const why = err instanceof BodyError ? err.message : 'the request could not be handled';
      const where = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]!.slice(0, 200)}`;
      const kind = err instanceof BodyError ? '' : ` (${err instanceof Error ? err.name : typeof err})`;
      warn(`[snowflake-sandbox] ${where} answered ${status}: ${why}${kind}`.replace(/\s+/g, ' '));
      send(res, { success: false, code: null, message: why, data: null }, status);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  bound = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    engine,
    python: pythonVersion,
    pythonRequests: checked.requests,
    setRotationPolicy(p) {
      setBehaviour({ rotationPolicy: p });
    },
    setAccessTokenCache(mode) {
      setBehaviour({ accessTokenCache: mode });
    },
    behaviour: () => behaviour,
    setBehaviour,
    warehouseStatements: () => control.counters.warehouseStatements,
    latencyModel: getLatencyModel,
    setLatencyModel,
    advanceClock(ms) {
      engineClock.advance(ms);
      engine.tasks?.tick();
    },
    setClock(at) {
      engineClock.set(at);
      engine.tasks?.tick();
    },
    waitForTasks: (timeoutMs) => engine.tasks?.idle(undefined, timeoutMs) ?? Promise.resolve(true),
    close: async () => {
      engine.tasks?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await inner.close();
      await engine.close?.();
    },
  };
}
