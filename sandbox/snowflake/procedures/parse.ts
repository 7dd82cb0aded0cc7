// The stored-procedure statements: CREATE [OR REPLACE] [SECURE] PROCEDURE, ALTER / DROP / DESCRIBE
// PROCEDURE p(types), SHOW [USER] PROCEDURES, and CALL p(args). Each parser looks ahead first and returns
// null, consuming nothing, when the statement is not one of its own.
import {
  argTypeList,
  type Cursor,
  type Expr,
  type FunctionDef,
  type Name,
  type ObjRef,
  type Prop,
  parseExpr,
  parseFunctionDef,
} from '../parser.js';
import { parseShowFilter, type ShowScope } from '../show-filter.js';
import type { ExecuteAs } from './model.js';

type CallExpr = Extract<Expr, { t: 'call' }>;

export type ProcedureStmt =
  | {
      k: 'createProcedure';
      orReplace: boolean;
      ifNotExists: boolean;
      name: Name;
      def: FunctionDef;
      executeAs: ExecuteAs;
    }
  | {
      k: 'alterProcedure';
      ref: ObjRef;
      ifExists: boolean;
      set: Prop[];
      unset: string[];
      executeAs: ExecuteAs | null;
    }
  | { k: 'dropProcedure'; ref: ObjRef; ifExists: boolean }
  | { k: 'describeProcedure'; ref: ObjRef }
  | { k: 'showProcedures'; like: string | null; scope: ShowScope }
  | { k: 'call'; call: CallExpr };

/** CREATE [OR REPLACE] [SECURE] <word> at the cursor? */
export function createsKind(c: Cursor, word: string): boolean {
  let i = 1;
  if (c.isKw('OR', i) && c.isKw('REPLACE', i + 1)) i += 2;
  if (c.isKw('SECURE', i)) i += 1;
  return c.isKw('CREATE') && c.isKw(word, i);
}

function executeAs(c: Cursor): ExecuteAs {
  if (c.acceptKw('OWNER')) return 'OWNER';
  if (c.acceptKw('CALLER')) return 'CALLER';
  c.expectKw('RESTRICTED', 'CALLER');
  return 'RESTRICTED CALLER';
}

function procedureRef(c: Cursor): ObjRef {
  const name = c.name();
  return { type: 'PROCEDURE', name, argTypes: argTypeList(c) };
}

export function parseProcedureStatement(c: Cursor): ProcedureStmt | null {
  if (createsKind(c, 'PROCEDURE')) {
    c.expectKw('CREATE');
    const orReplace = c.acceptKw('OR', 'REPLACE');
    const secure = c.acceptKw('SECURE');
    c.expectKw('PROCEDURE');
    const ifNotExists = c.acceptKw('IF', 'NOT', 'EXISTS');
    const name = c.name();
    let rights: ExecuteAs = 'OWNER'; // Snowflake's default
    const def = parseFunctionDef(c, secure, (cur) => {
      if (!cur.acceptKw('EXECUTE', 'AS')) return false;
      rights = executeAs(cur);
      return true;
    });
    return { k: 'createProcedure', orReplace, ifNotExists, name, def, executeAs: rights };
  }
  if (c.isKws('ALTER', 'PROCEDURE')) {
    c.pos += 2;
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const ref = procedureRef(c);
    if (c.acceptKw('EXECUTE', 'AS')) {
      return { k: 'alterProcedure', ref, ifExists, set: [], unset: [], executeAs: executeAs(c) };
    }
    if (c.acceptKw('UNSET')) {
      const unset = [c.ident()];
      while (c.acceptP(',')) unset.push(c.ident());
      return { k: 'alterProcedure', ref, ifExists, set: [], unset, executeAs: null };
    }
    c.expectKw('SET');
    const set = c.props();
    if (set.length === 0) throw c.fail();
    return { k: 'alterProcedure', ref, ifExists, set, unset: [], executeAs: null };
  }
  if (c.isKws('DROP', 'PROCEDURE')) {
    c.pos += 2;
    const ifExists = c.acceptKw('IF', 'EXISTS');
    return { k: 'dropProcedure', ref: procedureRef(c), ifExists };
  }
  if ((c.isKw('DESC') || c.isKw('DESCRIBE')) && c.isKw('PROCEDURE', 1)) {
    c.pos += 2;
    return { k: 'describeProcedure', ref: procedureRef(c) };
  }
  if (c.isKws('SHOW', 'PROCEDURES') || c.isKws('SHOW', 'USER', 'PROCEDURES')) {
    c.pos += c.isKw('USER', 1) ? 3 : 2;
    return { k: 'showProcedures', ...parseShowFilter(c) };
  }
  if (c.isKw('CALL')) {
    const at = c.next();
    const call = parseExpr(c);
    if (call.t !== 'call') throw c.fail(at);
    return { k: 'call', call };
  }
  return null;
}
