// The daily load's objects as this app's configuration places them: the pipeline script creates them in the
// secret's database and schema, under the names its defaults give (sql/pipeline-<provider>.sql). The status
// page, "Load now" and the result page's query all name them from here.
import type { AppConfig } from '../config/index.js';
import type { DataKind } from '../providers/index.js';
import { type QualifiedName, quoteIdentifierPart, quoteLiteral } from '../snowflake/sql.js';
import { pipelineDefaults, setupDefaults } from './defaults.js';
import { scriptVariables } from './templates.js';

export interface PipelineNames {
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
  /** The functions the load calls, with their signatures (for GRANT USAGE ON FUNCTION). */
  checkFunctionSql: string;
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

/** The pipeline's names for this configuration, or undefined when the provider has no daily load. */
export function pipelineNames(config: AppConfig): PipelineNames | undefined {
  const defaults = pipelineDefaults(config.provider);
  if (!defaults) return undefined;
  const setup = setupDefaults(config.provider);
  const [db, schema] = config.snowflake.secret.parts as [string, string, string];
  const at = (name: string) => inSchema(db, schema, name);
  const setupVars = new Map(scriptVariables(`setup-${config.provider}`).map((v) => [v.name, v.default]));
  const dataFunction = at(setupVars.get('data_function') ?? 'FITBIT_DAILY_DATA');
  const conn = config.snowflake.connection;
  return {
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
    checkFunctionSql: `${config.snowflake.checkFunction.sql}()`,
    dataFunctionSql: `${dataFunction.sql}(VARCHAR, DATE, DATE)`,
  };
}

/** The query for the user's own daily steps, as a reader runs it (sql/README.md, "Your own steps"). */
export function stepsQuery(names: PipelineNames, account?: string): string | undefined {
  const table = names.tables.steps;
  if (!table) return undefined;
  const where = account ? ` WHERE ACCOUNT = ${quoteLiteral(account)}` : '';
  return [
    `USE ROLE ${names.readerRole};`,
    `USE WAREHOUSE ${names.warehouse};`,
    `SELECT DAY, STEPS FROM ${table.sql}${where} ORDER BY DAY DESC;`,
  ].join('\n');
}
