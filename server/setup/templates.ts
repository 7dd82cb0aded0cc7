// The Snowflake setup scripts in sql/ are Snowflake CLI templates (`<% name | default('X') %>`, rendered by
// `snow sql -f … -D name=value` with Jinja2 and strict undefined variables: a variable without a default
// must be passed, as with snow). This module reads them,
// lists their variables, and fills them in the same way, refusing any value that could break out of
// the place it is inserted (an identifier, a '…' literal, a list of literals, or a string in a Python body).
import { readFileSync } from 'node:fs';

export type ScriptName = 'setup-google-health' | 'setup-fitbit' | 'teardown' | 'pipeline-google-health';

/** Where a variable is inserted; decides which values are safe. */
export type VariableContext = 'identifier' | 'literal' | 'list' | 'number' | 'body' | 'comment' | 'names';

export interface TemplateVariable {
  name: string;
  /** Undefined when the script gives none: then a value must be passed (snow: "'name' is undefined"). */
  default: string | undefined;
  /** Never shown or logged, e.g. client_secret. */
  secret: boolean;
  /** Every place the variable appears; a value must be safe in all of them. */
  contexts: VariableContext[];
}

/** A template bug, or a value refused by the renderer. Never carries the value itself. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

// The daily load (pipeline-…) runs after its provider's setup script; it is listed last so the older names
// keep their places.
const SCRIPTS: readonly ScriptName[] = [
  'setup-google-health',
  'setup-fitbit',
  'teardown',
  'pipeline-google-health',
];
const SQL_DIR = new URL('../../sql/', import.meta.url);

export function scriptNames(): ScriptName[] {
  return [...SCRIPTS];
}

export function isScriptName(name: string): name is ScriptName {
  return (SCRIPTS as readonly string[]).includes(name);
}

/** The provider a setup or pipeline script is for (`setup-fitbit` → `fitbit`); teardown serves both. */
export function scriptProvider(name: ScriptName): string | undefined {
  return /^(?:setup|pipeline)-(.+)$/.exec(name)?.[1];
}

export function readScript(name: ScriptName): string {
  if (!isScriptName(name))
    throw new TemplateError(`Unknown script "${name}": use one of ${SCRIPTS.join(', ')}.`);
  return readFileSync(new URL(`${name}.sql`, SQL_DIR), 'utf8');
}

export function scriptVariables(name: ScriptName): TemplateVariable[] {
  return parseTemplate(readScript(name)).variables;
}

export function renderScript(name: ScriptName, values: Record<string, string>): string {
  return renderTemplate(readScript(name), values, name);
}

// ---------------------------------------------------------------------------------------------------------
// Lexing: one pass over Snowflake SQL that knows where strings, quoted identifiers, $$ bodies and comments
// start and end. Used to split scripts into statements and to find the context of each template variable.

type LexState = 'code' | 'string' | 'qident' | 'dollar' | 'line_comment' | 'block_comment';

interface LexEvent {
  /** Index of a `;` that ends a statement (code state only). */
  semicolons: number[];
  /** The state at each requested index. */
  stateAt: Map<number, LexState>;
  /** Ranges [start, end) of comments, so comment-only chunks can be dropped. */
  comments: [number, number][];
  endState: LexState;
}

const WORD_CHAR = /[A-Za-z0-9_$]/;

