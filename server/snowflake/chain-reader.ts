// Reads the state of the Snowflake chain back, for the status page and for custody: CURRENT_*() and
// DESCRIBE only, none of which needs a warehouse, so they may run on every page load. Each statement is
// written here once, and so is the parsing of what Snowflake answers; callers get plain facts, or the
// AppError the statement failed with (status/describe.ts decides what a failure means).
//
// The parsing is total: the real service's answers may differ from the stand-in's (a column missing, a
// property renamed, an empty or oddly typed value, no rows, extra rows). A value that cannot be read
// becomes an Unreadable saying what was seen, and an answer that cannot be read at all throws
// UnexpectedAnswer; nothing else is thrown for a shape, so one odd answer never fails a whole page.
import type { SnowflakeSession } from './session.js';
import { nameSql, type QualifiedName } from './sql.js';

/** A value Snowflake's answer did not hold in the expected shape: what was seen instead, in words. */
export class Unreadable {
  constructor(readonly seen: string) {}
}

/** A value as read: the value, or what was seen instead. */
export type Field<T> = T | Unreadable;

export const isUnreadable = (v: unknown): v is Unreadable => v instanceof Unreadable;

/** An answer with no shape the reader knows (no rows, no property column): the whole read is unknown. */
export class UnexpectedAnswer extends Error {
  constructor(readonly seen: string) {
    super(seen);
    this.name = 'UnexpectedAnswer';
  }
}

export interface SessionFacts {
  user: Field<string>;
  role: Field<string>;
  warehouse: string | null;
}

export interface SecretFacts {
  owner: Field<string>;
  type: Field<string>;
  /** The security integration as Snowflake prints it; always a name nameSql() accepts. */
  integration: Field<string>;
  /** OAUTH_REFRESH_TOKEN_EXPIRY_TIME as Snowflake reports it; null when it shows none. */
  refreshTokenExpiry: Field<Date | null>;
  /** When the access token Snowflake keeps in the secret expires; null when it shows none. */
  accessTokenExpiry: Field<Date | null>;
}

export interface FunctionFacts {
  /** As DESCRIBE FUNCTION prints them (each checked as a name only when it is read). */
  externalAccessIntegrations: Field<string[]>;
  /** alias → fully qualified secret name, as DESCRIBE FUNCTION prints it. */
  secrets: Field<Record<string, string>>;
}

/** DESCRIBE INTEGRATION: property (upper case) → value ('' for null). A property not listed is absent. */
export type IntegrationFacts = Record<string, string>;

export interface NetworkRuleFacts {
  owner: Field<string>;
  type: Field<string>;
  mode: Field<string>;
  values: Field<string[]>;
}

type Row = Record<string, unknown>;

