// The last daily load, as the app last read it from FITBIT_LOAD_RUNS (after a scheduled or clicked end-to-end
// check, or a Load now; page loads use no warehouse): its outcome, and on failure the cause in the app's words with its fix
// (the catalog's pipeline_load_failed). What it does to the verdict:
//   - token_revoked → needs_reauth, like a revoked token found by the end-to-end check, unless a
//     re-authorization came after it (the next load then catches up: no effect);
//   - any other failure (partial or failed) → needs attention (`warning`, exit 1);
//   - ok, no load yet, or not read yet → none.
import type { ReadFailure } from '../../connection/daily-load.js';
import type { LastLoad, LoadReading } from '../../connection/load-record.js';
import { errorText } from '../../errors/index.js';
import type { LoadFailureCause } from '../../errors/pipeline.js';
import type { PipelineNames } from '../../setup/pipeline-names.js';
import { formatAgo } from '../../time-format.js';
import type { Finding } from './types.js';

export type LoadEffect = 'none' | 'warning' | 'needs_reauth';

export interface LoadJudgement {
  finding: Finding;
  effect: LoadEffect;
  /** Why the last load failed; null when it did not (or nothing was read). */
  cause: LoadFailureCause | null;
  /** The failure in the app's words (the catalog's text), for the card. */
  said: { title: string; why: string; fix: string; fixSql: string | null } | null;
}

const ROW = { id: 'pipeline_last_load', title: 'Last daily load' };

const PRIVILEGE_CODES = new Set(['003001', '002003', '002141', '003011']);

/** Why a load failed, from its error code (and Snowflake's message for its own codes). */
export function loadCause(
  code: string | null,
  message: string | null,
): Exclude<LoadFailureCause, 'revoked_before_reauthorize'> {
  const c = (code ?? '').toLowerCase();
  if (c === 'token_revoked' || c === 'token_expired') return 'token_revoked';
  if (c === 'rate_limited' || c === 'scope_missing' || c === 'account_not_linked') return c;
  if (
    PRIVILEGE_CODES.has(c) ||
    /insufficient privileges|does not exist or not authorized|EXECUTE TASK privilege/i.test(message ?? '')
  )
    return 'privilege';
  return 'other';
}

/** The grants the pipeline script gives the pipeline role: what a load that lost one needs back. */
export function pipelineGrantsSql(names: PipelineNames, message: string | null): string {
  const role = names.pipelineRole;
  if (/EXECUTE TASK privilege/i.test(message ?? ''))
    return `USE ROLE ACCOUNTADMIN;\nGRANT EXECUTE TASK ON ACCOUNT TO ROLE ${role};`;
  const [db] = names.schemaSql.split('.') as [string];
  return [
    `USE ROLE ${names.ownerRole};`,
    `GRANT USAGE ON DATABASE ${db} TO ROLE ${role};`,
    `GRANT USAGE ON SCHEMA ${names.schemaSql} TO ROLE ${role};`,
    `GRANT USAGE ON WAREHOUSE ${names.warehouse} TO ROLE ${role};`,
    `GRANT USAGE ON FUNCTION ${names.dataFunctionSql} TO ROLE ${role};`,
  ].join('\n');
}

/** The kinds that failed on their own (not those skipped after the run stopped). */
function failedKinds(load: LastLoad): string {
  return Object.entries(load.kinds)
    .filter(([, d]) => d.errorCode && !d.skipped)
    .map(([kind]) => kind)
    .join(', ');
}

export interface LoadJudgeInput {
  reading: LoadReading | undefined;
  names: PipelineNames;
  /** The provider's name, for sentences. */
  provider: string;
  /** The last connect or re-authorization (ISO 8601). */
  lastConnectAt: string | undefined;
  /** When the next run is, as a phrase: `at 2026-01-02 07:00 UTC`, `on the task’s next run`. */
  next: string;
  now: Date;
  /** The last attempt to read FITBIT_LOAD_RUNS failed. */
  readFailure?: ReadFailure;
}

