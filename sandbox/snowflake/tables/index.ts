// Tables and views in the Snowflake stand-in: which statements are theirs, and running them. The engine
// (engine.ts) asks route() about every statement before its own parser sees it; everything else stays on
// the engine's path. Rows live in an embedded DuckDB (store.ts), opened on the first statement that needs it.
import type { Catalog, Schema } from '../catalog.js';
import type { Ctx } from '../context.js';
import type { ResultSet } from '../contract.js';
import type { Token } from '../lexer.js';
import { Cursor, parseStatement } from '../parser.js';
import { ts } from '../results.js';
import {
  alterTable,
  createTable,
  describeRelation,
  dropRelation,
  showRelations,
  truncateStatement,
} from './ddl.js';
import { grantOnTables, grantsOnTables, showFutureGrants, showGrantsOnRelation } from './grants.js';
import { runQuery } from './query.js';
import { keyOf, relationsOf, storeOf } from './relations.js';
import { TRANSLATED_FUNCTIONS } from './translate.js';

export type Route =
  | 'query'
  | 'create'
  | 'drop'
  | 'alter'
  | 'truncate'
  | 'show'
  | 'describe'
  | 'grant'
  | 'showGrants'
  | 'showFutureGrants';

// What the engine's own SELECT evaluator (calls.ts) knows; a FROM-less SELECT calling anything else that
// translate.ts knows comes here.
const ENGINE_FUNCTIONS = new Set([
  'CURRENT_ROLE',
  'CURRENT_USER',
  'CURRENT_WAREHOUSE',
  'CURRENT_DATABASE',
  'CURRENT_SCHEMA',
  'CURRENT_ACCOUNT',
  'CURRENT_DATE',
  'TO_DATE',
  'DATE',
  'DATEADD',
  'TO_VARCHAR',
  'TO_CHAR',
  'TO_NUMBER',
]);

// The clock without parentheses, which the engine's evaluator does not read (CURRENT_DATE it does).
const BARE_CLOCK = new Set(['CURRENT_TIMESTAMP', 'LOCALTIMESTAMP', 'CURRENT_TIME', 'LOCALTIME']);

const CREATE_MODIFIERS = new Set([
  'TRANSIENT',
  'TEMPORARY',
  'TEMP',
  'LOCAL',
  'GLOBAL',
  'VOLATILE',
  'SECURE',
  'RECURSIVE',
]);

function word(tokens: Token[], i: number): string | undefined {
  const t = tokens[i];
  return t?.kind === 'ident' ? t.value : undefined;
}

/** A SELECT the engine's evaluator cannot run (a FROM over tables, a WHERE, a function it lacks, …). */
function selectForTables(tokens: Token[], text: string): boolean {
  try {
    parseStatement(new Cursor(tokens, text));
  } catch {
    return true;
  }
  return tokens.some(
    (t, i) =>
      (t.kind === 'ident' && BARE_CLOCK.has(t.value)) ||
      (t.kind === 'ident' &&
        TRANSLATED_FUNCTIONS.has(t.value) &&
        !ENGINE_FUNCTIONS.has(t.value) &&
        tokens[i + 1]?.kind === 'punct' &&
        tokens[i + 1]!.value === '(' &&
        !(tokens[i - 1]?.kind === 'punct' && tokens[i - 1]!.value === '.')),
  );
}

/** Which of this module's statements the tokens are, or null for the engine's own. */
export function route(tokens: Token[], text: string): Route | null {
  switch (word(tokens, 0)) {
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
    case 'WITH':
      return 'query';
    case 'SELECT':
      return selectForTables(tokens, text) ? 'query' : null;
    case 'TRUNCATE':
      return 'truncate';
    case 'CREATE': {
      let i = 1;
      if (word(tokens, 1) === 'OR' && word(tokens, 2) === 'REPLACE') i = 3;
      while (CREATE_MODIFIERS.has(word(tokens, i) ?? '')) i += 1;
      return word(tokens, i) === 'TABLE' || word(tokens, i) === 'VIEW' ? 'create' : null;
    }
    case 'DROP':
      return word(tokens, 1) === 'TABLE' || word(tokens, 1) === 'VIEW' ? 'drop' : null;
    case 'ALTER':
      return word(tokens, 1) === 'TABLE' || word(tokens, 1) === 'VIEW' ? 'alter' : null;
    case 'DESC':
    case 'DESCRIBE':
      return word(tokens, 1) === 'TABLE' || word(tokens, 1) === 'VIEW' ? 'describe' : null;
    case 'SHOW': {
      const i = word(tokens, 1) === 'TERSE' ? 2 : 1;
      if (word(tokens, i) === 'TABLES' || word(tokens, i) === 'VIEWS') return 'show';
      if (word(tokens, 1) === 'GRANTS' && word(tokens, 2) === 'ON') {
        return word(tokens, 3) === 'TABLE' || word(tokens, 3) === 'VIEW' ? 'showGrants' : null;
      }
      if (word(tokens, 1) === 'FUTURE' && word(tokens, 2) === 'GRANTS') return 'showFutureGrants';
      return null;
    }
    case 'GRANT':
    case 'REVOKE':
      return grantsOnTables(tokens) ? 'grant' : null;
    default:
      return tokens[0]?.kind === 'punct' && tokens[0].value === '(' ? 'query' : null;
  }
}

/** How many bind variables ('?') the statement holds. */
export function bindsIn(tokens: Token[]): number {
  return tokens.filter((t) => t.kind === 'punct' && t.value === '?').length;
}

export async function runTableStatement(
  ctx: Ctx,
  r: Route,
  tokens: Token[],
  text: string,
  bindOffset: number,
): Promise<ResultSet> {
  switch (r) {
    case 'query':
      return runQuery(ctx, tokens, text, bindOffset);
    case 'create':
      return createTable(ctx, tokens, text, bindOffset);
    case 'drop':
      return dropRelation(ctx, tokens, text);
    case 'truncate':
      return truncateStatement(ctx, tokens, text);
    case 'show':
      return showRelations(ctx, tokens, text);
    case 'describe':
      return describeRelation(ctx, tokens, text);
    case 'grant':
      return grantOnTables(ctx, tokens, text);
    case 'showGrants':
      return showGrantsOnRelation(ctx, tokens, text);
    case 'showFutureGrants':
      return showFutureGrants(ctx, tokens, text);
    case 'alter':
      return alterTable(ctx, tokens, text);
  }
}

/** POST /sandbox/reset: every table's rows go (the catalog's reset already forgot the tables). */
export function resetTables(cat: Catalog): void {
  storeOf(cat).reset();
}

export function closeTables(cat: Catalog): Promise<void> {
  return storeOf(cat).close();
}

/** Whether this stand-in has loaded DuckDB (a stand-in that never touches a table never does). */
export function tablesLoaded(cat: Catalog): boolean {
  return storeOf(cat).loaded;
}

/** DESCRIBE SCHEMA's rows: the schema's tables and views the role can see (created_on, name, kind). */
export function describeSchemaRows(ctx: Ctx, sc: Schema): (string | null)[][] {
  return [...relationsOf(sc).values()]
    .filter((r) => ctx.access.visible(r.kind, keyOf(r), r.owner))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((r) => [ts(r.createdOn), r.name, r.kind]);
}
