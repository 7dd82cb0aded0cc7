// Snowflake's lexical rules, as the stand-in needs them: unquoted identifiers fold to upper case, quoted
// ones keep case ("" escapes a quote), '…' strings honour '' and backslash escapes, $$…$$ is literal,
// and -- / // / /* */ comments vanish. Every token keeps its source span so redact() can rewrite text.
import { SqlError } from './contract.js';

export type TokenKind = 'ident' | 'qident' | 'string' | 'dollar' | 'number' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident: upper-cased; qident: the name as written; string/dollar: the decoded value; punct: the symbol. */
  value: string;
  /** The source text of the token. */
  raw: string;
  start: number;
  end: number;
  line: number; // 1-based
  col: number; // 0-based, as Snowflake's "position"
}

export function syntaxError(line: number, col: number, near: string): SqlError {
  return new SqlError(
    '001003',
    '42000',
    `SQL compilation error:\nsyntax error line ${line} at position ${col} unexpected '${near}'.`,
  );
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const PUNCT2 = ['::', '<=', '>=', '<>', '!=', '||', '=>'];
const PUNCT1 = ';(),.=?*+-/<>:%[]{}|';

/** Decodes the body of a single-quoted literal (without the quotes). */
function decodeString(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === '\\' && i + 1 < body.length) {
      const n = body[++i]!;
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '0':
          out += '\0';
          break;
        case 'x': {
          const hex = body.slice(i + 1, i + 3);
          if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
            out += String.fromCharCode(Number.parseInt(hex, 16));
            i += 2;
          } else out += 'x';
          break;
        }
        case 'u': {
          const hex = body.slice(i + 1, i + 5);
          if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
            out += String.fromCharCode(Number.parseInt(hex, 16));
            i += 4;
          } else out += 'u';
          break;
        }
        default:
          // Unknown escapes drop the backslash (this also covers \\ and \').
          out += n;
      }
    } else out += c;
  }
  return out;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (sql[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      advanceLines(i, i + 1);
      i++;
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '/')) {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      advanceLines(i, end);
      i = end;
      continue;
    }
    const start = i;
    const tokLine = line;
    const col = i - lineStart;
    const push = (kind: TokenKind, value: string, end: number) => {
      tokens.push({ kind, value, raw: sql.slice(start, end), start, end, line: tokLine, col });
      advanceLines(start, end);
      i = end;
    };
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        // Never echo the literal: it may be a secret.
        if (j >= sql.length) throw syntaxError(line, sql.length - lineStart, '<EOF>');
        const d = sql[j]!;
        if (d === '\\') j += 2;
        else if (d === "'" && sql[j + 1] === "'") j += 2;
        else if (d === "'") break;
        else j++;
      }
      push('string', decodeString(sql.slice(i + 1, j)), j + 1);
      continue;
    }
    if (c === '$' && sql[i + 1] === '$') {
      const close = sql.indexOf('$$', i + 2);
      if (close < 0) throw syntaxError(line, sql.length - lineStart, '<EOF>');
      push('dollar', sql.slice(i + 2, close), close + 2);
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= sql.length) throw syntaxError(line, sql.length - lineStart, '<EOF>');
        if (sql[j] === '"' && sql[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (sql[j] === '"') break;
        else name += sql[j++];
      }
      if (name === '') throw syntaxError(tokLine, col, '""');
      push('qident', name, j + 1);
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && IDENT_PART.test(sql[j]!)) j++;
      push('ident', sql.slice(i, j).toUpperCase(), j);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i))!;
      push('number', m[0], i + m[0].length);
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      push('punct', two, i + 2);
      continue;
    }
    if (PUNCT1.includes(c)) {
      push('punct', c, i + 1);
      continue;
    }
    throw syntaxError(tokLine, col, c);
  }
  tokens.push({
    kind: 'eof',
    value: '',
    raw: '',
    start: sql.length,
    end: sql.length,
    line,
    col: i - lineStart,
  });
  return tokens;
}

export interface StatementSpan {
  text: string;
  tokens: Token[]; // ends with an eof token
}

/** Splits a script on top-level semicolons (tokens, so ';' inside strings, $$ bodies or comments is safe). */
export function splitStatements(sql: string): StatementSpan[] {
  const all = tokenize(sql);
  const out: StatementSpan[] = [];
  let cur: Token[] = [];
  for (const t of all) {
    if (t.kind === 'eof' || (t.kind === 'punct' && t.value === ';')) {
      if (cur.length > 0) {
        const first = cur[0]!;
        const last = cur[cur.length - 1]!;
        out.push({
          text: sql.slice(first.start, last.end),
          tokens: [...cur, { ...t, kind: 'eof', value: '', raw: '' }],
        });
      }
      cur = [];
    } else cur.push(t);
  }
  return out;
}

/** Quotes an identifier for output only when Snowflake would need to. */
export function displayIdent(name: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
