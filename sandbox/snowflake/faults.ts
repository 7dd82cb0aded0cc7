// Faults a test can inject through POST /sandbox/faults, to see how the app copes with a Snowflake
// that refuses logins, is slow, fails statements or drops the connection.
import { z } from 'zod';

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

export class Faults {
  private login: Counted<{ code: string; message?: string | undefined }> | null = null;
  private latencyMs = 0;
  private loginLatencyMs = 0;
  private statements: Counted<StatementFault & { match?: string | undefined }> | null = null;
  private drop: Counted<{ match?: string | undefined; when: 'before' | 'after' }> | null = null;

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
  }

  clear(): void {
    this.login = null;
    this.latencyMs = 0;
    this.loginLatencyMs = 0;
    this.statements = null;
    this.drop = null;
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

  snapshot(): Record<string, unknown> {
    return {
      login: this.login && { remaining: this.login.remaining, ...this.login.spec },
      statementLatencyMs: this.latencyMs,
      loginLatencyMs: this.loginLatencyMs,
      statements: this.statements && { remaining: this.statements.remaining, ...this.statements.spec },
      drop: this.drop && { remaining: this.drop.remaining, ...this.drop.spec },
    };
  }
}
