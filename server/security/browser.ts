// A random per-browser id in an HttpOnly, SameSite=Lax cookie. It ties a started sign-in and a held
// token to the browser that owns them, and is the key the CSRF token is derived from.
import { createHmac, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { appError } from '../errors/index.js';
import { constantTimeEqual } from './compare.js';
import { AppCookies } from './cookies.js';

export { parseCookies } from './cookies.js';

export const BROWSER_COOKIE = 'fsc_browser';

const ID = /^[A-Za-z0-9_-]{22,64}$/;

/** `cookies`: the app's cookie rules, or just whether it is reached over https. */
export function browserIdMiddleware(cookies: AppCookies | boolean) {
  const jar = typeof cookies === 'boolean' ? new AppCookies(cookies) : cookies;
  return (req: Request, res: Response, next: NextFunction) => {
    // A cookie bomb or a shadowing cookie from another site on this host: a page, never a new id (which
    // would make every request a first visit and every sign-in "another browser's").
    jar.checkSize(req);
    const existing = jar.read(req, BROWSER_COOKIE);
    let id = existing && ID.test(existing) ? existing : undefined;
    if (!id) {
      id = randomBytes(24).toString('base64url');
      jar.set(req, res, BROWSER_COOKIE, id, 60 * 60 * 24 * 30);
      res.locals.newBrowser = true;
    }
    res.locals.browserId = id;
    next();
  };
}

/** Synchroniser token: an HMAC of the browser id under a per-process key; a foreign page cannot read it. */
export class Csrf {
  private readonly key = randomBytes(32);

  token(browserId: string): string {
    return createHmac('sha256', this.key).update(browserId).digest('base64url');
  }

  verify(req: Request, res: Response): void {
    const browserId = res.locals.browserId as string | undefined;
    const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : undefined;
    const site = req.headers['sec-fetch-site'];
    const crossSite = site === 'cross-site' || site === 'same-site';
    if (
      crossSite ||
      !browserId ||
      res.locals.newBrowser ||
      !sent ||
      !constantTimeEqual(sent, this.token(browserId))
    ) {
      throw appError('csrf_invalid', { variant: 'form_token' });
    }
  }
}
