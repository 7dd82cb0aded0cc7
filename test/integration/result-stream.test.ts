// The result page after Allow: the callback answers as soon as the secret is written, the page says so,
// and the in-Snowflake check streams into it (GET /result/<id>/events, Server-Sent Events) as it goes, its
// outcome last. The real app, openid-client and snowflake-sdk on the stand-ins; a test that must see the
// page while the check is under way holds the check (holdChecks) instead of timing anything.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, openResultEvents, type ResultEvent, startHarness } from '../support/app-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const stagesOf = (events: ResultEvent[]) =>
  events.filter((e) => e.event === 'stage').map((e) => e.data.stage);

interface Stmt {
  sqlText: string;
}
async function statements(x: Harness): Promise<Stmt[]> {
  const body = (await (await fetch(`${x.snowflakeUrl}/sandbox/statements`)).json()) as
    | { statements: Stmt[] }
    | Stmt[];
  return Array.isArray(body) ? body : body.statements;
}

describe('the result page streams the check after the write', () => {
  it('says written at once, then the events stream delivers the check’s stages and the outcome', async () => {
    h = await startHarness();
    const held = h.holdChecks();
    const cb = await h.connect({ untilChecked: false });
    expect(cb.status).toBe(303);
    const location = cb.headers.location as string;
    expect(location).toMatch(/^\/result\/[A-Za-z0-9_-]+$/);
    // The token is written and the check has not run: the page says "written", and where to listen.
    await held.started;
    const first = await h.agent.get(location);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Token written: Snowflake is checking it');
    expect(first.text).toContain(`data-events="${location}/events"`);
    expect(first.text).toContain('<li data-stage="written">');
    expect(first.text).toContain('<script src="/public/result.js" defer></script>');
    expect(first.text).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    expect(first.text).not.toContain('Connected: Snowflake can read your Fitbit data');
    expect(h.services.events.recent(5).find((e) => e.type === 'connect')).toBeDefined();
    expect(h.services.history.lastCheck()).toBeUndefined();

    const stream = openResultEvents(h.agent, location);
    const { status, headers } = await stream.response;
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-store');
    await stream.next((e) => e.data.stage === 'check_started');
    expect(stream.events.some((e) => e.event === 'done')).toBe(false);
    held.release();
    const events = await stream.ended;
    const stages = stagesOf(events);
    expect(stages[0]).toBe('written');
    expect(stages.filter((s) => s !== 'warehouse_resuming')).toEqual([
      'written',
      'check_started',
      'function_running',
      'check_done',
      'history_checked',
    ]);
    const checkDone = events.find((e) => e.data.stage === 'check_done')!;
    expect(checkDone.data.ok).toBe(true);
    // The cross-check of whom Snowflake saw: the account that signed in.
    expect(checkDone.data.label).toContain('answered as 4815162342, the account you signed in with');
    // The last event is the page as it now renders.
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.html).toContain('Connected: Snowflake can read your Fitbit data');
    expect(done.data.html).toContain('id="check-result"');
    expect(done.data.html).not.toContain('id="check-progress"');
    // A reload shows the same outcome.
    const page = await h.agent.get(location);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(page.text).not.toContain('id="check-progress"');
    // Once done, the stream replays the stages and the outcome, and ends.
    const again = await h.resultEvents(location);
    expect(stagesOf(again)).toEqual(stages);
    expect(again.at(-1)?.event).toBe('done');
  });

  it('a check that fails after the write succeeded streams the failure, and the page shows it', async () => {
    h = await startHarness({ logLevel: 'warn' });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: 'FITBIT_CONNECTION_CHECK' },
    });
    const cb = await h.connect({ untilChecked: false });
    const location = cb.headers.location as string;
    const events = await h.resultEvents(location);
    const checkDone = events.find((e) => e.data.stage === 'check_done')!;
    expect(checkDone.data.ok).toBe(false);
    expect(checkDone.data.label).toMatch(/^Failed \(snowflake\): /);
    // The check could not use Snowflake: the history lookup is skipped, and says so.
    expect(events.find((e) => e.data.stage === 'history_checked')?.data.label).toContain('could not read');
    const html = events.at(-1)!.data.html!;
    expect(html).toContain('Token saved, but Snowflake’s check failed');
    expect(html).toContain('id="check-fix"');
    const page = await h.agent.get(location);
    expect(page.text).toContain('Token saved, but Snowflake’s check failed');
    // The token stays written: the connect is recorded, the failed check too.
    expect(h.services.history.lastCheck()).toMatchObject({ ok: false, failure: 'snowflake' });
  });

  it('the events open only in the browser whose sign-in it is', async () => {
    h = await startHarness();
    const held = h.holdChecks();
    const cb = await h.connect({ untilChecked: false });
    const location = cb.headers.location as string;
    await held.started;
    for (const other of [await h.newBrowser(), await h.newBrowser({ signedIn: false })]) {
      const res = await other.get(`${location}/events`).set('Accept', 'text/event-stream');
      expect(res.status).not.toBe(200);
      expect(String(res.headers['content-type'])).not.toContain('text/event-stream');
      expect(res.text).not.toContain('data-stage');
      expect(res.text).not.toContain('4815162342');
    }
    // An id that was never issued, and a malformed one.
    for (const path of ['/result/AAAAAAAAAAAAAAAA/events', '/result/x/events']) {
      const res = await h.agent.get(path);
      expect(res.status).toBe(404);
    }
    held.release();
    expect((await h.resultEvents(location)).at(-1)?.event).toBe('done');
  });

  it('a stop with a check still streaming waits for it: the stream gets the outcome and ends', async () => {
    h = await startHarness();
    const held = h.holdChecks();
    const cb = await h.connect({ untilChecked: false });
    const location = cb.headers.location as string;
    await held.started;
    const stream = openResultEvents(h.agent, location);
    await stream.next((e) => e.data.stage === 'check_started');
    const order: string[] = [];
    const stop = h.services.stopSignIns().then(() => order.push('stopped'));
    held.release();
    await stream.next((e) => e.data.stage === 'check_done');
    order.push('check_done');
    await stop;
    // The stop waited for the check and what follows it (the history lookup, the outcome)…
    expect(order).toEqual(['check_done', 'stopped']);
    // … and the stream, which the HTTP server's close waits for, ends with the outcome.
    const events = await stream.ended;
    expect(events.at(-1)?.data.html).toContain('Connected: Snowflake can read your Fitbit data');
    expect(h.services.history.lastConnect()?.tokenInHistory).toBe('shown');
  });

  it('a stop that gives up on the check ends the stream with “written, check unfinished”, and cleanly', async () => {
    h = await startHarness();
    const held = h.holdChecks();
    const cb = await h.connect({ untilChecked: false });
    const location = cb.headers.location as string;
    await held.started;
    const stream = openResultEvents(h.agent, location);
    await stream.next((e) => e.data.stage === 'check_started');
    const stop = h.services.flow.stop(0, 10_000);
    const events = await stream.ended;
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.html).toContain('The app is stopping');
    expect(done.data.html).toContain('The token was written into the secret');
    // The check runs to its end in the background (the stop waits for it); nothing follows it.
    const lookups = () =>
      statements(h!).then((all) => all.filter((s) => s.sqlText.includes('RESULT_LIMIT => 1000')).length);
    const before = await lookups();
    held.release();
    await stop;
    expect(h.services.history.lastCheck()).toMatchObject({ ok: true });
    expect(await lookups()).toBe(before);
    // The page says the same on a reload, while the app is still up.
    const page = await h.agent.get(location);
    expect(page.status).toBe(503);
    expect(page.text).toContain('The token was written into the secret');
  });
});
