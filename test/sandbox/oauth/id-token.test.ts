// The stand-in's ID tokens, as Google issues them: with `openid email` the token response carries an
// RS256-signed JWT that the real openid-client validates (claims by default; the signature too, against the
// JWKS the discovery document names, with enableNonRepudiationChecks).
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedUsers } from '../../../sandbox/oauth/seed.js';
import { type OAuthSandbox, startOAuthSandbox } from '../../../sandbox/oauth/server.js';
import { ACTIVITY, authUrl, connect, control, googleConfig, googleParams } from './helpers.js';

let sb: OAuthSandbox;
let config: client.Configuration;
const alice = seedUsers()[0]!;

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

/** The ID token's claims, as openid-client validated them (undefined without one). */
const claimsOf = (t: client.TokenEndpointResponse) =>
  (t as client.TokenEndpointResponse & client.TokenEndpointResponseHelpers).claims();
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('google-health: ID tokens for openid email', () => {
  it('issues one like Google’s, and openid-client validates its claims', async () => {
    const { tokens } = await connect(config, googleParams(['openid', 'email', ACTIVITY]));
    expect(tokens.id_token).toBeTruthy();
    const [header] = tokens.id_token!.split('.');
    expect(decode(header!)).toMatchObject({
      alg: 'RS256',
      typ: 'JWT',
      kid: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const claims = claimsOf(tokens)!;
    expect(claims).toMatchObject({
      iss: sb.url,
      aud: 'sandbox-client-id',
      azp: 'sandbox-client-id',
      sub: alice.googleSub,
      email: alice.email,
      email_verified: true,
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(typeof claims.at_hash).toBe('string');
    // Google names the email scope by its URL in the token response.
    expect(tokens.scope?.split(' ')).toEqual([
      'openid',
      'https://www.googleapis.com/auth/userinfo.email',
      ACTIVITY,
    ]);
    // Every ID token it issues counts as a secret for the leak scanners.
    expect(sb.issuedSecrets()).toContain(tokens.id_token);
  });

  it('is signed by a key of the JWKS at the discovery document’s jwks_uri (openid-client checks it)', async () => {
    const strict = await googleConfig(sb);
    client.enableNonRepudiationChecks(strict);
    expect(strict.serverMetadata().jwks_uri).toBe(`${sb.url}/oauth2/v3/certs`);
    const { tokens } = await connect(strict, googleParams(['openid', 'email', ACTIVITY]));
    expect(claimsOf(tokens)?.email).toBe(alice.email);
    const jwks = (await (await fetch(`${sb.url}/oauth2/v3/certs`)).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(decode(tokens.id_token!.split('.')[0]!).kid).toBe(jwks.keys[0]!.kid);
  });

  it('openid without email: an ID token with no email claim; no openid: no ID token at all', async () => {
    const openidOnly = await connect(config, googleParams(['openid', ACTIVITY]));
    expect(claimsOf(openidOnly.tokens)?.sub).toBe(alice.googleSub);
    expect(claimsOf(openidOnly.tokens)?.email).toBeUndefined();
    const none = await connect(config, googleParams([ACTIVITY]));
    expect(none.tokens.id_token).toBeUndefined();
    expect(claimsOf(none.tokens)).toBeUndefined();
  });

  it('the consent screen offers no checkbox for the sign-in scopes: they come with any Allow', async () => {
    const { url } = await authUrl(config, googleParams(['openid', 'email', ACTIVITY]));
    const page = await (await fetch(url)).text();
    const boxes = [...page.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]);
    expect(boxes).toEqual([ACTIVITY]);
    expect(page).toContain('id="sign-in-scopes"');
  });

  it('a refresh with openid in the grant brings a fresh ID token, as Google’s does', async () => {
    const { tokens } = await connect(config, googleParams(['openid', 'email', ACTIVITY]));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(claimsOf(refreshed)?.email).toBe(alice.email);
  });
});
