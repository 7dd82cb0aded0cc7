// The seams inside the Snowflake stand-in: the HTTP/protocol layer (server.ts) talks to the SQL engine
// (engine.ts, over the in-memory catalog) through SqlEngine, and the engine runs Python functions through
// FunctionRunner (runner.ts). Keeping these three apart lets each be tested on its own.
import type { Compute } from './compute.js';
import type { TaskScheduler } from './tasks/scheduler.js';

/** A Snowflake error as the driver reports it: `code` like '002003', `sqlState` like '02000'. */
export class SqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

/** Column types as they appear in the query response's `rowtype[].type`. */
export type ColumnType =
  | 'text'
  | 'fixed'
  | 'real'
  | 'boolean'
  | 'timestamp_ltz'
  | 'timestamp_ntz'
  | 'variant'
  | 'date';

export interface Column {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /** Digits after the point of a `fixed` column (0 when absent), as Snowflake's rowtype carries it. */
  scale?: number;
}

/** One statement's result. Every cell is a string or null, as in the JSON result format. */
export interface ResultSet {
  columns: Column[];
  rows: (string | null)[][];
  /** True when the statement needed a running warehouse (a function call); counted for benchmarks. */
  usedWarehouse: boolean;
  /** Statement type id for the response (optional; the server fills a default). */
  statementTypeId?: number;
}

/** The mutable per-session context. The engine updates it on USE ROLE/DATABASE/SCHEMA/WAREHOUSE. */
export interface SessionState {
  user: string;
  role: string;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  /** Set by the protocol layer: the session's id and its own queries, oldest first
   * (what INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION reads). */
  sessionId?: number;
  history?: QueryHistoryEntry[];
  /**
   * Set on the sessions Snowflake opens itself (a procedure's statements, a task run): their compute was
   * settled when they began (the caller's warehouse, the task's warehouse or serverless compute), so a
   * function call inside does not check the warehouse again for the role it runs as.
   */
  computeGranted?: boolean;
}

/** One query as Snowflake's query history keeps it (a subset of QUERY_HISTORY's columns). */
export interface QueryHistoryEntry {
  queryId: string;
  /** As sent, or with the OAUTH_REFRESH_TOKEN literal replaced (the queryHistoryRedaction switch). */
  queryText: string;
  queryType: string;
  sessionId: number;
  user: string;
  role: string;
  warehouse: string | null;
  database: string | null;
  schema: string | null;
  status: 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR';
  errorCode: string | null;
  errorMessage: string | null;
  startTime: number; // ms since epoch
  endTime: number | null;
}

/** A positional bind as the driver sends it (`bindings: {"1": {type, value}}`), in order. */
export interface Bind {
  type: string;
  value: string | null;
}

/** What the protocol layer needs to know about a user to authenticate a login. */
export interface SandboxUser {
  name: string; // upper-cased
  type: 'PERSON' | 'SERVICE' | 'LEGACY_SERVICE';
  password: string | null;
  rsaPublicKey: string | null; // PEM body without header lines, as given to CREATE/ALTER USER
  rsaPublicKey2: string | null;
  defaultRole: string | null;
  defaultWarehouse: string | null;
  defaultNamespace: string | null;
  disabled: boolean;
  /** Programmatic access tokens (ALTER USER … ADD PROGRAMMATIC ACCESS TOKEN, or seeded). */
  pats: { name: string; secret: string; roleRestriction: string | null; expiresAt: number }[];
}

