// The /sandbox/ control endpoints: what tests and benchmarks read (statements, stats, logins) and
// what they set (faults, session expiry, the behaviour switches, reset). Plain JSON, not Snowflake envelopes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SIGNIN_CONTROL_INDEX } from './auth-control.js';
import type { SessionStore } from './auth-sessions.js';
import { SNOWFLAKE_SWITCHES, type SnowflakeBehaviour, SnowflakeBehaviourChange } from './behaviour.js';
import { type LatencyModel, LatencyModelInput } from './compute.js';
import type { SqlEngine } from './contract.js';
import { controlInput, type Send } from './control-input.js';
import { type Faults, FaultsInput } from './faults.js';
import { TASK_CONTROL_INDEX } from './tasks/control.js';

export interface StatementRecord {
  at: string;
  queryId: string;
  user: string;
  role: string;
  /** With the values of OAUTH_REFRESH_TOKEN, OAUTH_CLIENT_SECRET, PASSWORD and SECRET_STRING replaced by '***'. */
  sqlText: string;
  ok: boolean;
  code?: string | undefined;
  usedWarehouse: boolean;
  /** Set for a statement Snowflake ran by itself: a procedure's, or a task's body. */
  origin?: 'procedure' | 'task';
  /** How long it waited for its warehouse to resume (compute.ts), if it did. */
  resumeWaitMs?: number;
  /** How long it waited for a Python function's cold start, if it did. */
  coldStartMs?: number;
}

export interface LoginRecord {
  at: string;
  user: string;
  authenticator: string;
  ok: boolean;
  role?: string;
  code?: string;
  /** Why a login failed, as SYSTEM$GET_LOGIN_FAILURE_DETAILS would tell an administrator. */
  reason?: string;
}

export interface ControlContext {
  engine: SqlEngine;
  faults: Faults;
  sessions: SessionStore;
  statements: StatementRecord[];
  logins: LoginRecord[];
  /** Totals since start/reset: the logs above keep only the last MAX_LOG_ENTRIES. */
  counters: {
    /** Statements being answered right now (including any injected latency). */
    inFlight: number;
    statements: number;
    logins: number;
    failedLogins: number;
    warehouseStatements: number;
    renewals: number;
    functionCalls: () => number;
  };
  getBehaviour(): SnowflakeBehaviour;
  /** Throws (a ZodError) on an invalid value, changing nothing. */
  setBehaviour(change: SnowflakeBehaviourChange): SnowflakeBehaviour;
  getLatencyModel(): LatencyModel;
  setLatencyModel(model: LatencyModelInput): LatencyModel;
  /** Warehouse resumes, functions' cold starts and the time waited for them, since start/reset. */
  compute(): { resumes: number; coldStarts: number; waitedMs: number };
  /** After the engine's reset: the switches back to their start values, caches and results forgotten. */
  onReset(): void;
}

/** As the OAuth stand-in's request log: a long-running sandbox must not grow without bound. */
export const MAX_LOG_ENTRIES = 1000;

/** Appends to a log, forgetting the oldest entries beyond MAX_LOG_ENTRIES. */
export function appendCapped<T>(log: T[], entry: T): void {
  log.push(entry);
  if (log.length > MAX_LOG_ENTRIES) log.splice(0, log.length - MAX_LOG_ENTRIES);
}

const ResetInput = z.object({ sessions: z.boolean().optional() }).strict();
const ExpireInput = z.object({ master: z.boolean().optional() }).strict();
const PolicyInput = z.object({ policy: z.enum(['persist', 'discard']) }).strict();
const TokenCacheInput = z.object({ mode: z.enum(['none', 'until-expiry']) }).strict();

const INDEX = {
  'GET /sandbox/': 'this index',
  'GET /sandbox/statements': 'the last 1000 statements received, in order, secrets redacted',
  'GET /sandbox/stats':
    'counts: statements, warehouseStatements, functionCalls, logins, failedLogins, sessions, renewals, inFlight, warehouseResumes, coldStarts, computeWaitMs',
  'GET /sandbox/logins': 'the last 1000 login attempts, with why each failure failed',
  'POST /sandbox/reset':
    'engine back to its seed; logs, counters and faults cleared, switches back to their defaults ({"sessions":true} also ends sessions)',
  'GET /sandbox/behaviour': 'the current value of every behaviour switch',
  'POST /sandbox/behaviour':
    'JSON with any of the switches below: sets them (the others keep their value); answers every switch',
  ...Object.fromEntries(Object.entries(SNOWFLAKE_SWITCHES).map(([name, what]) => [`switch ${name}`, what])),
  'GET /sandbox/latency-model':
    'what a statement waits for when its warehouse is suspended (resumeMs) and a function first runs on it (coldStartMs)',
  'POST /sandbox/latency-model':
    'JSON {"model": "realistic" | "off"} and/or {"resumeMs": n, "coldStartMs": n}; answers the model now',
  'GET /sandbox/faults': 'active faults',
  'POST /sandbox/faults':
    'set faults: login, loginLatencyMs, statementLatencyMs, statements, drop, reshape, clear (see sandbox/README.md)',
  'POST /sandbox/expire-sessions': 'expire every session token ({"master":true}: master tokens too)',
  'GET /sandbox/rotation-policy': 'the rotationPolicy switch: persist | discard',
  'POST /sandbox/rotation-policy': 'JSON {"policy":"persist"|"discard"} (same as /sandbox/behaviour)',
  'GET /sandbox/token-cache': 'the accessTokenCache switch: until-expiry | none',
  'POST /sandbox/token-cache':
    'JSON {"mode":"none"|"until-expiry"}; clears cached access tokens (same as /sandbox/behaviour)',
  ...SIGNIN_CONTROL_INDEX,
  ...TASK_CONTROL_INDEX,
};

