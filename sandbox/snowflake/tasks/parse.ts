// The task statements: CREATE [OR REPLACE] TASK [IF NOT EXISTS] t <props> AS <sql>, ALTER TASK t RESUME |
// SUSPEND | SET … | UNSET … | MODIFY AS <sql>, DROP / DESCRIBE TASK, SHOW [TERSE] TASKS, EXECUTE TASK t.
// Task graphs (AFTER, FINALIZE), WHEN conditions and EXECUTE AS USER are refused: the stand-in runs
// standalone tasks only. Each parser returns null, consuming nothing, for a statement not its own.
import { compileError } from '../context.js';
import type { Cursor, Name, Prop } from '../parser.js';
import { createsKind } from '../procedures/parse.js';
import { parseShowFilter, type ShowScope } from '../show-filter.js';

export type TaskAlter =
  | { k: 'resume' }
  | { k: 'suspend' }
  | { k: 'set'; props: Prop[] }
  | { k: 'unset'; names: string[] }
  | { k: 'modifyAs'; definition: string };

export type TaskStmt =
  | {
      k: 'createTask';
      orReplace: boolean;
      ifNotExists: boolean;
      name: Name;
      props: Prop[];
      definition: string;
    }
  | { k: 'alterTask'; name: Name; ifExists: boolean; action: TaskAlter }
  | { k: 'dropTask'; name: Name; ifExists: boolean }
  | { k: 'describeTask'; name: Name }
  | { k: 'showTasks'; terse: boolean; like: string | null; scope: ShowScope }
  | { k: 'executeTask'; name: Name };

function notModelled(what: string) {
  return compileError(
    `${what} is not modelled by the sandbox: it runs standalone tasks only.`,
    '001003',
    '42000',
  );
}

/** Everything from the cursor to the end of the statement, as written (the task's SQL). */
function restOfStatement(c: Cursor): string {
  const first = c.peek();
  if (first.kind === 'eof') throw c.fail();
  const last = c.toks[c.toks.length - 2]!;
  c.pos = c.toks.length - 1;
  return c.text.slice(first.start, last.end).trim();
}

function stopAtBody(c: Cursor): boolean {
  if (c.isKw('AFTER') || c.isKw('WHEN') || c.isKw('FINALIZE'))
    throw notModelled(`${c.peek().value} (task graphs and conditions)`);
  if (c.isKws('EXECUTE', 'AS')) throw notModelled('EXECUTE AS USER');
  if (c.isKws('WITH', 'TAG') || c.isKws('WITH', 'CONTACT')) throw notModelled(`WITH ${c.peek(1).value}`);
  return c.isKw('AS');
}

export function parseTaskStatement(c: Cursor): TaskStmt | null {
  if (createsKind(c, 'TASK')) {
    c.expectKw('CREATE');
    const orReplace = c.acceptKw('OR', 'REPLACE');
    c.expectKw('TASK');
    const ifNotExists = c.acceptKw('IF', 'NOT', 'EXISTS');
    const name = c.name();
    if (c.isKw('CLONE')) throw notModelled('CREATE TASK … CLONE');
    const props = c.props(stopAtBody);
    c.expectKw('AS');
    return { k: 'createTask', orReplace, ifNotExists, name, props, definition: restOfStatement(c) };
  }
  if (c.isKws('ALTER', 'TASK')) {
    c.pos += 2;
    const ifExists = c.acceptKw('IF', 'EXISTS');
    const name = c.name();
    let action: TaskAlter;
    if (c.acceptKw('RESUME')) action = { k: 'resume' };
    else if (c.acceptKw('SUSPEND')) action = { k: 'suspend' };
    else if (c.acceptKw('MODIFY', 'AS')) action = { k: 'modifyAs', definition: restOfStatement(c) };
    else if (c.acceptKw('UNSET')) {
      const names = [c.ident()];
      while (c.acceptP(',')) names.push(c.ident());
      action = { k: 'unset', names };
    } else if (c.acceptKw('SET')) {
      const props = c.props();
      if (props.length === 0) throw c.fail();
      action = { k: 'set', props };
    } else if (c.isKw('ADD') || c.isKw('REMOVE') || c.isKw('MODIFY')) {
      throw notModelled(`ALTER TASK … ${c.peek().value} (task graphs and conditions)`);
    } else throw c.fail();
    return { k: 'alterTask', name, ifExists, action };
  }
  if (c.isKws('DROP', 'TASK')) {
    c.pos += 2;
    const ifExists = c.acceptKw('IF', 'EXISTS');
    return { k: 'dropTask', name: c.name(), ifExists };
  }
  if ((c.isKw('DESC') || c.isKw('DESCRIBE')) && c.isKw('TASK', 1)) {
    c.pos += 2;
    return { k: 'describeTask', name: c.name() };
  }
  if (c.isKws('SHOW', 'TASKS') || c.isKws('SHOW', 'TERSE', 'TASKS')) {
    const terse = c.isKw('TERSE', 1);
    c.pos += terse ? 3 : 2;
    const filter = parseShowFilter(c);
    if (c.isKws('ROOT', 'ONLY')) c.pos += 2; // every task the stand-in has is a root
    return { k: 'showTasks', terse, ...filter };
  }
  if (c.isKws('EXECUTE', 'TASK')) {
    c.pos += 2;
    const name = c.name();
    if (!c.atEnd()) throw notModelled(`EXECUTE TASK … ${c.peek().value}`);
    return { k: 'executeTask', name };
  }
  return null;
}