/** Any value as text, never throwing (an object whose toString throws, a symbol, a cycle). */
export function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  try {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (typeof v === 'object') return JSON.stringify(v) ?? Object.prototype.toString.call(v);
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A short, single-line quote of what was seen, for a sentence. */
function quote(v: unknown): string {
  const t = (textOf(v) ?? 'null').replace(/\s+/g, ' ');
  return `“${t.length > 60 ? `${t.slice(0, 57)}…` : t}”`;
}

const an = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

/** `[A, B]`, `A,B`, `'a','b'` or `["a"]` → ['A', 'B']; anything else as one item or none. */
export function parseList(text: unknown): string[] {
  if (Array.isArray(text)) return text.map(textOf).filter((s): s is string => !!s && s.trim() !== '');
  const t = textOf(text);
  if (t === null) return [];
  return t
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

/** Why a printed name cannot name an object in SQL, or null when it can. */
export function nameProblem(printed: string): string | null {
  try {
    nameSql(printed);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : 'not a name';
  }
}

const SNOWFLAKE_TIMESTAMP = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)\s*(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * A time in any form Snowflake or the driver may give: a Date, epoch seconds (the JSON result format's
 * `1764583200.000000000`), ISO 8601, or `YYYY-MM-DD HH:MI:SS[.fff] [±zzzz]` (UTC when no zone is given).
 */
export function toDate(v: unknown): Date | undefined {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = Math.abs(v) < 1e11 ? v * 1000 : v;
  else {
    const t = (textOf(v) ?? '').trim();
    const m = SNOWFLAKE_TIMESTAMP.exec(t);
    if (/^-?\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
    else if (m) ms = Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2') : 'Z'}`);
    else ms = Date.parse(t);
  }
  // Years 1..9999 only: anything else is not a time a person could act on.
  if (!Number.isFinite(ms) || ms < -62_135_596_800_000 || ms > 253_402_300_799_999) return undefined;
  return new Date(ms);
}

/** A row's columns by lower-case name; a row that is no object has none. */
function lowerKeys(row: unknown): Row {
  if (row === null || typeof row !== 'object') return {};
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    const key = k.toLowerCase();
    if (!(key in out)) out[key] = v;
  }
  return out;
}

function rowsOf(rows: unknown, statement: string): Row[] {
  if (!Array.isArray(rows)) throw new UnexpectedAnswer(`${statement} answered no rows`);
  return rows.map(lowerKeys);
}

/** The value column of a property/value answer (DESCRIBE INTEGRATION: property_value; FUNCTION: value). */
function valueColumn(rows: Row[]): string | undefined {
  return ['property_value', 'value'].find((c) => rows.some((r) => c in r));
}

/**
 * One object's answer as one row: the first row of a row-shaped answer, or a property/value answer folded
 * into one (property names lower-cased), so either shape reads the same.
 */
function oneRow(rows: Row[], statement: string, expected: string[]): Row {
  if (rows.length === 0) throw new UnexpectedAnswer(`${statement} answered no rows`);
  const first = rows[0]!;
  const value = valueColumn(rows);
  if ('property' in first && value && !expected.some((c) => c in first)) {
    const folded: Row = {};
    for (const r of rows) {
      const p = textOf(r.property)?.trim().toLowerCase();
      if (p && !(p in folded)) folded[p] = r[value];
    }
    return folded;
  }
  return first;
}

/** Property → value of a property/value answer, or of a one-row answer read column by column. */
function properties(rows: Row[], statement: string): Record<string, string> {
  if (rows.length === 0) throw new UnexpectedAnswer(`${statement} answered no rows`);
  const out: Record<string, string> = {};
  if (rows.some((r) => 'property' in r)) {
    const value = valueColumn(rows);
    if (!value) throw new UnexpectedAnswer(`${statement} answered without a property_value column`);
    for (const r of rows) {
      const p = textOf(r.property)?.trim().toUpperCase();
      if (p && !(p in out)) out[p] = textOf(r[value]) ?? '';
    }
    return out;
  }
  if (rows.length > 1) throw new UnexpectedAnswer(`${statement} answered without a property column`);
  for (const [k, v] of Object.entries(rows[0]!)) out[k.toUpperCase()] = textOf(v) ?? '';
  return out;
}

/** Reads one row's columns, each into a value or what was seen instead. */
class Columns {
  constructor(
    private readonly statement: string,
    private readonly row: Row,
  ) {}

  private missing(name: string): Unreadable {
    return new Unreadable(`${this.statement} answered without ${an(name)} column`);
  }

  /** Text that must be there and not empty. */
  text(name: string): Field<string> {
    if (!(name in this.row)) return this.missing(name);
    const t = textOf(this.row[name]);
    if (t === null) return new Unreadable(`${this.statement} answered ${name} as null`);
    if (t.trim() === '') return new Unreadable(`${this.statement} answered an empty ${name}`);
    return t.trim();
  }

  /** A time, or null when Snowflake shows none (null or empty). */
  time(name: string): Field<Date | null> {
    if (!(name in this.row)) return this.missing(name);
    const v = this.row[name];
    if (v === null || v === undefined || textOf(v)?.trim() === '') return null;
    return (
      toDate(v) ?? new Unreadable(`${this.statement} answered ${name} as ${quote(v)}, which is not a time`)
    );
  }

  /** A list (null or empty: none). */
  list(name: string): Field<string[]> {
    if (!(name in this.row)) return this.missing(name);
    return parseList(this.row[name]);
  }

  /** An object name the app may describe next. */
  name(name: string): Field<string> {
    const t = this.text(name);
    if (isUnreadable(t)) return t;
    const problem = nameProblem(t);
    return problem
      ? new Unreadable(`${this.statement} answered ${name} as ${quote(t)}, which is not a name (${problem})`)
      : t;
  }

  /** `{"alias": "DB.SCHEMA.SECRET"}` as JSON, or `{alias=DB.S.N, …}` (null or empty: none). */
  map(name: string): Field<Record<string, string>> {
    if (!(name in this.row)) return this.missing(name);
    const v = this.row[name];
    if (v === null || v === undefined) return {};
    const odd = new Unreadable(`${this.statement} answered ${name} as ${quote(v)}, which is not a map`);
    let parsed: unknown = v;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t === '' || t === '{}') return {};
      try {
        parsed = JSON.parse(t);
      } catch {
        const pairs = t
          .replace(/^\{|\}$/g, '')
          .split(',')
          .map((p) => /^\s*["']?([^"'=:]+?)["']?\s*[=:]\s*["']?(.+?)["']?\s*$/.exec(p));
        if (pairs.some((m) => !m)) return odd;
        return Object.fromEntries(pairs.map((m) => [m![1]!, m![2]!]));
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return odd;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(parsed)) {
      if (typeof x !== 'string' || x.trim() === '') return odd;
      out[k] = x.trim();
    }
    return out;
  }
}

const SECRET_COLUMNS = ['owner', 'secret_type', 'integration_name', 'oauth_refresh_token_expiry_time'];
const RULE_COLUMNS = ['owner', 'type', 'mode', 'value_list'];

export class ChainReader {
  constructor(private readonly session: SnowflakeSession) {}

  async sessionFacts(): Promise<SessionFacts> {
    const rows = await this.session.execute<Row>(
      'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W',
      { ctx: { step: 'signing in for the status checks' } },
    );
    const r = rowsOf(rows, 'SELECT CURRENT_USER()')[0] ?? {};
    const said = (fn: string, v: unknown): Field<string> => {
      const t = textOf(v)?.trim();
      return t ? t : new Unreadable(`${fn} answered ${t === undefined ? 'nothing' : 'an empty name'}`);
    };
    const w = textOf(r.w)?.trim();
    return { user: said('CURRENT_USER()', r.u), role: said('CURRENT_ROLE()', r.r), warehouse: w ? w : null };
  }

  async secret(name: QualifiedName): Promise<SecretFacts> {
    const rows = await this.session.execute<Row>(`DESCRIBE SECRET ${name.sql}`, {
      ctx: { step: 'reading the secret', objectKind: 'secret', objectName: name.sql },
    });
    const c = new Columns(
      'DESCRIBE SECRET',
      oneRow(rowsOf(rows, 'DESCRIBE SECRET'), 'DESCRIBE SECRET', SECRET_COLUMNS),
    );
    return {
      owner: c.text('owner'),
      type: c.text('secret_type'),
      integration: c.name('integration_name'),
      refreshTokenExpiry: c.time('oauth_refresh_token_expiry_time'),
      accessTokenExpiry: c.time('oauth_access_token_expiry_time'),
    };
  }

  async checkFunction(fn: QualifiedName): Promise<FunctionFacts> {
    const rows = await this.session.execute<Row>(`DESCRIBE FUNCTION ${fn.sql}()`, {
      ctx: { step: 'reading the check function', objectKind: 'function', objectName: fn.sql },
    });
    const read = rowsOf(rows, 'DESCRIBE FUNCTION');
    const props = properties(read, 'DESCRIBE FUNCTION');
    // Properties keep their raw values here: the secrets map may be JSON text.
    const c = new Columns(
      'DESCRIBE FUNCTION',
      Object.fromEntries(Object.entries(props).map(([k, v]) => [k.toLowerCase(), v])),
    );
    return { externalAccessIntegrations: c.list('external_access_integrations'), secrets: c.map('secrets') };
  }

  async integration(printedName: string): Promise<IntegrationFacts> {
    const rows = await this.session.execute<Row>(`DESCRIBE INTEGRATION ${nameSql(printedName)}`, {
      ctx: { step: 'reading the integration', objectKind: 'integration', objectName: printedName },
    });
    return properties(rowsOf(rows, 'DESCRIBE INTEGRATION'), 'DESCRIBE INTEGRATION');
  }

  async networkRule(printedName: string): Promise<NetworkRuleFacts> {
    const rows = await this.session.execute<Row>(`DESCRIBE NETWORK RULE ${nameSql(printedName)}`, {
      ctx: { step: 'reading the network rule' },
    });
    const stmt = 'DESCRIBE NETWORK RULE';
    const c = new Columns(stmt, oneRow(rowsOf(rows, stmt), stmt, RULE_COLUMNS));
    return {
      owner: c.text('owner'),
      type: c.text('type'),
      mode: c.text('mode'),
      values: c.list('value_list'),
    };
  }
}
