// Load: a burst of status requests, a flood of bogus callbacks and a flood of started sign-ins leave
// the app answering, with bounded memory and a capped pending-flow store. Over a real socket.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

/** Runs `n` requests with at most `width` in flight; returns how many had each status. */
async function flood(n: number, width: number, one: (i: number) => Promise<number>) {
  const counts = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const status = await one(next++);
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return counts;
}

// vitest's workers cannot be given --expose-gc from here; turning the flag on at run time and
// taking gc from a fresh context gives a real collection, so the heap numbers mean something.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Heap in use after garbage collection. A few rounds, each after the event loop has run what is
 * queued (closed sockets and finished requests let go of their memory in callbacks).
 */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

describe('under load', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    // Errors only: 20,000 request lines in the captured log would be the test's memory, not the app's.
    // The flood comes from something holding the token (LAUNCH_TOKEN=off here): without it, the gate
    // turns every request away before any store is touched (test/integration/security-access.test.ts).
    h = await startHarness({ listen: true, logLevel: 'error', gate: false });
    base = h.baseUrl!;
    // Warm everything once (driver, views, Snowflake session) so the baseline is not a cold start.
    await fetch(`${base}/status.json`).then((r) => r.text());
    await fetch(`${base}/callback?code=x&state=y`).then((r) => r.text());
    await fetch(`${base}/connect`, { redirect: 'manual' }).then((r) => r.text());
  });
  afterAll(async () => h?.close());

  it('answers 200 concurrent status requests', async () => {
    const res = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${base}/status.json`).then(async (r) => ({ status: r.status, body: await r.json() })),
      ),
    );
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(res.every((r) => (r.body as { mode?: string }).mode === 'sandbox')).toBe(true);
  }, 30_000);

  // Four times the pending store's cap: enough to prove the cap and to show a per-request leak.
  const N = 4_000;
  it('stays responsive with bounded memory after 4,000 bogus callbacks and 4,000 started sign-ins', async () => {
    const before = await settledHeap();

    const bogus = await flood(N, 50, async (i) => {
      const r = await fetch(`${base}/callback?code=c${i}&state=s${i}`, { redirect: 'manual' });
      await r.arrayBuffer();
      return r.status;
    });
    // Each is refused as an unknown sign-in (redirected to its error page, kept in a capped store), and
    // none reached the provider's token endpoint.
    expect(bogus.get(303)).toBe(N);

    const starts = await flood(N, 50, async () => {
      const r = await fetch(`${base}/connect`, { redirect: 'manual' });
      await r.arrayBuffer();
      return r.status;
    });
    expect(starts.get(303)).toBe(N);
    // The pending-flow store is capped (oldest evicted), whatever the number of starts.
    expect(h.services.pending.size).toBeGreaterThan(0);
    expect(h.services.pending.size).toBeLessThanOrEqual(1000);

    const reqs = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as
      | { grantType?: string }[]
      | { requests: { grantType?: string }[] };
    const list = Array.isArray(reqs) ? reqs : reqs.requests;
    expect(list.filter((r) => r.grantType === 'authorization_code')).toHaveLength(0);

    const after = await settledHeap();
    // The stores are capped: 1,000 pending flows, 200 results (each refused callback's page is one). A leak
    // of 2 KB per request would be 16 MB.
    expect((after - before) / MB).toBeLessThan(8);

    // Still responsive: a status request answers, and a real sign-in goes through.
    const status = await fetch(`${base}/status.json`);
    expect(status.status).toBe(200);
    await status.arrayBuffer();
    const cb = await h.connect();
    expect(cb.status).toBe(303);
    const page = await h.agent.get(cb.headers.location as string);
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
  }, 120_000);
});
