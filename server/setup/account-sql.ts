// The SQL an administrator runs for several accounts (docs: sql/README.md, "Several accounts"). The setup
// and teardown scripts mark what belongs to one account with `-- [per-account] begin` / `end` (its secret,
// its functions, their grants) and what lists every account with `-- [all-accounts] begin` / `end` (the
// external access integration's ALLOWED_AUTHENTICATION_SECRETS). This module renders those blocks with an
// account's names (server/accounts/names.ts), so no statement is written twice: an account's SQL is the
// script's own text, under the script's own USE ROLE.
import { accountObjectName, DEFAULT_ACCOUNT, labelProblem } from '../accounts/names.js';
import type { ProviderId } from '../providers/index.js';
import { parseQualifiedName, SqlValueError } from '../snowflake/sql.js';
import { renderPipelineAccountSql } from './pipeline-account-sql.js';
import {
  isScriptName,
  parseTemplate,
  readScript,
  renderTemplate,
  type ScriptName,
  scriptVariables,
  TemplateError,
} from './templates.js';

/** The variables that name one account's objects: each account's get its label as a suffix. */
export const ACCOUNT_VARIABLES = [
  'secret_name',
  'check_function',
  'steps_function',
  'data_function',
  'steps_month_function',
] as const;

/** The variable holding every account's secret but the default's, each after a comma. */
export const OTHER_SECRETS = 'other_secrets';

type Kind = 'per-account' | 'all-accounts';

interface Block {
  kind: Kind;
  /** Offsets in the template: from the begin marker's line to just after the end marker's line. */
  start: number;
  end: number;
  /** The block's text, markers included. */
  text: string;
  /** The `USE ROLE …;` statement in force where the block starts (template text). */
  role: string | undefined;
}

const BLOCK = /^-- \[(per-account|all-accounts)\] begin\b[^\n]*\n[\s\S]*?^-- \[\1\] end[^\n]*(?:\n|$)/gm;
const USE_ROLE = /^USE ROLE [^;\n]+;/gm;

/** The marked blocks of a template, in order. */
export function templateBlocks(text: string): Block[] {
  const roles = [...text.matchAll(USE_ROLE)];
  return [...text.matchAll(BLOCK)].map((m) => {
    const role = roles.filter((r) => r.index < m.index).at(-1)?.[0];
    return { kind: m[1] as Kind, start: m.index, end: m.index + m[0].length, text: m[0], role };
  });
}

/** A piece of a template, rendered with only the values it takes (a piece refuses names it lacks). */
function renderPiece(text: string, values: Record<string, string>, script: string): string {
  const names = new Set(parseTemplate(text).variables.map((v) => v.name));
  const picked = Object.fromEntries(Object.entries(values).filter(([k]) => names.has(k)));
  return renderTemplate(text, picked, script);
}

/** A variable's value: the one given, else the script's default. */
function variableValue(script: ScriptName, values: Record<string, string>, name: string): string {
  if (Object.hasOwn(values, name)) return values[name]!;
  const dflt = scriptVariables(script).find((v) => v.name === name)?.default;
  if (dflt === undefined) throw new TemplateError(`sql/${script}.sql gives no default for "${name}".`, name);
  return dflt;
}

/** The non-default labels among `labels`, each once, in order. */
function otherLabels(labels: readonly string[]): string[] {
  return [...new Set(labels.filter((l) => l !== DEFAULT_ACCOUNT))];
}

function checkLabel(label: string): void {
  const problem = labelProblem(label);
  if (problem) throw new TemplateError(`Account "${label.slice(0, 40)}": ${problem}`, 'account');
}

/** `values` with every account variable the script takes renamed for `label` (the default's: unchanged). */
export function accountValues(
  script: ScriptName,
  values: Record<string, string>,
  label: string,
): Record<string, string> {
  if (label === DEFAULT_ACCOUNT) return values;
  checkLabel(label);
  const takes = new Set(scriptVariables(script).map((v) => v.name));
  const out = { ...values };
  for (const name of ACCOUNT_VARIABLES) {
    if (!takes.has(name)) continue;
    const given = variableValue(script, values, name);
    try {
      out[name] = accountObjectName(parseQualifiedName(given, 1), label).sql;
    } catch (e) {
      if (e instanceof SqlValueError) throw new TemplateError(`${name}: ${e.message}`, name);
      throw e;
    }
  }
  return out;
}

/** An account's secret as SQL text, `DB.SCHEMA.NAME`, as the script creates it. */
export function accountSecretSql(script: ScriptName, values: Record<string, string>, label: string): string {
  const v = accountValues(script, values, label);
  return ['database', 'schema', 'secret_name'].map((n) => variableValue(script, v, n)).join('.');
}

/** Every account's secret: the default's first, then each other label's, as SQL text. */
export function allowedSecrets(
  script: ScriptName,
  values: Record<string, string>,
  labels: readonly string[],
): string[] {
  return [DEFAULT_ACCOUNT, ...otherLabels(labels)].map((l) => accountSecretSql(script, values, l));
}

/** `values` plus other_secrets listing every registered account's secret (unless given explicitly). */
function withOtherSecrets(
  script: ScriptName,
  values: Record<string, string>,
  labels: readonly string[],
): Record<string, string> {
  if (Object.hasOwn(values, OTHER_SECRETS)) return values;
  if (!scriptVariables(script).some((v) => v.name === OTHER_SECRETS)) return values;
  const others = allowedSecrets(script, values, labels).slice(1);
  return others.length ? { ...values, [OTHER_SECRETS]: others.map((s) => `, ${s}`).join('') } : values;
}

