import type { Request } from 'express';
import { appError } from '../errors/index.js';

/** The query as single strings; a repeated or oversized parameter is refused, not guessed at. */
export function singleQuery(req: Request, allowed: string[], maxLen = 4096): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) {
    if (!allowed.includes(k)) continue;
    if (typeof v !== 'string') {
      throw appError('bad_request', { variant: 'repeated_param', name: k.slice(0, 40) });
    }
    if (v.length > maxLen) {
      throw appError('bad_request', { variant: 'oversized_param', name: k.slice(0, 40) });
    }
    out[k] = v;
  }
  return out;
}

export function idParam(req: Request, name = 'id'): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(v)) {
    throw appError('not_found', { variant: 'bad_link' });
  }
  return v;
}
