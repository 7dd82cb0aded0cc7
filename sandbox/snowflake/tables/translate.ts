// Snowflake SQL → DuckDB SQL for the statements the stand-in's tables run (SELECT, INSERT, UPDATE, DELETE,
// MERGE), over the lexer's tokens. What it does, and nothing more:
// - identifiers: unquoted → upper case, always emitted quoted, so DuckDB stores and returns Snowflake's names;
//   table names go through a callback (the caller resolves db.schema.t, checks privileges, names the DuckDB
//   table); TABLE(udtf(…)) becomes a placeholder table the caller fills;
// - functions whose name or meaning differs (DATEADD, DATEDIFF, DATE_TRUNC, TO_DATE, TO_CHAR, IFF, NVL, DIV0,
//   GREATEST, …) become DuckDB expressions or the sf_* macros of macros.ts (type-overloaded, so DATEADD on a
//   DATE stays a DATE as in Snowflake); CURRENT_DATE and friends read the stand-in's clock (a DuckDB variable);
// - types in casts map to the DuckDB type holding the same values (types.ts);
// - unaliased SELECT items get Snowflake's column name (the item's text, upper case), aliases are upper-cased.
// A construct it does not know is passed through, and DuckDB's error (errors.ts) says what went wrong.

import { compileError } from '../context.js';
import type { Bind } from '../contract.js';
import type { Token } from '../lexer.js';
import type { Name } from '../parser.js';
import {
  failAt,
  flatten,
  type Group,
  isGroup,
  isPunct,
  isTok,
  isWord,
  type Node,
  sourceText,
  splitCommas,
  tree,
} from './sqltree.js';
import { duckType, sfType } from './types.js';

export type TableUse = 'read' | 'insert' | 'update' | 'delete' | 'merge';

export interface TableRef {
  name: Name;
  tok: Token;
  use: TableUse;
}

export interface UdtfCall {
  /** The DuckDB table the caller fills with the function's rows before running the statement. */
  placeholder: string;
  /** The call inside TABLE(…), ending with an eof token (for parser.ts's parseExpr). */
  tokens: Token[];
  /** The index in the binds of the first '?' inside the call. */
  firstBind: number;
  tok: Token;
}

export type MergeAction = 'insert' | 'update' | 'delete';

export interface MergeParts {
  target: string; // DuckDB name, with its alias
  targetAlias: string; // quoted
  source: string; // DuckDB text of the USING item, with its alias
  on: string;
  actions: MergeAction[]; // one per WHEN clause, in order
}

export interface SessionNames {
  user: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  account: string;
}

export interface TranslateOptions {
  /** The statement's source text (token offsets index into it). */
  text: string;
  binds?: Bind[];
  /** The index in `binds` of the statement's first '?'. */
  bindOffset?: number;
  /** Renders a table or view reference as DuckDB SQL (default: its parts, quoted). */
  table?: (ref: TableRef) => string;
  /** The name of the DuckDB table for the i-th TABLE(…) call (default sf_udtf_<i>). */
  udtfName?: (i: number) => string;
  /** What CURRENT_ROLE() and the other context functions return. */
  session?: SessionNames;
  /** Column name → type, over the tables the statement reads (lets DATEADD and TO_CHAR of an aggregate
   * keep Snowflake's result type; DuckDB cannot pick a typed macro overload for an aggregate). */
  columnTypes?: ReadonlyMap<string, Temporal | 'OTHER'>;
}

/** The date and time types whose DATEADD / TO_CHAR differ. */
export type Temporal = 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ';

export type StatementKind = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE';

export interface Translation {
  kind: StatementKind;
  sql: string;
  refs: TableRef[];
  udtfs: UdtfCall[];
  merge?: MergeParts;
  /** Whether a table, view or table function is read (a FROM-less SELECT reads none). */
  readsData: boolean;
  /** How many '?' the statement holds. */
  bindsUsed: number;
}

// Words that are never a column or alias when unquoted (Snowflake's reserved words and the clause words).
const KEYWORDS = new Set([
  'ALL',
  'AND',
  'ANY',
  'AS',
  'ASC',
  'BETWEEN',
  'BY',
  'CASE',
  'CAST',
  'CROSS',
  'CURRENT',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'DEFAULT',
  'DELETE',
  'DESC',
  'DISTINCT',
  'ELSE',
  'END',
  'ESCAPE',
  'EXCEPT',
  'EXCLUDE',
  'EXISTS',
  'FALSE',
  'FETCH',
  'FOLLOWING',
  'FOR',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'IGNORE',
  'ILIKE',
  'IN',
  'INNER',
  'INSERT',
  'INTERSECT',
  'INTERVAL',
  'INTO',
  'IS',
  'JOIN',
  'LATERAL',
  'LEFT',
  'LIKE',
  'LIMIT',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'MATCHED',
  'MERGE',
  'MINUS',
  'NATURAL',
  'NOT',
  'NULL',
  'NULLS',
  'OFFSET',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'OVER',
  'PARTITION',
  'PIVOT',
  'PRECEDING',
  'QUALIFY',
  'RANGE',
  'RECURSIVE',
  'REGEXP',
  'RENAME',
  'RESPECT',
  'RIGHT',
  'RLIKE',
  'ROWS',
  'SAMPLE',
  'SELECT',
  'SET',
  'SOME',
  'TABLE',
  'TABLESAMPLE',
  'THEN',
  'TOP',
  'TRUE',
  'TRY_CAST',
  'UNBOUNDED',
  'UNION',
  'UNPIVOT',
  'UPDATE',
  'USING',
  'VALUES',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
  'WITHIN',
]);

/** Words after which a trailing word is still part of the expression, not an alias. */
const ALIAS_AFTER_KEYWORD = new Set(['END', 'NULL', 'TRUE', 'FALSE', 'CURRENT_DATE', 'CURRENT_TIMESTAMP']);

// Date and time parts with Snowflake's abbreviations (the Snowflake docs' "Supported date and time parts").
const PARTS: Record<string, string> = {};
for (const [part, names] of Object.entries({
  year: 'YEAR Y YY YYY YYYY YR YEARS YRS',
  quarter: 'QUARTER Q QTR QTRS QUARTERS',
  month: 'MONTH MM MON MONS MONTHS',
  week: 'WEEK W WK WEEKOFYEAR WOY WY WEEKS',
  day: 'DAY D DD DAYS DAYOFMONTH',
  hour: 'HOUR H HH HR HOURS HRS',
  minute: 'MINUTE M MI MIN MINUTES MINS',
  second: 'SECOND S SEC SECONDS SECS',
  millisecond: 'MILLISECOND MS MSEC MILLISECONDS',
  microsecond: 'MICROSECOND US USEC MICROSECONDS',
})) {
  for (const n of names.split(' ')) PARTS[n] = part;
}
const DATE_PARTS = new Set(['year', 'quarter', 'month', 'week', 'day']);
const BUCKETS: Record<string, string> = {
  year: '1 year',
  quarter: '3 months',
  month: '1 month',
  week: '1 week',
  day: '1 day',
  hour: '1 hour',
  minute: '1 minute',
  second: '1 second',
  millisecond: '1 millisecond',
  microsecond: '1 microsecond',
};

