// DuckDB result values → the cells of Snowflake's JSON result format, as snowflake-sdk decodes them: numbers
// as decimal text, DATE as days since the epoch, timestamps as epoch seconds with nine decimals (NTZ: the
// wall clock read as UTC), booleans as true/false, VARIANT as JSON text.
import type { DuckDBValue } from '@duckdb/node-api';
import type { Column, ColumnType, ResultSet } from '../contract.js';
import { rs } from '../results.js';
import type { DuckResult } from './store.js';
import { rowType } from './types.js';

/** Microseconds since the epoch → 'seconds.nanoseconds' (the fraction always 9 digits). */
export function epochCell(micros: bigint): string {
  let secs = micros / 1_000_000n;
  let frac = micros % 1_000_000n;
  if (frac < 0n) {
    frac += 1_000_000n;
    secs -= 1n;
  }
  return `${secs}.${frac.toString().padStart(6, '0')}000`;
}

function cell(v: DuckDBValue, type: ColumnType): string | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      return String(v);
  }
  if (type === 'date' && 'days' in v && typeof v.days === 'number') return String(v.days);
  if (
    (type === 'timestamp_ntz' || type === 'timestamp_ltz') &&
    'micros' in v &&
    typeof v.micros === 'bigint'
  ) {
    return epochCell(v.micros);
  }
  // DECIMAL as its exact text; TIME, INTERVAL, lists and structs as DuckDB writes them.
  return String(v);
}

export function encodeResult(r: DuckResult, usedWarehouse: boolean): ResultSet {
  const columns: Column[] = r.columns.map((c) => {
    const t = rowType(c.type);
    return { name: c.name, type: t.type, nullable: true, ...(t.scale ? { scale: t.scale } : {}) };
  });
  return rs(
    columns,
    r.rows.map((row) => row.map((v, i) => cell(v, columns[i]!.type))),
    usedWarehouse,
  );
}
