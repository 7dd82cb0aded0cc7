// Who may use the app. One token guards every page and action, on loopback too: ADMIN_TOKEN when set,
// else a launch token made at each start (as Jupyter does), which `npm start` prints and opens in a link
// (http://localhost:8787/?token=…). Without it any program or user on this computer could reveal the
// client secret, read health data or replace the secret's token.
//
// A browser presents the token once, by that link or at /login, and gets a session: a random id kept in
// memory (a restart signs everyone out), in an HttpOnly, SameSite=Lax cookie; the token never enters a
// cookie. The link's visit redirects to the same address without the token, so it leaves the address bar
// and the history. The provider's redirect to /callback is a top-level GET, so the Lax cookie comes along.
// Monitors read /status.json with `Authorization: Bearer <token>`. Every way of presenting the token goes
// through the one TokenThrottle. LAUNCH_TOKEN=off (loopback only) turns the gate off.
import { randomBytes } from 'node:crypto';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { AppConfig } from '../config/index.js';
import { appError } from '../errors/index.js';
import type { AppCookies } from './cookies.js';
import type { TokenThrottle } from './throttle.js';

export const SESSION_COOKIE = 'fsc_session';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 100;
/**
 * Reachable without a session: the sign-in page itself (the stylesheet is served before the gate), and
 * signing out, so that Sign out in a tab whose session already ended (another tab signed out, 12 hours
 * passed) still lands on "You are signed out" (the CSRF check still applies to it).
 */
const OPEN_PATHS = new Set(['/login', '/logout']);

/**
 * An invite link's own pages: GET /invite/<token> and POST /invite/<token>/start. The token is the
 * credential there (the route checks it); no other path opens with it.
 */
function isInviteLinkRequest(req: Request): boolean {
  // A trailing slash (some chat apps and mail clients add one) reaches the same page, as the router serves it.
  if (req.method === 'GET' || req.method === 'HEAD') return /^\/invite\/[^/]+\/?$/i.test(req.path);
  return req.method === 'POST' && /^\/invite\/[^/]+\/start$/i.test(req.path);
}

/** What a browser that started a sign-in from an invite may reach besides: the callback and its result page. */
/** An invite's done page, /invite-result/<id>. */
const INVITE_RESULT = /^\/invite-result\/[^/]+$/;

function isParticipantRequest(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (req.path === '/callback' || INVITE_RESULT.test(req.path))
  );
}

export interface Access {
  token: string;
  /** Which token it is: the pages say how to get it. */
  kind: 'admin_token' | 'launch_token';
}

/** The token the gate asks for, or undefined when it is off (LAUNCH_TOKEN=off, loopback only). */
export function accessOf(c: Pick<AppConfig, 'adminToken' | 'launchToken'>): Access | undefined {
  if (c.adminToken) return { token: c.adminToken, kind: 'admin_token' };
  if (c.launchToken) return { token: c.launchToken, kind: 'launch_token' };
  return undefined;
}

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