// Functions whose result has their (first value) argument's type.
const TYPE_PRESERVING = new Set([
  'MIN',
  'MAX',
  'ANY_VALUE',
  'ARBITRARY',
  'FIRST_VALUE',
  'LAST_VALUE',
  'NTH_VALUE',
  'LAG',
  'LEAD',
  'MODE',
  'COALESCE',
  'NVL',
  'IFNULL',
]);

const TEMPORAL_OF: Record<string, Temporal> = {
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
  TIMESTAMPTZ: 'TIMESTAMPTZ',
};

// Functions whose result is a VARIANT: Snowflake refuses them in an INSERT's VALUES clause.
const VARIANT_FUNCTIONS = new Set([
  'PARSE_JSON',
  'TRY_PARSE_JSON',
  'OBJECT_CONSTRUCT',
  'OBJECT_CONSTRUCT_KEEP_NULL',
  'ARRAY_CONSTRUCT',
  'TO_VARIANT',
  'TO_OBJECT',
  'TO_ARRAY',
  'PARSE_XML',
]);

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Snowflake's TO_CHAR / TO_DATE format elements → strftime / strptime ones (longest first). */
const FORMAT_ELEMENTS: [string, string][] = [
  ['YYYY', '%Y'],
  ['HH24', '%H'],
  ['HH12', '%I'],
  ['MMMM', '%B'],
  ['FF9', '%n'],
  ['FF6', '%f'],
  ['FF3', '%g'],
  ['MON', '%b'],
  ['FF', '%g'],
  ['YY', '%y'],
  ['MM', '%m'],
  ['DD', '%d'],
  ['DY', '%a'],
  ['HH', '%H'],
  ['MI', '%M'],
  ['SS', '%S'],
  ['AM', '%p'],
  ['PM', '%p'],
];

export function strftimeFormat(sf: string): string {
  let out = '';
  let i = 0;
  while (i < sf.length) {
    if (sf[i] === '"') {
      const close = sf.indexOf('"', i + 1);
      const lit = close < 0 ? sf.slice(i + 1) : sf.slice(i + 1, close);
      out += lit.replaceAll('%', '%%');
      i = close < 0 ? sf.length : close + 1;
      continue;
    }
    const rest = sf.slice(i).toUpperCase();
    const el = FORMAT_ELEMENTS.find(([k]) => rest.startsWith(k));
    if (el) {
      out += el[1];
      i += el[0].length;
    } else {
      out += sf[i] === '%' ? '%%' : sf[i];
      i += 1;
    }
  }
  return out;
}

interface CallSite {
  name: string;
  tok: Token;
  group: Group;
  text: string;
}

type Handler = (e: Emitter, args: Node[][], call: CallSite) => string;

function arity(call: CallSite, args: Node[][], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const few = args.length < min;
  throw compileError(
    `error line ${call.tok.line} at position ${call.tok.col}\n${few ? 'not enough' : 'too many'} arguments for function [${call.text.toUpperCase()}], expected ${few ? min : max}, got ${args.length}`,
    '000938',
    '22023',
  );
}

function partOf(args: Node[], call: CallSite): string {
  const n = args.length === 1 ? args[0] : undefined;
  const word =
    isTok(n) && (n.kind === 'ident' || n.kind === 'string' || n.kind === 'qident') ? n.value : null;
  const part = word === null ? undefined : PARTS[word.toUpperCase()];
  if (!part) {
    throw compileError(
      `error line ${call.tok.line} at position ${call.tok.col}\ninvalid date or time part for function ${call.name}: '${word ?? sourceText(call.text, args)}'`,
      '001065',
      '22023',
    );
  }
  return part;
}

/** A string literal argument (a format), or null when the argument is not one. */
function literalString(args: Node[] | undefined): string | null {
  const n = args?.length === 1 ? args[0] : undefined;
  return isTok(n) && (n.kind === 'string' || n.kind === 'dollar') ? n.value : null;
}

function nullPropagating(fn: string): Handler {
  // Snowflake's GREATEST / LEAST return NULL when any argument is NULL; DuckDB's skip NULLs.
  return (e, args, call) => {
    arity(call, args, 1, 1000);
    const xs = args.map((a) => `(${e.seq(a)})`);
    return `(CASE WHEN ${xs.map((x) => `${x} IS NULL`).join(' OR ')} THEN NULL ELSE ${fn}(${xs.join(', ')}) END)`;
  };
}

function castTo(duck: string, tryCast = false): Handler {
  return (e, args, call) => {
    arity(call, args, 1);
    return `${tryCast ? 'TRY_CAST' : 'CAST'}(${e.seq(args[0]!)} AS ${duck})`;
  };
}

function renamed(to: string): Handler {
  return (e, args) => `${to}(${args.map((a) => e.seq(a)).join(', ')})`;
}

function clock(expr: string): Handler {
  return (_e, args, call) => {
    arity(call, args, 0);
    return expr;
  };
}

function contextValue(pick: (s: SessionNames) => string | null): Handler {
  return (e, args, call) => {
    arity(call, args, 0);
    const v = e.o.session ? pick(e.o.session) : null;
    return v === null ? 'CAST(NULL AS VARCHAR)' : quoteString(v);
  };
}

function toTimestamp(duck: string, tryCast = false): Handler {
  return (e, args, call) => {
    arity(call, args, 1, 2);
    const x = e.seq(args[0]!);
    if (args.length === 1) return `${tryCast ? 'TRY_CAST' : 'CAST'}(${x} AS ${duck})`;
    const fmt = literalString(args[1]);
    if (fmt === null) throw compileError(`${call.name}: the sandbox takes only a literal format.`, '002016');
    return `CAST(${tryCast ? 'try_strptime' : 'strptime'}(${x}, ${quoteString(strftimeFormat(fmt))}) AS ${duck})`;
  };
}

function toNumber(tryCast: boolean): Handler {
  return (e, args, call) => {
    arity(call, args, 1, 4);
    // TO_NUMBER(x [, format] [, precision [, scale]]): a format is a string, precision and scale numbers.
    const nums = args.slice(1).filter((a) => isTok(a[0]) && a[0].kind === 'number');
    const p = nums[0] ? Number((nums[0][0] as Token).value) : 38;
    const s = nums[1] ? Number((nums[1][0] as Token).value) : 0;
    return `${tryCast ? 'TRY_CAST' : 'CAST'}(${e.seq(args[0]!)} AS DECIMAL(${p},${s}))`;
  };
}

