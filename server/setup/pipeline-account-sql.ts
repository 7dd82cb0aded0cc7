// What the daily load needs for one more account: the pipeline role's USAGE on the account's data function
// (FITBIT_DAILY_DATA_<LABEL>, by the naming rule of server/accounts/names.ts). That grant is all: the load
// procedure loads every account whose data function the role may use. The statements are the block marked
// "per account" in sql/pipeline-<provider>.sql, rendered with the account's function, so the script and the
// add-account SQL cannot drift apart.
import { DEFAULT_ACCOUNT, labelProblem } from '../accounts/names.js';
import type { AppConfig } from '../config/index.js';
import { setupInputs } from '../status/setup-scripts.js';
import { templateValues } from './inputs.js';
import { isScriptName, parseTemplate, readScript, renderTemplate, type ScriptName } from './templates.js';

const BEGIN = /^-- >>> per account\b.*$/m;
const END = /^-- <<< per account\b.*$/m;

/** The marked block of a pipeline script, its marker lines (and the comment under the first) left out. */
export function pipelineAccountBlock(script: ScriptName): string {
  const text = readScript(script);
  const begin = BEGIN.exec(text);
  const end = END.exec(text);
  if (!begin || !end || end.index < begin.index)
    throw new Error(`sql/${script}.sql has no "-- >>> per account" … "-- <<< per account" block.`);
  return text
    .slice(begin.index, end.index)
    .split('\n')
    .filter((line) => !line.startsWith('--') && line.trim() !== '')
    .join('\n');
}

/**
 * The SQL an administrator runs so the daily load includes account `label` (not the default account, which
 * the pipeline script itself covers): `values` are the pipeline script's variables as the app renders them
 * (templateValues(…, 'pipeline-google-health')); unknown ones are ignored, `data_function` is the default
 * account's name (the script's default when absent). Throws for a label the naming rule refuses.
 */
export function renderPipelineAccountSql(
  label: string,
  values: Record<string, string> = {},
  script: ScriptName = 'pipeline-google-health',
): string {
  const problem = labelProblem(label);
  if (problem) throw new Error(`Not an account label: ${problem}`);
  const block = pipelineAccountBlock(script);
  const variables = parseTemplate(block).variables;
  const base =
    values.data_function ?? variables.find((v) => v.name === 'data_function')?.default ?? 'FITBIT_DAILY_DATA';
  const used = new Set(variables.map((v) => v.name));
  const own = Object.fromEntries(Object.entries(values).filter(([k]) => used.has(k)));
  const comment = `-- The daily load: the pipeline role may call ${label}'s data function, so the next run loads ${label} too.`;
  return `${comment}\n${renderTemplate(block, { ...own, data_function: `${base}_${label.toUpperCase()}` }, script)}\n`;
}

/**
 * The same for the app's configuration: undefined when its provider has no daily load, or for the default
 * account (the pipeline script grants its function).
 */
export function pipelineAccountSql(config: AppConfig, label: string): string | undefined {
  const script = `pipeline-${config.provider}`;
  if (label === DEFAULT_ACCOUNT || !isScriptName(script)) return undefined;
  return renderPipelineAccountSql(label, templateValues(setupInputs(config), script), script);
}
