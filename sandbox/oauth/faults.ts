import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { fitbitErrorBody } from './fitbit.js';
import { googleApiErrorBody } from './health.js';
import { profileOf } from './paths.js';

// Injected failures, for testing how a client copes: latency, error statuses, malformed bodies, dropped
// connections, and real answers with some fields rewritten (a hostile or broken upstream sending, say,
// `refresh_token_expires_in: 1e300` with otherwise genuine tokens). Control endpoints (/sandbox/…) are
// never affected.

export const faultSchema = z
  .object({
    /** Exact request path without the query, e.g. "/token". Omitted: every provider request. */
    path: z.string().startsWith('/').optional(),
    /** Only this HTTP method (case-insensitive). Omitted: any. */
    method: z.string().optional(),
    /** Answer with this status instead of running the endpoint. */
    status: z.number().int().min(100).max(599).optional(),
    /** Raw response body (with `status`, default 200). Default: the provider's own error body. */
    body: z.string().optional(),
    /** Content-Type for `body`; default application/json; charset=utf-8. */
    contentType: z.string().optional(),
    /** Extra response headers, e.g. {"Retry-After":"2"}. */
    headers: z.record(z.string(), z.string()).optional(),
    /** Destroy the socket without answering. */
    drop: z.boolean().optional(),
    /** Delay before answering (or before the status/drop of this rule). */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /**
     * Fields set into the endpoint's own JSON answer when it succeeds (2xx), e.g.
     * {"refresh_token_expires_in": 1e300}: the tokens stay real, the numbers around them do not.
     */
    merge: z.record(z.string(), z.unknown()).optional(),
    /** How many matching requests this rule affects. Omitted: until cleared or reset. */
    count: z.number().int().min(1).optional(),
  })
  .strict()
  .refine(
    (f) =>
      f.status !== undefined ||
      f.body !== undefined ||
      f.drop ||
      f.latencyMs !== undefined ||
      f.merge !== undefined,
    { message: 'a fault needs at least one of status, body, drop, latencyMs or merge' },
  );

export type FaultSpec = z.infer<typeof faultSchema>;
export interface Fault extends FaultSpec {
  id: number;
  remaining: number | null;
}

const respondsItself = (f: FaultSpec): boolean =>
  f.drop === true || f.status !== undefined || f.body !== undefined;

export class Faults {
  private rules: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const f: Fault = { ...spec, id: this.nextId++, remaining: spec.count ?? null };
    this.rules.push(f);
    return f;
  }

  list(): Fault[] {
    return this.rules.map((f) => ({ ...f }));
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Latency and merge rules all apply; of the rules that answer, the first matching one does. Counts are
   * spent.
   */
  take(
    method: string,
    path: string,
  ): { latencyMs: number; respond: Fault | undefined; merge: Record<string, unknown> | undefined } {
    let latencyMs = 0;
    let respond: Fault | undefined;
    let merge: Record<string, unknown> | undefined;
    for (const f of this.rules) {
      if (f.path !== undefined && f.path !== path) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (respondsItself(f)) {
        if (respond) continue;
        respond = f;
      }
      latencyMs += f.latencyMs ?? 0;
      if (f.merge) merge = { ...merge, ...f.merge };
      if (f.remaining !== null) f.remaining -= 1;
    }
    this.rules = this.rules.filter((f) => f.remaining === null || f.remaining > 0);
    return { latencyMs, respond, merge };
  }

  middleware() {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      if (profileOf(req.path) === 'sandbox') return next();
      const { latencyMs, respond, merge } = this.take(req.method, req.path);
      if (latencyMs > 0) {
        res.locals.fault = 'latency';
        await new Promise((r) => setTimeout(r, latencyMs));
        if (req.socket.destroyed) return;
      }
      if (!respond && merge) {
        res.locals.fault = 'merge';
        const json = res.json.bind(res);
        res.json = (body: unknown) => {
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
          return json(ok && isObject ? { ...body, ...merge } : body);
        };
      }
      if (!respond) return next();
      if (respond.drop) {
        res.locals.fault = 'drop';
        req.socket.destroy();
        return;
      }
      res.locals.fault = respond.body !== undefined ? 'body' : 'status';
      const status = respond.status ?? 200;
      res.status(status);
      if (respond.headers) res.set(respond.headers);
      if (respond.body !== undefined) {
        res.type(respond.contentType ?? 'application/json; charset=utf-8').send(respond.body);
        return;
      }
      res.json(defaultBody(req.path, status));
    };
  }
}

/** An error body in the shape the real provider uses on that path. */
function defaultBody(path: string, status: number): unknown {
  const profile = profileOf(path);
  if (profile === 'fitbit') return fitbitErrorBody('system', `Injected sandbox fault: HTTP ${status}`);
  if (path.startsWith('/v4/')) return googleApiErrorBody(status, `Injected sandbox fault: HTTP ${status}`);
  return {
    error: status === 429 ? 'rate_limit_exceeded' : 'internal_failure',
    error_description: `Injected sandbox fault: HTTP ${status}`,
  };
}
