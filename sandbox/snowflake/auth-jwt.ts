// Key-pair sign-in: the RS256 JWT the driver builds (auth_keypair.js), checked the way Snowflake
// checks it: signed by a key registered on the user (RSA_PUBLIC_KEY or RSA_PUBLIC_KEY_2), `iss`
// naming that key's fingerprint, `sub` naming account and user, not expired, not issued in the future.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { SandboxUser } from './contract.js';

/** How far a client clock may run ahead of ours. */
const CLOCK_SKEW_S = 60;
/** Snowflake refuses JWTs valid for more than an hour. */
const MAX_LIFETIME_S = 3600;

/** A PEM body as given to ALTER USER … SET RSA_PUBLIC_KEY (headers optional) → a public key. */
export function publicKeyFromBody(body: string): KeyObject {
  const b64 = body
    .replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '')
    .replace(/\s+/g, '')
    .trim();
  const lines = b64.match(/.{1,64}/g) ?? [];
  return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`);
}

/** 'SHA256:<base64 of sha256 over the DER SPKI>', as in `iss` and DESC USER's RSA_PUBLIC_KEY_FP. */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The driver sends `iat`/`exp` in milliseconds; the JWT standard says seconds. Accept both. */
function toSeconds(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return v > 1e11 ? v / 1000 : v;
}

/**
 * Checks a key-pair login token. Returns null when it is valid, else why not (for the sandbox's
 * login log, as SYSTEM$GET_LOGIN_FAILURE_DETAILS would tell an administrator).
 */
export function verifyKeypairJwt(
  token: string,
  account: string,
  user: SandboxUser,
  now = Date.now(),
): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return 'JWT_TOKEN_INVALID: not a JWT';
  const [h, p, s] = parts as [string, string, string];
  const header = decodePart(h);
  const payload = decodePart(p);
  if (!header || !payload) return 'JWT_TOKEN_INVALID: undecodable header or payload';
  if (header.alg !== 'RS256') return `JWT_TOKEN_INVALID_ALGORITHM: ${String(header.alg)}`;

  const prefix = `${account.toUpperCase()}.${user.name.toUpperCase()}`;
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  const sub = typeof payload.sub === 'string' ? payload.sub : '';
  if (sub.toUpperCase() !== prefix) return 'JWT_TOKEN_INVALID_SUBJECT: sub must be ACCOUNT.USER';
  if (!iss.toUpperCase().startsWith(`${prefix}.`))
    return 'JWT_TOKEN_INVALID_ISSUER: iss must be ACCOUNT.USER.SHA256:…';
  const fingerprint = iss.slice(prefix.length + 1);
  if (!fingerprint.startsWith('SHA256:')) return 'JWT_TOKEN_INVALID_ISSUER: no SHA256 fingerprint in iss';

  const nowS = now / 1000;
  const exp = toSeconds(payload.exp);
  const iat = toSeconds(payload.iat);
  if (exp === null || iat === null) return 'JWT_TOKEN_INVALID: iat and exp are required';
  if (exp <= nowS) return 'JWT_TOKEN_EXPIRED';
  if (iat > nowS + CLOCK_SKEW_S) return 'JWT_TOKEN_INVALID_ISSUE_TIME: issued in the future';
  if (exp - iat > MAX_LIFETIME_S + CLOCK_SKEW_S) return 'JWT_TOKEN_INVALID: valid for more than an hour';

  const registered = [user.rsaPublicKey, user.rsaPublicKey2].filter((k): k is string => !!k);
  if (registered.length === 0) return 'JWT_TOKEN_INVALID_PUBLIC_KEY_NOT_SET: the user has no RSA_PUBLIC_KEY';
  for (const body of registered) {
    let key: KeyObject;
    try {
      key = publicKeyFromBody(body);
    } catch {
      continue;
    }
    if (publicKeyFingerprint(key) !== fingerprint) continue;
    const signed = Buffer.from(`${h}.${p}`);
    const ok = verify('RSA-SHA256', signed, key, Buffer.from(s, 'base64url'));
    return ok ? null : 'JWT_TOKEN_INVALID_SIGNATURE';
  }
  return 'JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH';
}
