// The Snowflake stand-in's SQL engine over the in-memory catalog (see contract.ts for the seams).
//
// Statements
//   USE ROLE | DATABASE | SCHEMA | WAREHOUSE <name>            (USE <db>[.<schema>] too)
//   CREATE [OR REPLACE] <kind> [IF NOT EXISTS] <name> <props>   kinds: DATABASE, SCHEMA, WAREHOUSE, ROLE,
//     USER, NETWORK RULE, SECURITY INTEGRATION (TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2), SECRET
//     (TYPE = OAUTH2 | PASSWORD | GENERIC_STRING), EXTERNAL ACCESS INTEGRATION,
//     FUNCTION f(args) RETURNS <type> | TABLE (…) LANGUAGE PYTHON … AS $$…$$ | '…'
//   ALTER <kind> [IF EXISTS] <name> SET <props> | UNSET <names>;
//     ALTER USER u ADD|REMOVE PROGRAMMATIC ACCESS TOKEN t [ROLE_RESTRICTION = 'R'] [DAYS_TO_EXPIRY = n]
//   DROP <kind> [IF EXISTS] <name> | FUNCTION f(types);   DESCRIBE|DESC <kind> <name> | FUNCTION f(types)
//   SHOW [SECURITY|EXTERNAL ACCESS] INTEGRATIONS | SECRETS | NETWORK RULES | FUNCTIONS | DATABASES |
//     SCHEMAS | WAREHOUSES | ROLES | USERS  [LIKE '…'] [IN ACCOUNT | DATABASE d | SCHEMA s]
//   SHOW GRANTS [ON <kind> <name> | TO ROLE r | TO USER u | OF ROLE r]
//   GRANT|REVOKE <privs> ON <kind> <name> | ACCOUNT TO|FROM ROLE r [COPY|REVOKE CURRENT GRANTS]
//   GRANT|REVOKE ROLE r TO|FROM ROLE s | USER u
//   SELECT CURRENT_ROLE() | CURRENT_USER() | CURRENT_WAREHOUSE() | CURRENT_DATABASE() | CURRENT_SCHEMA() |
//     CURRENT_ACCOUNT() | CURRENT_DATE() | TO_DATE(…) | DATEADD(…) | literals[::type] | db.sch.udf(args), …
//   SELECT * | col, … FROM TABLE(db.sch.udtf(args))
//   SELECT * | col, … FROM TABLE([db.]INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION([RESULT_LIMIT => n]))
//   Procedures (procedures/): CREATE [OR REPLACE] PROCEDURE p(args) RETURNS <type> LANGUAGE PYTHON …
//     [EXECUTE AS OWNER | CALLER] AS $$…$$;  ALTER | DROP | DESCRIBE PROCEDURE p(types);
//     SHOW [USER] PROCEDURES;  CALL p(args)
//   Tasks (tasks/): CREATE [OR REPLACE] TASK [IF NOT EXISTS] t [WAREHOUSE = w] [SCHEDULE = '…'] … AS <sql>;
//     ALTER TASK t RESUME | SUSPEND | SET … | UNSET … | MODIFY AS <sql>;  DROP | DESCRIBE TASK t;
//     SHOW [TERSE] TASKS;  EXECUTE TASK t;  SELECT … FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(…))
//   Tables and views (tables/index.ts routes them, DuckDB holds the rows): CREATE [OR REPLACE] TABLE | VIEW,
//     DROP, TRUNCATE, ALTER TABLE … ADD COLUMN, SHOW TABLES | VIEWS, DESCRIBE TABLE | VIEW, GRANT | REVOKE …
//     ON TABLE | VIEW | ALL | FUTURE,
//     SELECT over tables, INSERT, UPDATE, DELETE, MERGE (see sandbox/README.md, "Tables")
//   Scripts: statements separated by ';' (comments and $$ bodies may contain ';').
//
// Errors (code / sqlState)
//   001003 / 42000  syntax error line L at position P unexpected '<token>' (also anything not understood)
//   002003 / 02000  <Type> '<NAME>' does not exist or not authorized.
//   003001 / 42501  Insufficient privileges to operate on <type> '<NAME>'
//   002002 / 42710  Object '<NAME>' already exists.
//   002141 / 42601  Unknown user-defined function <NAME>.      002140  Unknown function <NAME>
//   002003 / 42S02  Object '<DB.SCHEMA.TABLE>' does not exist or not authorized. (a table or view in a query)
//   000606 / 57P03  No active warehouse selected in the current session. …
//   090105 / 22000  no current database for an unqualified name
//   002049 / 42601  bind variables in DDL (refused: see noBind in context.ts; ALTER SECRET … SET
//                   OAUTH_REFRESH_TOKEN = ? follows the alterSecretBinds switch)
//   000008 / 0A000  several statements without allowMulti;   000900 / 42000  empty SQL statement
//   100040, 100038  date / number not recognized in a cast;   100357 Python errors not already a SqlError

