// The wire format the Node driver speaks (snowflake-sdk lib/services/sf.js, lib/connection/statement.js,
// lib/connection/result/*): JSON envelopes, session parameters, binds, and result sets as JSON rows.
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Bind, Column, ResultSet, SessionState } from './contract.js';

export interface Envelope {
  success: boolean;
  code: string | null;
  message: string | null;
  data: unknown;
  headers?: null;
}

export function ok(data: unknown): Envelope {
  return { success: true, code: null, message: null, data };
}

/** Every failure is HTTP 200 with success:false; a non-200 would be a transport error to the driver. */
export function fail(code: string, message: string, data: Record<string, unknown> = {}): Envelope {
  return { success: false, code, message, data: { errorCode: code, ...data }, headers: null };
}

const MAX_BODY = 16 * 1024 * 1024;

/** A request body that cannot be read: the client's mistake, answered with `status` and why, never a stack. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

function gunzip(body: Buffer): Buffer {
  try {
    // Capped as the body is: a small gzip bomb must not inflate into gigabytes.
    return gunzipSync(body, { maxOutputLength: MAX_BODY });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyError(413, `the gzipped request body inflates to more than ${MAX_BODY} bytes`);
    }
    throw new BodyError(400, `the request body is not valid gzip (${(err as Error).message})`);
  }
}

/**
 * Reads a request body as JSON. The driver gzips bodies but may set Content-Encoding before the
 * compression finishes (lib/http/base.js), so the body itself decides: gzip magic bytes or not.
 * Throws a BodyError for a body that is too large, not valid gzip, or not JSON.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new BodyError(413, `the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  let body: Buffer = Buffer.concat(chunks);
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzip(body);
  const text = body.toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'the request body is not valid JSON');
  }
}

/** `Authorization: Snowflake Token="…"` → the token. */
export function tokenFromHeader(header: string | undefined): string | null {
  const m = /^Snowflake\s+Token="([^"]*)"/i.exec(header ?? '');
  return m?.[1] ?? null;
}

/** The driver's positional binds `{"1": {type, value}, …}` in order. Array (bulk) binds are refused. */
export function bindsFromRequest(bindings: unknown): Bind[] | { error: string } {
  if (bindings === undefined || bindings === null) return [];
  if (typeof bindings !== 'object') return { error: 'bindings must be an object' };
  const entries = Object.entries(bindings as Record<string, unknown>);
  const binds: Bind[] = [];
  for (const [key, raw] of entries.sort(([a], [b]) => Number(a) - Number(b))) {
    if (!/^\d+$/.test(key)) return { error: `named bind '${key}' is not supported` };
    const b = raw as { type?: unknown; value?: unknown };
    if (Array.isArray(b?.value)) return { error: 'array binds are not supported by the sandbox' };
    const value = b?.value;
    binds.push({
      type: typeof b?.type === 'string' ? b.type : 'TEXT',
      value: value === null || value === undefined ? null : String(value),
    });
  }
  return binds;
}

