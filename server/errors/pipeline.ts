// The daily load (sql/pipeline-<provider>.sql): why "Load now" could not start it, and why a load failed, in
// the app's words with the fix. A load's failure is shown on the status page (its "Daily load" card and the
// pipeline_last_load row), not as an error page: the load runs in Snowflake, not in a request.
import { entry, PROVIDER } from './entry.js';

type LoadNowRefusal = 'no_pipeline' | 'not_installed' | 'no_operate' | 'owner_cannot_execute';

interface LoadNowParams {
  variant: LoadNowRefusal;
  /** The task, as Snowflake displays it. */
  task: string;
  taskSql: string;
  appRoleSql: string;
  pipelineRole: string;
}

/** What stopped a load, as the status page tells it. */
export type LoadFailureCause =
  | 'token_revoked'
  | 'revoked_before_reauthorize'
  | 'rate_limited'
  | 'scope_missing'
  | 'account_not_linked'
  | 'privilege'
  | 'other';

interface LoadFailedParams {
  cause: LoadFailureCause;
  /** When the load ended (ISO 8601, Snowflake's clock). */
  at: string;
  /** The data kinds that failed, e.g. `calories, sleep` ('' when the run failed as a whole). */
  kinds: string;
  /** The FITBIT_CONNECT_ERROR code or Snowflake's error code. */
  code: string;
  /** When the next run is: `at 2026-01-02 07:00 UTC`, or `on the task’s next run`. */
  next: string;
  provider: string;
  /** revoked_before_reauthorize: when the re-authorization was. */
  reauthorizedAt?: string;
  /** privilege: the statements that give the pipeline role what the script gives it. */
  grantsSql?: string;
}

const TASK = '<db>.<schema>.FITBIT_DAILY_LOAD';
const TASK_PARAMS = {
  task: TASK,
  taskSql: TASK,
  appRoleSql: '<app role>',
  pipelineRole: 'FITBIT_PIPELINE_ROLE',
};

const kindsOf = (p: LoadFailedParams) => (p.kinds ? ` (${p.kinds})` : '');