const FUNCTIONS: Record<string, Handler> = {
  DATEADD: (e, args, call) => {
    arity(call, args, 3);
    const part = partOf(args[0]!, call);
    const n = e.seq(args[1]!);
    const x = e.seq(args[2]!);
    const t = e.temporal(args[2]!);
    const interval = `sf_interval('${part}', ${n})`;
    if (DATE_PARTS.has(part)) {
      if (t === 'DATE') return `CAST(${x} + ${interval} AS DATE)`;
      return t ? `(${x} + ${interval})` : `sf_dateadd_date('${part}', ${n}, ${x})`;
    }
    if (t === 'DATE') return `(CAST(${x} AS TIMESTAMP) + ${interval})`;
    return t ? `(${x} + ${interval})` : `sf_dateadd_time('${part}', ${n}, ${x})`;
  },
  DATEDIFF: (e, args, call) => {
    arity(call, args, 3);
    return `sf_datediff('${partOf(args[0]!, call)}', ${e.seq(args[1]!)}, ${e.seq(args[2]!)})`;
  },
  // time_bucket keeps its argument's type (a DATE stays a DATE), and its week grid starts on a Monday
  // (2000-01-03), Snowflake's default WEEK_START.
  DATE_TRUNC: (e, args, call) => {
    arity(call, args, 2);
    return `time_bucket(INTERVAL '${BUCKETS[partOf(args[0]!, call)]}', ${e.seq(args[1]!)})`;
  },
  DATE_PART: (e, args, call) => {
    arity(call, args, 2);
    return `date_part('${partOf(args[0]!, call)}', ${e.seq(args[1]!)})`;
  },
  LAST_DAY: (e, args, call) => {
    arity(call, args, 1, 2);
    const part = args[1] ? partOf(args[1], call) : 'month';
    if (!['month', 'week', 'year', 'quarter'].includes(part)) {
      throw compileError(`invalid date part '${part}' for LAST_DAY.`, '001065', '22023');
    }
    // The day before the next bucket starts.
    const start = `time_bucket(INTERVAL '${BUCKETS[part]}', sf_to_date(${e.seq(args[0]!)}))`;
    return `CAST(${start} + INTERVAL '${BUCKETS[part]}' - INTERVAL 1 DAY AS DATE)`;
  },
  TO_DATE: (e, args, call) => {
    arity(call, args, 1, 2);
    const x = e.seq(args[0]!);
    if (args.length === 1) return `sf_to_date(${x})`;
    const fmt = literalString(args[1]);
    if (fmt === null) throw compileError('TO_DATE: the sandbox takes only a literal format.', '002016');
    return `CAST(strptime(${x}, ${quoteString(strftimeFormat(fmt))}) AS DATE)`;
  },
  TRY_TO_DATE: (e, args, call) => {
    arity(call, args, 1, 2);
    const x = e.seq(args[0]!);
    const fmt = literalString(args[1]);
    if (fmt === null) return `TRY_CAST(${x} AS DATE)`;
    return `CAST(try_strptime(${x}, ${quoteString(strftimeFormat(fmt))}) AS DATE)`;
  },
  TO_TIMESTAMP: toTimestamp('TIMESTAMP'),
  TO_TIMESTAMP_NTZ: toTimestamp('TIMESTAMP'),
  TO_TIMESTAMP_LTZ: toTimestamp('TIMESTAMPTZ'),
  TO_TIMESTAMP_TZ: toTimestamp('TIMESTAMPTZ'),
  TRY_TO_TIMESTAMP: toTimestamp('TIMESTAMP', true),
  TRY_TO_TIMESTAMP_NTZ: toTimestamp('TIMESTAMP', true),
  TO_CHAR: (e, args, call) => {
    arity(call, args, 1, 2);
    const x = e.seq(args[0]!);
    if (args.length === 1) {
      const t = e.temporal(args[0]!);
      if (t === 'DATE') return `strftime(${x}, '%Y-%m-%d')`;
      if (t === 'TIMESTAMP') return `strftime(${x}, '%Y-%m-%d %H:%M:%S.%g')`;
      if (t === 'TIMESTAMPTZ') return `strftime(${x}, '%Y-%m-%d %H:%M:%S.%g +0000')`;
      return `sf_to_char(${x})`;
    }
    const fmt = literalString(args[1]);
    if (fmt === null) throw compileError('TO_CHAR: the sandbox takes only a literal format.', '002016');
    return `strftime(${x}, ${quoteString(strftimeFormat(fmt))})`;
  },
  TO_NUMBER: toNumber(false),
  TRY_TO_NUMBER: toNumber(true),
  TO_DOUBLE: castTo('DOUBLE'),
  TRY_TO_DOUBLE: castTo('DOUBLE', true),
  TO_BOOLEAN: castTo('BOOLEAN'),
  TRY_TO_BOOLEAN: castTo('BOOLEAN', true),
  IFF: (e, args, call) => {
    arity(call, args, 3);
    return `(CASE WHEN ${e.seq(args[0]!)} THEN ${e.seq(args[1]!)} ELSE ${e.seq(args[2]!)} END)`;
  },
  NVL: (e, args, call) => {
    arity(call, args, 2);
    return `coalesce(${e.seq(args[0]!)}, ${e.seq(args[1]!)})`;
  },
  NVL2: (e, args, call) => {
    arity(call, args, 3);
    return `(CASE WHEN (${e.seq(args[0]!)}) IS NOT NULL THEN ${e.seq(args[1]!)} ELSE ${e.seq(args[2]!)} END)`;
  },
  ZEROIFNULL: (e, args, call) => {
    arity(call, args, 1);
    return `coalesce(${e.seq(args[0]!)}, 0)`;
  },
  NULLIFZERO: (e, args, call) => {
    arity(call, args, 1);
    return `nullif(${e.seq(args[0]!)}, 0)`;
  },
  DIV0: (e, args, call) => {
    arity(call, args, 2);
    const b = `(${e.seq(args[1]!)})`;
    return `(CASE WHEN ${b} = 0 THEN 0 ELSE (${e.seq(args[0]!)}) / ${b} END)`;
  },
  DIV0NULL: (e, args, call) => {
    arity(call, args, 2);
    const b = `(${e.seq(args[1]!)})`;
    return `(CASE WHEN ${b} = 0 OR ${b} IS NULL THEN 0 ELSE (${e.seq(args[0]!)}) / ${b} END)`;
  },
  GREATEST: nullPropagating('greatest'),
  LEAST: nullPropagating('least'),
  GREATEST_IGNORE_NULLS: renamed('greatest'),
  LEAST_IGNORE_NULLS: renamed('least'),
  EQUAL_NULL: (e, args, call) => {
    arity(call, args, 2);
    return `((${e.seq(args[0]!)}) IS NOT DISTINCT FROM (${e.seq(args[1]!)}))`;
  },
  // Snowflake's DAYNAME and MONTHNAME are three letters ('Mon', 'Jan').
  DAYNAME: (e, args, call) => {
    arity(call, args, 1);
    return `strftime(${e.seq(args[0]!)}, '%a')`;
  },
  MONTHNAME: (e, args, call) => {
    arity(call, args, 1);
    return `strftime(${e.seq(args[0]!)}, '%b')`;
  },
  DAYOFWEEKISO: renamed('isodow'),
  WEEKISO: renamed('weekofyear'),
  YEAROFWEEK: renamed('isoyear'),
  YEAROFWEEKISO: renamed('isoyear'),
  STARTSWITH: renamed('starts_with'),
  ENDSWITH: renamed('ends_with'),
  CURRENT_DATE: clock('sf_current_date()'),
  CURRENT_TIMESTAMP: clock('sf_current_timestamp()'),
  LOCALTIMESTAMP: clock('sf_current_timestamp()'),
  GETDATE: clock('sf_current_timestamp()'),
  SYSTIMESTAMP: clock('sf_current_timestamp()'),
  SYSDATE: clock('sf_sysdate()'),
  CURRENT_TIME: clock('CAST(sf_current_timestamp() AS TIME)'),
  LOCALTIME: clock('CAST(sf_current_timestamp() AS TIME)'),
  CURRENT_ROLE: contextValue((s) => s.role),
  CURRENT_USER: contextValue((s) => s.user),
  CURRENT_WAREHOUSE: contextValue((s) => s.warehouse),
  CURRENT_DATABASE: contextValue((s) => s.database),
  CURRENT_SCHEMA: contextValue((s) => s.schema),
  CURRENT_ACCOUNT: contextValue((s) => s.account),
  PARSE_JSON: castTo('JSON'),
  TRY_PARSE_JSON: castTo('JSON', true),
  TO_VARIANT: renamed('to_json'),
  OBJECT_CONSTRUCT: renamed('json_object'),
  OBJECT_CONSTRUCT_KEEP_NULL: renamed('json_object'),
  ARRAY_CONSTRUCT: (e, args) =>
    args.length === 0 ? `CAST('[]' AS JSON)` : `to_json([${args.map((a) => e.seq(a)).join(', ')}])`,
  UUID_STRING: (_e, args, call) => {
    arity(call, args, 0);
    return 'CAST(uuid() AS VARCHAR)';
  },
};
FUNCTIONS.DATE_ADD = FUNCTIONS.DATEADD!;
FUNCTIONS.TIMEADD = FUNCTIONS.DATEADD!;
FUNCTIONS.TIMESTAMPADD = FUNCTIONS.DATEADD!;
FUNCTIONS.TIMEDIFF = FUNCTIONS.DATEDIFF!;
FUNCTIONS.TIMESTAMPDIFF = FUNCTIONS.DATEDIFF!;
FUNCTIONS.DATE = FUNCTIONS.TO_DATE!;
FUNCTIONS.TO_VARCHAR = FUNCTIONS.TO_CHAR!;
FUNCTIONS.TO_DECIMAL = FUNCTIONS.TO_NUMBER!;
FUNCTIONS.TO_NUMERIC = FUNCTIONS.TO_NUMBER!;
FUNCTIONS.TRY_TO_DECIMAL = FUNCTIONS.TRY_TO_NUMBER!;
FUNCTIONS.TRY_TO_NUMERIC = FUNCTIONS.TRY_TO_NUMBER!;

