// Status loads that arrive together share one round of metadata statements in Snowflake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

const statementCount = async (h: Harness) =>
  ((await (await fetch(`${h.snowflakeUrl}/sandbox/stats`)).json()) as { statements: number }).statements;

describe('status page loads at the same moment', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.connectAndFollow();
  });
  afterAll(async () => h?.close());

  it('run the DESCRIBE round once, not once per request', async () => {
    // A round is one round trip to Snowflake (status/describe.ts): slow each statement down so that the
    // ten loads surely arrive while the first round is under way, as loads that come together do.
    await h.snowflakeControl('/sandbox/faults', { statementLatencyMs: 200 });
    const a = await statementCount(h);
    await h.agent.get('/status.json');
    const one = (await statementCount(h)) - a;
    expect(one).toBeGreaterThan(0);

    const b = await statementCount(h);
    const res = await Promise.all(Array.from({ length: 10 }, () => h.agent.get('/status.json')));
    for (const r of res) expect(r.status).toBe(200);
    const ten = (await statementCount(h)) - b;
    // Ten loads in parallel cost about what one does (two rounds at most, if one started just as another ended).
    expect(ten).toBeLessThanOrEqual(2 * one);
  });
});
