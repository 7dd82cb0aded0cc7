// Faults a test can inject through POST /sandbox/faults, to see how the app copes with a Snowflake
// that refuses logins, is slow, fails statements, drops the connection or answers in another shape.
import { z } from 'zod';
import type { ResultSet } from './contract.js';

const count = z.number().int().positive().default(1);
const match = z.string().min(1).optional();

export const FaultsInput = z
  .object({
    /** The next `count` logins fail with `code` (and Snowflake's message for it, unless given). */
    login: z.object({ count, code: z.string().default('390100'), message: z.string().optional() }).optional(),
    /** Added before every login is answered (a real login takes a second or two); 0 turns it off. */
    loginLatencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Added before every statement runs; 0 turns it off. */
    statementLatencyMs: z.number().int().min(0).max(120_000).optional(),
    /** The next `count` statements (whose text contains `match`, if given) fail with `code`. */
    statements: z
      .object({
        count,
        code: z.string().default('000603'),
        message: z.string().default('SQL execution internal error: fault injected by the sandbox.'),
        sqlState: z.string().optional(),
        match,
      })
      .optional(),
    /** The next `count` matching statement requests lose their connection, before or after running. */
    drop: z.object({ count, match, when: z.enum(['before', 'after']).default('before') }).optional(),
    /**
     * Answers of matching statements (text contains `match`) come back in another shape, until cleared:
     * columns dropped, values blanked ('' in a column, or in the value of a property/value answer's
     * property), properties renamed. Replaces the rewrites set before.
     */
    reshape: z
      .array(
        z
          .object({
            match: z.string().min(1),
            dropColumns: z.array(z.string()).default([]),
            blank: z.array(z.string()).default([]),
            renameProperties: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .optional(),
    /** Clears every fault first. */
    clear: z.boolean().optional(),
  })
  .strict();

export type FaultsInput = z.infer<typeof FaultsInput>;

/** Snowflake's SQL state for the codes a test is likely to inject, when the fault does not say. */
const SQL_STATES: Record<string, string> = {
  '000603': 'XX000',
  '000606': '57P03',
  '001003': '42000',
  '002003': '02000',
  '003001': '42501',
  '000630': '57014',
};

interface Counted<T> {
  remaining: number;
  spec: T;
}

export interface StatementFault {
  code: string;
  message: string;
  sqlState: string;
}

function matches(spec: { match?: string | undefined }, sqlText: string): boolean {
  return spec.match === undefined || sqlText.toUpperCase().includes(spec.match.toUpperCase());
}

type Reshape = NonNullable<FaultsInput['reshape']>[number];

/** One rewrite of an answer's shape (a property/value answer has a `property` column). */
function reshapeOne(set: ResultSet, r: Reshape): ResultSet {
  const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
  const col = (name: string) => set.columns.findIndex((c) => same(c.name, name));
  const property = col('property');
  const valueCols = ['property_value', 'value'].map(col).filter((i) => i >= 0);
  const rows = set.rows.map((row) => [...row]);
  for (const name of r.blank) {
    const i = col(name);
    if (i >= 0) for (const row of rows) row[i] = '';
    else if (property >= 0)
      for (const row of rows) if (same(row[property] ?? '', name)) for (const v of valueCols) row[v] = '';
  }
  if (property >= 0)
    for (const row of rows) {
      const to = Object.entries(r.renameProperties).find(([from]) => same(row[property] ?? '', from))?.[1];
      if (to !== undefined) row[property] = to;
    }
  const keep = set.columns.map((c, i) => (r.dropColumns.some((d) => same(d, c.name)) ? -1 : i));
  const kept = keep.filter((i) => i >= 0);
  return {
    ...set,
    columns: kept.map((i) => set.columns[i]!),
    rows: rows.map((row) => kept.map((i) => row[i] ?? null)),
  };
}

export class Faults {
  private login: Counted<{ code: string; message?: string | undefined }> | null = null;
  private latencyMs = 0;
  private loginLatencyMs = 0;
  private statements: Counted<StatementFault & { match?: string | undefined }> | null = null;
  private drop: Counted<{ match?: string | undefined; when: 'before' | 'after' }> | null = null;
  private reshapes: Reshape[] = [];

  /** Applies a parsed POST body; keys not given keep their current setting. */
  apply(input: FaultsInput): void {
    if (input.clear) this.clear();
    if (input.login) this.login = { remaining: input.login.count, spec: input.login };
    if (input.statementLatencyMs !== undefined) this.latencyMs = input.statementLatencyMs;
    if (input.loginLatencyMs !== undefined) this.loginLatencyMs = input.loginLatencyMs;
    if (input.statements) {
      const { sqlState, ...rest } = input.statements;
      const spec = { ...rest, sqlState: sqlState ?? SQL_STATES[rest.code] ?? 'XX000' };
      this.statements = { remaining: input.statements.count, spec };
    }
    if (input.drop) this.drop = { remaining: input.drop.count, spec: input.drop };
    if (input.reshape) this.reshapes = input.reshape;
  }

  clear(): void {
    this.login = null;
    this.latencyMs = 0;
    this.loginLatencyMs = 0;
    this.statements = null;
    this.drop = null;
    this.reshapes = [];
  }

  /** A login fault to apply now (consumed), if any. */
  takeLogin(): { code: string; message?: string | undefined } | null {
    if (!this.login) return null;
    const spec = this.login.spec;
    if (--this.login.remaining <= 0) this.login = null;
    return spec;
  }

  loginLatency(): number {
    return this.loginLatencyMs;
  }

  statementLatency(): number {
    return this.latencyMs;
  }

  takeStatement(sqlText: string): StatementFault | null {
    if (!this.statements || !matches(this.statements.spec, sqlText)) return null;
    const { code, message, sqlState } = this.statements.spec;
    if (--this.statements.remaining <= 0) this.statements = null;
    return { code, message, sqlState };
  }

  takeDrop(sqlText: string, when: 'before' | 'after'): boolean {
    if (!this.drop || this.drop.spec.when !== when || !matches(this.drop.spec, sqlText)) return false;
    if (--this.drop.remaining <= 0) this.drop = null;
    return true;
  }

  /** The statement's answer, rewritten by every matching reshape fault (the same set when none match). */
  reshape(sqlText: string, set: ResultSet): ResultSet {
    return this.reshapes.filter((r) => matches(r, sqlText)).reduce(reshapeOne, set);
  }

  snapshot(): Record<string, unknown> {
    return {
      login: this.login && { remaining: this.login.remaining, ...this.login.spec },
      statementLatencyMs: this.latencyMs,
      loginLatencyMs: this.loginLatencyMs,
      statements: this.statements && { remaining: this.statements.remaining, ...this.statements.spec },
      drop: this.drop && { remaining: this.drop.remaining, ...this.drop.spec },
      reshape: this.reshapes,
    };
  }
}
