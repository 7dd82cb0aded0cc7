// Parsing a statement: the procedure and task statements (procedures/parse.ts, tasks/parse.ts) first,
// then everything parser.ts knows. Kept apart from parser.ts so each family of statements has its module.
import { type Cursor, parseStatement, type Stmt } from './parser.js';
import { type ProcedureStmt, parseProcedureStatement } from './procedures/parse.js';
import { parseTaskStatement, type TaskStmt } from './tasks/parse.js';

export type ExtensionStmt = ProcedureStmt | TaskStmt;

export function parseStatementText(c: Cursor): Stmt | ExtensionStmt {
  const ext = parseProcedureStatement(c) ?? parseTaskStatement(c);
  if (!ext) return parseStatement(c);
  c.expectEnd();
  return ext;
}