import { randomUUID } from 'node:crypto';
import type { SnowflakeBehaviour } from './behaviour.js';
import { select, sessionWarehouse } from './calls.js';
import { Catalog, qualify } from './catalog.js';
import {
  accountName,
  type Ctx,
  type NestedExecute,
  reachDatabase,
  reachSchema,
  schemaPath,
} from './context.js';
import {
  type Bind,
  type FunctionRunner,
  type ResultSet,
  type SandboxUser,
  type SessionState,
  type SqlEngine,
  SqlError,
} from './contract.js';
import { alter, create, drop } from './ddl/index.js';
import { warehouseStateChange } from './ddl/warehouse.js';
import { isExtension, runExtension } from './extensions.js';
import { grantPrivileges, grantRole, showGrants } from './grants.js';
import { describe, show } from './inspect.js';
import { splitStatements, tokenize } from './lexer.js';
import { forgetAccessTokens } from './oauth-secret.js';
import { Cursor, type Stmt } from './parser.js';
import { Access, notFound, userRoles } from './privileges.js';
import { status } from './results.js';
import { type ExtensionStmt, parseStatementText } from './statements.js';
import { bindsIn, closeTables, resetTables, route, runTableStatement, tablesLoaded } from './tables/index.js';
import { createTaskScheduler } from './tasks/scheduler.js';

export interface EngineOptions {
  runner: FunctionRunner;
  now?: () => Date;
  account?: string /* default 'SANDBOX' */;
  /** The switches for undocumented behaviour (behaviour.ts), read when they matter; default: the defaults. */
  behaviour?: () => SnowflakeBehaviour;
  /** Hears each statement a procedure or a task ran (they never reach the protocol layer). */
  onNestedStatement?: (s: NestedStatement) => void;
  /** How the compute model waits for a resume or a cold start (compute.ts); tests record the waits. */
  sleep?: (ms: number) => Promise<void>;
}

/** A statement Snowflake ran by itself: one of a procedure's, or a task's body. */
export interface NestedStatement {
  queryId: string;
  origin: 'procedure' | 'task';
  user: string;
  role: string;
  sqlText: string;
  ok: boolean;
  code?: string;
  /** It ran on a warehouse (the caller's, or the task's); a serverless task's does not. */
  usedWarehouse: boolean;
}

const SENSITIVE = new Set(['OAUTH_REFRESH_TOKEN', 'OAUTH_CLIENT_SECRET', 'PASSWORD', 'SECRET_STRING']);

// Property names that start the next `NAME = value` after a sensitive one: redaction stops there.
const PROPERTY_NAMES = new Set([
  ...SENSITIVE,
  'TYPE',
  'API_AUTHENTICATION',
  'AUTH_TYPE',
  'ENABLED',
  'COMMENT',
  'USERNAME',
  'OAUTH_SCOPES',
  'OAUTH_REFRESH_TOKEN_EXPIRY_TIME',
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_AUTH_METHOD',
  'OAUTH_TOKEN_ENDPOINT',
  'OAUTH_AUTHORIZATION_ENDPOINT',
  'OAUTH_GRANT',
  'OAUTH_ALLOWED_SCOPES',
  'OAUTH_ACCESS_TOKEN_VALIDITY',
  'OAUTH_REFRESH_TOKEN_VALIDITY',
  'LOGIN_NAME',
  'DISPLAY_NAME',
  'FIRST_NAME',
  'LAST_NAME',
  'EMAIL',
  'DEFAULT_ROLE',
  'DEFAULT_WAREHOUSE',
  'DEFAULT_NAMESPACE',
  'DEFAULT_SECONDARY_ROLES',
  'MUST_CHANGE_PASSWORD',
  'DISABLED',
  'RSA_PUBLIC_KEY',
  'RSA_PUBLIC_KEY_2',
  'MODE',
  'VALUE_LIST',
  'ALLOWED_NETWORK_RULES',
  'ALLOWED_API_AUTHENTICATION_INTEGRATIONS',
  'ALLOWED_AUTHENTICATION_SECRETS',
]);

