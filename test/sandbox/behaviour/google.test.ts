// The Google stand-in: iss on every authorization response (issOnAuthResponse, true by default), and
// refresh tokens that die after six months unused, where Snowflake's own refreshes count as use.
import * as client from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { consent } from '../../../sandbox/oauth/consent.js';
import { ACTIVITY, authUrl, googleConfig, googleParams } from '../oauth/helpers.js';
import { exec, failure } from '../snowflake/driver.js';
import { buildChain, googleRefreshToken, type Pair, startPair, who, writeToken } from './helpers.js';

let p: Pair;

afterEach(async () => p?.close());

/** The three kinds of authorization response the stand-in redirects with: a code, a denial, and prompt=none. */
async function responses(): Promise<Record<'code' | 'denied' | 'silent', URL>> {
  const config = await googleConfig(p.oauth);
  const code = new URL(await consent((await authUrl(config, googleParams([ACTIVITY]))).url.href));
  const denied = new URL(
    await consent((await authUrl(config, googleParams([ACTIVITY]))).url.href, { decision: 'deny' }),
  );
  const silentUrl = (await authUrl(config, googleParams([ACTIVITY], { prompt: 'none' }))).url;
  const silent = await fetch(silentUrl, { redirect: 'manual' });
  return { code, denied, silent: new URL(silent.headers.get('location')!) };
}

describe('issOnAuthResponse', () => {
  it("true (default): every authorization response carries iss = the stand-in's origin, errors included", async () => {
    p = await startPair();
    const r = await responses();
    expect(r.code.searchParams.get('code')).toBeTruthy();
    expect(r.denied.searchParams.get('error')).toBe('access_denied');
    expect(r.silent.searchParams.get('error')).toBe('interaction_required');
    for (const [kind, url] of Object.entries(r)) expect(url.searchParams.get('iss'), kind).toBe(p.oauth.url);
    expect(new URL(p.oauth.url).origin).toBe(p.oauth.url);
  });

  it('false: no response carries iss, and openid-client still accepts the code (Google does not advertise iss)', async () => {
    p = await startPair({ issOnAuthResponse: false });
    const r = await responses();
    for (const [kind, url] of Object.entries(r)) expect(url.searchParams.has('iss'), kind).toBe(false);
    const config = await googleConfig(p.oauth);
    expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBeUndefined();
    const started = await authUrl(config, googleParams([ACTIVITY]));
    const callback = new URL(await consent(started.url.href));
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
    });
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('the switch changes at run time', async () => {
    p = await startPair();
    p.oauth.setBehaviour({ issOnAuthResponse: false });
    expect((await responses()).code.searchParams.has('iss')).toBe(false);
    p.oauth.setBehaviour({ issOnAuthResponse: true });
    expect((await responses()).denied.searchParams.get('iss')).toBe(p.oauth.url);
  });
});

describe('six months unused', () => {
  const DAY = 86_400;

  it("a production client's refresh token dies after six months without a refresh", async () => {
    p = await startPair();
    const config = await googleConfig(p.oauth);
    const token = await googleRefreshToken(p.oauth);
    await p.advanceOAuth(150 * DAY);
    await client.refreshTokenGrant(config, token); // used: the six months start again
    await p.advanceOAuth(150 * DAY);
    await client.refreshTokenGrant(config, token);
    await p.advanceOAuth(184 * DAY);
    const err = await failure(client.refreshTokenGrant(config, token));
    expect(err).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
  });

  it("Snowflake's refreshes count as use: a function called regularly keeps the token alive; one left unused for six months breaks", async () => {
    p = await startPair({ accessTokenCache: 'none' }); // every call refreshes at Google
    await buildChain(p.conn, 'SIX');
    await writeToken(p.conn, 'SIX', await googleRefreshToken(p.oauth));
    for (let round = 0; round < 3; round++) {
      await p.advanceOAuth(150 * DAY);
      expect((await who(p.conn, 'SIX')).legacyUserId).toBe('2E4RVC');
    }
    await p.advanceOAuth(184 * DAY);
    const err = await failure(exec(p.conn, 'SELECT SIX.PUBLIC.WHO()'));
    expect(err.message).toContain('invalid_grant: Token has been expired or revoked.');
  });
});
