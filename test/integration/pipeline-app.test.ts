// The daily load through the real app on the stand-ins (issue 13, "Done when"): a fresh sandbox app, one
// Connect, one Load now leave a year of data in the landing tables, visible on the status page; a second Load
// now changes nothing; a revocation makes the next load fail and the status page say why and offer
// re-authorize; after re-authorizing, the next load catches up the days missed. Page loads run no warehouse
// statement. Time never passes by waiting: the app's clock is a ManualClock, the stand-ins' clocks are moved
// with it, task runs are awaited with POST /sandbox/tasks/wait, and the app's looks at TASK_HISTORY come when
// its clock is moved.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { pipelineDefaults } from '../../server/setup/defaults.js';
import { exitCodeFor, type Overall } from '../../server/status/service.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const ACCOUNT = 'default'; // the built-in account's label: its rows' ACCOUNT
const TASK = 'FITBIT.PUBLIC.FITBIT_DAILY_LOAD';
const RUNS = 'FITBIT.PUBLIC.FITBIT_LOAD_RUNS';
const STEPS = pipelineDefaults('google-health')!.tables.steps!;
const LOAD_MS = 120_000;

interface Check {
  id: string;
  status: string;
  detail: string;
  fix: string | null;
  fixSql: string | null;
}
interface Pipeline {
  installed: boolean | null;
  state: string | null;
  nextRunAt: string | null;
  lastLoad: {
    outcome: string;
    rowsChanged: number | null;
    latestDay: string | null;
    errorCode: string | null;
  } | null;
  readAt: string | null;
  readText: string;
  readFailure: { code: string } | null;
  failure: { cause: string; title: string; fix: string; fixSql: string | null } | null;
  effect: string;
  loadNow: { state: string } | null;
  stepsQuery: string | null;
}
interface Report {
  overall: string;
  checks: Check[];
  pipeline: Pipeline | null;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function statusCli(args: string[], token: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/status.ts', ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ADMIN_TOKEN: token }, timeout: 60_000 },
      (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

/** The journey's moves, on a harness whose app runs on `clock`. */
function driver(h: Harness, clock: ManualClock) {
  const report = async (): Promise<Report> => {
    const res = await h.agent.get('/status.json');
    expect(res.status).toBe(200);
    return res.body as Report;
  };
  const tasksIdle = async (): Promise<void> => {
    const res = await h.snowflakeControl('/sandbox/tasks/wait', { task: TASK, timeoutMs: LOAD_MS });
    expect(((await res.json()) as { idle: boolean }).idle).toBe(true);
  };
  return {
    report,
    tasksIdle,
    row: (r: Report, id: string) => r.checks.find((c) => c.id === id),
    count: async (table: string) => Number((await h.admin(`SELECT COUNT(*) AS N FROM ${table}`))[0]!.N),
    /** Presses Load now; the page answers at once (EXECUTE TASK returns at once). */
    async pressLoadNow(): Promise<void> {
      const res = await h.agent
        .post('/load')
        .type('form')
        .send({ _csrf: await h.csrf() });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/status#daily-load');
    },
    /** After Load now: waits for the task's run, then moves the app's clock to its next look at TASK_HISTORY. */
    async loadSettles(): Promise<Report> {
      await tasksIdle();
      for (let i = 0; i < 10 && (await report()).pipeline?.loadNow?.state === 'running'; i++)
        await clock.advance(10_000);
      const r = await report();
      expect(r.pipeline?.loadNow?.state).toBe('finished');
      return r;
    },
    async loadNow(): Promise<Report> {
      await this.pressLoadNow();
      return this.loadSettles();
    },
    /**
     * Moves every clock: the OAuth stand-in's, the app's, and last the Snowflake engine's, whose jump starts the
     * task's due runs (its sign-ins keep the real clock, which the driver's key-pair JWTs are dated by).
     */
    async advance(ms: number): Promise<void> {
      await h.oauthControl('/sandbox/advance-clock', { seconds: ms / 1000 });
      await clock.advance(ms);
      await h.snowflakeControl('/sandbox/clock', { advanceMs: ms });
      await tasksIdle();
    },
    /** Puts the stand-ins' clocks at the app's (t0), without the task run a jump past 07:00 would start. */
    async alignClocks(): Promise<void> {
      const oauthNow = Date.parse(
        ((await (await fetch(`${h.oauthUrl}/sandbox/clock`)).json()) as { now: string }).now,
      );
      await h.oauthControl('/sandbox/advance-clock', { seconds: (clock.now() - oauthNow) / 1000 });
      // The task was resumed on the real clock: suspended across the jump and resumed after it, it first runs
      // at the next 07:00, as a task set up at t0 would.
      await h.admin(`ALTER TASK ${TASK} SUSPEND`);
      await h.snowflakeControl('/sandbox/clock', { now: new Date(clock.now()).toISOString() });
      await h.admin(`ALTER TASK ${TASK} RESUME`);
    },
  };
}

/** 10:00 UTC on a day ahead of the real one: the task runs at 07:00. */
const tenOClockTomorrow = () => (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS + 10 * HOUR_MS;

describe('the daily load in the app: Connect, Load now, a revocation, a re-authorization', () => {
  const t0 = tenOClockTomorrow();
  const clock = new ManualClock(t0);
  let h: Harness;
  let d: ReturnType<typeof driver>;
  const warehouseStatements = async () =>
    ((await (await fetch(`${h.snowflakeUrl}/sandbox/stats`)).json()) as { warehouseStatements: number })
      .warehouseStatements;

  beforeAll(async () => {
    h = await startHarness({ listen: true, logLevel: 'warn', clock });
    d = driver(h, clock);
    await d.alignClocks();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('Connect: the result page shows the daily load set up and the query for this account’s steps', async () => {
    const page = await h.connectAndFollow();
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="daily-load-set-up"');
    expect(page.text).toContain(`<code>${TASK}</code> (started, <code>USING CRON 0 7 * * * UTC</code>)`);
    expect(page.text).toContain(`next at ${dayOf(t0 + DAY_MS)} 07:00 UTC`);
    const query = /<code id="steps-query">([^<]*)<\/code>/.exec(page.text)?.[1];
    expect(query).toBe(
      `USE ROLE FITBIT_READER;\nUSE WAREHOUSE FITBIT_WH;\nSELECT DAY, STEPS FROM ${STEPS} WHERE ACCOUNT = &#39;${ACCOUNT}&#39; ORDER BY DAY DESC;`,
    );
    expect(page.text).toContain('id="copy-steps-query"');
    // The README shows the same query (a single-account setup's rows are the default account's).
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```sql\n((?:\s*USE ROLE[^\n]*\n)[\s\S]*?)\s*```/.exec(readme)![1]!;
    expect(
      block
        .split('\n')
        .map((l) => l.trim())
        .join('\n')
        .replaceAll("'", '&#39;'),
    ).toBe(query);

    // Nothing read the runs yet (a connect's check is about the token): the verdict is connected.
    let r = await d.report();
    expect(r.overall).toBe('connected');
    expect(d.row(r, 'pipeline_task')).toMatchObject({ status: 'ok' });
    expect(d.row(r, 'pipeline_task')!.detail).toContain(`next run at ${dayOf(t0 + DAY_MS)} 07:00 UTC`);
    expect(d.row(r, 'pipeline_last_load')).toMatchObject({ status: 'ok' });
    expect(d.row(r, 'pipeline_last_load')!.detail).toMatch(
      /^Not read yet: the app reads FITBIT.PUBLIC.FITBIT_LOAD_RUNS after the scheduled or clicked end-to-end check/,
    );
    expect(r.pipeline).toMatchObject({ readAt: null, readText: 'not read yet' });
    // The card says "not read yet" once, then when the app reads the runs.
    const unread = /<dd id="last-load"[\s\S]*?<\/dd>/.exec((await h.agent.get('/status')).text)![0];
    const unreadText = unread.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(unreadText.match(/not read yet/gi)).toHaveLength(1);
    expect(unreadText).toContain(
      'not read yet (the app reads FITBIT.PUBLIC.FITBIT_LOAD_RUNS after the scheduled',
    );

    // The end-to-end check (the schedule's, or the button) reads the (empty) runs table: no load yet.
    const check = await h.agent
      .post('/check')
      .type('form')
      .send({ _csrf: await h.csrf() });
    expect(check.status).toBe(303);
    r = await d.report();
    expect(r.overall).toBe('connected');
    expect(d.row(r, 'pipeline_last_load')!.detail).toMatch(
      /^No load has run yet \(read just now\): the first runs at /,
    );
    expect(r.pipeline).toMatchObject({
      installed: true,
      state: 'started',
      nextRunAt: new Date(t0 + DAY_MS - 3 * HOUR_MS).toISOString(),
      lastLoad: null,
      effect: 'none',
    });
  });

  it('one Load now leaves a year of data in the landing tables, visible on the status page', async () => {
    await d.pressLoadNow();
    // EXECUTE TASK returned at once: the page says the load started, and offers to refresh.
    const started = (await h.agent.get('/status')).text;
    expect(started).toContain('id="load-now-state" data-state="running"');
    expect(started).toMatch(/<button type="submit" id="load-now"[^>]* disabled>/);
    const r = await d.loadSettles();
    const today = dayOf(t0);
    expect(await d.count(STEPS)).toBe(366);
    expect(r.pipeline?.lastLoad).toMatchObject({ outcome: 'ok', latestDay: today, errorCode: null });
    expect(r.pipeline!.lastLoad!.rowsChanged).toBeGreaterThan(6 * 300);
    expect(r.overall).toBe('connected');
    expect(d.row(r, 'pipeline_last_load')).toMatchObject({ status: 'ok' });
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('id="load-now-state" data-state="finished"');
    expect(page).toContain(`data-outcome="ok" data-rows-changed="${r.pipeline!.lastLoad!.rowsChanged}"`);
    expect(page).toContain(`data-latest-day="${today}"`);
    expect(page).toContain(`latest day landed <strong>${today}</strong>`);
    expect(page).toContain('(read just now, at ');
    // …and the history keeps it, so a restart still shows it.
    expect(h.services.events.all().filter((e) => e.type === 'load')).toHaveLength(1);
    expect(page).toMatch(/data-type="load"><td class="when">.*?<\/td><td class="what">Daily load<\/td>/);

    // The page says how old that reading is.
    await clock.advance(3 * HOUR_MS);
    expect((await d.report()).pipeline?.readText).toBe('read 3 h ago');
    expect((await h.agent.get('/status')).text).toContain('(read 3 h ago, at ');
  });

  it('page loads run no warehouse statement', async () => {
    const before = await warehouseStatements();
    for (const path of ['/status', '/status.json', '/', '/status'])
      expect((await h.agent.get(path)).status).toBe(200);
    expect(await warehouseStatements()).toBe(before);
  });

  it('a second Load now changes nothing', async () => {
    const before = await d.count(STEPS);
    const r = await d.loadNow();
    expect(r.pipeline?.lastLoad).toMatchObject({ outcome: 'ok', rowsChanged: 0, latestDay: dayOf(t0) });
    expect(await d.count(STEPS)).toBe(before);
    expect((await h.agent.get('/status')).text).toContain('data-outcome="ok" data-rows-changed="0"');
    expect(r.overall).toBe('connected');
  });

  it('a revocation makes the next load fail: the status page says why and offers re-authorize; npm run status exits 1', async () => {
    expect((await h.oauthControl('/sandbox/revoke-all')).status).toBe(200);
    const r = await d.loadNow();
    expect(r.pipeline?.lastLoad).toMatchObject({
      outcome: 'failed',
      rowsChanged: 0,
      errorCode: 'token_revoked',
    });
    expect(r.pipeline?.failure).toMatchObject({
      cause: 'token_revoked',
      title: 'The daily load failed: the token was revoked or expired',
    });
    expect(r.overall).toBe('needs_reauth');
    expect(d.row(r, 'pipeline_last_load')).toMatchObject({ status: 'failed' });
    expect(d.row(r, 'pipeline_last_load')!.fix).toMatch(/^Re-authorize/);
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('id="load-failure" data-cause="token_revoked"');
    expect(page).toContain('id="load-reauthorize"');
    expect(page).toContain('data-overall="needs_reauth"');
    expect((await h.agent.get('/')).text).toContain('needs reauth');

    const cli = await statusCli(['--url', h.baseUrl!], h.accessToken!);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('overall: needs_reauth');
    expect(cli.stdout).toContain('daily load: The daily load failed: the token was revoked or expired');
    expect(cli.stdout).toMatch(/\[FAIL\] pipeline_last_load: /);
  });

  it('after re-authorizing, the next load catches up the days missed', async () => {
    // Two days pass while revoked: the 07:00 runs fail too (unseen by the app: nothing reads them).
    await d.advance(2 * DAY_MS);
    const reauth = await h.connect({ via: 'reauthorize' });
    expect(reauth.status).toBe(303);
    let r = await d.report();
    // The failed load the app saw came before the re-authorization: the verdict is connected, and the row says
    // the next load catches up.
    expect(r.overall).toBe('connected');
    expect(r.pipeline?.failure?.cause).toBe('revoked_before_reauthorize');
    expect(d.row(r, 'pipeline_last_load')).toMatchObject({ status: 'warning' });

    // The next day's 07:00 run loads the three days missed; the next end-to-end check reads it.
    await d.advance(DAY_MS);
    const check = await h.agent
      .post('/check')
      .type('form')
      .send({ _csrf: await h.csrf() });
    expect(check.status).toBe(303);
    await h.services.status.idle();
    r = await d.report();
    const today = dayOf(t0 + 3 * DAY_MS);
    expect(r.pipeline?.lastLoad).toMatchObject({ outcome: 'ok', latestDay: today });
    expect(r.pipeline!.lastLoad!.rowsChanged).toBeGreaterThanOrEqual(3);
    expect(r.pipeline?.failure).toBeNull();
    expect(r.overall).toBe('connected');
    expect(await d.count(STEPS)).toBe(366 + 3);
    const [latest] = await h.admin(`SELECT MAX(DAY) AS D FROM ${STEPS} WHERE ACCOUNT = '${ACCOUNT}'`);
    expect(dayOf(new Date(latest!.D as string).getTime())).toBe(today);
  });
});

describe('the daily load in the app: each failure on the status page, with its fix', () => {
  const clock = new ManualClock(tenOClockTomorrow());
  let h: Harness;
  let d: ReturnType<typeof driver>;
  const APP_ROLE = 'FITBIT_CONNECT_APP_ROLE';
  const DATA_FN = 'FITBIT.PUBLIC.FITBIT_DAILY_DATA(VARCHAR, DATE, DATE)';

  /** Runs a fix the page showed, statement by statement, as the administrator. */
  const runFix = async (sql: string) => {
    for (const stmt of sql.split(/;\n?/).filter((s) => s.trim())) await h.admin(stmt);
    await h.admin('USE ROLE ACCOUNTADMIN');
  };

  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn', clock });
    d = driver(h, clock);
    await d.alignClocks();
    expect((await h.connect()).status).toBe(303);
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('a privilege the load lost: failed, the GRANT statements to run, the raw message behind a disclosure', async () => {
    await h.admin(`REVOKE USAGE ON FUNCTION ${DATA_FN} FROM ROLE FITBIT_PIPELINE_ROLE`);
    const r = await d.loadNow();
    expect(r.pipeline?.failure?.cause).toBe('privilege');
    expect(r.overall).toBe('warning');
    const rowNow = d.row(r, 'pipeline_last_load')!;
    expect(rowNow.status).toBe('failed');
    expect(rowNow.fixSql).toContain(`GRANT USAGE ON FUNCTION ${DATA_FN} TO ROLE FITBIT_PIPELINE_ROLE;`);
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('id="load-failure" data-cause="privilege"');
    expect(page).toContain('id="load-fix-sql"');
    expect(page).toContain('<details id="load-raw-message">');
    expect(page).not.toContain('id="load-reauthorize"');

    await runFix(rowNow.fixSql!);
    const fixed = await d.loadNow();
    expect(fixed.pipeline?.lastLoad?.outcome).toBe('ok');
    expect(fixed.overall).toBe('connected');
  });
  it('Load now without OPERATE on the task: a page saying so, with the GRANT', async () => {
    await h.admin(`REVOKE OPERATE ON TASK ${TASK} FROM ROLE ${APP_ROLE}`);
    try {
      const res = await h.agent
        .post('/load')
        .type('form')
        .send({ _csrf: await h.csrf() });
      expect(res.status).toBe(403);
      expect(res.text).toContain('The app’s role may not start the daily load');
      expect(res.text).toContain(`GRANT OPERATE ON TASK ${TASK} TO ROLE ${APP_ROLE};`);
      expect(res.text).toContain('load_now_refused');
      // GET is no way to start it.
      expect((await h.agent.get('/load')).status).toBe(405);
    } finally {
      await h.admin(`GRANT OPERATE ON TASK ${TASK} TO ROLE ${APP_ROLE}`);
    }
  });

  it('a suspended task: needs attention (warning, exit 1), with the ALTER TASK … RESUME', async () => {
    await h.admin(`ALTER TASK ${TASK} SUSPEND`);
    try {
      const r = await d.report();
      expect(r.overall).toBe('warning');
      expect(exitCodeFor(r.overall as Overall)).toBe(1);
      expect(d.row(r, 'pipeline_task')).toMatchObject({
        status: 'warning',
        fixSql: `USE ROLE FITBIT_PIPELINE_ROLE;\nALTER TASK ${TASK} RESUME;`,
      });
      expect(r.pipeline).toMatchObject({
        state: 'suspended',
        nextRunAt: null,
        next: 'once the task is resumed',
      });
    } finally {
      await h.admin(`ALTER TASK ${TASK} RESUME`);
    }
    expect((await d.report()).overall).toBe('connected');
  });

  it('a task the app’s role cannot see: the GRANT MONITOR, OPERATE; without the runs table either, not set up', async () => {
    await h.admin(`REVOKE MONITOR, OPERATE ON TASK ${TASK} FROM ROLE ${APP_ROLE}`);
    try {
      let r = await d.report();
      expect(r.overall).toBe('warning');
      expect(d.row(r, 'pipeline_task')).toMatchObject({
        status: 'warning',
        fixSql: `USE ROLE FITBIT_PIPELINE_ROLE;\nGRANT MONITOR, OPERATE ON TASK ${TASK} TO ROLE ${APP_ROLE};`,
      });
      expect(r.pipeline).toMatchObject({ installed: true, state: null });

      // Nothing of the pipeline in sight: not set up. It is optional, so the verdict stays connected.
      await h.admin(`REVOKE SELECT ON TABLE ${RUNS} FROM ROLE ${APP_ROLE}`);
      r = await d.report();
      expect(r.overall).toBe('connected');
      expect(d.row(r, 'pipeline_task')).toMatchObject({ status: 'warning', fixSql: null });
      expect(d.row(r, 'pipeline_task')!.fix).toContain('/setup');
      expect(r.pipeline).toMatchObject({ installed: false });
      expect((await h.agent.get('/status')).text).toContain('id="daily-load-not-set-up"');
      const result = await h.connectAndFollow();
      expect(result.text).toContain('id="daily-load-next-step"');
      expect(result.text).toContain('href="/setup"');
    } finally {
      await h.admin(`GRANT MONITOR, OPERATE ON TASK ${TASK} TO ROLE ${APP_ROLE}`);
      await h.admin(`GRANT SELECT ON TABLE ${RUNS} TO ROLE ${APP_ROLE}`);
    }
    expect((await d.report()).pipeline).toMatchObject({ installed: true, state: 'started' });
  });
  it('the runs table out of the app’s reach: the next check says so, with the GRANT SELECT', async () => {
    await h.admin(`REVOKE SELECT ON TABLE ${RUNS} FROM ROLE ${APP_ROLE}`);
    try {
      expect(
        (
          await h.agent
            .post('/check')
            .type('form')
            .send({ _csrf: await h.csrf() })
        ).status,
      ).toBe(303);
      const r = await d.report();
      expect(r.overall).toBe('warning');
      expect(d.row(r, 'pipeline_last_load')).toMatchObject({
        status: 'warning',
        fixSql: `USE ROLE FITBIT_PIPELINE_ROLE;\nGRANT SELECT ON TABLE ${RUNS} TO ROLE ${APP_ROLE};`,
      });
      expect((await h.agent.get('/status')).text).toContain(
        'id="load-read-failure" data-code="snowflake_object_missing"',
      );
    } finally {
      await h.admin(`GRANT SELECT ON TABLE ${RUNS} TO ROLE ${APP_ROLE}`);
    }
    expect(
      (
        await h.agent
          .post('/check')
          .type('form')
          .send({ _csrf: await h.csrf() })
      ).status,
    ).toBe(303);
    const r = await d.report();
    expect(r.overall).toBe('connected');
    expect(r.pipeline?.readFailure).toBeNull();
  });
});