export interface SqlEngine {
  /**
   * Runs one statement or, when `allowMulti` is true, a script of several separated by semicolons.
   * Returns one ResultSet per statement. Throws SqlError for anything Snowflake would refuse,
   * including statements it does not understand (never a silent success).
   */
  execute(session: SessionState, sqlText: string, binds?: Bind[], allowMulti?: boolean): Promise<ResultSet[]>;
  findUser(name: string): SandboxUser | undefined;
  /** Roles granted to the user (directly or via PUBLIC), for the login's role check. */
  userCanUseRole(user: string, role: string): boolean;
  roleExists(role: string): boolean;
  /** Back to the seed (SANDBOX_ADMIN / sandbox, ACCOUNTADMIN, a warehouse). */
  reset(): void;
  /** The statement text with the literals of OAUTH_REFRESH_TOKEN, OAUTH_CLIENT_SECRET and PASSWORD replaced by '***'. */
  redact(sqlText: string): string;
  /** Drops the access tokens cached in secrets (when the cache switch changes). */
  forgetAccessTokens?(): void;
  /** The warehouses' state and the latency model (compute.ts); absent from engines without warehouses. */
  compute?: Compute;
  /** Tasks' runs on the engine's clock (tasks/scheduler.ts); absent from engines without tasks. */
  tasks?: TaskScheduler;
  /** Frees what the engine holds (the tables' embedded database). */
  close?(): Promise<void>;
  /** Whether the tables' embedded database was ever loaded (it is loaded on the first table statement). */
  tablesLoaded?(): boolean;
}

/** The OAuth security integration a secret is bound to, as the function runner needs it. */
export interface IntegrationView {
  name: string;
  enabled: boolean;
  clientId: string;
  clientSecret: string;
  tokenEndpoint: string;
  clientAuthMethod: 'CLIENT_SECRET_BASIC' | 'CLIENT_SECRET_POST';
  allowedScopes: string[];
}

export interface SecretBinding {
  alias: string; // the name in the function's SECRETS = ('alias' = secret)
  secretName: string; // fully qualified
  refreshToken: string | null;
  integration: IntegrationView;
  /** Writes a rotated refresh token back into the catalog (used under the `persist` rotation policy). */
  setRefreshToken(token: string): void;
  /**
   * The access token Snowflake keeps in the secret (DESCRIBE SECRET shows its expiry), used under the
   * 'until-expiry' cache mode. Bindings made by hand (runner tests) have none: the runner's own cache serves.
   */
  accessTokenSlot?: { get(): string | undefined; put(token: string, expiresInS: number): void };
  /**
   * Why Snowflake would refuse to fetch a token for this secret without asking the provider (its refresh
   * token expired, its integration was replaced), judged at the moment of the call; undefined if none.
   */
  refusal?(): string | undefined;
  /** Sent as scope= on the refresh request (the scopeOnRefresh switch); none or empty: no scope parameter. */
  refreshScopes?: string[];
}

export interface FunctionInvocation {
  functionName: string; // fully qualified, e.g. FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK
  /** A stored procedure is called as handler(session, *args) and returns one value, like a scalar. */
  kind: 'scalar' | 'table' | 'procedure';
  handler: string; // function name, or class name for a table function
  body: string; // the Python source between $$ … $$
  runtimeVersion: string;
  packages: string[];
  returnType: string; // e.g. VARCHAR, VARIANT, or for tables the declared columns below
  tableColumns: Column[]; // RETURNS TABLE (…) columns, empty for scalar
  /** Declared argument types (upper case, e.g. DATE, VARCHAR, NUMBER) and the call's values, already
   * cast by the engine: DATE as 'YYYY-MM-DD', numbers as numbers, NULL as null. */
  argTypes: string[];
  args: (string | number | boolean | null)[];
  secrets: SecretBinding[];
  /** host or host:port entries from the EGRESS HOST_PORT network rules of the function's EAIs. */
  allowedHosts: string[];
  /** A procedure's statements (session.sql(…).collect()): run by the engine as the procedure's role. */
  sql?(sqlText: string, params: unknown[]): Promise<SqlAnswer>;
  /** The time limit for this call (a procedure's covers its statements); default: the runner's. */
  timeoutMs?: number;
}

/** What a procedure's statement answers its Python: a result in the wire's cell format, or the error. */
export type SqlAnswer =
  | { ok: true; queryId: string; columns: { name: string; type: ColumnType }[]; rows: (string | null)[][] }
  | { ok: false; queryId: string; code: string; sqlState: string; message: string };

export type FunctionResult =
  | { kind: 'scalar'; value: string | null } // VARCHAR as is, VARIANT/OBJECT/ARRAY as JSON text (procedures too)
  | { kind: 'table'; rows: (string | null)[][] };

export interface FunctionRunner {
  /** Runs the handler with python3. A Python exception becomes a SqlError carrying its message. */
  run(inv: FunctionInvocation): Promise<FunctionResult>;
}