/**
 * The whole script for every registered account: each per-account block once for the default account (as
 * in the file) and once more for each other label, and the integration listing every account's secret, so
 * re-running setup (or teardown) keeps (or drops) them all. With no other labels it is renderScript's text.
 */
export function renderScriptForAccounts(
  script: ScriptName,
  values: Record<string, string>,
  labels: readonly string[],
): string {
  const text = readScript(script);
  const others = otherLabels(labels);
  const all = withOtherSecrets(script, values, others);
  // The whole script first: unknown or missing variables are reported as for the script itself.
  const whole = renderTemplate(text, all, script);
  if (others.length === 0) return whole;
  // The daily load marks its per-account part its own way: the pipeline role's grant on each data function.
  if (script.startsWith('pipeline-'))
    return [whole, ...others.map((label) => renderPipelineAccountSql(label, values, script))].join('\n');
  let out = '';
  let last = 0;
  for (const block of templateBlocks(text)) {
    if (block.kind !== 'per-account') continue;
    out += renderPiece(text.slice(last, block.end), all, script);
    for (const label of others) {
      out += `-- account ${label}\n${renderPiece(block.text, accountValues(script, all, label), script)}`;
    }
    last = block.end;
  }
  return out + renderPiece(text.slice(last), all, script);
}

/** Each block of `script` of one kind, under its USE ROLE (omitted when the previous piece set the same). */
function blocksWithRoles(
  script: ScriptName,
  kind: Kind,
  values: Record<string, string>,
): { role: string | undefined; text: string }[] {
  const text = readScript(script);
  return templateBlocks(text)
    .filter((b) => b.kind === kind)
    .map((b) => ({
      role: b.role && renderPiece(b.role, values, script),
      text: renderPiece(b.text, values, script),
    }));
}

function joinUnderRoles(header: string[], pieces: { role: string | undefined; text: string }[]): string {
  let out = `${header.map((l) => `-- ${l}`.trimEnd()).join('\n')}\n`;
  let role: string | undefined;
  for (const p of pieces) {
    out += '\n';
    if (p.role && p.role !== role) out += `${p.role}\n\n`;
    role = p.role ?? role;
    out += p.text;
  }
  return out;
}

export interface AccountSqlInput {
  provider: ProviderId;
  /** The script variables from the app's configuration (templateValues), plus any given by hand. */
  values: Record<string, string>;
  /** Every registered account's label (the default's may be among them; `label` need not be). */
  labels: readonly string[];
}

/**
 * What an administrator runs to add account `label`: its secret (owned by the app's role, readable by
 * readers), the external access integration's allowed secrets set to every account's, then its functions,
 * each listing only its own secret. Each part under the USE ROLE the setup script runs it with.
 */
export function renderAccountSql(input: AccountSqlInput, label: string, person?: string): string {
  checkLabel(label);
  const script: ScriptName = `setup-${input.provider}`;
  const labels = [...otherLabels(input.labels), label];
  const mine = accountValues(script, input.values, label);
  const all = withOtherSecrets(script, input.values, labels);
  const [secret, ...functions] = blocksWithRoles(script, 'per-account', mine);
  const eai = blocksWithRoles(script, 'all-accounts', all);
  // The integration may list only secrets that exist: another account registered but whose SQL has not run
  // yet gets its (empty) secret here too. Its own SQL later finds it there (IF NOT EXISTS) and goes on.
  const othersSecrets = labels
    .filter((l) => l !== label)
    .map((l) => blocksWithRoles(script, 'per-account', accountValues(script, input.values, l))[0]!);
  const who = person ? ` (${oneLine(person)})` : '';
  const pipeline = `pipeline-${input.provider}`;
  const load = isScriptName(pipeline)
    ? `\n-- Only if the daily load is set up (sql/${pipeline}.sql; skip this last part otherwise):\n${renderPipelineAccountSql(label, input.values, pipeline)}`
    : '';
  return `${joinUnderRoles(
    [
      `fitbit-snowflake-connect: add account ${label}${who}: its own OAuth secret and functions.`,
      `The per-account parts of sql/${script}.sql, with this account's names. Run it top to bottom as a`,
      'user who holds ACCOUNTADMIN, or hand each USE ROLE part to the holder of that role, in order. Safe to',
      're-run. The app role cannot create these objects itself; once they exist, the app offers Connect.',
      "The integration's allowed secrets are every account's (SET replaces the list):",
      ...allowedSecrets(script, input.values, labels).map((s) => `  ${s}`),
    ],
    [...othersSecrets, secret!, ...eai, ...functions],
  )}${load}`;
}

/**
 * What an administrator runs to remove account `label`: its functions, then the integration's allowed
 * secrets without it, then its secret (and the refresh token in it; revoke it at the provider as well).
 */
export function renderRemoveAccountSql(input: AccountSqlInput, label: string): string {
  checkLabel(label);
  const setup: ScriptName = `setup-${input.provider}`;
  const remaining = otherLabels(input.labels).filter((l) => l !== label);
  const mine = accountValues('teardown', input.values, label);
  const [functions, secret] = blocksWithRoles('teardown', 'per-account', mine);
  const eai = blocksWithRoles(setup, 'all-accounts', withOtherSecrets(setup, input.values, remaining));
  return joinUnderRoles(
    [
      `fitbit-snowflake-connect: remove account ${label}: its functions and its OAuth secret.`,
      `Made from sql/teardown.sql and sql/${setup}.sql. Dropping the secret does not revoke the token at the`,
      'provider: remove the app’s access in that person’s Google (or Fitbit) account settings as well.',
    ],
    [functions!, ...eai, secret!],
  );
}

/** A person's name inside a `--` comment: one line, nothing that could end it or read as a template. */
function oneLine(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/<%|%>|\{#|&\{/g, '')
    .slice(0, 80);
}