/**
 * A token_revoked load is about the old token when a re-authorization came after it: after the app had
 * seen it, or after it ended (Snowflake's clock, which in real life agrees with the app's within seconds).
 */
function beforeReauthorize(reading: LoadReading, load: LastLoad, connectAt: string | undefined): boolean {
  if (!connectAt) return false;
  const c = Date.parse(connectAt);
  const ended = load.finishedAt ? Date.parse(load.finishedAt) : Number.NaN;
  return Date.parse(reading.firstSeenAt) < c || ended < c;
}

export function pipelineLoadCheck(input: LoadJudgeInput): LoadJudgement {
  const { reading, now } = input;
  const none = (detail: string): LoadJudgement => ({
    finding: { ...ROW, status: 'ok', detail },
    effect: 'none',
    cause: null,
    said: null,
  });
  if (input.readFailure) {
    const f = input.readFailure;
    const runs = input.names.runsTable;
    const grant = f.code === 'snowflake_privilege' || f.code === 'snowflake_object_missing';
    const last = reading?.load
      ? ` The last load it read (ended ${reading.load.finishedAt ?? '?'}) was ${reading.load.outcome}.`
      : '';
    return {
      finding: {
        ...ROW,
        status: 'warning',
        detail: `The app could not read ${runs.display} at ${f.at}: ${f.why}.${last}`,
        fix: grant
          ? `Give the app’s role SELECT on ${runs.display} (the pipeline script does), as ${input.names.pipelineRole}; the next end-to-end check or Load now reads it.`
          : 'Fix what the message names; the next end-to-end check or Load now reads it again.',
        fixSql: grant
          ? `USE ROLE ${input.names.pipelineRole};\nGRANT SELECT ON TABLE ${runs.sql} TO ROLE ${input.names.appRoleSql};`
          : null,
      },
      effect: 'warning',
      cause: null,
      said: null,
    };
  }
  if (!reading)
    return none(
      `Not read yet: the app reads ${input.names.runsTable.display} after the scheduled or clicked end-to-end check and after Load now (it needs a warehouse, which page loads do not use).`,
    );
  const read = `read ${formatAgo((now.getTime() - Date.parse(reading.readAt)) / 1000)}`;
  const load = reading.load;
  if (!load) return none(`No load has run yet (${read}): the first runs ${input.next}, or press Load now.`);
  const ended = load.finishedAt ?? load.startedAt ?? 'an unknown time';
  if (load.outcome === 'ok')
    return none(
      `The load that ended at ${ended} changed ${load.rowsChanged ?? '?'} rows; the latest day landed is ${load.latestDay ?? 'none yet'} (${read}).`,
    );
  let cause: LoadFailureCause = loadCause(load.errorCode, load.errorMessage);
  if (cause === 'token_revoked' && beforeReauthorize(reading, load, input.lastConnectAt))
    cause = 'revoked_before_reauthorize';
  const said = errorText('pipeline_load_failed', {
    cause,
    at: ended,
    kinds: load.outcome === 'partial' || cause === 'other' ? failedKinds(load) : '',
    code: load.errorCode ?? 'an unknown error',
    next: input.next,
    provider: input.provider,
    reauthorizedAt: input.lastConnectAt,
    grantsSql: cause === 'privilege' ? pipelineGrantsSql(input.names, load.errorMessage) : undefined,
  });
  const mild = cause === 'rate_limited' || cause === 'revoked_before_reauthorize';
  return {
    finding: {
      ...ROW,
      status: mild ? 'warning' : 'failed',
      detail: `${said.title}. ${said.why} Latest day landed: ${load.latestDay ?? 'none yet'} (${read}).`,
      fix: said.fix,
      fixSql: said.fixSql ?? null,
    },
    effect:
      cause === 'token_revoked'
        ? 'needs_reauth'
        : cause === 'revoked_before_reauthorize'
          ? 'none'
          : 'warning',
    cause,
    said: { title: said.title, why: said.why, fix: said.fix, fixSql: said.fixSql ?? null },
  };
}