/** Session parameters the driver reads from login and query responses (formats, time zone, …). */
export function sessionParameters(): { name: string; value: string | number | boolean }[] {
  return [
    { name: 'TIMEZONE', value: 'America/Los_Angeles' },
    { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
    { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
    { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
    { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
    { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
    { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
    { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
    { name: 'CLIENT_TIMESTAMP_TYPE_MAPPING', value: 'TIMESTAMP_LTZ' },
    { name: 'CLIENT_SESSION_KEEP_ALIVE', value: false },
    { name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', value: 3600 },
    { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
    { name: 'CLIENT_PREFETCH_THREADS', value: 4 },
    { name: 'JS_TREAT_INTEGER_AS_BIGINT', value: false },
    { name: 'QUERY_CONTEXT_CACHE_SIZE', value: 5 },
    { name: 'AUTOCOMMIT', value: true },
    { name: 'CLIENT_RESULT_COLUMN_CASE_INSENSITIVE', value: false },
    { name: 'CLIENT_DISABLE_INCIDENTS', value: true },
  ];
}

/** Snowflake's statement type ids (driver: lib/connection/result/statement_type.js). */
export function statementTypeFor(sqlText: string): number {
  const word =
    /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(sqlText)?.[1]?.toUpperCase() ?? '';
  switch (word) {
    case 'SELECT':
    case 'WITH':
    case 'SHOW':
    case 'DESC':
    case 'DESCRIBE':
    case 'CALL':
      return 0x1000;
    case 'INSERT':
      return 0x3100;
    case 'UPDATE':
      return 0x3200;
    case 'DELETE':
      return 0x3300;
    case 'MERGE':
      return 0x3400;
    default:
      return 0x6000;
  }
}

function rowtype(col: Column) {
  const base = {
    name: col.name,
    database: '',
    schema: '',
    table: '',
    nullable: col.nullable ?? true,
    type: col.type,
    collation: null,
    length: null as number | null,
    byteLength: null as number | null,
    precision: null as number | null,
    scale: null as number | null,
  };
  switch (col.type) {
    case 'text':
    case 'variant':
      return { ...base, length: 16777216, byteLength: 16777216 };
    case 'fixed':
      return { ...base, precision: 38, scale: col.scale ?? 0 };
    case 'timestamp_ltz':
    case 'timestamp_ntz':
      return { ...base, precision: 0, scale: 9 };
    default:
      return base;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]/;

/**
 * A cell in the driver's JSON form. The engine already sends wire values (epoch seconds, days since
 * epoch); an ISO date or timestamp that slips through (e.g. from a table function) is converted here.
 */
export function wireCell(value: string | null, type: Column['type']): string | null {
  if (value === null) return null;
  if (type === 'date') {
    const m = ISO_DATE.exec(value);
    if (m) return String(Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000));
  }
  if (type === 'timestamp_ltz' && ISO_TIMESTAMP.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms))
      return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
  }
  return value;
}

export interface QueryMeta {
  queryId: string;
  sqlText: string;
  session: SessionState;
  numberOfBinds: number;
}

/** One statement's successful response `data`. */
export function resultData(result: ResultSet, meta: QueryMeta): Record<string, unknown> {
  const rowset = result.rows.map((row) =>
    row.map((cell, i) => wireCell(cell, result.columns[i]?.type ?? 'text')),
  );
  return {
    parameters: sessionParameters(),
    rowtype: result.columns.map(rowtype),
    rowset,
    total: rowset.length,
    returned: rowset.length,
    queryId: meta.queryId,
    databaseProvider: null,
    finalDatabaseName: meta.session.database,
    finalSchemaName: meta.session.schema,
    finalWarehouseName: meta.session.warehouse,
    finalRoleName: meta.session.role,
    numberOfBinds: meta.numberOfBinds,
    arrayBindSupported: false,
    statementTypeId: result.statementTypeId ?? statementTypeFor(meta.sqlText),
    version: 1,
    sendResultTime: Date.now(),
    queryResultFormat: 'json',
  };
}

/** The parent response of a multi-statement request: the driver then fetches each child by id. */
export function multiResultData(childIds: string[], meta: QueryMeta): Record<string, unknown> {
  return {
    ...resultData(
      {
        columns: [{ name: 'multiple statement execution', type: 'text' }],
        rows: [['Multiple statements executed successfully.']],
        usedWarehouse: false,
        statementTypeId: 0x1000,
      },
      meta,
    ),
    resultIds: childIds.join(','),
    resultTypes: childIds.map(() => '4096').join(','),
  };
}

/** A SQL error's response. */
export function sqlErrorEnvelope(code: string, sqlState: string, message: string, queryId: string): Envelope {
  return fail(code, message, { sqlState, queryId, internalError: false, age: 0, line: -1, pos: -1 });
}
