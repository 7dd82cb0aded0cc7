// Sign-in state Snowflake keeps outside the catalog: OAuth access tokens its authorization server has
// issued, and who is enrolled in MFA with which passcode. One per stand-in, keyed by its engine so the
// login path (auth.ts) and the control endpoints (auth-control.ts) share it without more wiring.
import { randomBytes, randomUUID } from 'node:crypto';
import type { SqlEngine } from './contract.js';

/** Snowflake OAuth access tokens last 10 minutes unless the integration says otherwise. */
export const OAUTH_TOKEN_VALIDITY_S = 600;

export interface IssuedOAuthToken {
  user: string;
  /** The `session:role:` scope the token was issued for; null = the user's default role. */
  role: string | null;
  expiresAt: number;
}

export type OAuthCheck =
  | { ok: true; token: IssuedOAuthToken }
  | { ok: false; code: '390303' | '390318'; reason: string };

export class OAuthTokens {
  private tokens = new Map<string, IssuedOAuthToken>();

  /** Issues a token; the caller sees it once (the stand-in never lists tokens). */
  mint(user: string, role: string | null, validityS: number, now: number): string {
    const token = `ver:1-hint:sandbox-oauth-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { user, role, expiresAt: now + validityS * 1000 });
    return token;
  }

  check(token: string, now: number): OAuthCheck {
    const issued = token ? this.tokens.get(token) : undefined;
    if (!issued) return { ok: false, code: '390303', reason: 'not an access token this account issued' };
    if (issued.expiresAt <= now) return { ok: false, code: '390318', reason: 'the access token has expired' };
    return { ok: true, token: issued };
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** Duo/TOTP enrolment: the one passcode that is valid next for each enrolled user (single use). */
export class MfaEnrolment {
  private passcodes = new Map<string, string | null>();

  enrol(user: string, passcode: string | null): void {
    this.passcodes.set(user, passcode);
  }

  unenrol(user: string): void {
    this.passcodes.delete(user);
  }

  isEnrolled(user: string): boolean {
    return this.passcodes.has(user);
  }

  /** The valid passcode, or null once it has been used (a passcode works once, as Duo's do). */
  current(user: string): string | null {
    return this.passcodes.get(user) ?? null;
  }

  consume(user: string): void {
    if (this.passcodes.has(user)) this.passcodes.set(user, null);
  }

  clear(): void {
    this.passcodes.clear();
  }
}

export interface SignInState {
  oauth: OAuthTokens;
  mfa: MfaEnrolment;
}

const states = new WeakMap<SqlEngine, SignInState>();

export function signInState(engine: SqlEngine): SignInState {
  let s = states.get(engine);
  if (!s) {
    s = { oauth: new OAuthTokens(), mfa: new MfaEnrolment() };
    states.set(engine, s);
  }
  return s;
}

/** Snowflake appends an incident id to some login refusals, for SYSTEM$GET_LOGIN_FAILURE_DETAILS. */
export function withIncident(message: string): string {
  return `${message} [${randomUUID()}]`;
}
