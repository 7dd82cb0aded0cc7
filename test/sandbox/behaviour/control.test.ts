// Every behaviour switch of both stand-ins: its cautious default, set at start, set at run time through
// POST /sandbox/behaviour, read back with GET /sandbox/behaviour, listed on the index, reset to default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../sandbox/index.js';
import { OAUTH_BEHAVIOUR_DEFAULTS } from '../../../sandbox/oauth/behaviour.js';
import { startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { SNOWFLAKE_BEHAVIOUR_DEFAULTS } from '../../../sandbox/snowflake/behaviour.js';
import { startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';

async function get(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('behaviour switches', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
  });
  afterAll(async () => sb?.close());

  it('default to the cautious answers', async () => {
    expect(await get(`${sb.snowflake.url}/sandbox/behaviour`)).toEqual({
      accessTokenCache: 'until-expiry',
      alterSecretClearsAccessToken: false,
      refreshTokenValidity: 'applied',
      scopeOnRefresh: 'sent',
      queryHistoryRedaction: 'none',
      integrationReplaceUnbindsSecret: true,
      rotationPolicy: 'persist',
      alterSecretBinds: 'refused',
    });
    expect(await get(`${sb.oauth.url}/sandbox/behaviour`)).toEqual({
      issOnAuthResponse: true,
      rollupEmptyWindows: 'point',
    });
    expect(sb.snowflake.behaviour()).toEqual(SNOWFLAKE_BEHAVIOUR_DEFAULTS);
    expect(sb.oauth.behaviour()).toEqual(OAUTH_BEHAVIOUR_DEFAULTS);
  });

  it('are listed on each control index', async () => {
    const sf = Object.keys((await get(`${sb.snowflake.url}/sandbox/`)).endpoints as object);
    expect(sf).toEqual(expect.arrayContaining(['GET /sandbox/behaviour', 'POST /sandbox/behaviour']));
    for (const name of Object.keys(SNOWFLAKE_BEHAVIOUR_DEFAULTS)) expect(sf).toContain(`switch ${name}`);
    const oa = Object.keys((await get(`${sb.oauth.url}/sandbox/`)).endpoints as object);
    expect(oa).toEqual(
      expect.arrayContaining([
        'GET /sandbox/behaviour',
        'POST /sandbox/behaviour',
        'switch issOnAuthResponse',
        'switch rollupEmptyWindows',
      ]),
    );
  });

  it('change at run time one at a time, refuse unknown names and values, and reset to their defaults', async () => {
    const kind = {
      accessTokenCache: 'none',
      alterSecretClearsAccessToken: true,
      refreshTokenValidity: 'ignored',
      scopeOnRefresh: 'omitted',
      queryHistoryRedaction: 'redacted',
      integrationReplaceUnbindsSecret: false,
      rotationPolicy: 'discard',
      alterSecretBinds: 'accepted',
    };
    const sfUrl = `${sb.snowflake.url}/sandbox/behaviour`;
    let expected: Record<string, unknown> = { ...SNOWFLAKE_BEHAVIOUR_DEFAULTS };
    for (const [name, value] of Object.entries(kind)) {
      const res = await post(sfUrl, { [name]: value });
      expected = { ...expected, [name]: value };
      expect(res, name).toEqual({ status: 200, json: expected });
    }
    expect(await get(sfUrl)).toEqual(kind);
    // The older endpoints read and write the same switches.
    expect(await get(`${sb.snowflake.url}/sandbox/token-cache`)).toEqual({ mode: 'none' });
    expect(await get(`${sb.snowflake.url}/sandbox/rotation-policy`)).toEqual({ policy: 'discard' });

    for (const bad of [
      { accessTokenCache: 'forever' },
      { alterSecretClearsAccessToken: 'yes' },
      { typo: true },
    ]) {
      expect((await post(sfUrl, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect(await get(sfUrl)).toEqual(kind);
    expect(() => sb.snowflake.setBehaviour({ scopeOnRefresh: 'maybe' as 'sent' })).toThrow();

    const oaUrl = `${sb.oauth.url}/sandbox/behaviour`;
    expect(await post(oaUrl, { issOnAuthResponse: false })).toEqual({
      status: 200,
      json: { issOnAuthResponse: false, rollupEmptyWindows: 'point' },
    });
    expect(await post(oaUrl, { rollupEmptyWindows: 'omitted' })).toEqual({
      status: 200,
      json: { issOnAuthResponse: false, rollupEmptyWindows: 'omitted' },
    });
    expect((await post(oaUrl, { issOnAuthResponse: 'no' })).status).toBe(400);
    expect((await post(oaUrl, { rollupEmptyWindows: 'sometimes' })).status).toBe(400);
    expect((await post(oaUrl, { other: 1 })).status).toBe(400);
    expect(await get(oaUrl)).toEqual({ issOnAuthResponse: false, rollupEmptyWindows: 'omitted' });

    await post(`${sb.snowflake.url}/sandbox/reset`, {});
    await post(`${sb.oauth.url}/sandbox/reset`, {});
    expect(await get(sfUrl)).toEqual(SNOWFLAKE_BEHAVIOUR_DEFAULTS);
    expect(await get(oaUrl)).toEqual(OAUTH_BEHAVIOUR_DEFAULTS);
  });
});

describe('switches given at start', () => {
  it('startSandbox passes each to its stand-in; reset goes back to them', async () => {
    const sb = await startSandbox({
      oauthPort: 0,
      snowflakePort: 0,
      issOnAuthResponse: false,
      rollupEmptyWindows: 'omitted',
      alterSecretClearsAccessToken: true,
      queryHistoryRedaction: 'redacted',
    });
    try {
      const expected = {
        ...SNOWFLAKE_BEHAVIOUR_DEFAULTS,
        alterSecretClearsAccessToken: true,
        queryHistoryRedaction: 'redacted',
      };
      expect(await get(`${sb.snowflake.url}/sandbox/behaviour`)).toEqual(expected);
      expect(await get(`${sb.oauth.url}/sandbox/behaviour`)).toEqual({
        issOnAuthResponse: false,
        rollupEmptyWindows: 'omitted',
      });
      sb.snowflake.setBehaviour({ queryHistoryRedaction: 'none' });
      sb.oauth.setBehaviour({ issOnAuthResponse: true });
      await post(`${sb.snowflake.url}/sandbox/reset`, {});
      await post(`${sb.oauth.url}/sandbox/reset`, {});
      expect(sb.snowflake.behaviour()).toEqual(expected);
      expect(sb.oauth.behaviour()).toEqual({ issOnAuthResponse: false, rollupEmptyWindows: 'omitted' });
    } finally {
      await sb.close();
    }
  });

  it('refuse an invalid value at start', async () => {
    await expect(
      startSnowflakeSandbox({ port: 0, warn: () => {}, refreshTokenValidity: 'sometimes' as 'applied' }),
    ).rejects.toThrow();
    await expect(
      startOAuthSandbox({ port: 0, issOnAuthResponse: 'yes' as unknown as boolean }),
    ).rejects.toThrow();
  });
});