function lex(sql: string, probes: ReadonlySet<number> = new Set()): LexEvent {
  const out: LexEvent = { semicolons: [], stateAt: new Map(), comments: [], endState: 'code' };
  let state: LexState = 'code';
  let commentStart = 0;
  let inWord = false; // `$` inside an unquoted identifier (A$$B) is not a $$ body
  let i = 0;
  while (i < sql.length) {
    if (probes.has(i)) out.stateAt.set(i, state);
    const c = sql[i]!;
    const n = sql[i + 1];
    switch (state) {
      case 'code':
        if (c === "'") state = 'string';
        else if (c === '"') state = 'qident';
        else if (c === '$' && n === '$' && !inWord) {
          state = 'dollar';
          i++;
        } else if ((c === '-' && n === '-') || (c === '/' && n === '/')) {
          state = 'line_comment';
          commentStart = i;
          i++;
        } else if (c === '/' && n === '*') {
          state = 'block_comment';
          commentStart = i;
          i++;
        } else if (c === ';') out.semicolons.push(i);
        inWord = state === 'code' && WORD_CHAR.test(c) && (inWord || c !== '$');
        break;
      case 'string':
        if (c === '\\') i++;
        else if (c === "'" && n === "'") i++;
        else if (c === "'") state = 'code';
        break;
      case 'qident':
        if (c === '"' && n === '"') i++;
        else if (c === '"') state = 'code';
        break;
      case 'dollar':
        if (c === '$' && n === '$') {
          state = 'code';
          i++;
        }
        break;
      case 'line_comment':
        if (c === '\n') {
          state = 'code';
          out.comments.push([commentStart, i]);
        }
        break;
      case 'block_comment':
        if (c === '*' && n === '/') {
          state = 'code';
          i++;
          out.comments.push([commentStart, i + 1]);
        }
        break;
    }
    i++;
  }
  if (state === 'line_comment') {
    out.comments.push([commentStart, sql.length]);
    state = 'code';
  }
  out.endState = state;
  return out;
}

const UNTERMINATED: Partial<Record<LexState, string>> = {
  string: "a '…' string literal",
  qident: 'a "…" quoted identifier',
  dollar: 'a $$…$$ body',
  block_comment: 'a /* … */ comment',
};

/**
 * Splits a script into statements at the semicolons that end them: not the ones inside strings, quoted
 * identifiers, $$ bodies or comments. Statements are trimmed, without their `;`; chunks holding only
 * comments and white space are dropped.
 */
export function splitStatements(sql: string): string[] {
  const lexed = lex(sql);
  const open = UNTERMINATED[lexed.endState];
  if (open) throw new TemplateError(`The script ends inside ${open}.`);
  const statements: string[] = [];
  let start = 0;
  for (const end of [...lexed.semicolons, sql.length]) {
    const chunk = sql.slice(start, end);
    if (!isOnlyComments(chunk, start, lexed.comments)) statements.push(chunk.trim());
    start = end + 1;
  }
  return statements;
}

function isOnlyComments(chunk: string, offset: number, comments: [number, number][]): boolean {
  let rest = chunk;
  // Blank out comments (from the end, so earlier offsets stay valid) and see what is left.
  for (const [s, e] of [...comments].reverse()) {
    const from = Math.max(s - offset, 0);
    const to = Math.min(e - offset, chunk.length);
    if (from < to) rest = rest.slice(0, from) + rest.slice(to);
  }
  return rest.trim() === '';
}

// ---------------------------------------------------------------------------------------------------------
// Templates

interface Occurrence {
  start: number;
  end: number;
  name: string;
  line: number;
}

interface ParsedTemplate {
  text: string;
  variables: TemplateVariable[];
  occurrences: Occurrence[];
}

// The only expression form the scripts use: a variable with an optional default('…') or default("…").
const EXPRESSION = /<%([\s\S]*?)%>/g;
const EXPRESSION_BODY =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*default\(\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*\)\s*)?$/;
const SECRET_NAME = /(^|_)(secret|password|private_key|token)$/;
// Placeholder standing in for an expression while lexing: not special in any SQL context.
const MASK = '\uE000';

const parsedCache = new Map<string, ParsedTemplate>();

