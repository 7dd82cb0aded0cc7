// The names the setup scripts give the objects they create when run without other values, read from the
// scripts' own `<% name | default("…") %>`: a fix statement, sandbox mode and the docs name what the script
// made, and a default changes in one place (sql/).
import { type DataKind, isDataKind, type ProviderId } from '../providers/index.js';
import { isScriptName, readScript, type ScriptName, scriptVariables } from './templates.js';

export interface SetupDefaults {
  database: string;
  schema: string;
  warehouse: string;
  ownerRole: string;
  appRole: string;
  appUser: string;
  securityIntegration: string;
  /** Qualified as the script creates them: database.schema.name. */
  networkRule: string;
  secret: string;
  checkFunction: string;
  /** The daily-steps table function, when the provider's script creates one (the status chart reads it). */
  dataFunction?: string;
}

const cache = new Map<ScriptName, SetupDefaults>();

export function setupDefaults(provider: ProviderId): SetupDefaults {
  const script: ScriptName = `setup-${provider}`;
  const cached = cache.get(script);
  if (cached) return cached;
  const defaults = new Map(scriptVariables(script).map((v) => [v.name, v.default]));
  const get = (name: string): string => {
    const value = defaults.get(name);
    if (value === undefined) throw new Error(`sql/${script}.sql gives no default for "${name}".`);
    return value;
  };
  const qualified = (name: string) => `${get('database')}.${get('schema')}.${get(name)}`;
  const out: SetupDefaults = {
    database: get('database'),
    schema: get('schema'),
    warehouse: get('warehouse'),
    ownerRole: get('owner_role'),
    appRole: get('app_role'),
    appUser: get('app_user'),
    securityIntegration: get('security_integration'),
    networkRule: qualified('network_rule'),
    secret: qualified('secret_name'),
    checkFunction: qualified('check_function'),
    dataFunction: defaults.has('steps_function') ? qualified('steps_function') : undefined,
  };
  cache.set(script, out);
  return out;
}

/** What the daily-load script (sql/pipeline-<provider>.sql) creates when run without other values. */
export interface PipelineDefaults {
  pipelineRole: string;
  /** Qualified as the script creates them: database.schema.name. */
  loadProcedure: string;
  loadTask: string;
  runsTable: string;
  /** The landing table of each data kind the procedure knows, qualified. */
  tables: Partial<Record<DataKind, string>>;
  historyDays: number;
  schedule: string;
}

const pipelineCache = new Map<ScriptName, PipelineDefaults>();

/** The pipeline's names, or undefined for a provider without a daily load (legacy fitbit). */
export function pipelineDefaults(provider: ProviderId): PipelineDefaults | undefined {
  const script = `pipeline-${provider}`;
  if (!isScriptName(script)) return undefined;
  const cached = pipelineCache.get(script);
  if (cached) return cached;
  const defaults = new Map(scriptVariables(script).map((v) => [v.name, v.default]));
  const get = (name: string): string => {
    const value = defaults.get(name);
    if (value === undefined) throw new Error(`sql/${script}.sql gives no default for "${name}".`);
    return value;
  };
  const qualify = (name: string) => `${get('database')}.${get('schema')}.${name}`;
  const out: PipelineDefaults = {
    pipelineRole: get('pipeline_role'),
    loadProcedure: qualify(get('load_procedure')),
    loadTask: qualify(get('load_task')),
    runsTable: qualify(get('runs_table')),
    tables: Object.fromEntries(
      Object.entries(pipelineTables(readScript(script))).map(([kind, table]) => [kind, qualify(table)]),
    ),
    historyDays: Number(get('history_days')),
    schedule: get('schedule'),
  };
  pipelineCache.set(script, out);
  return out;
}

/**
 * Each data kind's table, read from the load procedure's KINDS table (`'steps': ('FITBIT_STEPS', 90, …`): the
 * data tables' names are fixed by the script, not template variables, because the dashboard reads them as is.
 */
export function pipelineTables(scriptText: string): Partial<Record<DataKind, string>> {
  const out: Partial<Record<DataKind, string>> = {};
  for (const m of scriptText.matchAll(/^ {4}'(\w+)': \('(\w+)', \d+, /gm)) {
    if (isDataKind(m[1]!)) out[m[1]!] = m[2]!;
  }
  return out;
}
