// Recursive-descent parser for the statements the stand-in understands. Anything else is a syntax
// error (001003) pointing at the first token it could not place, never a silent success.
import { SqlError } from './contract.js';
import { syntaxError, type Token } from './lexer.js';

/** 1–3 identifier parts, already folded (unquoted → upper case). */
export type Name = string[];

export type Value =
  | { t: 'str'; v: string; tok: Token }
  | { t: 'num'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'id'; v: Name }
  | { t: 'bind'; i: number }
  | { t: 'null' }
  | { t: 'list'; v: Value[] }
  | { t: 'pair'; k: string; v: Value };

export interface Prop {
  name: string;
  value: Value;
  tok: Token;
}

export type ObjType =
  | 'DATABASE'
  | 'SCHEMA'
  | 'WAREHOUSE'
  | 'ROLE'
  | 'USER'
  | 'NETWORK RULE'
  | 'SECURITY INTEGRATION'
  | 'EXTERNAL ACCESS INTEGRATION'
  | 'INTEGRATION'
  | 'SECRET'
  | 'FUNCTION'
  | 'PROCEDURE'
  | 'TASK'
  | 'ACCOUNT';

export interface FunctionDef {
  args: { name: string; type: string }[];
  returns: { kind: 'scalar'; type: string } | { kind: 'table'; columns: { name: string; type: string }[] };
  language: string;
  runtimeVersion: string | null;
  packages: string[];
  handler: string | null;
  eais: Name[];
  secrets: { alias: string; name: Name }[];
  body: string | null;
  comment: string | null;
  secure: boolean;
}

export type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'id'; name: string }
  | { t: 'call'; name: Name; args: Expr[]; text: string; tok: Token }
  | { t: 'cast'; e: Expr; type: string }
  | { t: 'neg'; e: Expr }
  /** A named argument, `RESULT_LIMIT => 10` (Snowflake's table functions take them). */
  | { t: 'named'; name: string; e: Expr };

export interface SelectItem {
  expr: Expr | 'star';
  alias: string | null;
  text: string;
}

export interface ObjRef {
  type: ObjType;
  name: Name;
  argTypes?: string[];
}

export type AlterAction =
  | { k: 'set'; props: Prop[] }
  | { k: 'unset'; names: string[] }
  | { k: 'addPat'; tokenName: string; props: Prop[] }
  | { k: 'removePat'; tokenName: string }
  | { k: 'rename'; to: Name }
  /** ALTER WAREHOUSE … RESUME [IF SUSPENDED] | SUSPEND */
  | { k: 'resume'; ifSuspended: boolean }
  | { k: 'suspend' };

export type Stmt =
  | { k: 'use'; type: 'ROLE' | 'DATABASE' | 'SCHEMA' | 'WAREHOUSE'; name: Name }
  | {
      k: 'create';
      type: ObjType;
      orReplace: boolean;
      ifNotExists: boolean;
      name: Name;
      props: Prop[];
      fn?: FunctionDef;
    }
  | { k: 'alter'; ref: ObjRef; ifExists: boolean; action: AlterAction }
  | { k: 'drop'; ref: ObjRef; ifExists: boolean }
  | { k: 'describe'; ref: ObjRef }
  | {
      k: 'show';
      what: string; // e.g. SECRETS, INTEGRATIONS, NETWORK RULES
      filter: string | null; // SECURITY / EXTERNAL ACCESS / API for integrations
      like: string | null;
      scope: { kind: 'ACCOUNT' | 'DATABASE' | 'SCHEMA'; name: Name | null } | null;
    }
  | { k: 'showGrants'; on?: ObjRef; to?: { kind: 'ROLE' | 'USER'; name: string }; of?: string }
  | {
      k: 'grant' | 'revoke';
      privs: string[];
      on: ObjRef;
      to: { kind: 'ROLE' | 'USER'; name: string };
      currentGrants: 'COPY' | 'REVOKE' | null;
    }
  | { k: 'grantRole' | 'revokeRole'; role: string; to: { kind: 'ROLE' | 'USER'; name: string } }
  | { k: 'select'; items: SelectItem[]; from: { t: 'table'; call: Expr & { t: 'call' } } | null };

export class Cursor {
  pos = 0;
  binds = 0;
  constructor(
    readonly toks: Token[],
    /** The whole source text (token offsets index into it). */
    readonly text: string,
  ) {}

