import { createHash, createHmac, randomBytes } from 'node:crypto';

// Token formats look like the real ones, so code that assumes a shape (length, charset, URL encoding
// of '/') meets the same values here.

const b64url = (n: number): string => randomBytes(n).toString('base64url');
const hex = (n: number): string => randomBytes(n).toString('hex');

export const googleCode = (): string => `4/0${b64url(48)}`;
export const googleAccessToken = (): string => `ya29.${b64url(96)}`;
export const googleRefreshToken = (): string => `1//0${b64url(72)}`;

export const fitbitCode = (): string => hex(20); // 40 hex
export const fitbitRefreshToken = (): string => hex(32); // 64 hex

const fitbitJwtKey = randomBytes(32);

/** Fitbit access tokens are JWTs (HS256 here); clients must treat them as opaque. */
export function fitbitAccessToken(claims: {
  clientId: string;
  encodedId: string;
  scopes: string[];
  iat: number;
  exp: number;
}): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({
      aud: claims.clientId,
      sub: claims.encodedId,
      iss: 'Fitbit',
      typ: 'access_token',
      scopes: claims.scopes.map((s) => `r${s.slice(0, 3)}`).join(' '),
      exp: Math.floor(claims.exp / 1000),
      iat: Math.floor(claims.iat / 1000),
      jti: hex(8),
    }),
  ).toString('base64url');
  const sig = createHmac('sha256', fitbitJwtKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

export const randomId = (): string => b64url(12);

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function sha256hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
