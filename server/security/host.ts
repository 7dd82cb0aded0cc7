// DNS rebinding defence: a page on attacker.example that rebinds its name to 127.0.0.1 still sends
// `Host: attacker.example`. Only the names the app is really reached by are served. The header is parsed
// as RFC 9110 writes it (a host, then an optional port) and nothing else is accepted: pattern-matching a
// prefix let `[::1]evil.example` and `localhost:9101@evil.example` through.
import type { NextFunction, Request, Response } from 'express';
import { appError } from '../errors/index.js';

export function allowedHostnames(extra: (string | undefined)[]): Set<string> {
  const s = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
  for (const h of extra) {
    if (!h || h === '0.0.0.0' || h === '::') continue;
    const name = h.toLowerCase();
    // A bare IPv6 address (HOST=fd00::5) arrives in the Host header in brackets.
    s.add(name.includes(':') && !name.startsWith('[') ? `[${name}]` : name);
  }
  return s;
}

// An IP literal in brackets, or a name / IPv4 address; then at most a port. Nothing else: no userinfo,
// no path, no text after the closing bracket.
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/** The host name of a Host header, lower case (IPv6 in brackets), or undefined when it is not one. */
export function hostnameOf(header: string | undefined): string | undefined {
  const m = HOST_HEADER.exec((header ?? '').toLowerCase());
  if (!m) return undefined;
  if (m[2] !== undefined && Number(m[2]) > 65535) return undefined;
  return m[1];
}

/** A loopback name: the browser treats it as a secure context (Secure cookies over plain http). */
export function isLoopbackName(name: string | undefined): boolean {
  if (!name) return false;
  return name === 'localhost' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

export function hostCheck(allowed: Set<string>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = hostnameOf(host);
    if (!name || !allowed.has(name)) {
      next(appError('host_not_allowed', { allowed: [...allowed].join(', '), host: host.slice(0, 100) }));
      return;
    }
    next();
  };
}

/**
 * A page opened at another loopback name of this computer (127.0.0.1 when the redirect URI says
 * localhost) is sent to the same address at the app's own name first: cookies belong to a host name, so a
 * sign-in started at one name would reach the callback at the other without its session and lose the
 * consent. Only page loads (GET/HEAD asking for HTML), only between loopback names on the app's own port;
 * a monitor's /status.json and every POST are answered where they are.
 */
export function canonicalLoopbackHost(publicOrigin: string) {
  const target = new URL(publicOrigin);
  const targetName = target.hostname.toLowerCase();
  const targetPort = target.port || (target.protocol === 'https:' ? '443' : '80');
  return (req: Request, res: Response, next: NextFunction) => {
    // Nearly every request names the app's own host: one string comparison lets it through.
    if (req.headers.host === target.host || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    // Only an origin-form target (a path) stays on the app's host when appended to its origin: an
    // absolute-form or odd one (`http://x/`, `*@x`, `//x`) is answered where it is.
    if (!/^\/(?![/\\])/.test(req.originalUrl)) return next();
    const host = (req.headers.host ?? '').toLowerCase();
    const name = hostnameOf(host);
    const port = /:(\d+)$/.exec(host.replace(/^\[[^\]]*\]/, ''))?.[1] ?? '80';
    if (!name || name === targetName || port !== targetPort) return next();
    if (!isLoopbackName(name) || !isLoopbackName(targetName)) return next();
    if (req.path.endsWith('.json') || req.accepts(['html', 'json']) !== 'html') return next();
    const to = new URL(req.originalUrl, target.origin);
    if (to.origin !== target.origin) return next();
    res.redirect(303, to.href);
  };
}
