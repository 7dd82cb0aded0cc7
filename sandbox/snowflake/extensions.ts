// Running the procedure and task statements (statements.ts parses them): each goes to its module.
import type { Ctx } from './context.js';
import type { ResultSet } from './contract.js';
import type { Stmt } from './parser.js';
import { callProcedure } from './procedures/call.js';
import { alterProcedure, createProcedure, dropProcedure } from './procedures/ddl.js';
import { describeProcedure, showProcedures } from './procedures/inspect.js';
import type { ExtensionStmt } from './statements.js';
import { alterTask, createTask, dropTask, executeTask } from './tasks/ddl.js';
import { describeTask, showTasks } from './tasks/inspect.js';

const KINDS = new Set<string>([
  'createProcedure',
  'alterProcedure',
  'dropProcedure',
  'describeProcedure',
  'showProcedures',
  'call',
  'createTask',
  'alterTask',
  'dropTask',
  'describeTask',
  'showTasks',
  'executeTask',
]);

export function isExtension(s: Stmt | ExtensionStmt): s is ExtensionStmt {
  return KINDS.has(s.k);
}

export async function runExtension(ctx: Ctx, s: ExtensionStmt): Promise<ResultSet> {
  switch (s.k) {
    case 'createProcedure':
      return createProcedure(ctx, s);
    case 'alterProcedure':
      return alterProcedure(ctx, s);
    case 'dropProcedure':
      return dropProcedure(ctx, s);
    case 'describeProcedure':
      return describeProcedure(ctx, s);
    case 'showProcedures':
      return showProcedures(ctx, s);
    case 'call':
      return callProcedure(ctx, s.call);
    case 'createTask':
      return createTask(ctx, s);
    case 'alterTask':
      return alterTask(ctx, s);
    case 'dropTask':
      return dropTask(ctx, s);
    case 'describeTask':
      return describeTask(ctx, s);
    case 'showTasks':
      return showTasks(ctx, s);
    case 'executeTask':
      return executeTask(ctx, s);
  }
}
