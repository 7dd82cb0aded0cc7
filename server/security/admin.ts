// Access control for a non-loopback bind: with ADMIN_TOKEN set, every page and action needs either the
// admin session cookie (set by /login) or, for monitors of /status.json only, `Authorization: Bearer`.
// Sessions are random ids kept in memory (a restart signs everyone out); the token never enters a cookie.
import { randomBytes } from 'node:crypto';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { type AppError, appError } from '../errors/index.js';
import { parseCookies } from './browser.js';
import { constantTimeEqual } from './compare.js';

export const ADMIN_COOKIE = 'fsc_admin';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 100;
/** Paths reachable without a session: the login page itself and the stylesheet it uses. */
const OPEN_PATHS = new Set(['/login']);

export class AdminSessions {
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(): string {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, at] of this.sessions) if (at < cutoff) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now());
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const at = this.sessions.get(id);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer +(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Only a local path may be a post-login destination (no open redirect to another site). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])[\x21-\x7e]{0,512}$/.test(next)) return '/';
  if (next.startsWith('/login')) return '/';
  return next;
}

function unauthorized(variant: 'bearer' | 'admin_token'): AppError {
  return appError('unauthorized', { variant });
}

/**
 * The gate: placed after the host check, the browser-id cookie and the body parser, before the
 * CSRF check and every route. Without an admin token configured it lets everything through.
 */
export function adminGate(adminToken: string | undefined, sessions: AdminSessions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!adminToken || OPEN_PATHS.has(req.path) || req.path.startsWith('/public/')) {
      next();
      return;
    }
    const session = parseCookies(req.headers.cookie)[ADMIN_COOKIE];
    if (sessions.valid(session)) {
      res.locals.admin = true;
      next();
      return;
    }
    const presented = bearer(req);
    if (presented !== undefined) {
      // Monitors only: a bearer token opens the machine-readable status and nothing else.
      if (req.path === '/status.json' && req.method === 'GET' && constantTimeEqual(presented, adminToken)) {
        next();
        return;
      }
      res.set('WWW-Authenticate', 'Bearer realm="fitbit-snowflake-connect"');
      next(unauthorized('bearer'));
      return;
    }
    if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html' && !req.path.endsWith('.json')) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl.slice(0, 512))}`);
      return;
    }
    next(unauthorized('admin_token'));
  };
}

/** GET/POST /login and POST /logout. POST /login is CSRF-checked like every other POST. */
/**
 * Guessing ADMIN_TOKEN over the network: after `max` wrong tokens from one address within `windowMs`,
 * that address gets a "wait" page (even for the right token) until the window ends.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(addr: string) {
    const e = this.failures.get(addr);
    if (e && this.now() - e.since >= this.windowMs) {
      this.failures.delete(addr);
      return undefined;
    }
    return e;
  }

  /** Seconds to wait, or 0 when this address may try. */
  blockedFor(addr: string): number {
    const e = this.entry(addr);
    if (!e || e.count < this.max) return 0;
    return Math.ceil((e.since + this.windowMs - this.now()) / 1000);
  }

  fail(addr: string): void {
    const e = this.entry(addr);
    if (e) e.count++;
    else {
      // Bounded: one small entry per address, and a flood of addresses resets the table.
      if (this.failures.size >= 10_000) this.failures.clear();
      this.failures.set(addr, { count: 1, since: this.now() });
    }
  }

  succeed(addr: string): void {
    this.failures.delete(addr);
  }
}

export function loginRoutes(
  adminToken: string | undefined,
  sessions: AdminSessions,
  secure: boolean,
  throttle = new LoginThrottle(),
) {
  const r = Router();
  if (!adminToken) return r;
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${ADMIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}; Max-Age=${maxAgeSeconds}`;

  r.get('/login', (req, res) => {
    res.render('login', { next: safeNext(req.query.next), failed: false, pageTitle: 'Sign in' });
  });
  r.post('/login', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const presented = typeof body.token === 'string' ? body.token : undefined;
    const addr = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.blockedFor(addr);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      res.status(429).render('login', { next, failed: false, waitSeconds: wait, pageTitle: 'Sign in' });
      return;
    }
    if (!constantTimeEqual(presented, adminToken)) {
      throttle.fail(addr);
      res.status(401).render('login', { next, failed: true, pageTitle: 'Sign in' });
      return;
    }
    throttle.succeed(addr);
    // A fresh session id on every login: a cookie planted before login is never promoted.
    sessions.end(parseCookies(req.headers.cookie)[ADMIN_COOKIE]);
    res.append('Set-Cookie', cookie(sessions.create(), Math.floor(SESSION_TTL_MS / 1000)));
    res.redirect(303, next);
  });
  r.post('/logout', (req, res) => {
    sessions.end(parseCookies(req.headers.cookie)[ADMIN_COOKIE]);
    res.append('Set-Cookie', cookie('', 0));
    res.redirect(303, '/login');
  });
  return r;
}
