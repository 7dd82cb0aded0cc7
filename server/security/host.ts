// DNS rebinding defence: a page on attacker.example that rebinds its name to 127.0.0.1 still sends
// `Host: attacker.example`. Only the names the app is really reached by are served.
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

export function hostCheck(allowed: Set<string>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (!allowed.has(name)) {
      next(appError('host_not_allowed', { allowed: [...allowed].join(', '), host: host.slice(0, 100) }));
      return;
    }
    next();
  };
}
