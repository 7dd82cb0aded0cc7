// The OAuth stand-in's `merge` fault: the endpoint's own answer with some fields rewritten, so the app
// can be tested against a provider (or a proxy) that sends real tokens with unbelievable numbers.
import type * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { ACTIVITY, connect, control, googleConfig, googleParams } from './helpers.js';

let sb: OAuthSandbox;
let config: client.Configuration;

beforeAll(async () => {
  sb = await startOAuthSandbox({ port: 0 });
  config = await googleConfig(sb);
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await control(sb, '/sandbox/reset');
});

describe('merge faults', () => {
  it('rewrites fields of a real token answer once, tokens untouched', async () => {
    const added = await control(sb, '/sandbox/faults', {
      path: '/token',
      merge: { refresh_token_expires_in: 1e300 },
      count: 1,
    });
    expect(added.status).toBe(201);
    const { tokens } = await connect(config, googleParams([ACTIVITY]));
    expect(tokens.refresh_token_expires_in).toBe(1e300);
    expect(tokens.refresh_token).toMatch(/^1\/\/0/);
    const log = (await (await fetch(`${sb.url}/sandbox/requests`)).json()) as {
      requests: { path: string; fault?: string }[];
    };
    expect(log.requests.find((r) => r.path === '/token')?.fault).toBe('merge');
    // Spent: the next answer is the endpoint's own again.
    const again = await connect(config, googleParams([ACTIVITY]));
    expect(again.tokens.refresh_token_expires_in).toBeUndefined();
  });

  it('leaves error answers alone, and refuses a rule with nothing to do', async () => {
    await control(sb, '/sandbox/faults', { path: '/token', merge: { scope: 'x' } });
    const res = await fetch(`${sb.url}/token`, { method: 'POST', body: new URLSearchParams({}) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { scope?: string }).scope).toBeUndefined();
    expect((await control(sb, '/sandbox/faults', { path: '/token' })).status).toBe(400);
  });
});