export const pipelineErrors = {
  load_now_refused: entry<LoadNowParams>({
    group: 'snowflake',
    when: '**Load now** on the status page could not start the daily load’s task (`EXECUTE TASK`): it is not there, the app’s role may not see or run it, or its owner may not run tasks.',
    status: (p) => (p.variant === 'no_pipeline' || p.variant === 'not_installed' ? 404 : 403),
    title: (p) =>
      ({
        no_pipeline: 'This provider has no daily load',
        not_installed: 'The daily load is not set up (or the app cannot see it)',
        no_operate: 'The app’s role may not start the daily load',
        owner_cannot_execute: 'The daily load’s owner may not run tasks',
      })[p.variant],
    why: (p) =>
      ({
        no_pipeline:
          'The daily tables load from the Google Health API’s daily data function, which only the google-health setup script creates.',
        not_installed: `Snowflake answered that ${p.task} does not exist or is not authorized: the pipeline script was not run in the secret’s database and schema, or the app’s role holds no privilege on the task.`,
        no_operate: `Snowflake refused EXECUTE TASK ${p.task}: it needs OPERATE on the task, which the pipeline script grants the app’s role.`,
        owner_cannot_execute: `Snowflake refused to run ${p.task}: a task runs as its owner, ${p.pipelineRole}, and that role lacks EXECUTE TASK on the account.`,
      })[p.variant],
    fix: (p) =>
      ({
        no_pipeline:
          'Switch to PROVIDER=google-health (docs/going-live.md), run its setup and pipeline scripts, and connect again.',
        not_installed:
          'If you have not run it yet, run the pipeline script as ACCOUNTADMIN (the Setup page renders it filled in, or `npm run -s sql -- pipeline-google-health | snow sql -i`). If you have, give the app’s role its privileges on the task with the statements below. Then press Load now again.',
        no_operate:
          'Grant the app’s role OPERATE on the task with the statements below, then press Load now again.',
        owner_cannot_execute:
          'Grant the task’s owner EXECUTE TASK on the account with the statements below (an account administrator must), then press Load now again.',
      })[p.variant],
    fixSql: (p) =>
      ({
        no_pipeline: undefined,
        not_installed: `USE ROLE ${p.pipelineRole};\nGRANT MONITOR, OPERATE ON TASK ${p.taskSql} TO ROLE ${p.appRoleSql};`,
        no_operate: `USE ROLE ${p.pipelineRole};\nGRANT OPERATE ON TASK ${p.taskSql} TO ROLE ${p.appRoleSql};`,
        owner_cannot_execute: `USE ROLE ACCOUNTADMIN;\nGRANT EXECUTE TASK ON ACCOUNT TO ROLE ${p.pipelineRole};`,
      })[p.variant],
    examples: [
      { label: 'the provider is legacy fitbit', params: { variant: 'no_pipeline', ...TASK_PARAMS } },
      {
        label: '`002003`: the task is not there, or the app’s role holds no privilege on it',
        params: { variant: 'not_installed', ...TASK_PARAMS },
      },
      { label: '`003001`: the app’s role lacks OPERATE', params: { variant: 'no_operate', ...TASK_PARAMS } },
      {
        label: '`003001` “EXECUTE TASK privilege must be granted to owner role”',
        params: { variant: 'owner_cannot_execute', ...TASK_PARAMS },
      },
    ],
  }),
  pipeline_load_failed: entry<LoadFailedParams>({
    group: 'snowflake',
    when: 'The status page’s *Daily load* card and its `pipeline_last_load` row, when the last load (read after a scheduled or clicked end-to-end check, or a **Load now**) did not load everything. Not an error page: the load runs in Snowflake.',
    status: 200,
    title: (p) =>
      ({
        token_revoked: 'The daily load failed: the token was revoked or expired',
        revoked_before_reauthorize: 'The last daily load failed before the re-authorization',
        rate_limited: `The daily load was rate-limited${kindsOf(p)}`,
        scope_missing: `The daily load is missing a permission${kindsOf(p)}`,
        account_not_linked: 'The daily load found no Fitbit data for this Google account',
        privilege: 'The daily load lacks a Snowflake privilege',
        other: `The daily load failed${kindsOf(p)}`,
      })[p.cause],
    why: (p) =>
      ({
        token_revoked: `The load that ended at ${p.at} could not use the refresh token in the secret: ${p.provider} refused it (revoked, or expired). Nothing was loaded; the days it missed are loaded by the first run after a re-authorization.`,
        revoked_before_reauthorize: `The load that ended at ${p.at} failed because ${p.provider} refused the token; you re-authorized since (${p.reauthorizedAt}), so the next load works again.`,
        rate_limited: `${p.provider} answered 429 (too many requests for this account) during the load that ended at ${p.at}: the kinds listed stopped where they were, the others loaded. Every window loaded before the limit is kept.`,
        scope_missing: `${p.provider} refused the load that ended at ${p.at} a permission the listed kinds need (the consent left it out, or PIPELINE_DATA_TYPES lists a kind the setup script did not allow).`,
        account_not_linked: `${p.provider} answered that the connected Google account has no Fitbit (Google Health) data, in the load that ended at ${p.at}.`,
        privilege: `Snowflake refused the load that ended at ${p.at} a privilege (${p.code}): the pipeline role lost one the pipeline script gives it, so the load stopped.`,
        other: `The load that ended at ${p.at} failed with ${p.code}. Its message is below.`,
      })[p.cause],
    fix: (p) =>
      ({
        token_revoked: `Re-authorize (the button on the status page). The next load, ${p.next} or on Load now, catches up the days missed.`,
        revoked_before_reauthorize: `Nothing to do: the next load, ${p.next}, catches up the days missed; press Load now to do it at once.`,
        rate_limited: `Nothing to do: the next run, ${p.next}, resumes where this one stopped (or press Load now after a minute).`,
        scope_missing:
          'Re-authorize and keep every requested permission ticked; if the kind was added to PIPELINE_DATA_TYPES since the setup script ran, run the setup script again first (Setup page). Then press Load now.',
        account_not_linked:
          'Re-authorize with the Google account your Fitbit is linked to, then press Load now.',
        privilege: `Run the statements below (the grants the pipeline script gives the pipeline role), then press Load now.`,
        other: 'Read the message, fix what it names, then press Load now.',
      })[p.cause],
    fixSql: (p) => (p.cause === 'privilege' ? p.grantsSql : undefined),
    examples: (
      [
        'token_revoked',
        'revoked_before_reauthorize',
        'rate_limited',
        'scope_missing',
        'account_not_linked',
        'privilege',
        'other',
      ] as const
    ).map((cause) => ({
      label: cause.replaceAll('_', ' '),
      params: {
        cause,
        at: '<when the load ended>',
        kinds:
          cause === 'rate_limited' || cause === 'scope_missing' || cause === 'other' ? '<data kinds>' : '',
        code: '<error code>',
        next: 'at <next run>',
        provider: PROVIDER,
        reauthorizedAt: '<last re-authorization>',
        grantsSql: 'USE ROLE <owner role>;\nGRANT USAGE ON … TO ROLE FITBIT_PIPELINE_ROLE;',
      },
    })),
  }),
};
