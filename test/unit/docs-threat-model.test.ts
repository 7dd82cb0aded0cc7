// docs/threat-model.md says which test proves each defence. This test keeps those citations true: every
// cited file exists and has a test (`it(` or `test(`, at any depth of `describe`) with exactly the cited title.
//
// A citation, in a table's "Test" column, is a link to the test file followed by the titles in backticks:
//   [test/integration/security-csrf.test.ts](../test/integration/security-csrf.test.ts) › `title`, `title`
// A title written with `${…}` (one test per case) may be cited as one of its cases: its literal parts must
// match, each `${…}` (or `%s`-style placeholder of `it.each`) standing for any text.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readDoc, tables } from './docs-markdown.js';

const DOC = 'docs/threat-model.md';

interface Citation {
  file: string;
  title: string;
  line: number;
}

/** The citations in every "Test" column, and the rows that have none. */
function citations(md: string): { cited: Citation[]; uncited: number[] } {
  const cited: Citation[] = [];
  const uncited: number[] = [];
  for (const table of tables(md)) {
    const col = table.header.findIndex((h) => /^tests?$/i.test(h));
    if (col < 0) continue;
    for (const row of table.rows) {
      const cell = row.cells[col] ?? '';
      let file: string | undefined;
      let count = 0;
      // In order: a link names the file, each code span after it a title in that file.
      for (const m of cell.matchAll(/\[[^\]]*\]\(([^)\s]+)\)|`([^`]+)`/g)) {
        if (m[1] !== undefined) {
          file = path.posix.normalize(path.posix.join(path.posix.dirname(DOC), m[1]));
          continue;
        }
        if (!file) throw new Error(`${DOC}:${row.line}: \`${m[2]}\` comes before any test file link`);
        cited.push({ file, title: m[2]!, line: row.line });
        count++;
      }
      if (count === 0) uncited.push(row.line);
    }
  }
  return { cited, uncited };
}

/** A test title as written in the source: its literal parts, split where a `${…}` or placeholder stands. */
interface SourceTitle {
  raw: string;
  parts: string[];
}

const UNESCAPE: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/**
 * Reads the string literal starting at `src[start]` (a quote or backtick). Returns the raw text between
 * the quotes, the literal parts around `${…}`, and the index after the closing quote.
 */
function readString(src: string, start: number): { raw: string; parts: string[]; end: number } {
  const quote = src[start]!;
  const parts = [''];
  let i = start + 1;
  while (i < src.length && src[i] !== quote) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1]!;
      parts[parts.length - 1] += UNESCAPE[n] ?? n;
      i += 2;
    } else if (quote === '`' && c === '$' && src[i + 1] === '{') {
      i = skipExpression(src, i + 2);
      parts.push('');
    } else {
      parts[parts.length - 1] += c;
      i++;
    }
  }
  return { raw: src.slice(start + 1, i), parts, end: i + 1 };
}

/** From just inside a `${`, `(` or `[`, the index after the bracket that closes it (strings skipped). */
function skipExpression(src: string, i: number): number {
  let depth = 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = readString(src, i).end;
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** The titles of every `it(…)` / `test(…)` in a test file, including `.skip`, `.each([…])(…)` and the like. */
function testTitles(src: string): SourceTitle[] {
  const out: SourceTitle[] = [];
  for (const m of src.matchAll(/(?<![\w.$])(?:it|test)((?:\s*\.\s*\w+)*)\s*\(/g)) {
    let i = m.index + m[0].length;
    const modifiers = m[1]!.replace(/\s/g, '');
    // it.each([…])(title, …), it.skipIf(cond)(title, …): the title is in the second call.
    const each = /\.(each|for)$/.test(modifiers);
    if (/\.(each|for|skipIf|runIf)$/.test(modifiers)) {
      i = skipExpression(src, i);
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '(') continue;
      i++;
    }
    while (/\s/.test(src[i] ?? '')) i++;
    if (!/['"`]/.test(src[i] ?? '')) continue;
    const { raw, parts } = readString(src, i);
    out.push({ raw, parts: each ? parts.flatMap((p) => p.split(/%[sdifjoO#]|\$\w+/)) : parts });
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matches(title: string, t: SourceTitle): boolean {
  if (title === t.raw || (t.parts.length === 1 && title === t.parts[0])) return true;
  if (t.parts.length === 1) return false;
  return new RegExp(`^${t.parts.map(escapeRegExp).join('.+?')}$`, 's').test(title);
}

describe(DOC, () => {
  const { cited, uncited } = citations(readDoc(DOC));

  it('cites a test for every threat', () => {
    expect(cited.length).toBeGreaterThan(50);
    expect(uncited, `rows of ${DOC} without a cited test (by line)`).toEqual([]);
  });

  it('cites only test files that exist', () => {
    const missing = [...new Set(cited.map((c) => c.file))].filter((f) => !existsSync(path.join(ROOT, f)));
    expect(missing).toEqual([]);
  });

  it('cites only test titles that exist in those files, exactly', () => {
    const titlesOf = new Map<string, SourceTitle[]>();
    const absent: string[] = [];
    for (const c of cited) {
      const abs = path.join(ROOT, c.file);
      if (!existsSync(abs)) continue; // reported by the test above
      if (!titlesOf.has(c.file)) titlesOf.set(c.file, testTitles(readFileSync(abs, 'utf8')));
      if (!titlesOf.get(c.file)!.some((t) => matches(c.title, t))) {
        absent.push(`${DOC}:${c.line}: ${c.file} has no test "${c.title}"`);
      }
    }
    expect(absent).toEqual([]);
  });
});

describe('reading test titles from a source file', () => {
  // Written with #{…} for ${…} so the fixture reads as plain strings; `dollar` puts the real syntax back.
  const dollar = (s: string) => s.replaceAll('#{', '${');
  const src = dollar(
    [
      "describe('group', () => {",
      "  it('a plain title', () => {});",
      '  it.skip("double quoted", () => {});',
      '  for (const host of hosts) it(`refuses Host "#{host}" with 421`, () => {});',
      "  it.each([['a', 1], ['b', 2]] as const)('%s: case %d', () => {});",
      "  test(`#{c.name}: #{c.status}#{c.code ? ` #{c.code}` : ''}, no stack trace`, () => {});",
      "  expect(/x/.test('not a title')).toBe(true);",
      '});',
    ].join('\n'),
  );
  const titles = testTitles(src);

  it('finds it, test, modifiers and .each, and nothing else', () => {
    expect(titles.map((t) => t.raw)).toEqual(
      [
        'a plain title',
        'double quoted',
        'refuses Host "#{host}" with 421',
        '%s: case %d',
        "#{c.name}: #{c.status}#{c.code ? ` #{c.code}` : ''}, no stack trace",
      ].map(dollar),
    );
  });

  it('matches exact titles, and cases of templated ones', () => {
    const any = (title: string) => titles.some((t) => matches(title, t));
    expect(any('a plain title')).toBe(true);
    expect(any('a plain titl')).toBe(false);
    expect(any('refuses Host "attacker.example" with 421')).toBe(true);
    expect(any('refuses Host "attacker.example" with 422')).toBe(false);
    expect(any('b: case 2')).toBe(true);
    expect(any('PUT /: 405 not_found, no stack trace')).toBe(true);
    expect(any('group')).toBe(false);
  });
});
