// The end-to-end proof: Snowflake itself exchanges the secret's refresh token and calls the health API
// through the check function. This needs a warehouse, so it runs only on demand, after a connect, or on
// the optional schedule — never on a page load.
import type { SnowflakeConnectionConfig } from '../config.js';
import { isAppError } from '../errors.js';
import { scrubTokens } from '../redact.js';
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
}

const PREFIX = /FITBIT_CONNECT_ERROR\[(\w+)\]/;

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
    return { ok: true, at, ms: Date.now() - started, value };
  } catch (e) {
    const err = isAppError(e)
      ? e
      : snowflakeError(e, conn, {
          step: 'running the check function',
          objectKind: 'function',
          objectName: fn.sql,
        });
    const message = scrubTokens(err.upstream?.message ?? err.why);
    let failure: CheckFailure;
    if (
      err.code === 'snowflake_privilege' ||
      err.code === 'snowflake_object_missing' ||
      err.code === 'snowflake_login_failed' ||
      err.code === 'snowflake_unreachable' ||
      err.code === 'snowflake_timeout'
    )
      failure = 'snowflake';
    else failure = classifyCheckMessage(message);
    if (failure === 'other' && err.code === 'snowflake_error' && /warehouse/i.test(message))
      failure = 'snowflake';
    return {
      ok: false,
      at,
      ms: Date.now() - started,
      failure,
      message,
      errorCode: err.upstream?.code ?? err.code,
    };
  }
}
