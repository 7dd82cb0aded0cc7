// The one iss rule (docs/going-live.md, "The iss rule"): an authorization response that carries `iss`
// must carry the provider's issuer; one without `iss` is accepted (Google sends it only to some users).
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { type Harness, startHarness } from '../support/app-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Starts a sign-in, consents, lets `edit` change the callback's query, and calls the callback. */
async function callbackWith(harness: Harness, edit: (q: URLSearchParams) => void) {
  const location = new URL(await consent(await harness.startFlow(), {}));
  edit(location.searchParams);
  return harness.agent.get(`${location.pathname}?${location.searchParams}`);
}

describe('the iss rule', () => {
  it('the stand-in sends iss like Google, and the app accepts its own provider’s issuer', async () => {
    h = await startHarness();
    let iss: string | null = null;
    const res = await callbackWith(h, (q) => {
      iss = q.get('iss');
    });
    expect(iss).toBe(h.config.oauth.issuer);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/result\//);
    // The request log shows a code exchange (what the mix-up test below must not find).
    const log = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as unknown;
    expect(JSON.stringify(log)).toContain('/token');
  });

  it('a response without iss is accepted (Google sends it only to some users)', async () => {
    h = await startHarness();
    await h.oauthControl('/sandbox/behaviour', { issOnAuthResponse: false });
    let iss: string | null = 'unset';
    const res = await callbackWith(h, (q) => {
      iss = q.get('iss');
    });
    expect(iss).toBeNull();
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/result\//);
  });

  it('a response whose iss names another server is refused before the code is used (mix-up defence)', async () => {
    h = await startHarness();
    const res = await callbackWith(h, (q) => q.set('iss', 'https://evil.example'));
    expect(res.status).toBe(400);
    expect(res.text).toContain('another authorization server');
    expect(res.text).toContain('https://evil.example');
    expect(res.text).toContain('OAUTH_ISSUER');
    // Nothing was exchanged: the stand-in saw no token request.
    const log = (await (await fetch(`${h.oauthUrl}/sandbox/requests`)).json()) as unknown;
    expect(JSON.stringify(log)).toContain('/o/oauth2/v2/auth');
    expect(JSON.stringify(log)).not.toContain('/token');
  });
});
