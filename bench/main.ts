// npm run bench [-- --quick]: every figure of issue 14 from one run, against the app in live mode in its own
// process (started with the README's `node .`) and independent stand-ins in this one, at L = 0 and with
// L = 100 ms on every provider request and Snowflake statement plus the stand-in's realistic latency model
// (warehouse resume, Python cold start). Each figure is printed with its goal; the goals are read, never
// asserted (CONTRIBUTING.md, "Benchmark", says how to read them). --quick: a few rounds, for CI.
// --cpu-prof: the measured app (not the fresh starts) writes a V8 CPU profile into bench-profiles/ as it
// stops, to see where its time goes (open it in Chrome DevTools' Performance panel).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WARM_WINDOW_MS } from '../server/snowflake/warm-up.js';
import { startApp } from './app-process.js';
import { Browser } from './client.js';
import {
  type CallbackRun,
  callback,
  median,
  mixedRequests,
  type StatusRun,
  startOnce,
  statusLoad,
} from './figures.js';
import { libraryFloor } from './library-floor.js';
import { transportFloor } from './relay.js';
import { type Row, report } from './report.js';
import { startStandIns } from './standins.js';
import { UpstreamProbe } from './upstream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The app measured: this checkout, or another one (BENCH_APP=<its folder>) against the same stand-ins. */
const ROOT = path.resolve(process.env.BENCH_APP ?? path.resolve(import.meta.dirname, '..'));
const quick = process.argv.includes('--quick');
const PROFILE_DIR = process.argv.includes('--cpu-prof') ? path.join(ROOT, 'bench-profiles') : undefined;
/** The README's start command. */
const START = ['node', '.'];
/** The same app through npm: what npm's own start-up adds. */
const NPM_START = ['npm', 'start'];
const L = 100;
const ROUNDS = quick ? 1 : 7;
/** At L: each round waits out the app's warm-up window first (30 s), so fewer. */
const L_ROUNDS = quick ? 1 : 3;
const START_ROUNDS = quick ? 1 : 5;
const STATUS_LOADS = quick ? 2 : 9;
const MIXED_WARMUP = quick ? 100 : 1000;
/** At least this long idle before memory is read: V8 gives memory back a few seconds after work. */
const SETTLE_MS = quick ? 3000 : 15_000;
const MIXED = quick ? 400 : 10_000;
/**
 * A person on Google's consent before Allow: what the app does meanwhile is off the user's path. 4 s is
 * the fast end, a practised person clicking straight through: Google shows the account chooser, then the
 * consent screen with a checkbox per health scope, then Continue. The Keystroke-Level Model (Card, Moran &
 * Newell, 1980: 1.35 s to decide, 1.1 s to point, 0.2 s to click) gives about 8 s for those three decisions
 * before the pages' own load times; 4 s is half of it. A first consent (a Testing-status client adds
 * Google's "unverified app" screen) takes longer. The report says how soon the warm-up was done, so what a
 * faster Allow would leave of the resume can be read off it. --quick uses it too: the figure means nothing
 * with a consent no person manages.
 */
const CONSENT_MS = 4000;

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Each round trip of a callback by what it was: the path, or for a Snowflake request its statement. */
function labelled(run: CallbackRun): string[] {
  let k = 0;
  return [...run.trips]
    .sort((a, b) => a.start - b.start)
    .map((t) =>
      t.path === '/queries/v1/query-request'
        ? (run.statements[k++] ?? 'a statement')
        : `${t.method} ${t.path}`,
    );
}
const mb = (x: number) => `${x.toFixed(0)} MB`;

