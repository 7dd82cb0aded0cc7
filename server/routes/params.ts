import type { Request } from 'express';
import { AppError } from '../errors.js';

/** The query as single strings; a repeated or oversized parameter is refused, not guessed at. */
export function singleQuery(req: Request, allowed: string[], maxLen = 4096): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) {
    if (!allowed.includes(k)) continue;
    if (typeof v !== 'string') {
      throw new AppError('bad_request', {
        status: 400,
        title: 'The request has a repeated parameter',
        why: `“${k.slice(0, 40)}” appears more than once, so the app cannot tell which one is meant.`,
        fix: 'Start the connection again from the app’s page.',
        retryConnect: true,
      });
    }
    if (v.length > maxLen) {
      throw new AppError('bad_request', {
        status: 400,
        title: 'The request has an oversized parameter',
        why: `“${k.slice(0, 40)}” is longer than any provider sends.`,
        fix: 'Start the connection again from the app’s page.',
        retryConnect: true,
      });
    }
    out[k] = v;
  }
  return out;
}

export function idParam(req: Request, name = 'id'): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(v)) {
    throw new AppError('not_found', {
      status: 404,
      title: 'Nothing here',
      why: 'That link is not valid.',
      fix: 'Go to the home page.',
    });
  }
  return v;
}
