// Snowflake column types as the stand-in's tables keep them: parsed from DDL (NUMBER(p,s), VARCHAR(n), …),
// shown as Snowflake shows them (DESCRIBE TABLE: NUMBER(38,0), VARCHAR(16777216), TIMESTAMP_NTZ(9)), stored
// as the DuckDB type that holds the same values, and read back from DuckDB result types as the rowtype the
// driver decodes (fixed, real, text, date, timestamp_ntz, timestamp_ltz, boolean, variant).
import type { ColumnType } from '../contract.js';
import { SqlError } from '../contract.js';
import type { Cursor } from '../parser.js';

export type SfBase =
  | 'NUMBER'
  | 'FLOAT'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP_NTZ'
  | 'TIMESTAMP_LTZ'
  | 'TIMESTAMP_TZ'
  | 'VARIANT'
  | 'OBJECT'
  | 'ARRAY'
  | 'BINARY';

export interface SfType {
  base: SfBase;
  precision?: number; // NUMBER
  scale?: number; // NUMBER
  length?: number; // VARCHAR, BINARY
}

const MAX_VARCHAR = 16_777_216;

const ALIASES: Record<string, SfBase> = {
  NUMBER: 'NUMBER',
  NUMERIC: 'NUMBER',
  DECIMAL: 'NUMBER',
  DEC: 'NUMBER',
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
  NVARCHAR2: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'TIMESTAMP_NTZ',
  // TIMESTAMP follows TIMESTAMP_TYPE_MAPPING, TIMESTAMP_NTZ by default.
  TIMESTAMP: 'TIMESTAMP_NTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP_NTZ',
  TIMESTAMPNTZ: 'TIMESTAMP_NTZ',
  TIMESTAMP_LTZ: 'TIMESTAMP_LTZ',
  TIMESTAMPLTZ: 'TIMESTAMP_LTZ',
  TIMESTAMP_TZ: 'TIMESTAMP_TZ',
  TIMESTAMPTZ: 'TIMESTAMP_TZ',
  VARIANT: 'VARIANT',
  OBJECT: 'OBJECT',
  ARRAY: 'ARRAY',
  BINARY: 'BINARY',
  VARBINARY: 'BINARY',
};

/** Whether an (upper-case) word names a Snowflake data type. */
export function isTypeName(word: string): boolean {
  return word in ALIASES;
}

function unsupported(name: string): SqlError {
  return new SqlError('002040', '42601', `SQL compilation error:\nUnsupported data type '${name}'.`);
}

/** A Snowflake type from its name and the numbers in its parentheses, if any. */
export function sfType(name: string, args: number[] = []): SfType {
  const base = ALIASES[name];
  if (!base) throw unsupported(name);
  switch (base) {
    case 'NUMBER': {
      const integerAlias = !['NUMBER', 'NUMERIC', 'DECIMAL', 'DEC'].includes(name);
      const precision = integerAlias ? 38 : (args[0] ?? 38);
      const scale = integerAlias ? 0 : (args[1] ?? 0);
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) throw unsupported(name);
      return { base, precision, scale };
    }
    case 'VARCHAR': {
      const dflt = name === 'CHAR' || name === 'CHARACTER' || name === 'NCHAR' ? 1 : MAX_VARCHAR;
      return { base, length: args[0] ?? dflt };
    }
    case 'BINARY':
      return { base, length: args[0] ?? 8_388_608 };
    default:
      return { base };
  }
}

/**
 * Reads a data type at the cursor: a name (DOUBLE PRECISION, CHARACTER VARYING too) and optional numbers
 * in parentheses. Snowflake's TIMESTAMP_NTZ(9) precision is accepted and ignored.
 */
export function readType(c: Cursor): SfType {
  const t = c.peek();
  if (t.kind !== 'ident') throw c.fail();
  c.next();
  let name = t.value;
  if (name === 'DOUBLE') c.acceptKw('PRECISION');
  if ((name === 'CHARACTER' || name === 'CHAR') && c.acceptKw('VARYING')) name = 'VARCHAR';
  if (!isTypeName(name)) throw unsupported(name);
  const args: number[] = [];
  if (c.acceptP('(')) {
    for (;;) {
      const n = c.peek();
      if (n.kind !== 'number') throw c.fail();
      c.next();
      args.push(Number(n.value));
      if (c.acceptP(')')) break;
      c.expectP(',');
    }
  }
  return sfType(name, name.startsWith('TIMESTAMP') || name === 'TIME' ? [] : args);
}