/**
 * Replaces the value after a sensitive property name with '***'. The value is everything up to the
 * next top-level ',', the next `PROPERTY =`, ';' or the end of the text, whatever its tokens are
 * (quoted, unquoted, concatenated, a function call) and including comments in between: an unquoted
 * Google token `1//0g…` lexes as a number and a comment, and must vanish all the same.
 */
export function redact(sqlText: string): string {
  let tokens: ReturnType<typeof tokenize>;
  try {
    tokens = tokenize(sqlText);
  } catch {
    // Unlexable text: cut everything from the first sensitive word on, to be safe.
    const m = /OAUTH_REFRESH_TOKEN|OAUTH_CLIENT_SECRET|PASSWORD|SECRET_STRING/i.exec(sqlText);
    return m ? `${sqlText.slice(0, m.index + m[0].length)} = '***'` : sqlText;
  }
  const isPunct = (i: number, v: string) => tokens[i]?.kind === 'punct' && tokens[i]!.value === v;
  const cuts: [number, number][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !SENSITIVE.has(t.value)) continue;
    if (isPunct(i - 1, '=')) continue; // a value, as in TYPE = PASSWORD
    let from = t.end;
    let j = i + 1;
    if (isPunct(j, '=')) from = tokens[j++]!.end;
    let depth = 0;
    let k = j;
    for (; k < tokens.length; k++) {
      const v = tokens[k]!;
      if (v.kind === 'eof') break;
      if (v.kind === 'punct') {
        if (v.value === '(') depth++;
        else if (v.value === ')') depth = Math.max(0, depth - 1);
        else if (v.value === ';' || (v.value === ',' && depth === 0)) break;
      } else if (
        k > j &&
        depth === 0 &&
        v.kind === 'ident' &&
        PROPERTY_NAMES.has(v.value) &&
        isPunct(k + 1, '=')
      )
        break;
    }
    const to = tokens[k]!.start;
    const region = sqlText.slice(from, to);
    if (region.trim() === '') continue;
    const lead = /^\s*/.exec(region)![0];
    const trail = /\s*$/.exec(region)![0];
    cuts.push([from + lead.length, to - trail.length]);
    i = k - 1; // the value may hold words like PASSWORD: they are part of what is cut
  }
  let out = '';
  let at = 0;
  for (const [s, e] of cuts) {
    out += `${sqlText.slice(at, s)}'***'`;
    at = e;
  }
  return out + sqlText.slice(at);
}

function useStatement(ctx: Ctx, s: Extract<Stmt, { k: 'use' }>): ResultSet {
  const { cat, session } = ctx;
  switch (s.type) {
    case 'ROLE': {
      const role = accountName(s.name);
      if (!cat.roles.has(role) || !userRoles(cat, session.user).has(role))
        throw notFound('ROLE', qualify(role));
      session.role = role;
      break;
    }
    case 'WAREHOUSE': {
      const name = accountName(s.name);
      const wh = cat.warehouses.get(name);
      if (!wh || !ctx.access.any('WAREHOUSE', qualify(name), wh.owner)) {
        throw new SqlError(
          '002043',
          '02000',
          'SQL compilation error:\nObject does not exist, or operation cannot be performed.',
        );
      }
      session.warehouse = name;
      break;
    }
    case 'DATABASE': {
      const name = accountName(s.name);
      const db = reachDatabase(ctx, name);
      session.database = name;
      session.schema = db.schemas.has('PUBLIC') ? 'PUBLIC' : null;
      break;
    }
    case 'SCHEMA': {
      const [d, sc] = schemaPath(ctx, s.name);
      reachSchema(ctx, d, sc);
      session.database = d;
      session.schema = sc;
      break;
    }
  }
  return status('Statement executed successfully.');
}

async function run(ctx: Ctx, s: Stmt | ExtensionStmt): Promise<ResultSet> {
  if (isExtension(s)) return runExtension(ctx, s);
  switch (s.k) {
    case 'use':
      return useStatement(ctx, s);
    case 'create':
      return create(ctx, s);
    case 'alter':
      if (s.action.k === 'resume' || s.action.k === 'suspend')
        return warehouseStateChange(ctx, s.ref, s.ifExists, s.action);
      return alter(ctx, s.ref, s.ifExists, s.action);
    case 'drop':
      return drop(ctx, s.ref, s.ifExists);
    case 'describe':
      return describe(ctx, s.ref);
    case 'show':
      return show(ctx, s);
    case 'showGrants':
      return showGrants(ctx, s);
    case 'grant':
    case 'revoke':
      return grantPrivileges(ctx, s);
    case 'grantRole':
    case 'revokeRole':
      return grantRole(ctx, s);
    case 'select':
      return select(ctx, s);
  }
}

