import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alterSecretSql,
  assertTokenShape,
  parseQualifiedName,
  quoteIdentifierPart,
  quoteLiteral,
  SqlValueError,
  snowflakeUtcTimestamp,
} from '../../server/snowflake/sql.js';

/**
 * An independent decoder of a Snowflake single-quoted string literal: `''` is a quote; a backslash
 * escapes `\\ \' \" \n \t \r \b \f \0 \xhh \uhhhh`; an unknown escape drops the backslash. Throws
 * when the text is not exactly one literal.
 */
function decodeSnowflakeLiteral(text: string): string {
  if (text.length < 2 || text[0] !== "'") throw new Error('not a literal');
  let out = '';
  let i = 1;
  for (;;) {
    if (i >= text.length) throw new Error('unterminated literal');
    const ch = text[i]!;
    if (ch === "'") {
      if (text[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      if (i !== text.length - 1) throw new Error(`literal ends early at ${i}`);
      return out;
    }
    if (ch === '\\') {
      const e = text[i + 1];
      if (e === undefined) throw new Error('dangling backslash');
      const simple: Record<string, string> = {
        '\\': '\\',
        "'": "'",
        '"': '"',
        n: '\n',
        t: '\t',
        r: '\r',
        b: '\b',
        f: '\f',
        '0': '\0',
      };
      if (e in simple) {
        out += simple[e];
        i += 2;
        continue;
      }
      if (e === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      // Unknown escape: the backslash is dropped, the character kept.
      out += e;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
}

/** Characters that break naive quoting, mixed with arbitrary unicode. */
const nasty = fc.oneof(
  fc.constantFrom("'", '"', '\\', '$', '$$', '.', ' ', '\n', '\r', '\t', 'x', 'u', '0', 'é', '😀', '\u2028'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const nastyString = fc.string({ unit: nasty, maxLength: 40 });

describe('decodeSnowflakeLiteral (the test oracle itself)', () => {
  it('decodes the documented escapes', () => {
    expect(decodeSnowflakeLiteral(String.raw`'a''b\\c\'d\"e\nf\tg\x41\u00e9\q'`)).toBe(
      "a'b\\c'd\"e\nf\tgAéq",
    );
    expect(() => decodeSnowflakeLiteral("'a'b'")).toThrow();
    expect(() => decodeSnowflakeLiteral("'abc")).toThrow();
  });
});

describe('quoteIdentifierPart', () => {
  it('leaves an upper-case plain name bare', () => {
    expect(quoteIdentifierPart('FITBIT')).toBe('FITBIT');
    expect(quoteIdentifierPart('_A1$')).toBe('_A1$');
  });
  it('quotes mixed case, spaces, leading digits and doubles quotes', () => {
    expect(quoteIdentifierPart('fitbit')).toBe('"fitbit"');
    expect(quoteIdentifierPart('My Secret')).toBe('"My Secret"');
    expect(quoteIdentifierPart('1ABC')).toBe('"1ABC"');
    expect(quoteIdentifierPart('a"b')).toBe('"a""b"');
    expect(quoteIdentifierPart('A.B')).toBe('"A.B"');
  });
  it('refuses empty parts and NUL', () => {
    expect(() => quoteIdentifierPart('')).toThrow(SqlValueError);
    expect(() => quoteIdentifierPart('a\0b')).toThrow(SqlValueError);
  });
});

describe('parseQualifiedName', () => {
  it('folds unquoted parts to upper case', () => {
    const n = parseQualifiedName('fitbit.public.fitbit_oauth_token');
    expect(n.parts).toEqual(['FITBIT', 'PUBLIC', 'FITBIT_OAUTH_TOKEN']);
    expect(n.sql).toBe('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
    expect(n.display).toBe('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN');
  });
  it('keeps quoted parts as written, with "" as a quote and dots inside quotes', () => {
    const n = parseQualifiedName('Fitbit."my ""odd"" schema"."a.b.c"');
    expect(n.parts).toEqual(['FITBIT', 'my "odd" schema', 'a.b.c']);
    expect(n.sql).toBe('FITBIT."my ""odd"" schema"."a.b.c"');
    expect(n.display).toBe('FITBIT.my "odd" schema.a.b.c');
  });
  it('trims surrounding whitespace', () => {
    expect(parseQualifiedName('  a.b.c \n').parts).toEqual(['A', 'B', 'C']);
  });
  it('accepts 1 to 3 parts when minParts allows', () => {
    expect(parseQualifiedName('x', 1).parts).toEqual(['X']);
    expect(parseQualifiedName('x.y', 1).parts).toEqual(['X', 'Y']);
    expect(parseQualifiedName('x.y', 2).parts).toEqual(['X', 'Y']);
    expect(parseQualifiedName('x.y.z', 1).parts).toEqual(['X', 'Y', 'Z']);
  });
  it('demands three parts by default', () => {
    expect(() => parseQualifiedName('a.b')).toThrow(/fully qualified/);
    expect(() => parseQualifiedName('a')).toThrow(/fully qualified/);
  });
  it('refuses 4 parts', () => {
    expect(() => parseQualifiedName('a.b.c.d')).toThrow(SqlValueError);
    expect(() => parseQualifiedName('a.b.c.d', 1)).toThrow(/between 1 and 3/);
  });
  it.each([
    ['', /not a valid/],
    ['   ', /not a valid/],
    ['a.b."c', /Unterminated/],
    ['a.b.""', /Empty quoted/],
    ['a.b.', /ends with a dot/],
    ['.a.b', /not a valid/],
    ['a..b', /not a valid/],
    ['a.b c.d', /Unexpected/],
    ['a.b.1c', /not a valid/],
    ['a.b."c\0d"', /NUL/],
    ['a.b."c"d', /Unexpected/],
    ['a-b.c.d', /Unexpected/],
  ])('refuses %j', (input, message) => {
    expect(() => parseQualifiedName(input)).toThrow(SqlValueError);
    expect(() => parseQualifiedName(input)).toThrow(message);
  });
  it('property: quoting any non-empty part without NUL and parsing it back is the identity', () => {
    fc.assert(
      fc.property(
        nastyString.filter((p) => p.length > 0 && !p.includes('\0')),
        (p) => {
          const text = [p, p, p].map(quoteIdentifierPart).join('.');
          const parsed = parseQualifiedName(text);
          expect(parsed.parts).toEqual([p, p, p]);
          expect(parseQualifiedName(parsed.sql).parts).toEqual([p, p, p]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('quoteLiteral', () => {
  it('escapes backslashes, then doubles quotes', () => {
    expect(quoteLiteral('abc')).toBe("'abc'");
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("'a\\\\b'");
    expect(quoteLiteral("\\'")).toBe("'\\\\'''");
    expect(quoteLiteral('')).toBe("''");
    expect(quoteLiteral('$$x$$')).toBe("'$$x$$'");
  });
  it('refuses NUL', () => {
    expect(() => quoteLiteral('a\0')).toThrow(SqlValueError);
  });
  it('property: Snowflake decodes the literal back to the original string', () => {
    fc.assert(
      fc.property(
        nastyString.filter((s) => !s.includes('\0')),
        (s) => {
          expect(decodeSnowflakeLiteral(quoteLiteral(s))).toBe(s);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('property: any string with a NUL is refused', () => {
    fc.assert(
      fc.property(nastyString, nastyString, (a, b) => {
        expect(() => quoteLiteral(`${a}\0${b}`)).toThrow(SqlValueError);
      }),
    );
  });
});

describe('assertTokenShape', () => {
  it.each([
    '1//0gAbC-_.~',
    `1//0g${'A'.repeat(100)}`,
    'a'.repeat(64).replace(/a/g, (_, i: number) => '0123456789abcdef'[i % 16]!),
    'abc+/=de',
    'x'.repeat(8),
    'x'.repeat(4096),
  ])('accepts %j', (t) => {
    expect(() => assertTokenShape(t)).not.toThrow();
  });
  it.each([
    ["abc'defgh", 'quote'],
    ['abc"defgh', 'double quote'],
    ['abc\\defgh', 'backslash'],
    ['abc defgh', 'space'],
    ['abcdefgh\n', 'newline'],
    ['abcdéfgh', 'unicode'],
    ['abc$$defgh', 'dollars'],
    ['abc;defgh', 'semicolon'],
    ['abcdefg', 'too short'],
    ['', 'empty'],
    ['x'.repeat(4097), 'too long'],
  ])('refuses %j (%s)', (t) => {
    expect(() => assertTokenShape(t)).toThrow(SqlValueError);
  });
  it('does not echo the token in its message', () => {
    try {
      assertTokenShape("secret'value");
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });
});

describe('snowflakeUtcTimestamp', () => {
  it('formats in UTC as YYYY-MM-DD HH:MI:SS', () => {
    expect(snowflakeUtcTimestamp(new Date('2026-11-08T07:05:09.999Z'))).toBe('2026-11-08 07:05:09');
    expect(snowflakeUtcTimestamp(new Date('2026-01-01T00:00:00+02:00'))).toBe('2025-12-31 22:00:00');
  });
});

describe('alterSecretSql', () => {
  const secret = parseQualifiedName('FITBIT.PUBLIC."My Secret"');
  it('builds the exact statement without expiry', () => {
    expect(alterSecretSql(secret, '1//0gAbC-_.~')).toBe(
      `ALTER SECRET FITBIT.PUBLIC."My Secret" SET OAUTH_REFRESH_TOKEN = '1//0gAbC-_.~'`,
    );
  });
  it('builds the exact statement with expiry', () => {
    expect(alterSecretSql(secret, 'abcdef0123456789', new Date('2026-11-15T12:34:56Z'))).toBe(
      `ALTER SECRET FITBIT.PUBLIC."My Secret" SET OAUTH_REFRESH_TOKEN = 'abcdef0123456789' OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2026-11-15 12:34:56'`,
    );
  });
  it('refuses a token of the wrong shape before building SQL', () => {
    expect(() => alterSecretSql(secret, "abcdefgh' OR 1=1 --")).toThrow(SqlValueError);
  });
});
