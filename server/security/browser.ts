// A random per-browser id in an HttpOnly, SameSite=Lax cookie. It ties a started sign-in and a held
// token to the browser that owns them, and is the key the CSRF token is derived from.
import { createHmac, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { appError } from '../errors/index.js';
import { constantTimeEqual } from './compare.js';

export const BROWSER_COOKIE = 'fsc_browser';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) out[k] = v;
  }
  return out;
}

const ID = /^[A-Za-z0-9_-]{22,64}$/;

export function browserIdMiddleware(secure: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    const existing = parseCookies(req.headers.cookie)[BROWSER_COOKIE];
    let id = existing && ID.test(existing) ? existing : undefined;
    if (!id) {
      id = randomBytes(24).toString('base64url');
      res.append(
        'Set-Cookie',
        `${BROWSER_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}; Max-Age=${60 * 60 * 24 * 30}`,
      );
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
