// The daily load's objects as this app's configuration places them: the pipeline script creates them in the
// secret's database and schema, under the names its defaults give (sql/pipeline-<provider>.sql). The status
// page, "Load now" and the result page's query all name them from here. One task and one set of tables serve
// every account: an account's rows are keyed by its label, and its data function follows the naming rule.
import { accountObjectName, DEFAULT_ACCOUNT } from '../accounts/names.js';
import type { AppConfig } from '../config/index.js';
import type { DataKind } from '../providers/index.js';
import { type QualifiedName, quoteIdentifierPart, quoteLiteral } from '../snowflake/sql.js';
import { pipelineDefaults, setupDefaults } from './defaults.js';
import { scriptVariables } from './templates.js';

export interface PipelineNames {
  /** The account these names are for: its label keys its rows (ACCOUNT) in every table. */
  account: string;
  /** `DB.SCHEMA` of the secret, where the pipeline lives (SQL text). */
  schemaSql: string;
  task: QualifiedName;
  runsTable: QualifiedName;
  /** Each data kind's landing table. */
  tables: Partial<Record<DataKind, QualifiedName>>;
  pipelineRole: string;
  readerRole: string;
  /** The database owner, who grants the pipeline role what it uses. */
  ownerRole: string;
  /** The app's warehouse (the one readers and the task get USAGE on), as SQL text. */
  warehouse: string;
  /** The app's role, as SQL text (a placeholder when unknown). */
  appRoleSql: string;
  /** The account's data function the load calls, with its signature (for GRANT USAGE ON FUNCTION). */
  dataFunctionSql: string;
}

const lastPart = (qualified: string) => qualified.split('.').pop()!;

/** A role or warehouse as a setting gives it: unquoted names fold to upper case, as Snowflake reads them. */
const settingName = (name: string) =>
  /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toUpperCase() : quoteIdentifierPart(name);

function inSchema(db: string, schema: string, name: string): QualifiedName {
  const parts = [db, schema, name];
  return { parts, sql: parts.map(quoteIdentifierPart).join('.'), display: parts.join('.') };
}

/**
 * The pipeline's names for this configuration and account (`default`: the built-in one), or undefined when
 * the provider has no daily load.
 */
export function pipelineNames(
  config: AppConfig,
  account: string = DEFAULT_ACCOUNT,
): PipelineNames | undefined {
  const defaults = pipelineDefaults(config.provider);
  if (!defaults) return undefined;
  const setup = setupDefaults(config.provider);
  const [db, schema] = config.snowflake.secret.parts as [string, string, string];
  const at = (name: string) => inSchema(db, schema, name);
  const setupVars = new Map(scriptVariables(`setup-${config.provider}`).map((v) => [v.name, v.default]));
  const dataFunction = accountObjectName(at(setupVars.get('data_function') ?? 'FITBIT_DAILY_DATA'), account);
  const conn = config.snowflake.connection;
  return {
    account,
    schemaSql: `${quoteIdentifierPart(db)}.${quoteIdentifierPart(schema)}`,
    task: at(lastPart(defaults.loadTask)),
    runsTable: at(lastPart(defaults.runsTable)),
    tables: Object.fromEntries(
      Object.entries(defaults.tables).map(([kind, table]) => [kind, at(lastPart(table))]),
    ),
    pipelineRole: defaults.pipelineRole,
    readerRole: setupVars.get('reader_role') ?? 'FITBIT_READER',
    ownerRole: setup.ownerRole,
    warehouse: conn.warehouse ? settingName(conn.warehouse) : setup.warehouse,
    appRoleSql: conn.role ? settingName(conn.role) : '<app role>',
    dataFunctionSql: `${dataFunction.sql}(VARCHAR, DATE, DATE)`,
  };
}

/** The query for the account's own daily steps, as a reader runs it (sql/README.md, "Your own steps"). */
export function stepsQuery(names: PipelineNames): string | undefined {
  const table = names.tables.steps;
  if (!table) return undefined;
  return [
    `USE ROLE ${names.readerRole};`,
    `USE WAREHOUSE ${names.warehouse};`,
    `SELECT DAY, STEPS FROM ${table.sql} WHERE ACCOUNT = ${quoteLiteral(names.account)} ORDER BY DAY DESC;`,
  ].join('\n');
}