/**
 * A statement that used its warehouse without a Python call (a query over tables, DML) waits for the
 * resume there too, before it answers; a function's call waited already (calls.ts, onWarehouse).
 */
async function onCompute(ctx: Ctx, result: ResultSet): Promise<ResultSet> {
  const wh = result.usedWarehouse && !ctx.ranOnWarehouse ? sessionWarehouse(ctx) : undefined;
  if (wh) await ctx.cat.compute.use(wh, async () => undefined);
  return result;
}

export function createEngine(opts: EngineOptions): SqlEngine {
  const cat = new Catalog(
    opts.account ?? 'SANDBOX',
    opts.now ?? (() => new Date()),
    opts.behaviour,
    opts.sleep,
  );
  const engine: SqlEngine = {
    async execute(session: SessionState, sqlText: string, binds: Bind[] = [], allowMulti = false) {
      const spans = splitStatements(sqlText);
      if (spans.length === 0) throw new SqlError('000900', '42000', 'Empty SQL statement.');
      if (spans.length > 1 && !allowMulti) {
        throw new SqlError(
          '000008',
          '0A000',
          `Actual statement count ${spans.length} did not match the desired statement count 1.`,
        );
      }
      const results: ResultSet[] = [];
      let bindOffset = 0;
      for (const span of spans) {
        // Tables and views (and the queries over them) are tables/'s: DuckDB holds their rows.
        const tables = route(span.tokens, sqlText);
        if (tables) {
          const ctx: Ctx = {
            cat,
            session,
            access: new Access(cat, session.role),
            binds,
            runner: opts.runner,
            nested,
            tasks,
          };
          results.push(
            await onCompute(ctx, await runTableStatement(ctx, tables, span.tokens, sqlText, bindOffset)),
          );
          bindOffset += bindsIn(span.tokens);
          continue;
        }
        const cursor = new Cursor(span.tokens, sqlText);
        cursor.binds = bindOffset;
        const stmt = parseStatementText(cursor);
        bindOffset = cursor.binds;
        // Access is recomputed per statement: USE ROLE and GRANT change it mid-script.
        const access = new Access(cat, session.role);
        const ctx: Ctx = { cat, session, access, binds, runner: opts.runner, nested, tasks };
        results.push(await onCompute(ctx, await run(ctx, stmt)));
      }
      return results;
    },
    findUser(name: string): SandboxUser | undefined {
      return cat.users.get(name.toUpperCase())?.u;
    },
    userCanUseRole(user: string, role: string): boolean {
      const u = user.toUpperCase();
      return (
        cat.users.has(u) && cat.roles.has(role.toUpperCase()) && userRoles(cat, u).has(role.toUpperCase())
      );
    },
    roleExists(role: string): boolean {
      return cat.roles.has(role.toUpperCase());
    },
    reset(): void {
      cat.seed();
      tasks.reset();
      resetTables(cat);
    },
    close: () => closeTables(cat),
    tablesLoaded: () => tablesLoaded(cat),
    redact,
    forgetAccessTokens: () => forgetAccessTokens(cat),
    compute: cat.compute,
  };

  // The statements Snowflake runs by itself (a procedure's, a task's) go through the same engine.
  const nested: NestedExecute = async (session, sqlText, binds, origin, queryId = randomUUID()) => {
    const heard = { queryId, origin, user: session.user, role: session.role, sqlText };
    const usedWarehouse = session.warehouse !== null;
    try {
      const [result] = await engine.execute(session, sqlText, binds);
      opts.onNestedStatement?.({ ...heard, ok: true, usedWarehouse });
      return { queryId, result: result! };
    } catch (err) {
      const error =
        err instanceof SqlError
          ? err
          : new SqlError(
              '000603',
              'XX000',
              `SQL execution internal error:\nProcessing aborted due to error 300002 (sandbox engine: ${err instanceof Error ? err.message : String(err)}).`,
            );
      opts.onNestedStatement?.({ ...heard, ok: false, code: error.code, usedWarehouse });
      return { queryId, error };
    }
  };
  const tasks = createTaskScheduler(cat, nested);
  engine.tasks = tasks;
  return engine;
}