async function main(): Promise<void> {
  const probe = new UpstreamProbe();
  const s = await startStandIns();
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    s.setModel('off');
    await s.setLatency(0);

    // What `node .` runs, built first if a source changed (not to be timed as a start).
    if (existsSync(path.join(ROOT, 'scripts/build.mjs')))
      execFileSync(process.execPath, ['scripts/build.mjs', '--strict'], { cwd: ROOT, stdio: 'ignore' });
    // Start to listening, and memory once started: fresh processes, as a person starts the app.
    const starts: { listeningMs: number; cpuMs: number; rssMb: number }[] = [];
    const npmStarts: { listeningMs: number; cpuMs: number; rssMb: number }[] = [];
    for (let i = 0; i < START_ROUNDS; i++) {
      starts.push(await startOnce(() => startApp(START, s.liveEnv, { cwd: ROOT })));
      npmStarts.push(await startOnce(() => startApp(NPM_START, s.liveEnv, { cwd: ROOT })));
    }

    // Profiled, the app runs as `node .` does, with the profiler's flags.
    const command = PROFILE_DIR
      ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, 'scripts/start.mjs']
      : START;
    const app = await startApp(command, s.liveEnv, { cwd: ROOT });
    const b = new Browser(s.appPort, `localhost:${s.appPort}`);
    try {
      await app.quiet(1000);
      const rssStarted = await app.settledRssMb(SETTLE_MS);
      // The libraries alone, before any sign-in (the driver's leaves a made-up token in the secret, which
      // they replace).
      const driver = await libraryFloor('driver', s.liveEnv, quick ? 5 : 31, probe);
      const oauth = await libraryFloor('oauth', s.liveEnv, quick ? 5 : 31, probe);
      const signIn = await b.get(`/?token=${app.launchToken}`);
      if (signIn.status !== 303) throw new Error(`the launch link answered ${signIn.status}`);
      const checkFunction = s.liveEnv.SNOWFLAKE_CHECK_FUNCTION!;
      const signInOnce = (consentMs: number) => callback(b, s, probe, consentMs, checkFunction);
      // The first connects pay for the JIT and the driver's first statements: a person's first sign-in after
      // the app started is this cold (reported beside the figure, not in it).
      const first = await signInOnce(0);
      await signInOnce(0);

      const atZero: CallbackRun[] = [];
      const cpuFrom = app.cpuMsNow();
      for (let i = 0; i < ROUNDS; i++) atZero.push(await signInOnce(0));
      // Each round's whole sign-in: /connect, the callback, the page, its stream and the check behind it.
      const cpuPerSignIn = (app.cpuMsNow() - cpuFrom) / ROUNDS;
      await statusLoad(b, s, probe);
      const statusAtZero = await statusLoad(b, s, probe);
      // The machine's share of those round trips: the same trips relayed by a process with no app logic,
      // and the browser's own round trip to a process (the page's GET after the redirect).
      const relayed = await transportFloor(atZero[0]!.trips.length, quick ? 5 : 21, 0, probe);
      const browserTrip = await transportFloor(0, quick ? 5 : 21, 0, probe);

      s.setModel('realistic');
      await s.setLatency(L);
      const atL: CallbackRun[] = [];
      let lastSignIn = performance.now(); // the L = 0 rounds signed in just before
      for (let i = 0; i < L_ROUNDS; i++) {
        // A person who comes back after the warehouse went to sleep (AUTO_SUSPEND, 60 s in the setup
        // scripts): the app's warm-up window since the last sign-in is over too (not waited out in --quick),
        // and the background work (the chart a passing check fetches) is done.
        if (!quick) await sleep(Math.max(0, lastSignIn + WARM_WINDOW_MS + 500 - performance.now()));
        await s.idle();
        await s.admin(`ALTER WAREHOUSE IF EXISTS ${s.liveEnv.SNOWFLAKE_WAREHOUSE} SUSPEND`).catch(() => {});
        lastSignIn = performance.now();
        atL.push(await signInOnce(CONSENT_MS));
      }
      const relayedAtL = await transportFloor(atL[0]!.trips.length, quick ? 3 : 7, L, probe);
      await statusLoad(b, s, probe);
      const statusAtL: StatusRun[] = [];
      for (let i = 0; i < STATUS_LOADS; i++) statusAtL.push(await statusLoad(b, s, probe));

      s.setModel('off');
      await s.setLatency(0);
      // The first requests of each kind compile and cache what later ones reuse: drift is counted after them.
      await mixedRequests(b, MIXED_WARMUP, 4);
      const rssWarm = await app.settledRssMb(SETTLE_MS);
      const mixedFrom = performance.now();
      await mixedRequests(b, MIXED, 4);
      const mixedSeconds = (performance.now() - mixedFrom) / 1000;
      await app.quiet(500);
      const rssPeak = app.rssMb();
      const rssSettled = await app.settledRssMb(SETTLE_MS);

      const med = (runs: CallbackRun[], f: (r: CallbackRun) => number) => median(runs.map(f));
      const overhead = (r: CallbackRun) => r.ms - r.upstreamMs;
      // The median round's app time, placed: before the first round trip, between each two, after the last.
      const typical = [...atZero].sort((a, z) => overhead(a) - overhead(z))[Math.floor(atZero.length / 2)]!;
      const appOverhead = med(atZero, overhead) - relayed.ms;
      // One round trip of the transport floor: the driver's measurement includes one, which is not its own.
      const hop = Math.max(0, (relayed.ms - browserTrip.ms) / relayed.trips);
      const driverOwn = Math.max(0, driver.ms - driver.trips * hop);
      const oauthOwn = Math.max(0, oauth.ms - oauth.trips * hop);
      rows.push({
        figure: 'app overhead per callback, L = 0',
        value: ms(appOverhead),
        goal: '≤ 5 ms',
        pass: appOverhead <= 5,
        detail: `Allow → the callback's redirect ${ms(med(atZero, (r) => r.ms))} − the stand-ins' time for its ${typical.trips.length} round trips ${ms(med(atZero, (r) => r.upstreamMs))} − the transport floor ${ms(relayed.ms)} (the browser's request and the same ${relayed.trips} round trips, relayed by a process with no app logic: process wake-ups and loopback I/O between three processes on this machine; median of ${relayed.rounds}); median of ${atZero.length}. Without subtracting the floor: ${ms(med(atZero, overhead))}. The app's CPU time for each whole sign-in (/connect, callback, page, its stream and the check behind it; a busy machine does not stretch it): ${ms(cpuPerSignIn)}`,
      });
      rows.push({
        figure: 'of which the Snowflake driver’s own statement path (L = 0)',
        value: ms(driverOwn),
        goal: '',
        pass: null,
        detail: `the callback's write statement through snowflake-sdk in a process with nothing else in it (bench/library-floor.ts: the app's driver settings and sign-in, 1 ms idle before each statement as after the identity answer): ${ms(driver.ms)} per statement beyond the stand-in's own time, median of ${driver.runs}, less one round trip of the transport floor (${ms(hop)} each)`,
      });
      rows.push({
        figure: 'of which openid-client’s code exchange and identity request (L = 0)',
        value: ms(oauthOwn),
        goal: '',
        pass: null,
        detail: `the callback's token request and identity request through the app's own OAuth client (openid-client with the app's fetch) in a process with nothing else in it, after an untimed consent: ${ms(oauth.ms)} per sign-in beyond the stand-in's own time, median of ${oauth.runs}, less two round trips of the transport floor. What remains of the app overhead without the two libraries: ${ms(appOverhead - driverOwn - oauthOwn)} (Express and Node's HTTP server, the app's own code: the state and different-account checks, the history record, the log line, the result page's registration and the redirect; and the process wake-ups the relay does not pay)`,
      });
      rows.push({
        figure: 'app overhead of the first callback after start (L = 0)',
        value: ms(overhead(first) - relayed.ms),
        goal: '',
        pass: null,
        detail: `the same figure for the app's first sign-in, before the JIT has seen the callback's code (a person's only sign-in is often this one); the figure above is the median of ${atZero.length} after two`,
      });
      rows.push({
        figure: 'where the app time of a callback goes (L = 0)',
        value: ms(typical.gaps.reduce((a, z) => a + z, 0)),
        goal: '',
        pass: null,
        detail: labelled(typical)
          .map((label, i) => `${typical.gaps[i]!.toFixed(1)} ms, then ${label}`)
          .concat(`${typical.gaps.at(-1)!.toFixed(1)} ms after the last answer until the redirect arrived`)
          .join('; '),
      });
      const ratio = (r: CallbackRun) => r.ms / r.upstreamMs;
      rows.push({
        figure: `callback ÷ upstream floor, L = ${L} ms + latency model`,
        value: med(atL, ratio).toFixed(3),
        goal: '≤ 1.05',
        pass: med(atL, ratio) <= 1.05,
        detail: `callback ${ms(med(atL, (r) => r.ms))}, floor ${ms(med(atL, (r) => r.upstreamMs))} (${atL[0]!.trips.length} round trips at ${L} ms each, and whatever the stand-ins spent on them)`,
      });
      // The written page: its floor is the callback's round trips (token, identity, write); the rest is the app's.
      // Its transport: the callback's (relayed, each hop answered L ms later) and the browser's GET of the page.
      const pageTransport = relayedAtL.ms + browserTrip.ms;
      const pageApp = (r: CallbackRun) => r.pageMs - r.upstreamMs - pageTransport;
      const pageAppAtZero = (r: CallbackRun) => r.pageMs - r.upstreamMs - relayed.ms - browserTrip.ms;
      rows.push({
        figure: `Allow → “secret written” page, L = ${L} ms: app time over the floor`,
        value: ms(med(atL, pageApp)),
        goal: '≤ 5 ms',
        pass: med(atL, pageApp) <= 5,
        detail: `the page ${ms(med(atL, (r) => r.pageMs))} after Allow − its round trips (token, identity, write) as the stand-ins timed them ${ms(med(atL, (r) => r.upstreamMs))} − their transport and the page's GET ${ms(pageTransport)} (relayed by a process with no app logic); ${(med(atL, (r) => r.pageMs / r.upstreamMs)).toFixed(3)} × the round trips; at L = 0: ${ms(med(atZero, pageAppAtZero))} over the floor, ${ms(med(atZero, (r) => r.pageMs - r.upstreamMs))} without subtracting the transport`,
      });
      rows.push({
        figure: `Allow → the check’s outcome on that page, L = ${L} ms + latency model`,
        value: ms(med(atL, (r) => r.checkMs)),
        goal: '',
        pass: null,
        detail: `the page's event stream until its last event (the outcome), the warehouse asleep before Allow and the consent page read for ${CONSENT_MS} ms`,
      });
      const warmed = atL.map((r) => r.warmup).filter((w) => w !== undefined);
      const ready = median(warmed.map((w) => w.readyMs));
      rows.push({
        figure: 'warehouse resumes the check waits for (asleep before Allow)',
        value: `${med(atL, (r) => r.resumes)} resumes, ${ms(med(atL, (r) => r.checkResumeMs))}`,
        goal: '0',
        pass: med(atL, (r) => r.checkResumeMs) === 0 && med(atL, (r) => r.resumes) === 0,
        detail: `resumes from Allow to the check's outcome, and what the check's statement waited for one; its Python function's cold start: ${ms(med(atL, (r) => r.checkColdStartMs))} (the stand-in's estimate, sandbox/README.md). ${
          warmed.length
            ? `The warm-up started at /connect was answered ${ms(ready)} after /connect, having waited ${ms(median(warmed.map((w) => w.resumeWaitMs)))} for the resume: an Allow sooner than that (this person took ${CONSENT_MS} ms on the consent) leaves the rest of the resume to the check (Allow → check outcome grows by as much)`
            : 'No warm-up statement was seen between /connect and the outcome: the check resumes the warehouse itself'
        }`,
      });
      const trips = statusAtL.map((r) => r.ms / L);
      rows.push({
        figure: `status load, L = ${L} ms`,
        value: `${median(trips).toFixed(2)} round trips`,
        goal: '≤ 1.5',
        pass: median(trips) <= 1.5,
        detail: `${ms(median(statusAtL.map((r) => r.ms)))}, median of ${statusAtL.length} after a first load; ${statusAtZero.statements} statements, ${statusAtZero.warehouseStatements} on a warehouse (goal 0)`,
      });
      const listening = median(starts.map((x) => x.listeningMs));
      rows.push({
        figure: `start to listening (${START.join(' ')}, live mode)`,
        value: ms(listening),
        goal: '≤ 300 ms',
        pass: listening <= 300,
        detail: `median of ${starts.length}: ${starts.map((x) => x.listeningMs.toFixed(0)).join(', ')} ms; CPU used by then (a busy machine stretches the wall time, not this): ${median(starts.map((x) => x.cpuMs)).toFixed(0)} ms`,
      });
      const npmListening = median(npmStarts.map((x) => x.listeningMs));
      rows.push({
        figure: `start to listening (${NPM_START.join(' ')}, live mode)`,
        value: ms(npmListening),
        goal: '',
        pass: null,
        detail: `the same app through npm: npm's own start-up adds ${ms(npmListening - listening)}; median of ${npmStarts.length}: ${npmStarts.map((x) => x.listeningMs.toFixed(0)).join(', ')} ms; CPU used by then (npm's, the shell's and the app's): ${median(npmStarts.map((x) => x.cpuMs)).toFixed(0)} ms`,
      });
      const rss = median(starts.map((x) => x.rssMb));
      rows.push({
        figure: 'resident memory after start (live mode)',
        value: mb(rss),
        goal: '≤ 120 MB',
        pass: rss <= 120,
        detail: `median of ${starts.length}, once the app has been quiet for 1 s (its warm-up sign-in done): ${starts.map((x) => x.rssMb.toFixed(0)).join(', ')} MB`,
      });
      rows.push({
        figure: `memory drift after ${MIXED.toLocaleString('en')} mixed requests`,
        value: `${rssSettled - rssWarm >= 0 ? '+' : ''}${mb(rssSettled - rssWarm)}`,
        goal: '≤ 10 MB',
        pass: rssSettled - rssWarm <= 10,
        detail: `${mb(rssStarted)} once started and idle → ${mb(rssWarm)} after the figures above and ${MIXED_WARMUP} more requests → ${mb(rssPeak)} right after the ${MIXED.toLocaleString('en')} → ${mb(rssSettled)} once idle (status.json, home, setup, bogus callbacks, ${(MIXED / mixedSeconds).toFixed(0)} requests/s; each reading once it stops falling)`,
      });
      if (quick) notes.push('--quick: one or two rounds each; too few to judge a goal by.');
      if (PROFILE_DIR)
        notes.push(
          `--cpu-prof: the app's CPU profile is in ${PROFILE_DIR} (its figures are slowed by the profiler).`,
        );
    } finally {
      b.close();
      await app.stop();
    }
  } finally {
    await s.close();
  }
  process.stdout.write(report(rows, notes, ROOT));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