/** The Snowflake functions this module rewrites (the router sends FROM-less SELECTs using them here). */
export const TRANSLATED_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(FUNCTIONS), 'LISTAGG']);

// Keywords that, without parentheses, read the clock.
const BARE_CLOCK: Record<string, string> = {
  CURRENT_DATE: 'sf_current_date()',
  CURRENT_TIMESTAMP: 'sf_current_timestamp()',
  LOCALTIMESTAMP: 'sf_current_timestamp()',
  CURRENT_TIME: 'CAST(sf_current_timestamp() AS TIME)',
  LOCALTIME: 'CAST(sf_current_timestamp() AS TIME)',
};

const TYPED_LITERALS: Record<string, string> = {
  DATE: 'DATE',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_TZ: 'TIMESTAMPTZ',
};

function identLike(n: Node | undefined): n is Token {
  return isTok(n) && (n.kind === 'qident' || (n.kind === 'ident' && !KEYWORDS.has(n.value)));
}

export class Emitter {
  refs: TableRef[] = [];
  udtfs: UdtfCall[] = [];
  readsData = false;
  private ctes = new Set<string>();
  private bind: number;

  constructor(
    readonly o: TranslateOptions,
    readonly end: Token,
  ) {
    this.bind = o.bindOffset ?? 0;
  }

  get bindsUsed(): number {
    return this.bind - (this.o.bindOffset ?? 0);
  }

  fail(n: Node | undefined): Error {
    return failAt(n, this.end);
  }

  // ---- sequences ------------------------------------------------------------------------------

  /** A query, a subquery or an expression at one nesting level. */
  seq(nodes: Node[]): string {
    const out: string[] = [];
    let i = 0;
    while (i < nodes.length) {
      const n = nodes[i]!;
      if (isWord(n)) {
        if (n.value === 'WITH') {
          i = this.withClause(nodes, i, out);
          continue;
        }
        if (n.value === 'SELECT') {
          i = this.selectList(nodes, i, out);
          continue;
        }
        if (n.value === 'FROM' && !isWord(nodes[i - 1], 'DISTINCT')) {
          out.push('FROM');
          i = this.tableItem(nodes, i + 1, out, 'read').next;
          while (isPunct(nodes[i], ',')) {
            out.push(',');
            i = this.tableItem(nodes, i + 1, out, 'read').next;
          }
          continue;
        }
        if (n.value === 'JOIN') {
          out.push('JOIN');
          i = this.tableItem(nodes, i + 1, out, 'read').next;
          continue;
        }
        if (n.value === 'MINUS') {
          out.push('EXCEPT');
          i += 1;
          continue;
        }
        if (n.value === 'LATERAL' || n.value === 'PIVOT' || n.value === 'UNPIVOT' || n.value === 'TOP') {
          throw compileError(`${n.value} is not supported by the sandbox's tables.`, '001003', '42000');
        }
      }
      i = this.atom(nodes, i, out);
    }
    return out.join(' ');
  }

  private withClause(nodes: Node[], i: number, out: string[]): number {
    out.push('WITH');
    i += 1;
    if (isWord(nodes[i], 'RECURSIVE')) {
      out.push('RECURSIVE');
      i += 1;
    }
    for (;;) {
      const name = nodes[i];
      if (!identLike(name)) throw this.fail(name);
      this.ctes.add(name.value);
      out.push(quoteIdent(name.value));
      i += 1;
      const cols = nodes[i];
      if (isGroup(cols)) {
        out.push(`(${this.identList(cols)})`);
        i += 1;
      }
      if (!isWord(nodes[i], 'AS')) throw this.fail(nodes[i]);
      const body = nodes[i + 1];
      if (!isGroup(body)) throw this.fail(body);
      out.push(`AS (${this.seq(body.items)})`);
      i += 2;
      if (!isPunct(nodes[i], ',')) return i;
      out.push(',');
      i += 1;
    }
  }

