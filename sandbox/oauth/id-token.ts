import { createHash, generateKeyPair, type JsonWebKey, type KeyObject, randomBytes, sign } from 'node:crypto';

// Google's ID tokens: RS256-signed JWTs under keys published at /oauth2/v3/certs (the discovery document's
// jwks_uri), with iss, azp, aud (the client ID), sub, email, email_verified, at_hash, iat and exp.

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonWebKey;
}

// One key for every stand-in in this process, made on first use: a 2048-bit key costs a good part of a
// second of CPU, and tests start many stand-ins.
let key: Promise<SigningKey> | undefined;

function signingKey(): Promise<SigningKey> {
  key ??= new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) return reject(err);
      const kid = randomBytes(20).toString('hex');
      resolve({
        kid,
        privateKey,
        jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
      });
    });
  });
  return key;
}

/** The JWKS Google serves at https://www.googleapis.com/oauth2/v3/certs. */
export async function googleJwks(): Promise<{ keys: JsonWebKey[] }> {
  return { keys: [(await signingKey()).jwk] };
}

/** OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  sub: string;
  /** Present when the email scope was granted. */
  email?: string;
  /** Present when the profile scope was granted. */
  name?: string;
  accessToken: string;
  /** The stand-in's clock, ms since the epoch. */
  nowMs: number;
}

export async function googleIdToken(t: IdTokenInput): Promise<string> {
  const k = await signingKey();
  const iat = Math.floor(t.nowMs / 1000);
  const claims: Record<string, unknown> = {
    iss: t.issuer,
    azp: t.clientId,
    aud: t.clientId,
    sub: t.sub,
    ...(t.email ? { email: t.email, email_verified: true } : {}),
    at_hash: atHash(t.accessToken),
    ...(t.name ? { name: t.name } : {}),
    iat,
    exp: iat + 3600,
  };
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'RS256', kid: k.kid, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), k.privateKey).toString('base64url')}`;
}

/** The scopes Google names with a URL in a token response: `email` comes back as …/userinfo.email. */
const GOOGLE_SCOPE_URLS: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

/** A token response's `scope`, as Google words it. */
export function googleScopeString(scopes: readonly string[]): string {
  return [...new Set(scopes.map((s) => GOOGLE_SCOPE_URLS[s] ?? s))].join(' ');
}

export const grantsEmail = (scopes: readonly string[]) =>
  scopes.some((s) => s === 'email' || s === GOOGLE_SCOPE_URLS.email);
export const grantsProfile = (scopes: readonly string[]) =>
  scopes.some((s) => s === 'profile' || s === GOOGLE_SCOPE_URLS.profile);
export const grantsOpenId = (scopes: readonly string[]) => scopes.includes('openid');
