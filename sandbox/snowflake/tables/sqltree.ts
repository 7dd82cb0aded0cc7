// The statement's tokens as a tree of parenthesised groups: enough structure to translate Snowflake SQL
// without a full grammar (a clause keyword is only a clause keyword at its own nesting level).
import { syntaxError, type Token } from '../lexer.js';
import type { Cursor } from '../parser.js';

export interface Group {
  open: Token;
  close: Token;
  items: Node[];
}

export type Node = Token | Group;

export function isGroup(n: Node | undefined): n is Group {
  return n !== undefined && 'items' in n;
}

export function isTok(n: Node | undefined): n is Token {
  return n !== undefined && !('items' in n);
}

/** An unquoted word (keywords and identifiers alike, already upper case). */
export function isWord(n: Node | undefined, word?: string): n is Token {
  return isTok(n) && n.kind === 'ident' && (word === undefined || n.value === word);
}

export function isPunct(n: Node | undefined, sym: string): n is Token {
  return isTok(n) && n.kind === 'punct' && n.value === sym;
}

/** Builds the tree; the trailing eof token is dropped. Unbalanced parentheses are syntax errors. */
export function tree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { open: Token; items: Node[] }[] = [];
  let items = root;
  for (const t of tokens) {
    if (t.kind === 'eof') {
      if (stack.length > 0) throw syntaxError(t.line, t.col, '<EOF>');
      break;
    }
    if (t.kind === 'punct' && t.value === '(') {
      stack.push({ open: t, items });
      items = [];
    } else if (t.kind === 'punct' && t.value === ')') {
      const top = stack.pop();
      if (!top) throw syntaxError(t.line, t.col, ')');
      top.items.push({ open: top.open, close: t, items });
      items = top.items;
    } else items.push(t);
  }
  return root;
}

/** Splits a node list on top-level commas (a group's items are one level). */
export function splitCommas(nodes: Node[]): Node[][] {
  if (nodes.length === 0) return [];
  const parts: Node[][] = [[]];
  for (const n of nodes) {
    if (isPunct(n, ',')) parts.push([]);
    else parts[parts.length - 1]!.push(n);
  }
  return parts;
}

export function firstToken(n: Node): Token {
  return isGroup(n) ? n.open : n;
}

export function lastToken(n: Node): Token {
  return isGroup(n) ? n.close : n;
}

/** Every token of the nodes, parentheses included, in order. */
export function flatten(nodes: Node[]): Token[] {
  const out: Token[] = [];
  const walk = (ns: Node[]) => {
    for (const n of ns) {
      if (isGroup(n)) {
        out.push(n.open);
        walk(n.items);
        out.push(n.close);
      } else out.push(n);
    }
  };
  walk(nodes);
  return out;
}

/** The source text the nodes span. */
export function sourceText(text: string, nodes: Node[]): string {
  if (nodes.length === 0) return '';
  return text.slice(firstToken(nodes[0]!).start, lastToken(nodes[nodes.length - 1]!).end);
}

/** A syntax error pointing at a node, or at the end of the statement when there is none. */
export function failAt(n: Node | undefined, end: Token): ReturnType<typeof syntaxError> {
  if (n === undefined) return syntaxError(end.line, end.col, '<EOF>');
  const t = firstToken(n);
  const near = t.kind === 'string' || t.kind === 'dollar' ? "'***'" : t.raw;
  return syntaxError(t.line, t.col, near);
}

/** The keyword `a` if it is next, else the keyword `b` (or a syntax error). */
export function either<A extends string, B extends string>(c: Cursor, a: A, b: B): A | B {
  if (c.acceptKw(a)) return a;
  c.expectKw(b);
  return b;
}
