// The end-to-end proof: Snowflake itself exchanges the secret's refresh token and calls the health API
// through the check function. This needs a warehouse, so it runs only on demand, after a connect, or on
// the optional schedule — never on a page load.
import type { SnowflakeConnectionConfig } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import { scrubTokens } from '../security/redaction.js';
import { snowflakeError } from './errors.js';
import type { SnowflakeSession } from './session.js';
import type { QualifiedName } from './sql.js';

export type CheckFailure =
  | 'token_revoked' // the refresh token no longer works: re-authorize
  | 'scope_missing'
  | 'account_not_linked'
  | 'rate_limited'
  | 'provider_gone'
  | 'snowflake' // the chain broke inside Snowflake (privilege, missing object, warehouse)
  | 'other';

export interface CheckResult {
  ok: boolean;
  at: string; // ISO time
  ms: number;
  /** What the function returned (the identity), when ok. */
  value?: unknown;
  failure?: CheckFailure;
  message?: string;
  errorCode?: string;
  /** The check function, as named in SQL. */
  fn?: string;
  /** What to do about a failure: a sentence, and SQL when a statement fixes it. */
  fix?: string;
  fixSql?: string;
  /** The user the answer names (the provider profile reads it); set by the end-to-end check. */
  seenUserId?: string;
  /**
   * Set by the end-to-end check when this check ran on an access token Snowflake cached before the last
   * write: when that token expires (ISO 8601).
   */
  cachedTokenUntil?: string;
}

/** The fix for a failed end-to-end check, by what kind of failure it was. */
export function checkFailureFix(failure: CheckFailure | undefined): string {
  switch (failure) {
    case 'token_revoked':
      return 'Re-authorize: the token in the secret was revoked or expired, so Snowflake can no longer get access tokens with it.';
    case 'provider_gone':
      return 'Switch to PROVIDER=google-health with a Google client, run sql/setup-google-health.sql, and connect again.';
    case 'scope_missing':
      return 'Re-authorize and keep every requested permission ticked.';
    case 'account_not_linked':
      return 'Re-authorize with the Google account your Fitbit is linked to.';
    case 'rate_limited':
      return 'The API is rate limiting this user: wait a minute and run the check again.';
    case 'snowflake':
      return 'The chain broke inside Snowflake: fix what Snowflake names (the statement below, if any), then run the check again.';
    default:
      return 'Read the message, fix what it names, and run the check again.';
  }
}

const PREFIX = /FITBIT_CONNECT_ERROR\[(\w+)\]/;

/**
 * The sentence that matters in a check function's error: the handlers' tagged line, or else the Python
 * exception's own line — never the traceback Snowflake wraps around it (no stack traces in pages).
 */
export function essentialMessage(message: string): string {
  const tagged = /FITBIT_CONNECT_ERROR\[\w+\]: [^\n]*/.exec(message);
  if (tagged) return tagged[0].trim();
  if (!/Traceback|Python Interpreter Error/.test(message)) return message;
  const lines = message.split('\n').map((l) => l.trimEnd());
  const tail = lines.findIndex((l) => /^\s*in function \S+ with handler/.test(l));
  const body = (tail === -1 ? lines : lines.slice(0, tail)).filter((l) => l.trim() !== '');
  const last = body[body.length - 1]?.trim();
  return last && !/^(Traceback|File ")/.test(last) ? last : message.split('\n')[0]!;
}

/** Classifies a check function failure message; unknown messages mentioning a dead grant count as revoked. */
export function classifyCheckMessage(message: string): CheckFailure {
  const m = PREFIX.exec(message);
  if (m) {
    const tag = m[1]!;
    if (tag === 'token_revoked' || tag === 'token_expired') return 'token_revoked';
    if (
      tag === 'scope_missing' ||
      tag === 'account_not_linked' ||
      tag === 'rate_limited' ||
      tag === 'provider_gone'
    )
      return tag;
    return 'other';
  }
  if (/invalid_grant|expired or revoked|revoked|invalid_token|refresh token/i.test(message))
    return 'token_revoked';
  if (/\b410\b|\bgone\b/i.test(message)) return 'provider_gone';
  // Before scope_missing: the reason is more specific than the status it may come with.
  if (/ACCOUNT_NOT_LINKED/.test(message)) return 'account_not_linked';
  if (/insufficient_scope|PERMISSION_DENIED/i.test(message)) return 'scope_missing';
  // Whole words only: "generate", "separate" or "foregone" say nothing about limits or a retired API.
  if (/\b429\b|RESOURCE_EXHAUSTED|\brate[ _-]?limit/i.test(message)) return 'rate_limited';
  return 'other';
}

export async function runCheck(
  session: SnowflakeSession,
  fn: QualifiedName,
  conn: SnowflakeConnectionConfig,
): Promise<CheckResult> {
  const started = Date.now();
  const at = new Date().toISOString();
  try {
    const rows = await session.execute<Record<string, unknown>>(`SELECT ${fn.sql}() AS RESULT`, {
      ctx: { step: 'running the check function', objectKind: 'function', objectName: fn.sql },
    });
    const raw = rows[0]?.RESULT ?? Object.values(rows[0] ?? {})[0];
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    return { ok: true, at, ms: Date.now() - started, value, fn: fn.display };
  } catch (e) {
    const err = isAppError(e)
      ? e
      : snowflakeError(e, conn, {
          step: 'running the check function',
          objectKind: 'function',
          objectName: fn.sql,
        });
    const full = scrubTokens(err.upstream?.message ?? err.why);
    const message = essentialMessage(full);
    let failure: CheckFailure;
    if (
      err.code === 'snowflake_privilege' ||
      err.code === 'snowflake_object_missing' ||
      err.code === 'snowflake_login_failed' ||
      err.code === 'snowflake_unreachable' ||
      err.code === 'snowflake_timeout' ||
      err.code === 'snowflake_no_warehouse'
    )
      failure = 'snowflake';
    else failure = classifyCheckMessage(full);
    if (failure === 'other' && err.code === 'snowflake_error' && /warehouse/i.test(message))
      failure = 'snowflake';
    return {
      ok: false,
      at,
      ms: Date.now() - started,
      fn: fn.display,
      failure,
      message,
      errorCode: err.upstream?.code ?? err.code,
      // Snowflake-side failures carry their own exact fix (a GRANT, a setting); the others by kind.
      fix: failure === 'snowflake' ? err.fix : checkFailureFix(failure),
      fixSql: failure === 'snowflake' ? err.fixSql : undefined,
    };
  }
}
