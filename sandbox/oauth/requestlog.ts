import type { NextFunction, Request, Response } from 'express';
import { profileOf } from './paths.js';

// What was called, for tests and demos. Values that are or could be credentials, or that bind a sign-in
// to its browser, never enter the log: another party reading the log must learn nothing it could use.

export interface LoggedRequest {
  at: string; // ISO time on the sandbox clock
  method: string;
  path: string;
  /** Every query parameter by name; the value only for those in SHOWN, `***` for every other. */
  query: Record<string, string>;
  profile: 'google-health' | 'fitbit' | null;
  grantType?: string;
  clientId?: string;
  /** Token endpoint only: how the client authenticated (never the credential itself). */
  clientAuth?: 'basic' | 'post' | 'none';
  /** Token endpoint only: whether a code_verifier was sent (never its value). */
  pkce?: boolean;
  /** Token endpoint only: the scope parameter, when sent (a refresh may name scopes). */
  scope?: string;
  /** null when the connection was dropped (or closed) before an answer. */
  status: number | null;
  userAgent?: string;
  fault?: string;
  durationMs: number;
}

/**
 * The query parameters whose values are shown: they say how a client is configured, and are the same
 * for every sign-in of that client. Everything else is a name only (`***`): tokens, codes and secrets,
 * and the values that bind one sign-in (`state`, `code_challenge`, `nonce`, `login_hint`), which would
 * let whoever reads the log inject its own code into someone else's sign-in. An allow-list, so a
 * parameter nobody thought of is hidden too.
 */
const SHOWN = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'access_type',
  'prompt',
  'include_granted_scopes',
  'code_challenge_method',
  'response_mode',
  'expires_in',
  'filter',
  'pageSize',
  'dataSourceFamily',
]);
const MAX_ENTRIES = 1000;

export function redactQuery(q: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) out[k] = !SHOWN.has(k) ? '***' : typeof v === 'string' ? v : '[…]';
  return out;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear() {
    this.entries = [];
  }

  middleware(now: () => number) {
    return (req: Request, res: Response, next: NextFunction) => {
      const profile = profileOf(req.path);
      if (profile === 'sandbox') return next();
      const started = Date.now();
      const at = new Date(now()).toISOString();
      let done = false;
      const record = (status: number | null) => {
        if (done) return;
        done = true;
        const body = (req.body ?? {}) as Record<string, unknown>;
        const entry: LoggedRequest = {
          at,
          method: req.method,
          path: req.path,
          query: redactQuery(req.query),
          profile,
          status,
          durationMs: Date.now() - started,
        };
        if (typeof body.grant_type === 'string') {
          entry.grantType = body.grant_type;
          entry.clientAuth = /^basic\s/i.test(req.get('authorization') ?? '')
            ? 'basic'
            : typeof body.client_secret === 'string'
              ? 'post'
              : 'none';
          entry.pkce = typeof body.code_verifier === 'string';
          if (typeof body.scope === 'string') entry.scope = body.scope;
        }
        const clientId: unknown = res.locals.clientId ?? body.client_id ?? req.query.client_id;
        if (typeof clientId === 'string') entry.clientId = clientId;
        const ua = req.get('user-agent');
        if (ua) entry.userAgent = ua;
        if (typeof res.locals.fault === 'string') entry.fault = res.locals.fault;
        this.entries.push(entry);
        if (this.entries.length > MAX_ENTRIES) this.entries.shift();
      };
      res.on('finish', () => record(res.statusCode));
      res.on('close', () => record(res.writableFinished ? res.statusCode : null));
      next();
    };
  }
}