  private isSelectEnd(nodes: Node[], j: number): boolean {
    const n = nodes[j];
    if (!isWord(n)) return false;
    switch (n.value) {
      case 'FROM':
        return !isWord(nodes[j - 1], 'DISTINCT');
      case 'WHERE':
      case 'HAVING':
      case 'QUALIFY':
      case 'LIMIT':
      case 'OFFSET':
      case 'FETCH':
      case 'UNION':
      case 'EXCEPT':
      case 'MINUS':
      case 'INTERSECT':
      case 'WINDOW':
        return true;
      case 'GROUP':
        return isWord(nodes[j + 1], 'BY') && !isWord(nodes[j - 1], 'WITHIN');
      case 'ORDER':
        return isWord(nodes[j + 1], 'BY');
      default:
        return false;
    }
  }

  private selectList(nodes: Node[], i: number, out: string[]): number {
    out.push('SELECT');
    i += 1;
    if (isWord(nodes[i], 'DISTINCT') || isWord(nodes[i], 'ALL')) {
      out.push((nodes[i] as Token).value);
      i += 1;
    }
    if (isWord(nodes[i], 'TOP')) throw compileError('SELECT TOP is not supported by the sandbox; use LIMIT.');
    let j = i;
    while (j < nodes.length && !this.isSelectEnd(nodes, j)) j += 1;
    const items = splitCommas(nodes.slice(i, j));
    if (items.length === 0 || items.some((it) => it.length === 0)) throw this.fail(nodes[j]);
    out.push(items.map((it) => this.selectItem(it)).join(', '));
    return j;
  }

  private selectItem(nodes: Node[]): string {
    const n = nodes.length;
    let alias: string | null = null;
    let body = nodes;
    const last = nodes[n - 1];
    const prev = nodes[n - 2];
    if (n >= 2 && isWord(prev, 'AS')) {
      if (!identLike(last)) throw this.fail(last);
      alias = last.value;
      body = nodes.slice(0, n - 2);
    } else if (n >= 2 && identLike(last) && this.endsExpression(prev!, nodes[n - 3])) {
      alias = last.value;
      body = nodes.slice(0, n - 1);
    }
    if (body.length === 0) throw this.fail(nodes[0]);
    const expr = this.seq(body);
    if (alias !== null) return `${expr} AS ${quoteIdent(alias)}`;
    if (this.isColumnPath(body)) return expr;
    return `${expr} AS ${quoteIdent(sourceText(this.o.text, body).toUpperCase())}`;
  }

  /** Whether `prev` can end an expression, so that a word after it is an alias. */
  private endsExpression(prev: Node, before: Node | undefined): boolean {
    if (isGroup(prev)) return true;
    if (prev.kind === 'string' || prev.kind === 'dollar' || prev.kind === 'number' || prev.kind === 'qident')
      return true;
    if (prev.kind === 'punct') return prev.value === '*' && isPunct(before, '.');
    if (prev.kind === 'ident') return !KEYWORDS.has(prev.value) || ALIAS_AFTER_KEYWORD.has(prev.value);
    return false;
  }

  /** a, t.a, db.s.t.a, t.*, * : DuckDB names these by the column itself, as Snowflake does. */
  private isColumnPath(nodes: Node[]): boolean {
    return nodes.every((n, k) =>
      k % 2 === 1
        ? isPunct(n, '.')
        : identLike(n) || (k === nodes.length - 1 && isPunct(n, '*') && nodes.length > 0),
    );
  }

  private identList(g: Group): string {
    return splitCommas(g.items)
      .map((part) => {
        const n = part[0];
        if (part.length !== 1 || !identLike(n)) throw this.fail(part[0] ?? g.close);
        return quoteIdent(n.value);
      })
      .join(', ');
  }

  /** [name parts, next index] of a 1–3 part name at i. */
  readName(nodes: Node[], i: number): [Name, number] {
    const parts: string[] = [];
    for (;;) {
      const n = nodes[i];
      if (!identLike(n)) throw this.fail(n);
      parts.push(n.value);
      i += 1;
      if (!isPunct(nodes[i], '.')) break;
      if (parts.length === 3) throw this.fail(nodes[i]);
      i += 1;
    }
    return [parts, i];
  }

  renderTable(name: Name, tok: Token, use: TableUse): string {
    if (name.length === 1 && this.ctes.has(name[0]!) && use === 'read') return quoteIdent(name[0]!);
    const ref: TableRef = { name, tok, use };
    this.refs.push(ref);
    return this.o.table ? this.o.table(ref) : name.map(quoteIdent).join('.');
  }

  /** A FROM / JOIN / USING item with its alias: a table or view, a subquery, or TABLE(udtf(…)). */
  tableItem(
    nodes: Node[],
    i: number,
    out: string[],
    use: TableUse,
  ): { next: number; alias: string | null; name: Name | null } {
    const n = nodes[i];
    if (n === undefined) throw this.fail(undefined);
    this.readsData = true;
    let name: Name | null = null;
    if (isWord(n, 'TABLE') && isGroup(nodes[i + 1])) {
      const g = nodes[i + 1] as Group;
      const placeholder = this.o.udtfName?.(this.udtfs.length) ?? `sf_udtf_${this.udtfs.length}`;
      const inner = flatten(g.items);
      const tokens = [...inner, { ...g.close, kind: 'eof' as const, value: '', raw: '' }];
      this.udtfs.push({ placeholder, tokens, firstBind: this.bind, tok: n });
      this.bind += inner.filter((t) => t.kind === 'punct' && t.value === '?').length;
      out.push(quoteIdent(placeholder));
      i += 2;
    } else if (isGroup(n)) {
      out.push(`(${this.seq(n.items)})`);
      i += 1;
    } else if (identLike(n)) {
      const [parts, next] = this.readName(nodes, i);
      name = parts;
      out.push(this.renderTable(parts, n, use));
      i = next;
    } else throw this.fail(n);
    let alias: string | null = null;
    if (isWord(nodes[i], 'AS')) {
      const a = nodes[i + 1];
      if (!identLike(a)) throw this.fail(a);
      alias = a.value;
      i += 2;
    } else if (identLike(nodes[i])) {
      alias = (nodes[i] as Token).value;
      i += 1;
    }
    if (alias !== null) {
      out.push(`AS ${quoteIdent(alias)}`);
      const cols = nodes[i];
      if (isGroup(cols) && use === 'read') {
        out.push(`(${this.identList(cols)})`);
        i += 1;
      }
    }
    return { next: i, alias, name };
  }

  // ---- expressions ----------------------------------------------------------------------------