  peek(o = 0): Token {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  fail(t: Token = this.peek()): SqlError {
    // A string literal may be a secret: never echo its value.
    const near = t.kind === 'eof' ? '<EOF>' : t.kind === 'string' || t.kind === 'dollar' ? "'***'" : t.raw;
    return syntaxError(t.line, t.col, near);
  }
  isKw(word: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'ident' && t.value === word;
  }
  isKws(...words: string[]): boolean {
    return words.every((w, i) => this.isKw(w, i));
  }
  acceptKw(...words: string[]): boolean {
    if (!this.isKws(...words)) return false;
    this.pos += words.length;
    return true;
  }
  expectKw(...words: string[]): void {
    for (const w of words) {
      if (!this.isKw(w)) throw this.fail();
      this.pos++;
    }
  }
  isP(sym: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'punct' && t.value === sym;
  }
  acceptP(sym: string): boolean {
    if (!this.isP(sym)) return false;
    this.pos++;
    return true;
  }
  expectP(sym: string): Token {
    if (!this.isP(sym)) throw this.fail();
    return this.next();
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
  expectEnd(): void {
    if (!this.atEnd()) throw this.fail();
  }

  ident(): string {
    const t = this.peek();
    if (t.kind !== 'ident' && t.kind !== 'qident') throw this.fail();
    this.pos++;
    return t.value;
  }
  /** A name of up to three dot-separated parts. */
  name(): Name {
    const parts = [this.ident()];
    while (this.isP('.') && parts.length < 3) {
      this.pos++;
      parts.push(this.ident());
    }
    if (this.isP('.')) throw this.fail();
    return parts;
  }
  string(): string {
    const t = this.peek();
    if (t.kind !== 'string') throw this.fail();
    this.pos++;
    return t.value;
  }

  /** A property value: literal, identifier/qualified name, bind, or parenthesised list. */
  value(): Value {
    const t = this.peek();
    if (t.kind === 'string' || t.kind === 'dollar') {
      this.pos++;
      return { t: 'str', v: t.value, tok: t };
    }
    if (t.kind === 'number') {
      this.pos++;
      return { t: 'num', v: t.value };
    }
    if (this.isP('-') && this.peek(1).kind === 'number') {
      this.pos++;
      return { t: 'num', v: `-${this.next().value}` };
    }
    if (this.acceptP('?')) return { t: 'bind', i: this.binds++ };
    if (this.acceptP('(')) {
      const items: Value[] = [];
      if (!this.acceptP(')')) {
        for (;;) {
          const item = this.value();
          if (item.t === 'str' && this.acceptP('=')) items.push({ t: 'pair', k: item.v, v: this.value() });
          else items.push(item);
          if (this.acceptP(')')) break;
          this.expectP(',');
        }
      }
      return { t: 'list', v: items };
    }
    if (t.kind === 'ident' && (t.value === 'TRUE' || t.value === 'FALSE')) {
      this.pos++;
      return { t: 'bool', v: t.value === 'TRUE' };
    }
    if (t.kind === 'ident' && t.value === 'NULL') {
      this.pos++;
      return { t: 'null' };
    }
    if (t.kind === 'ident' || t.kind === 'qident') return { t: 'id', v: this.name() };
    throw this.fail();
  }

  /** `NAME = value` pairs separated by spaces, commas or new lines, until `stop` or the end. */
  props(stop: (c: Cursor) => boolean = () => false): Prop[] {
    const props: Prop[] = [];
    while (!this.atEnd() && !stop(this)) {
      if (props.length > 0) this.acceptP(',');
      const t = this.peek();
      if (t.kind !== 'ident') throw this.fail();
      this.pos++;
      this.expectP('=');
      props.push({ name: t.value, value: this.value(), tok: t });
    }
    return props;
  }

  /** A data type such as NUMBER(38,0), VARCHAR(16777216), TIMESTAMP_LTZ, or DOUBLE PRECISION. */
  dataType(): string {
    const base = this.ident();
    if (base === 'DOUBLE') this.acceptKw('PRECISION');
    if (this.acceptP('(')) {
      while (!this.acceptP(')')) {
        if (this.atEnd()) throw this.fail();
        this.next();
      }
    }
    return normalizeType(base);
  }
}

const TYPE_ALIASES: Record<string, string> = {
  NUMBER: 'NUMBER',
  NUMERIC: 'NUMBER',
  DECIMAL: 'NUMBER',
  INT: 'NUMBER',
  INTEGER: 'NUMBER',
  BIGINT: 'NUMBER',
  SMALLINT: 'NUMBER',
  TINYINT: 'NUMBER',
  BYTEINT: 'NUMBER',
  FLOAT: 'FLOAT',
  FLOAT4: 'FLOAT',
  FLOAT8: 'FLOAT',
  DOUBLE: 'FLOAT',
  REAL: 'FLOAT',
  VARCHAR: 'VARCHAR',
  STRING: 'VARCHAR',
  TEXT: 'VARCHAR',
  CHAR: 'VARCHAR',
  CHARACTER: 'VARCHAR',
  NCHAR: 'VARCHAR',
  NVARCHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP_NTZ',
  DATETIME: 'TIMESTAMP_NTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  TIMESTAMP_TZ: 'TIMESTAMP_TZ',
  VARIANT: 'VARIANT',
  OBJECT: 'OBJECT',
  ARRAY: 'ARRAY',
};

export function normalizeType(t: string): string {
  const n = TYPE_ALIASES[t];
  if (!n) throw new SqlError('002040', '42601', `SQL compilation error:\nUnsupported data type '${t}'.`);
  return n;
}

const INTEGRATION_TYPES: [string[], ObjType][] = [
  [['SECURITY', 'INTEGRATION'], 'SECURITY INTEGRATION'],
  [['EXTERNAL', 'ACCESS', 'INTEGRATION'], 'EXTERNAL ACCESS INTEGRATION'],
  [['INTEGRATION'], 'INTEGRATION'],
];

/** Reads an object type keyword (one or more words). */
function objType(c: Cursor, allowed: ObjType[]): ObjType {
  for (const [words, type] of INTEGRATION_TYPES) {
    if (allowed.includes(type) && c.acceptKw(...words)) return type;
  }
  if (allowed.includes('NETWORK RULE') && c.acceptKw('NETWORK', 'RULE')) return 'NETWORK RULE';
  const single: ObjType[] = [
    'DATABASE',
    'SCHEMA',
    'WAREHOUSE',
    'ROLE',
    'USER',
    'SECRET',
    'FUNCTION',
    'PROCEDURE',
    'TASK',
    'ACCOUNT',
  ];
  for (const s of single) {
    if (allowed.includes(s) && c.acceptKw(s)) return s;
  }
  throw c.fail();
}

const DDL_TYPES: ObjType[] = [
  'DATABASE',
  'SCHEMA',
  'WAREHOUSE',
  'ROLE',
  'USER',
  'NETWORK RULE',
  'SECURITY INTEGRATION',
  'EXTERNAL ACCESS INTEGRATION',
  'INTEGRATION',
  'SECRET',
  'FUNCTION',
];

export function argTypeList(c: Cursor): string[] {
  c.expectP('(');
  const types: string[] = [];
  if (c.acceptP(')')) return types;
  for (;;) {
    // DESCRIBE/DROP FUNCTION f(start_date DATE) is also accepted by Snowflake: skip a leading name.
    if ((c.peek().kind === 'ident' || c.peek().kind === 'qident') && c.peek(1).kind === 'ident') c.next();
    types.push(c.dataType());
    if (c.acceptP(')')) return types;
    c.expectP(',');
  }
}

export function objRef(c: Cursor, allowed: ObjType[]): ObjRef {
  const type = objType(c, allowed);
  if (type === 'ACCOUNT') return { type, name: [] };
  const name = c.name();
  return type === 'FUNCTION' || type === 'PROCEDURE'
    ? { type, name, argTypes: argTypeList(c) }
    : { type, name };
}

/** What GRANT and SHOW GRANTS ON can name (procedures and tasks have their own statements: extensions.ts). */
const GRANTABLE: ObjType[] = [...DDL_TYPES, 'PROCEDURE', 'TASK', 'ACCOUNT'];

export function parseStatement(c: Cursor): Stmt {
  const t = c.peek();
  if (t.kind !== 'ident') throw c.fail();
  let stmt: Stmt;
  switch (t.value) {
    case 'USE':
      stmt = parseUse(c);
      break;
    case 'CREATE':
      stmt = parseCreate(c);
      break;
    case 'ALTER':
      stmt = parseAlter(c);
      break;
    case 'DROP':
      stmt = parseDrop(c);
      break;
    case 'DESC':
    case 'DESCRIBE':
      c.next();
      stmt = { k: 'describe', ref: objRef(c, DDL_TYPES) };
      break;
    case 'SHOW':
      stmt = parseShow(c);
      break;
    case 'GRANT':
    case 'REVOKE':
      stmt = parseGrant(c);
      break;
    case 'SELECT':
      stmt = parseSelect(c);
      break;
    default:
      throw c.fail();
  }
  c.expectEnd();
  return stmt;
}

function parseUse(c: Cursor): Stmt {
  c.expectKw('USE');
  for (const type of ['ROLE', 'DATABASE', 'SCHEMA', 'WAREHOUSE'] as const) {
    if (c.acceptKw(type)) return { k: 'use', type, name: c.name() };
  }
  // USE <db>[.<schema>] without a keyword means a database or schema.
  const name = c.name();
  return { k: 'use', type: name.length > 1 ? 'SCHEMA' : 'DATABASE', name };
}

function parseCreate(c: Cursor): Stmt {
  c.expectKw('CREATE');
  const orReplace = c.acceptKw('OR', 'REPLACE');
  const secure = c.acceptKw('SECURE');
  // A bare CREATE INTEGRATION needs a kind (SECURITY, EXTERNAL ACCESS) in Snowflake too.
  const type = objType(c, secure ? ['FUNCTION'] : DDL_TYPES.filter((x) => x !== 'INTEGRATION'));
  const ifNotExists = c.acceptKw('IF', 'NOT', 'EXISTS');
  const name = c.name();
  if (type === 'FUNCTION') {
    const fn = parseFunctionDef(c, secure);
    return { k: 'create', type, orReplace, ifNotExists, name, props: [], fn };
  }
  return { k: 'create', type, orReplace, ifNotExists, name, props: c.props() };
}

/**
 * The signature and clauses of CREATE FUNCTION, and of CREATE PROCEDURE, whose own clauses (EXECUTE AS)
 * `clause` takes: it consumes one and returns true, or returns false to leave the token alone.
 */
export function parseFunctionDef(c: Cursor, secure: boolean, clause?: (c: Cursor) => boolean): FunctionDef {
  const fn: FunctionDef = {
    args: [],
    returns: { kind: 'scalar', type: 'VARCHAR' },
    language: 'SQL',
    runtimeVersion: null,
    packages: [],
    handler: null,
    eais: [],
    secrets: [],
    body: null,
    comment: null,
    secure,
  };
  c.expectP('(');
  if (!c.acceptP(')')) {
    for (;;) {
      const argName = c.ident();
      fn.args.push({ name: argName, type: c.dataType() });
      if (c.acceptKw('DEFAULT')) c.value();
      if (c.acceptP(')')) break;
      c.expectP(',');
    }
  }
  let sawReturns = false;
  const strings = (v: Value): string[] =>
    v.t === 'list' ? v.v.map((x) => (x.t === 'str' ? x.v : x.t === 'id' ? x.v.join('.') : '')) : [];
  while (!c.atEnd()) {
    if (c.acceptKw('COPY', 'GRANTS') || clause?.(c)) continue;
    if (c.acceptKw('RETURNS')) {
      sawReturns = true;
      if (c.acceptKw('NULL', 'ON', 'NULL', 'INPUT')) continue;
      if (c.acceptKw('TABLE')) {
        const columns: { name: string; type: string }[] = [];
        c.expectP('(');
        if (!c.acceptP(')')) {
          for (;;) {
            const colName = c.ident();
            columns.push({ name: colName, type: c.dataType() });
            if (c.acceptP(')')) break;
            c.expectP(',');
          }
        }
        fn.returns = { kind: 'table', columns };
      } else {
        fn.returns = { kind: 'scalar', type: c.dataType() };
        c.acceptKw('NOT', 'NULL');
      }
      continue;
    }
    if (c.acceptKw('LANGUAGE')) {
      fn.language = c.ident();
      continue;
    }
    if (c.acceptKw('CALLED', 'ON', 'NULL', 'INPUT') || c.acceptKw('STRICT')) continue;
    if (c.acceptKw('IMMUTABLE') || c.acceptKw('VOLATILE') || c.acceptKw('MEMOIZABLE')) continue;
    if (c.acceptKw('AS')) {
      const b = c.peek();
      if (b.kind !== 'string' && b.kind !== 'dollar') throw c.fail();
      c.next();
      fn.body = b.value;
      continue;
    }
    const p = c.peek();
    if (p.kind !== 'ident' || !c.isP('=', 1)) throw c.fail();
    c.pos += 2;
    const v = c.value();
    switch (p.value) {
      case 'RUNTIME_VERSION':
        fn.runtimeVersion = v.t === 'str' || v.t === 'num' ? v.v : null;
        break;
      case 'PACKAGES':
        fn.packages = strings(v);
        break;
      case 'IMPORTS':
      case 'ENABLE_CONSOLE_OUTPUT':
      case 'LOG_LEVEL':
      case 'TRACE_LEVEL':
      case 'TARGET_PATH':
        break; // accepted and ignored
      case 'HANDLER':
        if (v.t !== 'str') throw c.fail(p);
        fn.handler = v.v;
        break;
      case 'COMMENT':
        if (v.t !== 'str') throw c.fail(p);
        fn.comment = v.v;
        break;
      case 'EXTERNAL_ACCESS_INTEGRATIONS':
        if (v.t !== 'list') throw c.fail(p);
        fn.eais = v.v.map((x) => {
          if (x.t !== 'id') throw c.fail(p);
          return x.v;
        });
        break;
      case 'SECRETS':
        if (v.t !== 'list') throw c.fail(p);
        fn.secrets = v.v.map((x) => {
          if (x.t !== 'pair' || x.v.t !== 'id') throw c.fail(p);
          return { alias: x.k, name: x.v.v };
        });
        break;
      default:
        throw c.fail(p);
    }
  }
  if (!sawReturns) throw c.fail();
  return fn;
}

function parseAlter(c: Cursor): Stmt {
  c.expectKw('ALTER');
  const type = objType(c, DDL_TYPES);
  const ifExists = c.acceptKw('IF', 'EXISTS');
  // ALTER WAREHOUSE [w] RESUME [IF SUSPENDED] | SUSPEND: without a name, the session's warehouse.
  const nameless = type === 'WAREHOUSE' && (c.isKw('RESUME') || c.isKw('SUSPEND'));
  const name = nameless ? [] : c.name();
  const ref: ObjRef = type === 'FUNCTION' ? { type, name, argTypes: argTypeList(c) } : { type, name };
  if (type === 'WAREHOUSE' && c.acceptKw('RESUME'))
    return { k: 'alter', ref, ifExists, action: { k: 'resume', ifSuspended: c.acceptKw('IF', 'SUSPENDED') } };
  if (type === 'WAREHOUSE' && c.acceptKw('SUSPEND'))
    return { k: 'alter', ref, ifExists, action: { k: 'suspend' } };
  if (c.acceptKw('SET')) {
    const props = c.props();
    if (props.length === 0) throw c.fail();
    return { k: 'alter', ref, ifExists, action: { k: 'set', props } };
  }
  if (c.acceptKw('UNSET')) {
    const names = [c.ident()];
    while (c.acceptP(',')) names.push(c.ident());
    return { k: 'alter', ref, ifExists, action: { k: 'unset', names } };
  }
  if (c.acceptKw('RENAME', 'TO')) return { k: 'alter', ref, ifExists, action: { k: 'rename', to: c.name() } };
  if (type === 'USER' && (c.isKw('ADD') || c.isKw('REMOVE'))) {
    const add = c.acceptKw('ADD');
    if (!add) c.expectKw('REMOVE');
    if (!c.acceptKw('PROGRAMMATIC', 'ACCESS', 'TOKEN')) c.expectKw('PAT');
    const tokenName = c.ident();
    if (!add) return { k: 'alter', ref, ifExists, action: { k: 'removePat', tokenName } };
    return { k: 'alter', ref, ifExists, action: { k: 'addPat', tokenName, props: c.props() } };
  }
  throw c.fail();
}

function parseDrop(c: Cursor): Stmt {
  c.expectKw('DROP');
  const type = objType(c, DDL_TYPES);
  const ifExists = c.acceptKw('IF', 'EXISTS');
  const name = c.name();
  const ref: ObjRef = type === 'FUNCTION' ? { type, name, argTypes: argTypeList(c) } : { type, name };
  c.acceptKw('CASCADE') || c.acceptKw('RESTRICT');
  return { k: 'drop', ref, ifExists };
}

const SHOWABLE = [
  'DATABASES',
  'SCHEMAS',
  'WAREHOUSES',
  'ROLES',
  'USERS',
  'SECRETS',
  'INTEGRATIONS',
  'FUNCTIONS',
  'USER FUNCTIONS',
  'NETWORK RULES',
];

function parseShow(c: Cursor): Stmt {
  c.expectKw('SHOW');
  c.acceptKw('TERSE');
  if (c.acceptKw('GRANTS')) {
    if (c.atEnd()) return { k: 'showGrants' };
    if (c.acceptKw('ON')) return { k: 'showGrants', on: objRef(c, GRANTABLE) };
    if (c.acceptKw('TO')) {
      let kind: 'ROLE' | 'USER' = 'ROLE';
      if (!c.acceptKw('ROLE')) {
        c.expectKw('USER');
        kind = 'USER';
      }
      return { k: 'showGrants', to: { kind, name: c.ident() } };
    }
    c.expectKw('OF', 'ROLE');
    return { k: 'showGrants', of: c.ident() };
  }
  let filter: string | null = null;
  if (c.isKws('SECURITY', 'INTEGRATIONS')) filter = 'SECURITY';
  else if (c.isKws('EXTERNAL', 'ACCESS', 'INTEGRATIONS')) filter = 'EXTERNAL_ACCESS';
  else if (c.isKws('API', 'INTEGRATIONS')) filter = 'API';
  if (filter) c.pos += filter === 'EXTERNAL_ACCESS' ? 2 : 1;
  let what: string | undefined;
  for (const w of SHOWABLE) {
    if (c.acceptKw(...w.split(' '))) {
      what = w === 'USER FUNCTIONS' ? 'FUNCTIONS' : w;
      break;
    }
  }
  if (!what) throw c.fail();
  let like: string | null = null;
  let scope: { kind: 'ACCOUNT' | 'DATABASE' | 'SCHEMA'; name: Name | null } | null = null;
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
  return { k: 'show', what, filter, like, scope };
}

function grantee(c: Cursor): { kind: 'ROLE' | 'USER'; name: string } {
  if (c.acceptKw('ROLE')) return { kind: 'ROLE', name: c.ident() };
  if (c.acceptKw('USER')) return { kind: 'USER', name: c.ident() };
  if (c.isKw('DATABASE', 0) && c.isKw('ROLE', 1))
    throw refused('Database roles are not modelled by the sandbox.');
  return { kind: 'ROLE', name: c.ident() }; // GRANT … TO <role> (ROLE keyword optional)
}

function refused(why: string): SqlError {
  return new SqlError('001003', '42000', `SQL compilation error:\n${why}`);
}

const PRIV_WORDS = new Set([
  'USAGE',
  'READ',
  'WRITE',
  'MODIFY',
  'OWNERSHIP',
  'MONITOR',
  'OPERATE',
  'ALL',
  'CREATE',
  'MANAGE',
  'APPLY',
  'EXECUTE',
]);

function parseGrant(c: Cursor): Stmt {
  const verb = c.next().value as 'GRANT' | 'REVOKE';
  const toWord = verb === 'GRANT' ? 'TO' : 'FROM';
  if (c.acceptKw('ROLE')) {
    const role = c.ident();
    c.expectKw(toWord);
    return { k: verb === 'GRANT' ? 'grantRole' : 'revokeRole', role, to: grantee(c) };
  }
  const privs: string[] = [];
  for (;;) {
    const first = c.peek();
    if (first.kind !== 'ident' || !PRIV_WORDS.has(first.value)) throw c.fail();
    const words = [c.ident()];
    while (!c.isKw('ON') && !c.isP(',') && !c.atEnd()) words.push(c.ident());
    let priv = words.join(' ');
    if (priv === 'ALL PRIVILEGES') priv = 'ALL';
    privs.push(priv);
    if (!c.acceptP(',')) break;
  }
  c.expectKw('ON');
  if (c.isKw('FUTURE') || (c.isKw('ALL') && !c.isKw('ON', 1))) {
    throw refused('GRANT … ON FUTURE/ALL objects is not modelled by the sandbox; grant on each object.');
  }
  const on = objRef(c, GRANTABLE);
  c.expectKw(toWord);
  const to = grantee(c);
  let currentGrants: 'COPY' | 'REVOKE' | null = null;
  if (c.acceptKw('COPY', 'CURRENT', 'GRANTS')) currentGrants = 'COPY';
  else if (c.acceptKw('REVOKE', 'CURRENT', 'GRANTS')) currentGrants = 'REVOKE';
  c.acceptKw('WITH', 'GRANT', 'OPTION');
  if (verb === 'REVOKE') c.acceptKw('CASCADE') || c.acceptKw('RESTRICT');
  return { k: verb === 'GRANT' ? 'grant' : 'revoke', privs, on, to, currentGrants };
}

function parseSelect(c: Cursor): Stmt {
  c.expectKw('SELECT');
  const items: SelectItem[] = [];
  for (;;) {
    const startTok = c.peek();
    if (c.acceptP('*')) items.push({ expr: 'star', alias: null, text: '*' });
    else {
      const expr = parseExpr(c);
      const endTok = c.toks[c.pos - 1]!;
      const text = c.text.slice(startTok.start, endTok.end);
      let alias: string | null = null;
      if (c.acceptKw('AS')) alias = c.ident();
      else if (c.peek().kind === 'qident' || (c.peek().kind === 'ident' && !c.isKw('FROM')))
        alias = c.ident();
      items.push({ expr, alias, text });
    }
    if (!c.acceptP(',')) break;
  }
  let from: { t: 'table'; call: Expr & { t: 'call' } } | null = null;
  if (c.acceptKw('FROM')) {
    const tableTok = c.peek();
    c.expectKw('TABLE');
    c.expectP('(');
    const call = parseExpr(c);
    if (call.t !== 'call') throw c.fail(tableTok);
    c.expectP(')');
    // optional alias
    if (c.acceptKw('AS')) c.ident();
    else if (c.peek().kind === 'ident' || c.peek().kind === 'qident') c.ident();
    from = { t: 'table', call };
  }
  // With FROM TABLE(…) the list names the table's columns (calls.ts checks them); without, no '*'.
  if (!from && items.some((i) => i.expr === 'star')) throw c.fail();
  return { k: 'select', items, from };
}

export function parseExpr(c: Cursor): Expr {
  let e = parsePrimary(c);
  while (c.acceptP('::')) e = { t: 'cast', e, type: c.dataType() };
  return e;
}

function parsePrimary(c: Cursor): Expr {
  const t = c.peek();
  if (c.acceptP('-')) return { t: 'neg', e: parsePrimary(c) };
  if (c.acceptP('(')) {
    const e = parseExpr(c);
    c.expectP(')');
    return e;
  }
  if (t.kind === 'ident' && t.value === 'CAST' && c.isP('(', 1)) {
    c.pos += 2;
    const e = parseExpr(c);
    c.expectKw('AS');
    const type = c.dataType();
    c.expectP(')');
    return { t: 'cast', e, type };
  }
  if (t.kind === 'ident' || t.kind === 'qident') {
    // A call when a '(' follows the (possibly qualified) name, else a bare identifier.
    const save = c.pos;
    const name = c.name();
    if (c.acceptP('(')) {
      const args: Expr[] = [];
      if (!c.acceptP(')')) {
        for (;;) {
          if (c.peek().kind === 'ident' && c.isP('=>', 1)) {
            const argName = c.next().value;
            c.next();
            args.push({ t: 'named', name: argName, e: parseExpr(c) });
          } else args.push(parseExpr(c));
          if (c.acceptP(')')) break;
          c.expectP(',');
        }
      }
      const text = c.text.slice(t.start, c.toks[c.pos - 1]!.end);
      return { t: 'call', name, args, text, tok: t };
    }
    if (name.length === 1 && t.kind === 'ident') {
      if (t.value === 'NULL' || t.value === 'TRUE' || t.value === 'FALSE') {
        c.pos = save;
        return { t: 'lit', v: c.value() };
      }
      return { t: 'id', name: name[0]! };
    }
    throw c.fail(t);
  }
  if (t.kind === 'string' || t.kind === 'number' || c.isP('?')) return { t: 'lit', v: c.value() };
  throw c.fail();
}
