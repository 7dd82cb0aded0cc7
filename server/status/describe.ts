// Reads the state of the Snowflake chain back with DESCRIBE and CURRENT_*() only: none of these
// statements needs a warehouse, so the status page can run them on every load. Each read says whether
// the object was seen, could not be seen (missing, or the app's role has no privilege on it: Snowflake
// gives one answer for both), or failed for another reason (network, sign-in).
import { type AppError, isAppError } from '../errors/index.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import { type QualifiedName, quoteIdentifierPart } from '../snowflake/sql.js';

export type Seen<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'unseen'; error: AppError }
  | { kind: 'error'; error: AppError };

export interface SessionFacts {
  user: string;
  role: string;
  warehouse: string | null;
}

export interface SecretFacts {
  owner: string;
  type: string;
  integration: string;
  refreshTokenExpiry: Date | null;
}

export interface FunctionFacts {
  externalAccessIntegrations: string[];
  /** alias → fully qualified secret name, as DESCRIBE FUNCTION prints it. */
  secrets: Record<string, string>;
}

/** DESCRIBE INTEGRATION: property → value. */
export type IntegrationFacts = Record<string, string>;

export interface NetworkRuleFacts {
  owner: string;
  type: string;
  mode: string;
  values: string[];
}

type Row = Record<string, unknown>;

/** SQL text for a name as Snowflake printed it (parts joined by dots, each as stored). */
export function nameSql(printed: string): string {
  return printed
    .split('.')
    .map((p) => quoteIdentifierPart(p.replace(/^"|"$/g, '')))
    .join('.');
}

/** `[A, B]`, `A,B`, `'a','b'` or `["a"]` → ['A', 'B']. */
export function parseList(text: unknown): string[] {
  if (text === null || text === undefined) return [];
  return String(text)
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((s) =>
      s
        .trim()
        .replace(/^['"]|['"]$/g, '')
        .trim(),
    )
    .filter(Boolean);
}

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? new Date(v.getTime()) : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d;
}

async function seen<T>(run: () => Promise<T>): Promise<Seen<T>> {
  try {
    return { kind: 'ok', value: await run() };
  } catch (e) {
    if (!isAppError(e)) throw e;
    if (e.code === 'snowflake_object_missing' || e.code === 'snowflake_privilege')
      return { kind: 'unseen', error: e };
    return { kind: 'error', error: e };
  }
}

export class ChainReader {
  constructor(private readonly session: SnowflakeSession) {}

  sessionFacts(): Promise<Seen<SessionFacts>> {
    return seen(async () => {
      const rows = await this.session.execute<Row>(
        'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W',
        { ctx: { step: 'signing in for the status checks' } },
      );
      const r = rows[0] ?? {};
      const w = r.W;
      return {
        user: String(r.U ?? ''),
        role: String(r.R ?? ''),
        warehouse: w === null || w === undefined || w === '' ? null : String(w),
      };
    });
  }

  secret(name: QualifiedName): Promise<Seen<SecretFacts>> {
    return seen(async () => {
      const rows = await this.session.execute<Row>(`DESCRIBE SECRET ${name.sql}`, {
        ctx: { step: 'reading the secret', objectKind: 'secret', objectName: name.sql },
      });
      const r = rows[0] ?? {};
      return {
        owner: String(r.owner ?? ''),
        type: String(r.secret_type ?? ''),
        integration: String(r.integration_name ?? ''),
        refreshTokenExpiry: toDate(r.oauth_refresh_token_expiry_time),
      };
    });
  }

  checkFunction(fn: QualifiedName): Promise<Seen<FunctionFacts>> {
    return seen(async () => {
      const rows = await this.session.execute<Row>(`DESCRIBE FUNCTION ${fn.sql}()`, {
        ctx: { step: 'reading the check function', objectKind: 'function', objectName: fn.sql },
      });
      const prop = (p: string) => rows.find((r) => String(r.property).toLowerCase() === p)?.value;
      let secrets: Record<string, string> = {};
      const raw = prop('secrets');
      if (raw !== undefined && raw !== null && String(raw).trim() !== '') {
        try {
          const parsed = JSON.parse(String(raw)) as Record<string, unknown>;
          secrets = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
        } catch {
          secrets = {};
        }
      }
      return { externalAccessIntegrations: parseList(prop('external_access_integrations')), secrets };
    });
  }

  integration(printedName: string): Promise<Seen<IntegrationFacts>> {
    return seen(async () => {
      const rows = await this.session.execute<Row>(`DESCRIBE INTEGRATION ${nameSql(printedName)}`, {
        ctx: { step: 'reading the integration', objectKind: 'integration', objectName: printedName },
      });
      return Object.fromEntries(
        rows.map((r) => [String(r.property).toUpperCase(), String(r.property_value ?? '')]),
      );
    });
  }

  networkRule(printedName: string): Promise<Seen<NetworkRuleFacts>> {
    return seen(async () => {
      const rows = await this.session.execute<Row>(`DESCRIBE NETWORK RULE ${nameSql(printedName)}`, {
        ctx: { step: 'reading the network rule' },
      });
      const r = rows[0] ?? {};
      return {
        owner: String(r.owner ?? ''),
        type: String(r.type ?? ''),
        mode: String(r.mode ?? ''),
        values: parseList(r.value_list),
      };
    });
  }
}
