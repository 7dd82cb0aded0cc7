import { describe, expect, it } from 'vitest';
import { SqlError } from '../../../../sandbox/snowflake/contract.js';
import { splitStatements, tokenize } from '../../../../sandbox/snowflake/lexer.js';

const kinds = (sql: string) => tokenize(sql).map((t) => [t.kind, t.value]);

describe('lexer', () => {
  it('folds unquoted identifiers and keeps quoted ones, with "" escapes', () => {
    expect(kinds('abc "Mixed" "a""b" x$1')).toEqual([
      ['ident', 'ABC'],
      ['qident', 'Mixed'],
      ['qident', 'a"b'],
      ['ident', 'X$1'],
      ['eof', ''],
    ]);
  });

  it("decodes '' and backslash escapes in string literals", () => {
    const v = (sql: string) => tokenize(sql)[0]!.value;
    expect(v("'it''s'")).toBe("it's");
    expect(v("'a\\'b'")).toBe("a'b");
    expect(v("'back\\\\slash'")).toBe('back\\slash');
    expect(v("'\\n\\t\\0'")).toBe('\n\t\0');
    expect(v("'\\x41\\u0042'")).toBe('AB');
    expect(v("'\\q'")).toBe('q'); // unknown escape drops the backslash
  });

  it('keeps $$ bodies literal and drops comments', () => {
    expect(kinds("$$ it's \\n; -- not a comment $$ -- gone\n/* gone; */ x // gone")).toEqual([
      ['dollar', " it's \\n; -- not a comment "],
      ['ident', 'X'],
      ['eof', ''],
    ]);
  });

  it('reports line and position of tokens', () => {
    const t = tokenize('SELECT\n  foo')[1]!;
    expect([t.line, t.col]).toEqual([2, 2]);
  });

  it('fails on an unterminated string without echoing it', () => {
    try {
      tokenize("ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 'secret-value");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).code).toBe('001003');
      expect((e as SqlError).message).not.toContain('secret-value');
    }
  });

  it('splits scripts on top-level semicolons only', () => {
    const parts = splitStatements(
      "SELECT ';'; -- ; comment\nCREATE FUNCTION f() AS $$ a; b $$ /* ; */; ;  SELECT 2;",
    ).map((s) => s.text);
    expect(parts).toEqual(["SELECT ';'", 'CREATE FUNCTION f() AS $$ a; b $$', 'SELECT 2']);
  });
});
