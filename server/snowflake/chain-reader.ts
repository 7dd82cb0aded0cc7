// Reads the state of the Snowflake chain back, for the status page and for custody: CURRENT_*() and
// DESCRIBE only, none of which needs a warehouse, so they may run on every page load. Each statement is
// written here once, and so is the parsing of what Snowflake answers; callers get plain facts, or the
// AppError the statement failed with (status/describe.ts decides what a failure means).
import type { SnowflakeSession } from './session.js';
import { nameSql, type QualifiedName } from './sql.js';

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

export class ChainReader {
  constructor(private readonly session: SnowflakeSession) {}

  async sessionFacts(): Promise<SessionFacts> {
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
  }

  async secret(name: QualifiedName): Promise<SecretFacts> {
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
  }

  async checkFunction(fn: QualifiedName): Promise<FunctionFacts> {
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
  }

  async integration(printedName: string): Promise<IntegrationFacts> {
    const rows = await this.session.execute<Row>(`DESCRIBE INTEGRATION ${nameSql(printedName)}`, {
      ctx: { step: 'reading the integration', objectKind: 'integration', objectName: printedName },
    });
    return Object.fromEntries(
      rows.map((r) => [String(r.property).toUpperCase(), String(r.property_value ?? '')]),
    );
  }

  async networkRule(printedName: string): Promise<NetworkRuleFacts> {
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
  }
}
