// Sessions and their tokens: a short-lived session token for requests and a longer master token to
// renew it (POST /session/token-request after code 390112), as Snowflake hands them out at login.
import { randomBytes } from 'node:crypto';
import type { SessionState } from './contract.js';

export const SESSION_VALIDITY_S = 3600;
export const MASTER_VALIDITY_S = 4 * 3600;

export interface Session {
  id: number;
  state: SessionState;
  token: string;
  tokenExpiresAt: number;
  masterToken: string;
  masterExpiresAt: number;
  createdAt: number;
}

/** Snowflake's session errors; the driver reacts to each code differently (renew, or give up). */
export const SESSION_ERRORS = {
  invalid: { code: '390104', message: 'User must login again to access the service.' },
  gone: { code: '390111', message: 'Session no longer exists.  New login required to access the service.' },
  expired: { code: '390112', message: 'Your session has expired. Please login again.' },
  masterExpired: {
    code: '390114',
    message: 'Authentication token has expired.  The user must authenticate again.',
  },
} as const;

export type SessionLookup =
  | { ok: true; session: Session }
  | { ok: false; error: keyof typeof SESSION_ERRORS };

function newToken(kind: 'ver' | 'mas'): string {
  return `${kind}:1-sandbox-${randomBytes(24).toString('base64url')}`;
}

export class SessionStore {
  private byToken = new Map<string, Session>();
  private byMaster = new Map<string, Session>();
  /** Tokens of deleted sessions, so late requests get "gone" rather than "invalid". */
  private closed = new Set<string>();
  private nextId = 1_000_001;

  constructor(private readonly now: () => number = Date.now) {}

  create(state: SessionState): Session {
    const t = this.now();
    const session: Session = {
      id: this.nextId++,
      state,
      token: newToken('ver'),
      tokenExpiresAt: t + SESSION_VALIDITY_S * 1000,
      masterToken: newToken('mas'),
      masterExpiresAt: t + MASTER_VALIDITY_S * 1000,
      createdAt: t,
    };
    this.byToken.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    return session;
  }

  /** The session a request's session token belongs to. */
  bySessionToken(token: string | null): SessionLookup {
    if (!token) return { ok: false, error: 'invalid' };
    const session = this.byToken.get(token);
    if (!session) return { ok: false, error: this.closed.has(token) ? 'gone' : 'invalid' };
    if (session.tokenExpiresAt <= this.now()) return { ok: false, error: 'expired' };
    return { ok: true, session };
  }

  /** The live session a token belongs to, expired or not (a session may be deleted after expiry). */
  peek(token: string | null): Session | undefined {
    return token ? this.byToken.get(token) : undefined;
  }

  /** Issues a new session token for a master token (the old session token stops working). */
  renew(masterToken: string | null): SessionLookup {
    const session = masterToken ? this.byMaster.get(masterToken) : undefined;
    if (!session)
      return { ok: false, error: masterToken && this.closed.has(masterToken) ? 'gone' : 'invalid' };
    if (session.masterExpiresAt <= this.now()) return { ok: false, error: 'masterExpired' };
    this.byToken.delete(session.token);
    session.token = newToken('ver');
    session.tokenExpiresAt = this.now() + SESSION_VALIDITY_S * 1000;
    this.byToken.set(session.token, session);
    return { ok: true, session };
  }

  delete(session: Session): void {
    this.byToken.delete(session.token);
    this.byMaster.delete(session.masterToken);
    this.closed.add(session.token);
    this.closed.add(session.masterToken);
  }

  /** Test hook: make every session token (and with `master`, every master token) expired now. */
  expireAll(master = false): number {
    const t = this.now();
    for (const s of this.byToken.values()) {
      s.tokenExpiresAt = t;
      if (master) s.masterExpiresAt = t;
    }
    return this.byToken.size;
  }

  clear(): void {
    for (const s of [...this.byToken.values()]) this.delete(s);
  }

  get size(): number {
    return this.byToken.size;
  }
}