/** As DESCRIBE TABLE and SHOW COLUMNS show it. */
export function displayType(t: SfType): string {
  switch (t.base) {
    case 'NUMBER':
      return `NUMBER(${t.precision ?? 38},${t.scale ?? 0})`;
    case 'VARCHAR':
      return `VARCHAR(${t.length ?? MAX_VARCHAR})`;
    case 'BINARY':
      return `BINARY(${t.length ?? 8_388_608})`;
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
    case 'TIME':
      return `${t.base}(9)`;
    default:
      return t.base;
  }
}

/** The DuckDB type that stores the same values. */
export function duckType(t: SfType): string {
  switch (t.base) {
    case 'NUMBER':
      return `DECIMAL(${t.precision ?? 38},${t.scale ?? 0})`;
    case 'FLOAT':
      return 'DOUBLE';
    case 'VARCHAR':
      return 'VARCHAR';
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'DATE':
      return 'DATE';
    case 'TIME':
      return 'TIME';
    case 'TIMESTAMP_NTZ':
      return 'TIMESTAMP';
    // DuckDB keeps an instant, not an offset per value: TIMESTAMP_TZ is stored as TIMESTAMP_LTZ is.
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return 'TIMESTAMPTZ';
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return 'JSON';
    case 'BINARY':
      return 'BLOB';
  }
}

/** A UDTF's declared column type (parser.ts normalizes it to a bare name such as NUMBER). */
export function duckTypeOfName(normalized: string): string {
  return duckType(sfType(normalized));
}

/** What a DuckDB result column says about its type (DuckDBType's toString() and alias). */
export interface DuckColumnType {
  text: string; // e.g. DECIMAL(38,0), VARCHAR, TIMESTAMP WITH TIME ZONE
  alias?: string | undefined; // JSON for a JSON column
}

/** The rowtype a Snowflake result would carry for a DuckDB column, with the scale for fixed. */
export function rowType(t: DuckColumnType): { type: ColumnType; scale?: number } {
  if (t.alias === 'JSON') return { type: 'variant' };
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t.text);
  if (dec) return { type: 'fixed', scale: Number(dec[2]) };
  switch (t.text) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
    case 'HUGEINT':
    case 'UTINYINT':
    case 'USMALLINT':
    case 'UINTEGER':
    case 'UBIGINT':
    case 'UHUGEINT':
      return { type: 'fixed', scale: 0 };
    case 'FLOAT':
    case 'DOUBLE':
      return { type: 'real' };
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'DATE':
      return { type: 'date' };
    case 'TIMESTAMP':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_MS':
    case 'TIMESTAMP_NS':
      return { type: 'timestamp_ntz' };
    case 'TIMESTAMP WITH TIME ZONE':
      return { type: 'timestamp_ltz' };
    default:
      return { type: 'text' };
  }
}

/** The Snowflake type DESCRIBE VIEW shows for a DuckDB column type. */
export function sfTypeOfDuck(t: DuckColumnType): SfType {
  if (t.alias === 'JSON') return { base: 'VARIANT' };
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t.text);
  if (dec) return { base: 'NUMBER', precision: Number(dec[1]), scale: Number(dec[2]) };
  const r = rowType(t);
  switch (r.type) {
    case 'fixed':
      return { base: 'NUMBER', precision: 38, scale: 0 };
    case 'real':
      return { base: 'FLOAT' };
    case 'boolean':
      return { base: 'BOOLEAN' };
    case 'date':
      return { base: 'DATE' };
    case 'timestamp_ntz':
      return { base: 'TIMESTAMP_NTZ' };
    case 'timestamp_ltz':
      return { base: 'TIMESTAMP_LTZ' };
    default:
      return { base: 'VARCHAR', length: MAX_VARCHAR };
  }
}