/** Parses a template's `<% … %>` expressions. Exported for tests; callers use scriptVariables. */
export function parseTemplate(text: string): ParsedTemplate {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  // snow sql renders with Jinja2: `{#` opens a Jinja comment and `&{` is the legacy variable syntax
  // (mixing both syntaxes is an error there), so neither may appear in a script.
  for (const bad of ['{#', '&{']) {
    const at = text.indexOf(bad);
    if (at >= 0)
      throw new TemplateError(
        `Template has "${bad}" at line ${lineOf(text, at)}: snow sql would misread it.`,
      );
  }
  const occurrences: Occurrence[] = [];
  const defaults = new Map<string, string | undefined>();
  let masked = '';
  let last = 0;
  // Lines counted as the expressions are met, in one pass (each from the start made start-up quadratic).
  let line = 1;
  let counted = 0;
  for (const m of text.matchAll(EXPRESSION)) {
    const start = m.index;
    line += newlines(text, counted, start);
    counted = start;
    const body = EXPRESSION_BODY.exec(m[1]!);
    if (!body)
      throw new TemplateError(`Template expression at line ${line} is not "name | default('value')".`);
    const name = body[1]!;
    const dflt = body[2] ?? body[3];
    // Every occurrence says the same: one default, or none (a required variable) everywhere.
    if (defaults.has(name) && defaults.get(name) !== dflt) {
      throw new TemplateError(
        `Template variable "${name}" has two different defaults, or a default in one place only (line ${line}).`,
        name,
      );
    }
    defaults.set(name, dflt);
    masked += text.slice(last, start) + MASK;
    occurrences.push({ start, end: start + m[0].length, name, line });
    last = start + m[0].length;
  }
  masked += text.slice(last);
  const leftover = masked.indexOf('<%');
  if (leftover >= 0) throw new TemplateError(`Unclosed "<%" in template.`);

  // Offsets of each mask in the masked text, to ask the lexer for the state there.
  const maskAt: number[] = [];
  for (let i = masked.indexOf(MASK); i >= 0; i = masked.indexOf(MASK, i + 1)) maskAt.push(i);
  const lexed = lex(masked, new Set(maskAt));
  const contexts = new Map<string, Set<VariableContext>>();
  occurrences.forEach((occ, k) => {
    const state = lexed.stateAt.get(maskAt[k]!) ?? 'code';
    const context = contextOf(state, defaults.get(occ.name), occ);
    const set = contexts.get(occ.name) ?? new Set<VariableContext>();
    set.add(context);
    contexts.set(occ.name, set);
  });

  const variables: TemplateVariable[] = [];
  for (const occ of occurrences) {
    if (variables.some((v) => v.name === occ.name)) continue;
    variables.push({
      name: occ.name,
      default: defaults.get(occ.name)!,
      secret: SECRET_NAME.test(occ.name),
      contexts: [...contexts.get(occ.name)!],
    });
  }
  for (const v of variables) {
    if (v.default === undefined) continue;
    const problem = refusal(v.default, v.contexts);
    if (problem) throw new TemplateError(`The default of "${v.name}" ${problem}.`, v.name);
  }
  const parsed = { text, variables, occurrences };
  parsedCache.set(text, parsed);
  return parsed;
}

function contextOf(state: LexState, dflt: string | undefined, occ: Occurrence): VariableContext {
  switch (state) {
    case 'string':
      return 'literal';
    case 'dollar':
      return 'body';
    case 'code':
      // A list of literals (OAUTH_ALLOWED_SCOPES = (<% … %>)), a number (CALL p(<% … %>)) and the rest of a
      // list of names (`(A<% other_secrets | default("") %>)`: empty, or `, B, C`) are told apart by their
      // default.
      if (dflt?.startsWith("'")) return 'list';
      if (dflt === '') return 'names';
      return dflt !== undefined && /^\d+$/.test(dflt) ? 'number' : 'identifier';
    case 'line_comment':
      // A commented-out statement for the reader to uncomment (teardown's opt-in drops).
      return 'comment';
    default:
      // Inside a block comment a value could end the comment; inside "…" it would need its own quoting rules.
      throw new TemplateError(
        `Template variable "${occ.name}" at line ${occ.line} sits in a ${state}.`,
        occ.name,
      );
  }
}

const UNQUOTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;
const QUOTED_IDENTIFIER = /^"(?:[^"\r\n\0]|""){1,255}"$/;
const LITERAL_LIST = /^'[^'\\\r\n]*'(?:\s*,\s*'[^'\\\r\n]*')*$/;
const NAME_PART = '(?:[A-Za-z_][A-Za-z0-9_$]{0,254}|"(?:[^"\\r\\n\\0]|""){1,255}")';
/** `, DB.SCHEMA.A, DB.SCHEMA.B` (or nothing): names of 1 to 3 parts, each after a comma. */
const NAME_LIST_TAIL = new RegExp(`^(?:\\s*,\\s*${NAME_PART}(?:\\.${NAME_PART}){0,2})*$`);

