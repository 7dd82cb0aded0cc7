// The tail of a SHOW over schema objects, for the statements parsed outside parser.ts (procedures, tasks):
// [LIKE '…'] [IN ACCOUNT | DATABASE [d] | SCHEMA [s] | <d>[.<s>]] [STARTS WITH '…'] [LIMIT n].
import type { Cursor, Stmt } from './parser.js';

export type ShowScope = Extract<Stmt, { k: 'show' }>['scope'];

export function parseShowFilter(c: Cursor): { like: string | null; scope: ShowScope } {
  let like: string | null = null;
  let scope: ShowScope = null;
  if (c.acceptKw('LIKE')) like = c.string();
  if (c.acceptKw('IN')) {
    if (c.acceptKw('ACCOUNT')) scope = { kind: 'ACCOUNT', name: null };
    else if (c.acceptKw('DATABASE')) scope = { kind: 'DATABASE', name: c.atEnd() ? null : c.name() };
    else if (c.acceptKw('SCHEMA')) scope = { kind: 'SCHEMA', name: c.atEnd() ? null : c.name() };
    else {
      const n = c.name();
      scope = { kind: n.length > 1 ? 'SCHEMA' : 'DATABASE', name: n };
    }
  }
  if (c.acceptKw('STARTS', 'WITH')) c.string();
  if (c.acceptKw('LIMIT')) {
    if (c.peek().kind !== 'number') throw c.fail();
    c.next();
  }
  return { like, scope };
}