/** Where a browser without a session goes: /login, remembering the page, but never a callback's code. */
function loginUrl(req: Request): string {
  // The callback's query holds the authorization code and state: copying it into a link would keep
  // it in the address bar and history. Such a callback cannot finish anyway without the session.
  if (req.path === '/callback') return '/login';
  // An invite link's path is its credential (any case: routing ignores it): never copied into a link.
  if (/^\/invite\//i.test(req.path)) return '/login';
  return `/login?next=${encodeURIComponent(req.originalUrl.slice(0, 512))}`;
}

/** The address of a `?token=` link without the token, to redirect to once the browser is signed in. */
function withoutToken(req: Request): string {
  const u = new URL(req.originalUrl, 'http://app.invalid');
  u.searchParams.delete('token');
  return safeNext(`${u.pathname}${u.search}`);
}

/** Whose wrong guesses count together: the peer address (`trust proxy` is off, so never a header). */
const sourceOf = (req: Request) => req.socket.remoteAddress ?? 'unknown';

export interface GateDeps {
  access: Access | undefined;
  sessions: AdminSessions;
  throttle: TokenThrottle;
  cookies: AppCookies;
  /** Browsers that started a sign-in from an invite link (invites/participants.ts), by browser id. */
  participants?: { inviteOf(browserId: string | undefined): string | undefined };
}

type LoginView = { next: string; failed?: 'form' | 'link'; waitSeconds?: number };

function renderLogin(res: Response, status: number, access: Access, v: LoginView): void {
  if (v.waitSeconds) res.set('Retry-After', String(v.waitSeconds));
  res.status(status).render('login', {
    next: v.next,
    kind: access.kind,
    failed: v.failed ?? null,
    waitSeconds: v.waitSeconds ?? null,
    pageTitle: 'Sign in',
  });
}

function startSession(req: Request, res: Response, d: GateDeps, old: string | undefined): void {
  // A fresh session id on every sign-in: a cookie planted before it is never promoted.
  d.sessions.end(old);
  d.cookies.set(req, res, SESSION_COOKIE, d.sessions.create(), Math.floor(SESSION_TTL_MS / 1000));
}

/**
 * The gate: after the host check, Fetch Metadata, the cookies and the page locals (its pages need them),
 * before the body parser, the CSRF check and every route. Without a token (LAUNCH_TOKEN=off) it lets
 * everything through.
 */
export function accessGate(d: GateDeps) {
  const { access } = d;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!access) {
      next();
      return;
    }
    const session = d.cookies.read(req, SESSION_COOKIE);
    // The launch link (or any address with ?token=): trade the token for a session, then drop it.
    if ((req.method === 'GET' || req.method === 'HEAD') && req.query.token !== undefined) {
      const presented = typeof req.query.token === 'string' ? req.query.token : undefined;
      const verdict = d.throttle.check(sourceOf(req), presented, access.token);
      if (verdict.ok) {
        startSession(req, res, d, session);
        res.redirect(303, withoutToken(req));
        return;
      }
      const next = withoutToken(req);
      if (verdict.retryAfterSeconds)
        renderLogin(res, 429, access, { next, failed: 'link', waitSeconds: verdict.retryAfterSeconds });
      else renderLogin(res, 401, access, { next, failed: 'link' });
      return;
    }
    if (d.sessions.valid(session)) {
      res.locals.signedIn = true;
      next();
      return;
    }
    if (OPEN_PATHS.has(req.path)) {
      next();
      return;
    }
    // Someone who opened an invite link: its pages, then (in the browser that pressed Continue, and only
    // there) the callback and the result page; the rest of the app stays behind the token.
    if (isInviteLinkRequest(req)) {
      res.locals.participant = true;
      next();
      return;
    }
    if (isParticipantRequest(req) && d.participants?.inviteOf(res.locals.browserId as string)) {
      res.locals.participant = true;
      next();
      return;
    }
    // An invite's done page in a browser the app no longer knows (an hour on, or the app restarted while the
    // page reloaded itself): the participant's "expired" page, never the admin's sign-in. It shows nothing.
    if (req.method === 'GET' && INVITE_RESULT.test(req.path)) {
      res.locals.participant = true;
      next(appError('invite_result_gone'));
      return;
    }
    const presented = bearer(req);
    if (presented !== undefined) {
      // Monitors only: a bearer token opens the machine-readable status and nothing else.
      if (req.path === '/status.json' && req.method === 'GET') {
        const verdict = d.throttle.check(sourceOf(req), presented, access.token);
        if (verdict.ok) {
          next();
          return;
        }
        if (verdict.retryAfterSeconds) {
          res.set('Retry-After', String(verdict.retryAfterSeconds));
          next(appError('too_many_tries', { seconds: verdict.retryAfterSeconds }));
          return;
        }
      }
      res.set('WWW-Authenticate', 'Bearer realm="fitbit-snowflake-connect"');
      next(appError('unauthorized', { variant: 'bearer' }));
      return;
    }
    if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html' && !req.path.endsWith('.json')) {
      res.redirect(303, loginUrl(req));
      return;
    }
    next(appError('unauthorized', { variant: access.kind }));
  };
}

/** GET/POST /login and POST /logout. POST /login is CSRF-checked like every other POST. */
export function loginRoutes(d: GateDeps) {
  const r = Router();
  const { access } = d;
  if (!access) return r;

  r.get('/login', (req, res) => {
    res.render('login', {
      next: safeNext(req.query.next),
      // Only says so (the session ended at POST /logout); never to a browser that is still signed in, which
      // a link from anywhere could otherwise tell it is signed out.
      signedOut: req.query.signed_out === '1' && res.locals.signedIn !== true,
      kind: access.kind,
      failed: null,
      waitSeconds: null,
      pageTitle: 'Sign in',
    });
  });
  r.post('/login', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const presented = typeof body.token === 'string' ? body.token : undefined;
    const verdict = d.throttle.check(sourceOf(req), presented, access.token);
    if (!verdict.ok) {
      if (verdict.retryAfterSeconds)
        renderLogin(res, 429, access, { next, failed: 'form', waitSeconds: verdict.retryAfterSeconds });
      else renderLogin(res, 401, access, { next, failed: 'form' });
      return;
    }
    startSession(req, res, d, d.cookies.read(req, SESSION_COOKIE));
    res.redirect(303, next);
  });
  r.post('/logout', (req, res) => {
    d.sessions.end(d.cookies.read(req, SESSION_COOKIE));
    d.cookies.set(req, res, SESSION_COOKIE, '', 0);
    res.redirect(303, '/login?signed_out=1');
  });
  return r;
}
