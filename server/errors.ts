// Every failure a user can meet is an AppError with a stable `code`, an HTTP status, and the three
// things the error page shows: what happened (title), why, and the exact fix. One renderer turns
// them into pages (app.ts); everything else just throws.

import { scrubTokens } from './security/redaction.js';

export type ErrorCode =
  | 'config_invalid'
  | 'state_invalid'
  | 'state_expired'
  | 'state_other_browser'
  | 'consent_denied'
  | 'provider_error'
  | 'provider_unreachable'
  | 'redirect_uri_mismatch'
  | 'client_secret_missing'
  | 'client_invalid'
  | 'no_refresh_token'
  | 'scope_missing'
  | 'identity_failed'
  | 'account_not_linked'
  | 'token_unusable'
  | 'snowflake_login_failed'
  | 'snowflake_privilege'
  | 'snowflake_object_missing'
  | 'snowflake_unreachable'
  | 'snowflake_timeout'
  | 'snowflake_error'
  | 'secret_write_failed'
  | 'check_failed'
  | 'provider_gone'
  | 'held_token_gone'
  | 'csrf_invalid'
  | 'host_not_allowed'
  | 'unauthorized'
  | 'not_found'
  | 'bad_request'
  | 'busy'
  | 'internal';

export interface AppErrorInit {
  status: number;
  title: string;
  why: string;
  /** The exact fix: a setting to change, or SQL to run (rendered in a code block when `fixSql`). */
  fix: string;
  fixSql?: string;
  /** The provider's or Snowflake's own error, shown verbatim (never contains a token). */
  upstream?: { source: string; code?: string; message?: string };
  /** Offer to start the flow again (a link to /connect). */
  retryConnect?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly why: string;
  readonly fix: string;
  readonly fixSql?: string;
  readonly upstream?: { source: string; code?: string; message?: string };
  readonly retryConnect: boolean;

  constructor(code: ErrorCode, init: AppErrorInit) {
    super(`${code}: ${init.title}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = init.status;
    this.title = init.title;
    this.why = scrubTokens(init.why);
    this.fix = init.fix;
    this.fixSql = init.fixSql;
    this.upstream = init.upstream && {
      ...init.upstream,
      message: init.upstream.message === undefined ? undefined : scrubTokens(init.upstream.message),
    };
    this.retryConnect = init.retryConnect ?? false;
  }

  /** The shape pages and JSON responses use. Never includes `cause` (it may hold request data). */
  toView() {
    return {
      code: this.code,
      status: this.status,
      title: this.title,
      why: this.why,
      fix: this.fix,
      fixSql: this.fixSql ?? null,
      upstream: this.upstream ?? null,
      retryConnect: this.retryConnect,
    };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Anything that is not an AppError becomes a generic 500 without leaking its message into the page. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return new AppError('internal', {
    status: 500,
    title: 'Something went wrong inside the app',
    why: 'An unexpected error happened. The details are in the app’s log (no token values are logged).',
    fix: 'Try again. If it keeps happening, run with LOG_LEVEL=debug and report the log lines around the failure.',
    cause: e,
  });
}
