// The daily load's side of the status page, without Snowflake: the next run from the task's schedule, the
// last load combined from FITBIT_LOAD_RUNS and TASK_HISTORY, and how each finding is judged (its fix, and
// what it does to the verdict).
import { describe, expect, it } from 'vitest';
import { type LastLoad, type LoadReading, lastLoadOf } from '../../server/connection/load-record.js';
import { pipelineNames, stepsQuery } from '../../server/setup/pipeline-names.js';
import type { LoadRunRow, TaskFacts, TaskRunRow } from '../../server/snowflake/pipeline-reader.js';
import { judgePipeline, type TaskRead } from '../../server/status/checks/index.js';
import { loadCause, pipelineLoadCheck } from '../../server/status/checks/pipeline-load.js';
import { nextRun } from '../../server/status/next-run.js';
import { config } from './status-fixtures.js';

const names = pipelineNames(config())!;
const at = (s: string) => new Date(s);
const next = (schedule: string, after: string) => {
  const n = nextRun(schedule, at(after));
  return n.kind === 'at' ? n.at.toISOString() : n.kind;
};

describe('the next run, from SHOW TASKS’ schedule', () => {
  it('reads the daily default: the next 07:00 UTC strictly after now', () => {
    const s = 'USING CRON 0 7 * * * UTC';
    expect(next(s, '2026-03-10T10:00:00Z')).toBe('2026-03-11T07:00:00.000Z');
    expect(next(s, '2026-03-10T06:59:30Z')).toBe('2026-03-10T07:00:00.000Z');
    expect(next(s, '2026-03-10T07:00:00Z')).toBe('2026-03-11T07:00:00.000Z');
    expect(next(s, '2026-12-31T08:00:00Z')).toBe('2027-01-01T07:00:00.000Z');
  });

  it('reads lists, ranges, steps, names, L and nL, in a time zone', () => {
    // Weekdays at 06:30 in Berlin: CET (+1) in March before the change, CEST (+2) after it.
    expect(next('USING CRON 30 6 * * MON-FRI Europe/Berlin', '2026-03-13T06:00:00Z')).toBe(
      '2026-03-16T05:30:00.000Z',
    );
    expect(next('USING CRON 30 6 * * 1-5 Europe/Berlin', '2026-04-03T06:00:00Z')).toBe(
      '2026-04-06T04:30:00.000Z',
    );
    expect(next('USING CRON */15 9-10 * * * UTC', '2026-03-10T10:50:00Z')).toBe('2026-03-11T09:00:00.000Z');
    expect(next('USING CRON 0 0 L * * UTC', '2026-02-03T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(next('USING CRON 0 12 * * 5L UTC', '2026-03-01T00:00:00Z')).toBe('2026-03-27T12:00:00.000Z');
    expect(next('USING CRON 0 0 1,15 JAN,JUL * UTC', '2026-03-01T00:00:00Z')).toBe(
      '2026-07-01T00:00:00.000Z',
    );
  });

  it('says when it cannot tell: an interval, a schedule it cannot read, a date that never comes', () => {
    expect(nextRun('60 MINUTES', at('2026-03-10T10:00:00Z'))).toMatchObject({ kind: 'unknown' });
    expect(nextRun('USING CRON 0 7 * * * Mars/Olympus', at('2026-03-10T10:00:00Z')).kind).toBe('unreadable');
    expect(nextRun('USING CRON 0 7 * *', at('2026-03-10T10:00:00Z')).kind).toBe('unreadable');
    expect(nextRun('USING CRON 0 0 30 2 * UTC', at('2026-03-10T10:00:00Z')).kind).toBe('unknown');
  });
});

const row = (over: Partial<LoadRunRow> = {}): LoadRunRow => ({
  runId: 'r1',
  account: 'default',
  startedAt: at('2026-03-10T07:00:01Z'),
  finishedAt: at('2026-03-10T07:00:09Z'),
  outcome: 'ok',
  rowsChanged: 12,
  latestDay: '2026-03-10',
  errorCode: null,
  errorMessage: null,
  detail: {},
  ...over,
});
const taskRun = (over: Partial<TaskRunRow> = {}): TaskRunRow => ({
  queryId: 'q1',
  database: 'FITBIT',
  schema: 'PUBLIC',
  state: 'SUCCEEDED',
  errorCode: null,
  errorMessage: null,
  scheduledTime: at('2026-03-10T07:00:00Z'),
  queryStartTime: at('2026-03-10T07:00:00Z'),
  completedTime: at('2026-03-10T07:00:10Z'),
  scheduledFrom: 'SCHEDULE',
  ...over,
});

describe('the last load', () => {
  it('is the newest FITBIT_LOAD_RUNS row, unless a later task run failed before writing one', () => {
    expect(lastLoadOf(row(), [taskRun()])).toMatchObject({
      runId: 'r1',
      source: 'runs_table',
      outcome: 'ok',
    });
    expect(lastLoadOf(null, [])).toBeNull();
    const failed = taskRun({
      queryId: 'q2',
      state: 'FAILED',
      errorCode: '003001',
      errorMessage: 'Insufficient privileges to operate on function FITBIT_DAILY_DATA',
      completedTime: at('2026-03-11T07:00:02Z'),
    });
    expect(lastLoadOf(row(), [failed, taskRun()])).toMatchObject({
      runId: 'q2',
      source: 'task_history',
      outcome: 'failed',
      errorCode: '003001',
      rowsChanged: 0,
      latestDay: '2026-03-10',
    });
    // The failed run before the newest row is history.
    expect(lastLoadOf(row({ finishedAt: at('2026-03-12T07:00:09Z') }), [failed])?.runId).toBe('r1');
  });
});

const load = (over: Partial<LastLoad> = {}): LastLoad => ({
  runId: 'r1',
  source: 'runs_table',
  startedAt: '2026-03-10T07:00:01.000Z',
  finishedAt: '2026-03-10T07:00:09.000Z',
  outcome: 'ok',
  rowsChanged: 12,
  latestDay: '2026-03-10',
  errorCode: null,
  errorMessage: null,
  kinds: {},
  ...over,
});
const reading = (l: LastLoad | null, seen = '2026-03-10T09:00:00.000Z'): LoadReading => ({
  readAt: seen,
  firstSeenAt: seen,
  load: l,
});
const judge = (r: LoadReading | undefined, lastConnectAt = '2026-03-01T00:00:00.000Z') =>
  pipelineLoadCheck({
    reading: r,
    names,
    provider: 'Google Health API',
    lastConnectAt,
    next: 'at 2026-03-11 07:00 UTC',
    now: at('2026-03-10T12:00:00Z'),
  });
const kinds = (failed: string[], code: string) =>
  Object.fromEntries(
    ['steps', 'calories', 'sleep'].map((k) => [
      k,
      {
        rowsChanged: 1,
        latestDay: '2026-03-10',
        errorCode: failed.includes(k) ? code : null,
        skipped: false,
      },
    ]),
  );

describe('judging the last load', () => {
  it('ok, no load yet, or not read yet: ok, with how old the reading is, and no effect', () => {
    expect(judge(reading(load()))).toMatchObject({
      effect: 'none',
      finding: {
        status: 'ok',
        detail: expect.stringContaining(
          'changed 12 rows; the latest day landed is 2026-03-10 (read 3 h ago)',
        ),
      },
    });
    expect(judge(reading(null)).finding.detail).toMatch(
      /^No load has run yet \(read 3 h ago\): the first runs at 2026-03-11 07:00 UTC/,
    );
    expect(judge(undefined)).toMatchObject({
      effect: 'none',
      finding: { status: 'ok', detail: expect.stringMatching(/^Not read yet/) },
    });
  });

  it('token revoked: failed, re-authorize, and the verdict needs_reauth; after a re-authorization, no effect', () => {
    const revoked = load({
      outcome: 'failed',
      errorCode: 'token_revoked',
      rowsChanged: 0,
      errorMessage: 'x',
    });
    expect(judge(reading(revoked))).toMatchObject({
      effect: 'needs_reauth',
      cause: 'token_revoked',
      finding: { status: 'failed', fix: expect.stringMatching(/^Re-authorize/) },
    });
    // Re-authorized after the app saw it (or after it ended): the next load catches up.
    const later = judge(reading(revoked), '2026-03-10T10:00:00.000Z');
    expect(later).toMatchObject({
      effect: 'none',
      cause: 'revoked_before_reauthorize',
      finding: { status: 'warning' },
    });
    expect(later.finding.fix).toContain('catches up');
  });

  it('rate limited: a warning that resumes on the next run, naming the kinds that stopped', () => {
    const j = judge(
      reading(
        load({
          outcome: 'partial',
          errorCode: 'rate_limited',
          kinds: kinds(['calories', 'sleep'], 'rate_limited'),
        }),
      ),
    );
    expect(j).toMatchObject({
      effect: 'warning',
      cause: 'rate_limited',
      finding: { status: 'warning', fixSql: null },
    });
    expect(j.said?.title).toBe('The daily load was rate-limited (calories, sleep)');
    expect(j.finding.fix).toBe(
      'Nothing to do: the next run, at 2026-03-11 07:00 UTC, resumes where this one stopped (or press Load now after a minute).',
    );
  });

  it('a privilege missing: failed, with the GRANT statements (EXECUTE TASK from ACCOUNTADMIN when that is it)', () => {
    const j = judge(
      reading(
        load({
          outcome: 'failed',
          errorCode: '002003',
          errorMessage:
            'steps: SQL compilation error: Function FITBIT_DAILY_DATA does not exist or not authorized.',
        }),
      ),
    );
    expect(j).toMatchObject({ effect: 'warning', cause: 'privilege', finding: { status: 'failed' } });
    expect(j.finding.fixSql).toBe(
      [
        'USE ROLE SYSADMIN;',
        'GRANT USAGE ON DATABASE FITBIT TO ROLE FITBIT_PIPELINE_ROLE;',
        'GRANT USAGE ON SCHEMA FITBIT.PUBLIC TO ROLE FITBIT_PIPELINE_ROLE;',
        'GRANT USAGE ON WAREHOUSE FITBIT_WH TO ROLE FITBIT_PIPELINE_ROLE;',
        'GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA(VARCHAR, DATE, DATE) TO ROLE FITBIT_PIPELINE_ROLE;',
      ].join('\n'),
    );
    const owner = judge(
      reading(
        load({
          source: 'task_history',
          outcome: 'failed',
          errorCode: '003001',
          errorMessage: 'Cannot execute task , EXECUTE TASK privilege must be granted to owner role',
        }),
      ),
    );
    expect(owner.finding.fixSql).toBe(
      'USE ROLE ACCOUNTADMIN;\nGRANT EXECUTE TASK ON ACCOUNT TO ROLE FITBIT_PIPELINE_ROLE;',
    );
  });

  it('anything else: failed, its code, and the fix to read the message', () => {
    const j = judge(
      reading(
        load({
          outcome: 'failed',
          errorCode: 'api_error',
          errorMessage: 'steps: HTTP 500',
          kinds: kinds(['steps'], 'api_error'),
        }),
      ),
    );
    expect(j).toMatchObject({ effect: 'warning', cause: 'other', finding: { status: 'failed' } });
    expect(j.said?.why).toContain('failed with api_error');
    expect(j.said?.fix).toBe('Read the message, fix what it names, then press Load now.');
  });

  it('maps the error codes the procedure records', () => {
    expect(loadCause('token_expired', null)).toBe('token_revoked');
    expect(loadCause('scope_missing', null)).toBe('scope_missing');
    expect(loadCause('account_not_linked', null)).toBe('account_not_linked');
    expect(loadCause('003001', null)).toBe('privilege');
    expect(loadCause('load_error', 'Insufficient privileges to operate on table')).toBe('privilege');
    expect(loadCause('100357', 'Python Interpreter Error')).toBe('other');
  });
});

const facts = (over: Partial<TaskFacts> = {}): TaskFacts => ({
  owner: 'FITBIT_PIPELINE_ROLE',
  state: 'started',
  schedule: 'USING CRON 0 7 * * * UTC',
  warehouse: 'FITBIT_WH',
  definition: 'CALL FITBIT.PUBLIC.FITBIT_LOAD(365)',
  committedOn: null,
  lastSuspendedReason: null,
  ...over,
});
const pipeline = (read: TaskRead, r?: LoadReading) =>
  judgePipeline({
    read,
    reading: r,
    names,
    provider: 'Google Health API',
    lastConnectAt: '2026-03-01T00:00:00.000Z',
    now: at('2026-03-10T12:00:00Z'),
  });

describe('one account of several', () => {
  const alice = pipelineNames(config(), 'alice')!;

  it('names the account’s own data function and filters its steps by its label; the task and tables are shared', () => {
    expect(alice.account).toBe('alice');
    expect(alice.dataFunctionSql).toBe('FITBIT.PUBLIC.FITBIT_DAILY_DATA_ALICE(VARCHAR, DATE, DATE)');
    expect(alice.task).toEqual(names.task);
    expect(alice.runsTable).toEqual(names.runsTable);
    expect(alice.tables).toEqual(names.tables);
    expect(stepsQuery(alice)).toBe(
      "USE ROLE FITBIT_READER;\nUSE WAREHOUSE FITBIT_WH;\nSELECT DAY, STEPS FROM FITBIT.PUBLIC.FITBIT_STEPS WHERE ACCOUNT = 'alice' ORDER BY DAY DESC;",
    );
    expect(names.account).toBe('default');
    expect(names.dataFunctionSql).toBe('FITBIT.PUBLIC.FITBIT_DAILY_DATA(VARCHAR, DATE, DATE)');
  });

  it('a privilege missing for the account: the grants name its data function', () => {
    const j = pipelineLoadCheck({
      reading: reading(load({ outcome: 'failed', errorCode: '002003', errorMessage: 'not authorized' })),
      names: alice,
      provider: 'Google Health API',
      lastConnectAt: '2026-03-01T00:00:00.000Z',
      next: 'at 2026-03-11 07:00 UTC',
      now: at('2026-03-10T12:00:00Z'),
    });
    expect(j.cause).toBe('privilege');
    expect(j.finding.fixSql).toContain(
      'GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA_ALICE(VARCHAR, DATE, DATE) TO ROLE FITBIT_PIPELINE_ROLE;',
    );
  });
});

describe('judging the task', () => {
  it('started and owned by the pipeline role: ok, with its next run', () => {
    const j = pipeline({ kind: 'found', facts: facts() });
    expect(j.effect).toBe('none');
    expect(j.checks.map((c) => [c.id, c.status])).toEqual([
      ['pipeline_task', 'ok'],
      ['pipeline_last_load', 'ok'],
    ]);
    expect(j.checks[0]!.detail).toBe(
      'FITBIT.PUBLIC.FITBIT_DAILY_LOAD is started, owned by FITBIT_PIPELINE_ROLE: it runs USING CRON 0 7 * * * UTC on FITBIT_WH; next run at 2026-03-11 07:00 UTC.',
    );
  });

  it('not set up: a warning saying how, which leaves the verdict alone (the daily load is optional)', () => {
    const j = pipeline({ kind: 'missing', runsVisible: false });
    expect(j.effect).toBe('none');
    expect(j.checks).toHaveLength(1);
    expect(j.checks[0]).toMatchObject({ id: 'pipeline_task', status: 'warning', fixSql: null });
    expect(j.checks[0]!.fix).toContain('/setup');
  });

  it('set up but out of the app’s sight, suspended, or owned by another role: needs attention, with the SQL', () => {
    const hidden = pipeline({ kind: 'missing', runsVisible: true });
    expect(hidden.effect).toBe('warning');
    expect(hidden.checks[0]!.fixSql).toBe(
      'USE ROLE FITBIT_PIPELINE_ROLE;\nGRANT MONITOR, OPERATE ON TASK FITBIT.PUBLIC.FITBIT_DAILY_LOAD TO ROLE APP_ROLE;',
    );
    const suspended = pipeline({
      kind: 'found',
      facts: facts({ state: 'suspended', lastSuspendedReason: 'SUSPENDED_DUE_TO_ERRORS' }),
    });
    expect(suspended.effect).toBe('warning');
    expect(suspended.next).toBeUndefined();
    expect(suspended.checks[0]!.detail).toContain('(SUSPENDED_DUE_TO_ERRORS)');
    expect(suspended.checks[0]!.fixSql).toBe(
      'USE ROLE FITBIT_PIPELINE_ROLE;\nALTER TASK FITBIT.PUBLIC.FITBIT_DAILY_LOAD RESUME;',
    );
    const owned = pipeline({ kind: 'found', facts: facts({ owner: 'SOMEONE' }) });
    expect(owned.effect).toBe('warning');
    expect(owned.checks[0]!.fixSql).toContain(
      'GRANT OWNERSHIP ON TASK FITBIT.PUBLIC.FITBIT_DAILY_LOAD TO ROLE FITBIT_PIPELINE_ROLE COPY CURRENT GRANTS;',
    );
  });

  it('an answer it could not read is unknown and leaves the verdict alone', () => {
    expect(pipeline({ kind: 'error', why: 'boom' })).toMatchObject({
      effect: 'none',
      checks: [expect.objectContaining({ id: 'pipeline_task', status: 'unknown' }), expect.anything()],
    });
  });

  it('a revoked token found by the load wins over a task that needs attention', () => {
    const revoked = reading(load({ outcome: 'failed', errorCode: 'token_revoked', rowsChanged: 0 }));
    expect(pipeline({ kind: 'found', facts: facts({ state: 'suspended' }) }, revoked).effect).toBe(
      'needs_reauth',
    );
  });
});
