// The latency model's switch over HTTP, and the warehouse state over the real driver: the model is off
// here (the state is kept all the same), so nothing in this file waits for a resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { type Conn, connect, destroy, exec } from './driver.js';

let sb: SnowflakeSandbox;
let conn: Conn;

async function control(path: string, body?: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sb = await startSnowflakeSandbox({ port: 0, latencyModel: 'realistic', warn: () => {} });
  conn = await connect(sb.url, { password: 'sandbox' });
});
afterAll(async () => {
  await destroy(conn);
  await sb?.close();
});

describe('POST /sandbox/latency-model', () => {
  it('reads and sets the model; a bad value changes nothing; reset goes back to the start value', async () => {
    expect((await control('/sandbox/latency-model')).json).toEqual({ resumeMs: 1500, coldStartMs: 1500 });
    expect((await control('/sandbox/latency-model', { model: 'off' })).json).toEqual({
      resumeMs: 0,
      coldStartMs: 0,
    });
    expect((await control('/sandbox/latency-model', { coldStartMs: 200 })).json).toEqual({
      resumeMs: 1500,
      coldStartMs: 200,
    });
    const bad = await control('/sandbox/latency-model', { resumeMs: 'slow' });
    expect(bad.status).toBe(400);
    expect(sb.latencyModel()).toEqual({ resumeMs: 1500, coldStartMs: 200 });
    await control('/sandbox/reset', {});
    expect(sb.latencyModel()).toEqual({ resumeMs: 1500, coldStartMs: 1500 });
    expect(sb.setLatencyModel('off')).toEqual({ resumeMs: 0, coldStartMs: 0 });
  });
});

describe('the warehouse state over the driver', () => {
  it('SHOW WAREHOUSES follows ALTER WAREHOUSE … RESUME | SUSPEND, and /sandbox/stats counts the resumes', async () => {
    const stateOf = async () =>
      (await exec(conn, "SHOW WAREHOUSES LIKE 'SANDBOX_WH'"))[0]?.state as string | undefined;
    expect(await stateOf()).toBe('SUSPENDED');
    await exec(conn, 'ALTER WAREHOUSE sandbox_wh RESUME IF SUSPENDED');
    expect(await stateOf()).toBe('STARTED');
    expect((await control('/sandbox/stats')).json).toMatchObject({
      warehouseResumes: 1,
      coldStarts: 0,
      computeWaitMs: 0,
    });
    await exec(conn, 'ALTER WAREHOUSE SUSPEND');
    expect(await stateOf()).toBe('SUSPENDED');
  });
});