  /** One operand, operator, keyword or call at i; returns the next index. */
  private atom(nodes: Node[], i: number, out: string[]): number {
    const n = nodes[i]!;
    if (isGroup(n)) {
      out.push(`(${this.seq(n.items)})`);
      return i + 1;
    }
    switch (n.kind) {
      case 'string':
      case 'dollar':
        out.push(quoteString(n.value));
        return i + 1;
      case 'number':
        out.push(n.raw);
        return i + 1;
      case 'qident':
        return this.path(nodes, i, out);
      case 'punct':
        return this.punct(nodes, i, out);
      default:
        return this.word(nodes, i, out);
    }
  }

  private punct(nodes: Node[], i: number, out: string[]): number {
    const n = nodes[i] as Token;
    switch (n.value) {
      case '?':
        out.push(this.bindLiteral());
        return i + 1;
      case '::': {
        const [duck, next] = this.typeAt(nodes, i + 1);
        out.push(`::${duck}`);
        return next;
      }
      case ':':
      case '=>':
      case '.':
      case ';':
        if (n.value === ':')
          throw compileError('VARIANT paths (v:field) are not supported by the sandbox.', '001003', '42000');
        throw this.fail(n);
      default:
        out.push(n.value);
        return i + 1;
    }
  }

  private word(nodes: Node[], i: number, out: string[]): number {
    const n = nodes[i] as Token;
    const next = nodes[i + 1];
    const v = n.value;
    if ((v === 'CAST' || v === 'TRY_CAST') && isGroup(next)) {
      out.push(this.cast(v, next));
      return i + 2;
    }
    if (v === 'EXTRACT' && isGroup(next)) {
      out.push(this.extract(next));
      return i + 2;
    }
    if (v in TYPED_LITERALS && isTok(next) && next.kind === 'string') {
      out.push(`${TYPED_LITERALS[v]} ${quoteString(next.value)}`);
      return i + 2;
    }
    if (v === 'INTERVAL' && isTok(next) && next.kind === 'string') {
      out.push(`INTERVAL ${quoteString(next.value)}`);
      return i + 2;
    }
    if (v in BARE_CLOCK && !isGroup(next)) {
      out.push(BARE_CLOCK[v]!);
      return i + 1;
    }
    if (isGroup(next) && !KEYWORDS.has(v)) return this.call(nodes, i, out);
    if (v in BARE_CLOCK && isGroup(next)) return this.call(nodes, i, out);
    if (KEYWORDS.has(v)) {
      out.push(v);
      return i + 1;
    }
    // FIRST / LAST after NULLS, ROW after CURRENT: keywords only there.
    if ((v === 'FIRST' || v === 'LAST') && isWord(nodes[i - 1], 'NULLS')) {
      out.push(v);
      return i + 1;
    }
    if (v === 'ROW' && isWord(nodes[i - 1], 'CURRENT')) {
      out.push(v);
      return i + 1;
    }
    return this.path(nodes, i, out);
  }

  /** a, t.a, t.*, or a qualified function name (a user-defined function: refused). */
  private path(nodes: Node[], i: number, out: string[]): number {
    const parts: string[] = [];
    let j = i;
    for (;;) {
      const n = nodes[j]!;
      if (isPunct(n, '*')) {
        parts.push('*');
        j += 1;
        break;
      }
      if (!isTok(n) || (n.kind !== 'ident' && n.kind !== 'qident')) throw this.fail(n);
      parts.push(quoteIdent(n.value));
      j += 1;
      if (!isPunct(nodes[j], '.')) break;
      j += 1;
    }
    if (isGroup(nodes[j])) {
      throw compileError(
        `Scalar user-defined function ${sourceText(this.o.text, nodes.slice(i, j))} cannot be called in a query over tables by the sandbox; call it in a SELECT without FROM, or use TABLE(…) for a table function.`,
        '002140',
      );
    }
    out.push(parts.join('.'));
    return j;
  }

  private call(nodes: Node[], i: number, out: string[]): number {
    const nameTok = nodes[i] as Token;
    const group = nodes[i + 1] as Group;
    const site: CallSite = {
      name: nameTok.value,
      tok: nameTok,
      group,
      text: sourceText(this.o.text, [nameTok, group]),
    };
    const args = splitCommas(group.items);
    if (args.some((a) => a.length === 0)) throw this.fail(group.close);
    if (site.name === 'LISTAGG') return this.listagg(nodes, i, args, site, out);
    const handler = FUNCTIONS[site.name];
    if (handler) out.push(handler(this, args, site));
    else out.push(`${site.name}(${args.map((a) => this.seq(a)).join(', ')})`);
    return i + 2;
  }

  private listagg(nodes: Node[], i: number, args: Node[][], site: CallSite, out: string[]): number {
    arity(site, args, 1, 2);
    const sep = args[1] ? this.seq(args[1]) : `''`;
    let order = '';
    let next = i + 2;
    const within = nodes[next];
    const grp = nodes[next + 1];
    const spec = nodes[next + 2];
    if (isWord(within, 'WITHIN') && isWord(grp, 'GROUP') && isGroup(spec)) {
      order = ` ${this.seq(spec.items)}`;
      next += 3;
    }
    out.push(`coalesce(string_agg(${this.seq(args[0]!)}, ${sep}${order}), '')`);
    return next;
  }

  private cast(fn: string, g: Group): string {
    let at = -1;
    g.items.forEach((n, k) => {
      if (isWord(n, 'AS')) at = k;
    });
    if (at < 0) throw this.fail(g.close);
    const [duck, next] = this.typeAt(g.items, at + 1);
    if (next !== g.items.length) throw this.fail(g.items[next]);
    return `${fn}(${this.seq(g.items.slice(0, at))} AS ${duck})`;
  }

  private extract(g: Group): string {
    const [partNode, from, ...rest] = g.items;
    if (!isWord(from, 'FROM') || rest.length === 0) throw this.fail(from ?? g.close);
    const word = isTok(partNode) ? partNode.value.toUpperCase() : '';
    const part =
      word === 'EPOCH_SECOND' || word === 'EPOCH'
        ? 'epoch'
        : word === 'DAYOFWEEK' || word === 'DOW'
          ? 'dow'
          : word === 'DAYOFYEAR' || word === 'DOY'
            ? 'doy'
            : PARTS[word];
    if (!part) throw this.fail(partNode);
    return `EXTRACT(${part} FROM ${this.seq(rest)})`;
  }

  /** A data type at i (after :: or CAST … AS): [DuckDB type, next index]. */
  typeAt(nodes: Node[], i: number): [string, number] {
    const n = nodes[i];
    if (!isWord(n)) throw this.fail(n);
    let name = n.value;
    let j = i + 1;
    if (name === 'DOUBLE' && isWord(nodes[j], 'PRECISION')) j += 1;
    if ((name === 'CHARACTER' || name === 'CHAR') && isWord(nodes[j], 'VARYING')) {
      name = 'VARCHAR';
      j += 1;
    }
    const args: number[] = [];
    const g = nodes[j];
    if (isGroup(g)) {
      for (const part of splitCommas(g.items)) {
        const t = part[0];
        if (part.length !== 1 || !isTok(t) || t.kind !== 'number') throw this.fail(part[0] ?? g.close);
        args.push(Number(t.value));
      }
      j += 1;
    }
    const t = sfType(name, name.startsWith('TIMESTAMP') || name === 'TIME' ? [] : args);
    return [duckType(t), j];
  }

