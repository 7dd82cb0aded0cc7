// No warehouse resume on the user's path: /connect starts the warehouse (a statement that needs compute)
// while the user is on the consent page, never waits for it, and runs it at most once per window however
// many sign-ins start; the callback adds none within the window. Counted at the Snowflake stand-in.
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { ManualClock } from '../../server/clock.js';
import { WARM_WINDOW_MS, warmUpSql } from '../../server/snowflake/warm-up.js';
import { type Harness, startHarness } from '../support/app-harness.js';

interface Stmt {
  sqlText: string;
  ok: boolean;
  usedWarehouse?: boolean;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function statements(x: Harness): Promise<Stmt[]> {
  const body = (await (await fetch(`${x.snowflakeUrl}/sandbox/statements`)).json()) as
    | { statements: Stmt[] }
    | Stmt[];
  return Array.isArray(body) ? body : body.statements;
}
const warmUps = async (x: Harness) =>
  (await statements(x)).filter((s) => s.sqlText === warmUpSql(x.config.snowflake.secret.parts[0]!));

describe('the warehouse warm-up while the user is on the consent page', () => {
  it('runs once per window however many sign-ins start, needs the warehouse, and the callback adds none', async () => {
    const clock = new ManualClock();
    h = await startHarness({ clock });
    // A flood of /connect (the same browser, or many).
    const starts = await Promise.all(Array.from({ length: 20 }, () => h!.startFlow()));
    await h.services.warmup.idle();
    let runs = await warmUps(h);
    expect(runs).toHaveLength(1);
    // It ran on the warehouse (the stand-in counts it as warehouse use), as the app's role.
    expect(runs[0]).toMatchObject({ ok: true, usedWarehouse: true });
    expect(h.services.warmup.started).toBe(1);

    // One of them finishes: its callback and check add no warm-up within the window.
    const back = new URL(await consent(starts[0]!));
    const cb = await h.agent.get(`${back.pathname}${back.search}`);
    expect(cb.status).toBe(303);
    const events = await h.resultEvents(cb.headers.location as string);
    expect(events.at(-1)?.data.html).toContain('Connected: Snowflake can read your Fitbit data');
    // The check started on the warehouse the warm-up had started: no "warehouse starting" stage.
    expect(events.map((e) => e.data.stage)).not.toContain('warehouse_resuming');
    expect(await warmUps(h)).toHaveLength(1);

    // The next window's sign-in starts it again (it may have suspended since).
    await clock.advance(WARM_WINDOW_MS);
    await h.startFlow();
    await h.services.warmup.idle();
    runs = await warmUps(h);
    expect(runs).toHaveLength(2);
  });

  it('/connect answers without waiting for it, and a check that starts while it runs says the warehouse is starting', async () => {
    // The warehouse sleeps and takes its resume time: the warm-up is still waiting for it when the check
    // after a quick consent starts, by a margin of the resume time (4 s here: the check waits for it too),
    // not a race. The harness's set-up ran statements on the warehouse: it is put back to sleep first.
    h = await startHarness({ sandboxLatency: 'realistic' });
    await h.snowflakeControl('/sandbox/latency-model', { resumeMs: 4000, coldStartMs: 0 });
    const warehouse = h.config.snowflake.connection.warehouse!;
    const state = async () =>
      (await h!.admin(`SHOW WAREHOUSES LIKE '${warehouse}'`))[0]?.state as string | undefined;
    if ((await state()) !== 'SUSPENDED') await h.admin(`ALTER WAREHOUSE ${warehouse} SUSPEND`);
    expect(await state()).toBe('SUSPENDED');
    // A slow Snowflake sign-in: the warm-up waits for it, /connect does not.
    await h.snowflakeControl('/sandbox/faults', { loginLatencyMs: 1500 });
    const url = await h.startFlow();
    expect(url).toContain('state=');
    expect(h.services.warmup.state()).toBe('resuming');
    expect(await warmUps(h)).toHaveLength(0);
    // The user consents at once: the check after the write starts while the warm-up still waits.
    const back = new URL(await consent(url));
    const cb = await h.agent.get(`${back.pathname}${back.search}`);
    expect(cb.status).toBe(303);
    const stages = (await h.resultEvents(cb.headers.location as string)).map((e) => e.data.stage);
    expect(stages.filter(Boolean)).toEqual([
      'written',
      'check_started',
      'warehouse_resuming',
      'function_running',
      'check_done',
      'history_checked',
    ]);
    await h.snowflakeControl('/sandbox/faults', { loginLatencyMs: 0 });
    await h.services.warmup.idle();
    expect(await warmUps(h)).toHaveLength(1);
  });

  it('a warm-up Snowflake refuses changes nothing for the sign-in: the check starts the warehouse itself', async () => {
    h = await startHarness({ logLevel: 'info' });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '000606', match: 'RESULT_LIMIT => 1)' },
    });
    const page = await h.connectAndFollow();
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect((await warmUps(h)).map((s) => s.ok)).toEqual([false]);
    expect(h.logs.join('')).toContain('warehouse warm-up failed: the check will start the warehouse itself');
  });
});
