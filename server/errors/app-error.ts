// Every failure a user can meet is an AppError with a stable `code`, an HTTP status, and the three
// things the error page shows: what happened (title), why, and the exact fix. The texts come from the
// catalog (appError); one renderer turns them into pages (app.ts); everything else just throws.

import { scrubTokens } from '../security/redaction.js';
import { type ErrorCode, type ErrorParams, errorText } from './catalog.js';

/** The provider's or Snowflake's own error, shown verbatim (never contains a token). */
export interface Upstream {
  source: string;
  code?: string;
  message?: string;
}

export interface AppErrorInit {
  status: number;
  title: string;
  why: string;
  /** The exact fix: a setting to change, or SQL to run (rendered in a code block when `fixSql`). */
  fix: string;
  fixSql?: string;
  upstream?: Upstream;
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
  readonly upstream?: Upstream;
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

/** What the situation adds to the catalog's text: the upstream error to show, the cause to log. */
export interface AppErrorExtras {
  upstream?: Upstream;
  cause?: unknown;
}

/** Params are optional only for codes whose texts take none. */
type AppErrorArgs<C extends ErrorCode> =
  Record<never, never> extends ErrorParams<C>
    ? [params?: ErrorParams<C>, extras?: AppErrorExtras]
    : [params: ErrorParams<C>, extras?: AppErrorExtras];

/** The one way the app makes an AppError: the catalog's texts for `code`, filled with `params`. */
export function appError<C extends ErrorCode>(code: C, ...args: AppErrorArgs<C>): AppError {
  const [params, extras] = args as [ErrorParams<C> | undefined, AppErrorExtras | undefined];
  return new AppError(code, { ...errorText(code, params ?? ({} as ErrorParams<C>)), ...extras });
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Anything that is not an AppError becomes a generic 500 without leaking its message into the page. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return appError('internal', {}, { cause: e });
}
