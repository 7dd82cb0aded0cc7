// What every question works with: the administrator's statements, the temporary objects' names, the two
// refresh tokens this run signed in for, and the three things a question does with them (write a token
// into a secret, call the probe function, read DESCRIBE SECRET). A token is written with the very
// statement the app writes (alterSecretSql), and shown in the report as '…'.

import { isAppError } from '../errors/index.js';
import type { ProviderProfile } from '../providers/index.js';
import { type ChainReader, isUnreadable, type SecretFacts, Unreadable } from '../snowflake/chain-reader.js';
import { alterSecretSql, parseQualifiedName } from '../snowflake/sql.js';
import type { Redactor } from './redactor.js';
import {
  type Chain,
  PROBE_ALIASES,
  type ProbedSecret,
  type ScratchNames,
  type SecretRole,
} from './scratch.js';
import type { SignedIn } from './sign-in.js';
import { type AdminSql, failureText, type Ran } from './statements.js';

/** What the probe function answered, or why the SELECT itself failed (stage 'call'). */
export interface ProbeAnswer {
  ok: boolean;
  /** Where it failed: Snowflake's get_oauth_access_token, the API call, or the SELECT itself. */
  stage?: 'token' | 'api' | 'call';
  /** The account the access token belongs to (compared, never printed). */
  userId?: string;
  /** Tells two access tokens apart (compared, never printed). */
  fingerprint?: string;
  httpStatus?: number;
  /** What failed, scrubbed; Snowflake's error code first when the SELECT failed. */
  error?: string;
  ms: number;
}

export interface QuestionContext {
  sql: AdminSql;
  names: ScratchNames;
  profile: ProviderProfile;
  redactor: Redactor;
  /** Sign-in 1 and sign-in 2 (a re-authorization, or another account). */
  first: SignedIn;
  second: SignedIn;
  /** The OAuth client and API the temporary integrations and function use (the setup script's values). */
  chain: Chain;
  /** A scope outside the app's set, for the refresh-scope question's integration (none when all are in it). */
  extraScope?: string;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Filled in by the cache question (the literal write of the first token), read by the history question. */
  literalWrite?: { queryId: string };
  /** The shared integration's CREATE, for the history question. */
  integrationCreate?: { queryId: string };
  /** Whether the first token worked through an integration nobody replaced (the cache question's first call). */
  baselineOk?: boolean;
  write(role: SecretRole, token: string, via?: 'literal' | 'bind'): Promise<Ran>;
  probe(secret: ProbedSecret): Promise<ProbeAnswer>;
  describe(role: SecretRole): Promise<SecretFacts>;
}

export function questionContext(
  base: Omit<QuestionContext, 'write' | 'probe' | 'describe'>,
  reader: ChainReader,
): QuestionContext {
  const { sql, names, redactor } = base;
  return {
    ...base,
    write(role, token, via = 'literal') {
      const secret = parseQualifiedName(names.secrets[role]);
      const shown = `ALTER SECRET ${secret.sql} SET OAUTH_REFRESH_TOKEN = ${via === 'bind' ? '?' : "'…'"}`;
      if (via === 'bind')
        return sql.run(`ALTER SECRET ${secret.sql} SET OAUTH_REFRESH_TOKEN = ?`, { binds: [token], shown });
      return sql.run(alterSecretSql(secret, token), { shown });
    },
    async probe(secret) {
      const started = Date.now();
      let ran: Ran;
      try {
        ran = await sql.run(`SELECT ${names.probe}('${PROBE_ALIASES[secret]}') AS R`);
      } catch (e) {
        return { ok: false, stage: 'call', error: failureText(e), ms: Date.now() - started };
      }
      let v: unknown = ran.rows[0]?.R ?? Object.values(ran.rows[0] ?? {})[0];
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v);
        } catch {
          // not JSON: read below as an answer without fields
        }
      }
      const a = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
      const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
      return {
        ok: a.ok === true,
        stage: a.ok === true ? undefined : a.stage === 'api' ? 'api' : 'token',
        userId: str(a.healthUserId),
        fingerprint: str(a.fingerprint),
        httpStatus: typeof a.status === 'number' ? a.status : undefined,
        error: str(a.error) === undefined ? undefined : redactor.upstream(str(a.error)!),
        ms: ran.ms,
      };
    },
    async describe(role) {
      try {
        return await reader.secret(parseQualifiedName(names.secrets[role]));
      } catch (e) {
        // A question reads what it can; a DESCRIBE that failed is evidence, not the end of the run.
        const seen = new Unreadable(`DESCRIBE SECRET failed: ${redactor.upstream(describeFailure(e))}`);
        return {
          owner: seen,
          type: seen,
          integration: seen,
          refreshTokenExpiry: seen,
          accessTokenExpiry: seen,
        };
      }
    },
  };
}

function describeFailure(e: unknown): string {
  if (isAppError(e)) return e.upstream ? `${e.upstream.code} ${e.upstream.message ?? e.title}` : e.title;
  return e instanceof Error ? e.message : String(e);
}

/** A DESCRIBE SECRET time for the report: ISO, 'none', or what was seen instead. */
export function timeText(v: SecretFacts['accessTokenExpiry']): string {
  if (isUnreadable(v)) return `unreadable (${v.seen})`;
  return v === null ? 'none' : v.toISOString();
}

/** Why a probe failed, in one line. */
export function probeFailure(p: ProbeAnswer): string {
  const where =
    p.stage === 'token'
      ? "Snowflake's get_oauth_access_token failed"
      : p.stage === 'api'
        ? `the API refused the access token${p.httpStatus ? ` (HTTP ${p.httpStatus})` : ''}`
        : 'the SELECT failed';
  return `${where}: ${p.error ?? 'no detail'}`;
}
