// The app's cookies (the browser id, the session), read and set so that another site on this computer
// cannot shadow them. Cookies are not kept apart by port: a page on http://localhost:9101 can set a
// `fsc_browser=x; Path=/callback` cookie that the browser then sends to this app before its own (longer
// paths first), and every sign-in would look "started in another browser".
//
// A `__Host-` name is accepted by the browser only with Secure, Path=/ and no Domain, so nothing can
// shadow it from a narrower path. Browsers accept Secure cookies on https, and Chromium and Firefox on
// http://localhost and 127.0.0.1 too (a potentially trustworthy origin); Safari does not. So on loopback
// the app sets both the `__Host-` cookie and a plain-named copy, reads the `__Host-` one when it comes
// and the copy only when it does not (Safari), and refuses a name that comes twice: that is a shadow, and
// guessing which one is ours is how sign-ins broke. Over https only the `__Host-` cookie is set; on
// plain http elsewhere (a LAN bind) only the plain one, which is all such a browser allows.
import type { Request, Response } from 'express';
import { appError } from '../errors/index.js';
import { hostnameOf, isLoopbackName } from './host.js';

/** A Cookie header beyond this is refused with a page saying how to clear cookies (a "cookie bomb"). */
export const COOKIE_HEADER_LIMIT = 8192;
export const HOST_PREFIX = '__Host-';

/** Every name=value pair in order, duplicates kept (the browser sends a shadowing cookie first). */
export function cookiePairs(header: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (k) out.push([k, part.slice(i + 1).trim()]);
  }
  return out;
}

/** name → first value, for code that only needs to know what is there (never our cookies' values). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header || header.length > COOKIE_HEADER_LIMIT) return out;
  // `in`, not hasOwn: a cookie named __proto__ or constructor is skipped, never assigned.
  for (const [k, v] of cookiePairs(header)) if (!(k in out)) out[k] = v;
  return out;
}

type Style = 'https' | 'loopback' | 'plain';

export class AppCookies {
  /** `httpsOrigin`: the app is reached over https (an https PUBLIC_URL). */
  constructor(private readonly httpsOrigin: boolean) {}

  private style(req: Request): Style {
    if (this.httpsOrigin) return 'https';
    return isLoopbackName(hostnameOf(req.headers.host)) ? 'loopback' : 'plain';
  }

  /** Refuses an oversized Cookie header: cookies past it would be read wrong or not at all. */
  checkSize(req: Request): void {
    const header = req.headers.cookie;
    if (typeof header === 'string' && header.length > COOKIE_HEADER_LIMIT) {
      throw appError('cookies_unreadable', {
        variant: 'too_large',
        size: header.length,
        host: hostnameOf(req.headers.host) ?? 'localhost',
      });
    }
  }

  /**
   * The value of one of the app's cookies, or undefined when the browser sent none. Throws
   * `cookies_unreadable` when the name the app reads came twice.
   */
  read(req: Request, name: string): string | undefined {
    const style = this.style(req);
    const pairs = cookiePairs(req.headers.cookie);
    const values = (n: string) => pairs.filter(([k]) => k === n).map(([, v]) => v);
    const pick = (n: string): string | undefined => {
      const v = values(n);
      if (v.length > 1)
        throw appError('cookies_unreadable', {
          variant: 'duplicate',
          name: n,
          host: hostnameOf(req.headers.host) ?? 'localhost',
        });
      return v[0];
    };
    if (style === 'plain') return pick(name);
    const prefixed = pick(`${HOST_PREFIX}${name}`);
    if (prefixed !== undefined || style === 'https') return prefixed;
    return pick(name);
  }

  /** Sets (or, with an empty value and 0, clears) one of the app's cookies: HttpOnly, SameSite=Lax, Path=/. */
  set(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
    const style = this.style(req);
    // Expires too when clearing: older cookie jars read only that.
    const expires = maxAgeSeconds <= 0 ? '; Expires=Thu, 01 Jan 1970 00:00:00 GMT' : '';
    const attrs = `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${expires}`;
    if (style !== 'plain') res.append('Set-Cookie', `${HOST_PREFIX}${name}=${value}; ${attrs}; Secure`);
    if (style !== 'https') res.append('Set-Cookie', `${name}=${value}; ${attrs}`);
  }
}
