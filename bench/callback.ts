// Benchmark: what the callback costs, and what signing in to Snowflake while the user is on the consent
// page saves. One run, ratios only (absolute times depend on the machine). Also counts the Snowflake
// statements (and warehouse statements) one connect and one status load make, against the stand-in.
//   npm run bench
import { consent } from '../sandbox/oauth/consent.js';
import { type Harness, startHarness } from '../test/support/app-harness.js';

const ROUNDS = 3;
const HUMAN_CONSENT_MS = 2000; // a person reading the consent page; the warm-up runs meanwhile
// A real Snowflake login (key-pair JWT, session creation) takes on the order of a second; the stand-in
// answers in milliseconds, so it is told to take this long.
const LOGIN_LATENCY_MS = 1000;

async function callbackMs(h: Harness, warm: boolean): Promise<number> {
  if (!warm) h.services.session.warm = () => {};
  const authUrl = await h.startFlow();
  const location = new URL(await consent(authUrl));
  await new Promise((r) => setTimeout(r, HUMAN_CONSENT_MS));
  const t = performance.now();
  const res = await h.agent.get(`${location.pathname}${location.search}`);
  const ms = performance.now() - t;
  if (res.status !== 303) throw new Error(`callback answered ${res.status}`);
  return ms;
}

async function stats(h: Harness): Promise<{ statements: number; warehouseStatements: number }> {
  return (await (await fetch(`${h.snowflakeUrl}/sandbox/stats`)).json()) as {
    statements: number;
    warehouseStatements: number;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const warm: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const [mode, out] of [
      [true, warm],
      [false, cold],
    ] as const) {
      const h = await startHarness({ logLevel: 'silent' });
      try {
        await h.snowflakeControl('/sandbox/faults', { loginLatencyMs: LOGIN_LATENCY_MS });
        out.push(await callbackMs(h, mode));
      } finally {
        await h.close();
      }
    }
  }
  const h = await startHarness({ logLevel: 'silent' });
  try {
    const s0 = await stats(h);
    await h.connectAndFollow();
    // The steps chart is fetched (one warehouse statement) right after the connect's passing check,
    // in the background: let it finish so it is not counted against the page load.
    await h.services.status.stepsChart();
    const s1 = await stats(h);
    await h.agent.get('/status');
    const s2 = await stats(h);
    console.log(
      `callback ms: warm ${warm.map((x) => x.toFixed(0)).join(' ')} / cold ${cold.map((x) => x.toFixed(0)).join(' ')}`,
    );
    console.log(`(stand-in login latency ${LOGIN_LATENCY_MS} ms, consent ${HUMAN_CONSENT_MS} ms)`);
    console.log(
      `callback, cold session / warm session (median of ${ROUNDS}): ${(median(cold) / median(warm)).toFixed(2)}x`,
    );
    console.log(
      `one connect: ${s1.statements - s0.statements} statements, ${s1.warehouseStatements - s0.warehouseStatements} using a warehouse`,
    );
    console.log(
      `one status page load: ${s2.statements - s1.statements} statements, ${s2.warehouseStatements - s1.warehouseStatements} using a warehouse`,
    );
  } finally {
    await h.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