  private bindLiteral(): string {
    const index = this.bind;
    this.bind += 1;
    const b = this.o.binds?.[index];
    if (!b) throw compileError('Bind variable ? not set.', '002049', '42601');
    if (b.value === null) return 'NULL';
    const type = b.type.toUpperCase();
    if ((type === 'FIXED' || type === 'REAL') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(b.value.trim())) {
      return `(${b.value.trim()})`;
    }
    if (type === 'BOOLEAN') return /^(true|1)$/i.test(b.value) ? 'TRUE' : 'FALSE';
    return quoteString(b.value);
  }

  /**
   * The date/time type an expression has, when it can be told without DuckDB: a column of a table the
   * statement reads, a cast, a typed literal, the clock, or a function that keeps or makes the type.
   */
  temporal(nodes: Node[]): Temporal | null {
    const n = nodes.length;
    const a = nodes[0];
    const b = nodes[1];
    const cast = nodes.findLastIndex((x) => isPunct(x, '::'));
    if (cast > 0) {
      try {
        const [duck, next] = this.typeAt(nodes, cast + 1);
        if (next === n) return TEMPORAL_OF[duck] ?? null;
      } catch {
        return null;
      }
    }
    if (n === 1 && isGroup(a)) return this.temporal(a.items);
    if (n === 1 && isWord(a)) {
      if (a.value === 'CURRENT_DATE') return 'DATE';
      if (a.value === 'CURRENT_TIMESTAMP' || a.value === 'LOCALTIMESTAMP') return 'TIMESTAMPTZ';
    }
    if (n === 2 && isWord(a) && isTok(b) && b.kind === 'string' && a.value in TYPED_LITERALS) {
      return TEMPORAL_OF[TYPED_LITERALS[a.value]!] ?? null;
    }
    if (this.isColumnPath(nodes) && isTok(nodes[n - 1]) && !isPunct(nodes[n - 1], '*')) {
      const t = this.o.columnTypes?.get((nodes[n - 1] as Token).value);
      return t === undefined || t === 'OTHER' ? null : t;
    }
    const over = n === 4 && isWord(nodes[2], 'OVER') && isGroup(nodes[3]);
    if (!isWord(a) || !isGroup(b) || (n !== 2 && !over)) return null;
    const args = splitCommas(b.items);
    switch (a.value) {
      case 'CAST':
      case 'TRY_CAST': {
        const as = b.items.findLastIndex((x) => isWord(x, 'AS'));
        if (as < 0) return null;
        try {
          return TEMPORAL_OF[this.typeAt(b.items, as + 1)[0]] ?? null;
        } catch {
          return null;
        }
      }
      case 'CURRENT_DATE':
      case 'TO_DATE':
      case 'DATE':
      case 'TRY_TO_DATE':
      case 'LAST_DAY':
        return 'DATE';
      case 'CURRENT_TIMESTAMP':
      case 'LOCALTIMESTAMP':
      case 'GETDATE':
      case 'SYSTIMESTAMP':
      case 'TO_TIMESTAMP_LTZ':
      case 'TO_TIMESTAMP_TZ':
        return 'TIMESTAMPTZ';
      case 'SYSDATE':
      case 'TO_TIMESTAMP':
      case 'TO_TIMESTAMP_NTZ':
        return 'TIMESTAMP';
      case 'DATE_TRUNC':
        return args[1] ? this.temporal(args[1]) : null;
      case 'DATEADD':
      case 'DATE_ADD':
      case 'TIMEADD':
      case 'TIMESTAMPADD': {
        const t = args[2] ? this.temporal(args[2]) : null;
        const p = args[0]?.[0];
        const part = isTok(p) ? PARTS[p.value.toUpperCase()] : undefined;
        return t === 'DATE' && part !== undefined && !DATE_PARTS.has(part) ? 'TIMESTAMP' : t;
      }
      default:
        return TYPE_PRESERVING.has(a.value) && args[0] ? this.temporal(args[0]) : null;
    }
  }

  // ---- DML ------------------------------------------------------------------------------------

  /** SET a = x, t.b = y (the target's columns: a qualifier is dropped, as DuckDB wants). */
  assignments(nodes: Node[]): string {
    return splitCommas(nodes)
      .map((part) => {
        const eq = part.findIndex((x) => isPunct(x, '='));
        if (eq < 1) throw this.fail(part[0]);
        const target = part[eq - 1];
        if (!identLike(target)) throw this.fail(target);
        if (eq !== 1 && eq !== 3) throw this.fail(part[0]);
        const value = part.slice(eq + 1);
        if (value.length === 0) throw this.fail(part[eq]);
        return `${quoteIdent(target.value)} = ${this.seq(value)}`;
      })
      .join(', ');
  }

  values(nodes: Node[]): string {
    // VALUES (…), (…): Snowflake refuses VARIANT-making functions here (use INSERT … SELECT).
    const rows = splitCommas(nodes.slice(1));
    if (rows.length === 0) throw this.fail(nodes[1]);
    return `VALUES ${rows
      .map((r) => {
        const g = r[0];
        if (r.length !== 1 || !isGroup(g)) throw this.fail(r[0]);
        const cells = splitCommas(g.items);
        for (const cell of cells) this.refuseVariantCall(cell);
        return `(${cells.map((c) => this.seq(c)).join(', ')})`;
      })
      .join(', ')}`;
  }

  private refuseVariantCall(cell: Node[]): void {
    for (let k = 0; k < cell.length; k++) {
      const n = cell[k];
      if (isWord(n) && VARIANT_FUNCTIONS.has(n.value) && isGroup(cell[k + 1])) {
        throw compileError(
          `Invalid expression [${sourceText(this.o.text, [n, cell[k + 1]!])}] in VALUES clause`,
          '002014',
          '22000',
        );
      }
      if (isGroup(n)) this.refuseVariantCall(n.items);
    }
  }

  identColumns(g: Group): string {
    return this.identList(g);
  }
}

function translateInsert(e: Emitter, nodes: Node[]): string {
  let i = 1;
  if (isWord(nodes[i], 'OVERWRITE'))
    throw compileError('INSERT OVERWRITE is not supported by the sandbox.', '001003', '42000');
  if (!isWord(nodes[i], 'INTO')) throw e.fail(nodes[i]);
  const [name, next] = e.readName(nodes, i + 1);
  const target = e.renderTable(name, nodes[i + 1] as Token, 'insert');
  i = next;
  let cols = '';
  const g = nodes[i];
  if (isGroup(g) && !(isWord(g.items[0], 'SELECT') || isWord(g.items[0], 'WITH'))) {
    cols = ` (${e.identColumns(g)})`;
    i += 1;
  }
  const rest = nodes.slice(i);
  if (rest.length === 0) throw e.fail(undefined);
  const body = isWord(rest[0], 'VALUES') ? e.values(rest) : e.seq(rest);
  return `INSERT INTO ${target}${cols} ${body}`;
}