/** Why a value is unsafe in one of its contexts, or null when it is safe in all of them. */
function refusal(value: string, contexts: VariableContext[]): string | null {
  // The rendered script is often fed to `snow sql -f`, which renders it again: keep Jinja markers out.
  if (/<%|%>|\{#|&\{/.test(value)) return 'contains a template marker (<%, %>, {# or &{)';
  if (value.includes('\0')) return 'contains a NUL character';
  for (const context of contexts) {
    switch (context) {
      case 'identifier':
        if (!UNQUOTED_IDENTIFIER.test(value) && !QUOTED_IDENTIFIER.test(value)) {
          return 'is not a Snowflake identifier (letters, digits, _ and $, starting with a letter or _; or a "quoted" name with "" for a quote)';
        }
        break;
      case 'literal':
        if (/['\\]/.test(value))
          return "is placed in a '…' string and must not contain a quote (') or a backslash";
        break;
      case 'list':
        if (!LITERAL_LIST.test(value)) {
          return "must be a comma-separated list of '…' strings, each without quotes, backslashes or line breaks inside";
        }
        break;
      case 'names':
        if (!NAME_LIST_TAIL.test(value)) {
          return 'must be empty or a list of Snowflake names, each after a comma (", DB.SCHEMA.NAME, …")';
        }
        break;
      case 'number':
        if (!/^\d{1,6}$/.test(value)) return 'must be a whole number (digits only, at most 6)';
        break;
      case 'comment':
        // A line break would end the comment and run the rest as SQL.
        if (/[\r\n]/.test(value)) return 'is placed in a -- comment and must not contain a line break';
        break;
      case 'body':
        if (/['\\\r\n]|\$\$/.test(value)) {
          return "is placed in a Python string inside a $$ body and must not contain a quote ('), a backslash, a line break or $$";
        }
        break;
    }
  }
  return null;
}

/** Renders template text; exported for tests. `script` only names the template in errors. */
export function renderTemplate(text: string, values: Record<string, string>, script = 'template'): string {
  const parsed = parseTemplate(text);
  const byName = new Map(parsed.variables.map((v) => [v.name, v]));
  const unknown = Object.keys(values).filter((k) => !byName.has(k));
  if (unknown.length > 0) {
    throw new TemplateError(
      `Unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} for ${script}; ` +
        `it takes: ${[...byName.keys()].join(', ')}.`,
      unknown[0],
    );
  }
  for (const v of parsed.variables) {
    const value = Object.hasOwn(values, v.name) ? values[v.name] : undefined;
    if (value === undefined) continue;
    if (typeof value !== 'string')
      throw new TemplateError(`The value for "${v.name}" is not a string.`, v.name);
    const problem = refusal(value, v.contexts);
    if (problem) throw new TemplateError(`The value for "${v.name}" in ${script} ${problem}.`, v.name);
  }
  const missing = missingVariables(parsed.variables, values);
  if (missing.length > 0) {
    const names = missing.map((m) => `"${m}"`).join(', ');
    throw new TemplateError(
      `${script} needs a value for ${names}: ${missing.length > 1 ? 'they have' : 'it has'} no default ` +
        `(with snow sql: -D "${missing[0]}=…").`,
      missing[0],
    );
  }
  let out = '';
  let last = 0;
  for (const occ of parsed.occurrences) {
    const v = byName.get(occ.name)!;
    const value = Object.hasOwn(values, v.name) ? values[v.name]! : v.default!;
    out += text.slice(last, occ.start) + value;
    last = occ.end;
  }
  return out + text.slice(last);
}

/** The names a script has no default for and `values` does not give, in script order. */
export function missingVariables(variables: TemplateVariable[], values: Record<string, string>): string[] {
  return variables
    .filter((v) => v.default === undefined && !Object.hasOwn(values, v.name))
    .map((v) => v.name);
}

function newlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function lineOf(text: string, index: number): number {
  return 1 + newlines(text, 0, index);
}
