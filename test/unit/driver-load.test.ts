// The Snowflake driver loads without the cloud SDKs it requires only for stage file transfers and workload
// identity (they load on first use instead), and without probing cloud metadata endpoints for telemetry.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { loadDriver, onFirstUse } from '../../server/snowflake/session.js';

describe('loading snowflake-sdk', () => {
  it('leaves the cloud SDKs unloaded and turns the platform probes off', async () => {
    const driver = await loadDriver(createLogger('silent'));
    expect(typeof driver.createConnection).toBe('function');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((f) => f.includes('/node_modules/snowflake-sdk/'))).toBe(true);
    for (const sdk of ['@azure/identity', '@azure/storage-blob', 'google-auth-library', '@aws-sdk/client-s3'])
      expect(loaded.filter((f) => f.includes(`/node_modules/${sdk}/`))).toEqual([]);
    expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe('true');
  });

  it('a module handed over unloaded loads when first touched, and then behaves as itself', () => {
    let loads = 0;
    const load = () => {
      loads += 1;
      return Object.assign((x: number) => x * 2, { VERSION: '1', Client: class {} });
    };
    const m = onFirstUse(load) as unknown as ((x: number) => number) & {
      VERSION: string;
      Client: new () => object;
    };
    expect(loads).toBe(0);
    expect(m.VERSION).toBe('1');
    expect(m(21)).toBe(42);
    expect(new m.Client()).toBeInstanceOf(m.Client);
    expect('VERSION' in m).toBe(true);
    expect(Object.keys(m)).toEqual(['VERSION', 'Client']);
    expect({ ...m }).toMatchObject({ VERSION: '1' });
    expect(loads).toBe(1);
  });
});