function translateUpdate(e: Emitter, nodes: Node[]): string {
  const out: string[] = [];
  const { next } = e.tableItem(nodes, 1, out, 'update');
  if (!isWord(nodes[next], 'SET')) throw e.fail(nodes[next]);
  let j = next + 1;
  while (j < nodes.length && !isWord(nodes[j], 'FROM') && !isWord(nodes[j], 'WHERE')) j += 1;
  const sets = e.assignments(nodes.slice(next + 1, j));
  const rest = nodes.slice(j);
  return `UPDATE ${out.join(' ')} SET ${sets}${rest.length ? ` ${e.seq(rest)}` : ''}`;
}

function translateDelete(e: Emitter, nodes: Node[]): string {
  if (!isWord(nodes[1], 'FROM')) throw e.fail(nodes[1]);
  const out: string[] = [];
  let { next } = e.tableItem(nodes, 2, out, 'delete');
  let using = '';
  if (isWord(nodes[next], 'USING')) {
    const items: string[] = [];
    next = e.tableItem(nodes, next + 1, items, 'read').next;
    while (isPunct(nodes[next], ',')) {
      items.push(',');
      next = e.tableItem(nodes, next + 1, items, 'read').next;
    }
    using = ` USING ${items.join(' ')}`;
  }
  const rest = nodes.slice(next);
  return `DELETE FROM ${out.join(' ')}${using}${rest.length ? ` ${e.seq(rest)}` : ''}`;
}

function translateMerge(e: Emitter, nodes: Node[]): { sql: string; parts: MergeParts } {
  if (!isWord(nodes[1], 'INTO')) throw e.fail(nodes[1]);
  const targetOut: string[] = [];
  const t = e.tableItem(nodes, 2, targetOut, 'merge');
  let i = t.next;
  const targetAlias = quoteIdent(t.alias ?? t.name?.[t.name.length - 1] ?? '');
  if (!isWord(nodes[i], 'USING')) throw e.fail(nodes[i]);
  const sourceOut: string[] = [];
  i = e.tableItem(nodes, i + 1, sourceOut, 'read').next;
  if (!isWord(nodes[i], 'ON')) throw e.fail(nodes[i]);
  let j = i + 1;
  while (j < nodes.length && !isWord(nodes[j], 'WHEN')) j += 1;
  if (j === i + 1) throw e.fail(nodes[j]);
  const on = e.seq(nodes.slice(i + 1, j));
  const clauses: string[] = [];
  const actions: MergeAction[] = [];
  while (j < nodes.length) {
    // WHEN [NOT] MATCHED [AND <cond>] THEN UPDATE SET … | DELETE | INSERT [(cols)] VALUES (…)
    let k = j + 1;
    const not = isWord(nodes[k], 'NOT');
    if (not) k += 1;
    if (!isWord(nodes[k], 'MATCHED')) throw e.fail(nodes[k]);
    k += 1;
    let cond = '';
    if (isWord(nodes[k], 'AND')) {
      let m = k + 1;
      while (m < nodes.length && !isWord(nodes[m], 'THEN')) m += 1;
      cond = ` AND ${e.seq(nodes.slice(k + 1, m))}`;
      k = m;
    }
    if (!isWord(nodes[k], 'THEN')) throw e.fail(nodes[k]);
    k += 1;
    let end = k;
    while (end < nodes.length && !isWord(nodes[end], 'WHEN')) end += 1;
    const body = nodes.slice(k, end);
    let action: string;
    if (!not && isWord(body[0], 'UPDATE') && isWord(body[1], 'SET')) {
      action = `UPDATE SET ${e.assignments(body.slice(2))}`;
      actions.push('update');
    } else if (!not && isWord(body[0], 'DELETE') && body.length === 1) {
      action = 'DELETE';
      actions.push('delete');
    } else if (not && isWord(body[0], 'INSERT')) {
      let b = 1;
      let cols = '';
      const g = body[b];
      if (isGroup(g)) {
        cols = ` (${e.identColumns(g)})`;
        b += 1;
      }
      const vals = body[b + 1];
      if (!isWord(body[b], 'VALUES') || !isGroup(vals) || body.length !== b + 2) throw e.fail(body[b]);
      action = `INSERT${cols} VALUES (${splitCommas(vals.items)
        .map((c) => e.seq(c))
        .join(', ')})`;
      actions.push('insert');
    } else throw e.fail(body[0] ?? nodes[k]);
    clauses.push(`WHEN ${not ? 'NOT ' : ''}MATCHED${cond} THEN ${action}`);
    j = end;
  }
  if (clauses.length === 0) throw e.fail(undefined);
  const target = targetOut.join(' ');
  const source = sourceOut.join(' ');
  const withAlias = t.alias === null ? `${target} AS ${targetAlias}` : target;
  return {
    sql: `MERGE INTO ${withAlias} USING ${source} ON ${on} ${clauses.join(' ')}`,
    parts: { target: withAlias, targetAlias, source, on, actions },
  };
}

/** Translates one statement (its tokens, ending with eof). */
export function translate(tokens: Token[], opts: TranslateOptions): Translation {
  const end = tokens[tokens.length - 1]!;
  const nodes = tree(tokens);
  const e = new Emitter(opts, end);
  const first = nodes[0];
  let kind: StatementKind = 'SELECT';
  let sql: string;
  let merge: MergeParts | undefined;
  if (isWord(first, 'INSERT')) {
    kind = 'INSERT';
    sql = translateInsert(e, nodes);
  } else if (isWord(first, 'UPDATE')) {
    kind = 'UPDATE';
    sql = translateUpdate(e, nodes);
  } else if (isWord(first, 'DELETE')) {
    kind = 'DELETE';
    sql = translateDelete(e, nodes);
  } else if (isWord(first, 'MERGE')) {
    kind = 'MERGE';
    const m = translateMerge(e, nodes);
    sql = m.sql;
    merge = m.parts;
  } else if (isWord(first, 'SELECT') || isWord(first, 'WITH') || isGroup(first)) {
    sql = e.seq(nodes);
  } else throw e.fail(first);
  return {
    kind,
    sql,
    refs: e.refs,
    udtfs: e.udtfs,
    ...(merge ? { merge } : {}),
    readsData: e.readsData,
    bindsUsed: e.bindsUsed,
  };
}

/** Translates an expression alone (a column DEFAULT). */
export function translateExpression(nodes: Node[], opts: TranslateOptions, end: Token): string {
  return new Emitter(opts, end).seq(nodes);
}