function stats(ctx: ControlContext) {
  return {
    statements: ctx.counters.statements,
    warehouseStatements: ctx.counters.warehouseStatements,
    functionCalls: ctx.counters.functionCalls(),
    logins: ctx.counters.logins,
    failedLogins: ctx.counters.failedLogins,
    sessions: ctx.sessions.size,
    renewals: ctx.counters.renewals,
    inFlight: ctx.counters.inFlight,
    warehouseResumes: ctx.compute().resumes,
    coldStarts: ctx.compute().coldStarts,
    computeWaitMs: ctx.compute().waitedMs,
  };
}

export async function handleControl(
  ctx: ControlContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  send: Send,
): Promise<void> {
  const key = `${req.method ?? 'GET'} ${url.pathname}`;
  const parse = <T>(schema: z.ZodType<T>): Promise<T | null> => controlInput(req, res, send, schema);
  switch (key) {
    case 'GET /sandbox/':
      return send(res, { endpoints: INDEX });
    case 'GET /sandbox/statements':
      return send(res, ctx.statements);
    case 'GET /sandbox/stats':
      return send(res, stats(ctx));
    case 'GET /sandbox/logins':
      return send(res, ctx.logins);
    case 'GET /sandbox/latency-model':
      return send(res, ctx.getLatencyModel());
    case 'POST /sandbox/latency-model': {
      const input = await parse(LatencyModelInput);
      if (input === null) return;
      return send(res, ctx.setLatencyModel(input));
    }
    case 'GET /sandbox/faults':
      return send(res, ctx.faults.snapshot());
    case 'POST /sandbox/faults': {
      const input = await parse(FaultsInput);
      if (!input) return;
      ctx.faults.apply(input);
      return send(res, ctx.faults.snapshot());
    }
    case 'POST /sandbox/reset': {
      const input = await parse(ResetInput);
      if (!input) return;
      ctx.engine.reset();
      ctx.statements.length = 0;
      ctx.logins.length = 0;
      ctx.counters.statements = 0;
      ctx.counters.logins = 0;
      ctx.counters.failedLogins = 0;
      ctx.counters.warehouseStatements = 0;
      ctx.counters.renewals = 0;
      ctx.faults.clear();
      if (input.sessions) ctx.sessions.clear();
      ctx.onReset();
      return send(res, { ok: true, ...stats(ctx) });
    }
    case 'POST /sandbox/expire-sessions': {
      const input = await parse(ExpireInput);
      if (!input) return;
      return send(res, {
        expired: ctx.sessions.expireAll(input.master ?? false),
        master: input.master ?? false,
      });
    }
    case 'GET /sandbox/behaviour':
      return send(res, ctx.getBehaviour());
    case 'POST /sandbox/behaviour': {
      const input = await parse(SnowflakeBehaviourChange);
      if (!input) return;
      return send(res, ctx.setBehaviour(input));
    }
    case 'GET /sandbox/rotation-policy':
      return send(res, { policy: ctx.getBehaviour().rotationPolicy });
    case 'POST /sandbox/rotation-policy': {
      const input = await parse(PolicyInput);
      if (!input) return;
      return send(res, { policy: ctx.setBehaviour({ rotationPolicy: input.policy }).rotationPolicy });
    }
    case 'GET /sandbox/token-cache':
      return send(res, { mode: ctx.getBehaviour().accessTokenCache });
    case 'POST /sandbox/token-cache': {
      const input = await parse(TokenCacheInput);
      if (!input) return;
      return send(res, { mode: ctx.setBehaviour({ accessTokenCache: input.mode }).accessTokenCache });
    }
    default:
      return send(res, { error: 'not_found', message: `No such control endpoint: ${key}` }, 404);
  }
}
