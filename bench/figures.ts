// Each figure of issue 14, measured against the live-mode app in its own process and the stand-ins in this
// one. Times come from this process's clock; the upstream time of a request is what the stand-in spent on
// it (upstream.ts), so the app's own time is what remains of the wall time.
import { consent } from '../sandbox/oauth/consent.js';
import type { AppProcess } from './app-process.js';
import type { Browser } from './client.js';
import type { StandIns } from './standins.js';
import { coveredMs, roundTrips, type UpstreamProbe, type UpstreamRequest } from './upstream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export interface CallbackRun {
  /** Allow → the callback's answer (its redirect): the token, identity and write, and whatever else it waits for. */
  ms: number;
  /** What the stand-ins spent on the callback's requests (concurrent and nested ones once). */
  upstreamMs: number;
  /** The callback's own round trips (a function's calls inside its statement are not counted). */
  trips: UpstreamRequest[];
  /** The Snowflake statements the callback waited for, first words only, in order. */
  statements: string[];
  /** Where the app's own time went: before the first round trip, between each two, and after the last. */
  gaps: number[];
  /** Allow → the page that says the secret was written, received whole. */
  pageMs: number;
  /** Allow → the check's outcome on that page (its stream's last event); the page itself for an app without one. */
  checkMs: number;
  /** What the check's statement waited for its warehouse to resume, and for its function's cold start. */
  checkResumeMs: number;
  checkColdStartMs: number;
  /** Warehouse resumes from Allow to the check's outcome. */
  resumes: number;
  /**
   * The warm-up the app started at /connect (its statement, as the stand-in logged it): how long after
   * /connect it was answered, and what it waited for a resume; undefined when none was seen.
   */
  warmup?: { readyMs: number; resumeWaitMs: number };
}

interface LoggedStatement {
  at: string;
  sqlText: string;
  resumeWaitMs?: number;
  coldStartMs?: number;
}

/** The app's time around and between the round trips (nested requests are inside their round trip). */
export function gapsAround(trips: UpstreamRequest[], from: number, to: number): number[] {
  const sorted = [...trips].sort((a, b) => a.start - b.start);
  const gaps: number[] = [];
  let at = from;
  for (const t of sorted) {
    gaps.push(Math.max(0, t.start - at));
    at = Math.max(at, t.end);
  }
  gaps.push(Math.max(0, to - at));
  return gaps;
}

/**
 * /connect, the consent page (Allow), `consentMs` of a person reading it, then the timed part: the
 * callback, the page it leads to, and that page's stream until the check's outcome.
 */
export async function callback(
  b: Browser,
  s: StandIns,
  probe: UpstreamProbe,
  consentMs: number,
  checkFunction: string,
): Promise<CallbackRun> {
  // The chart the last passing check fetches runs in the background: not this sign-in's upstream.
  await s.idle();
  const wallConnect = Date.now();
  const start = await b.get('/connect');
  if (start.status !== 303 || !start.location) throw new Error(`/connect answered ${start.status}`);
  const back = new URL(await consent(start.location));
  await sleep(consentMs);
  const before = await s.snowflakeStats();
  const wallFrom = Date.now();
  const from = performance.now();
  const res = await b.get(`${back.pathname}${back.search}`);
  const answered = performance.now();
  const wallAnswered = Date.now();
  if (res.status !== 303 || !res.location?.startsWith('/result/'))
    throw new Error(`the callback answered ${res.status}: ${res.body.slice(0, 300)}`);
  const page = await b.get(res.location);
  const pageAt = performance.now();
  if (page.status !== 200 || !page.body.includes('Secret written'))
    throw new Error(`${res.location} answered ${page.status} without "Secret written"`);
  const stream = await b.events(`${res.location}/events`, 'done');
  const checkAt = stream ? performance.now() : pageAt;
  const wallDone = Date.now();
  const after = await s.snowflakeStats();
  const seen = probe.within(from, answered);
  const trips = roundTrips(seen);
  const logged = (await s.snowflakeStatements()) as LoggedStatement[];
  const between = (a: number, z: number) =>
    logged.filter((st) => Date.parse(st.at) >= a - 1 && Date.parse(st.at) <= z + 1);
  const check = between(wallFrom, wallDone).filter((st) => st.sqlText.toUpperCase().includes(checkFunction));
  // The warm-up's statement (server/snowflake/warm-up.ts): the cheapest one that needs the warehouse.
  const warm = between(wallConnect, wallDone).find((st) =>
    /^SELECT COUNT\(\*\) AS N FROM TABLE\(.*QUERY_HISTORY_BY_SESSION\(RESULT_LIMIT => 1\)\)$/.test(
      st.sqlText,
    ),
  );
  return {
    ms: answered - from,
    upstreamMs: coveredMs(seen),
    trips,
    statements: between(wallFrom, wallAnswered).map((st) => st.sqlText.split(/\s+/).slice(0, 3).join(' ')),
    gaps: gapsAround(trips, from, answered),
    pageMs: pageAt - from,
    checkMs: checkAt - from,
    checkResumeMs: check.reduce((n, st) => n + (st.resumeWaitMs ?? 0), 0),
    checkColdStartMs: check.reduce((n, st) => n + (st.coldStartMs ?? 0), 0),
    resumes: (after.warehouseResumes ?? 0) - (before.warehouseResumes ?? 0),
    warmup: warm && { readyMs: Date.parse(warm.at) - wallConnect, resumeWaitMs: warm.resumeWaitMs ?? 0 },
  };
}

export interface StatusRun {
  ms: number;
  statements: number;
  warehouseStatements: number;
  trips: number;
}

/** One /status.json load, timed, with the statements it cost. */
export async function statusLoad(b: Browser, s: StandIns, probe: UpstreamProbe): Promise<StatusRun> {
  const before = await s.snowflakeStats();
  const from = performance.now();
  const res = await b.get('/status.json');
  const to = performance.now();
  if (res.status !== 200) throw new Error(`/status.json answered ${res.status}`);
  const after = await s.snowflakeStats();
  return {
    ms: to - from,
    statements: (after.statements ?? 0) - (before.statements ?? 0),
    warehouseStatements: (after.warehouseStatements ?? 0) - (before.warehouseStatements ?? 0),
    trips: roundTrips(probe.within(from, to)).length,
  };
}

/** `n` requests, `concurrency` at a time: pages a person and a monitor load, and bogus callbacks, in turn. */
export async function mixedRequests(b: Browser, n: number, concurrency: number): Promise<void> {
  const kinds = ['/status.json', '/', '/setup', '/callback?code=bogus-code&state=bogus-state'];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const path = kinds[i % kinds.length]!;
      const res = await b.get(path);
      if (res.status >= 500) throw new Error(`${path} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Start to 'listening' and resident memory once start-up work is done, for a fresh process. */
export async function startOnce(
  start: () => Promise<AppProcess>,
): Promise<{ listeningMs: number; cpuMs: number; rssMb: number }> {
  const app = await start();
  try {
    // Whatever the app does right after listening (a warm-up sign-in) counts as start-up.
    await app.quiet(1000);
    return { listeningMs: app.listeningMs, cpuMs: app.cpuMs, rssMb: app.rssMb() };
  } finally {
    await app.stop();
  }
}
