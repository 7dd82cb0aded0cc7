// Actions are POST only (a GET never changes anything, so links, prefetchers and crawlers cannot act).
// A GET or HEAD of an action's address gets 405 with `Allow: POST` and a page pointing at its button,
// rather than a 404 that suggests the address is wrong.
import type { NextFunction, Request, Response } from 'express';
import { appError } from '../errors/index.js';

const ACTIONS: { path: RegExp; what: string; where: string }[] = [
  {
    path: /^\/check$/,
    what: 'runs the end-to-end check',
    where: '“Run end-to-end check” on the status page (/status)',
  },
  { path: /^\/load$/, what: 'starts the daily load', where: '“Load now” on the status page (/status)' },
  { path: /^\/reauthorize$/, what: 're-authorizes', where: '“Re-authorize” on the status page (/status)' },
  {
    path: /^\/held\/[^/]+\/(?:save|cancel)$/,
    what: 'saves or discards a token held after a failed write',
    where: 'on the result page of that sign-in (the status page, /status, says whether one is held)',
  },
  {
    path: /^\/setup\/reveal$/,
    what: 'reveals the client secret',
    where: '“Reveal the client secret” on the Setup page (/setup)',
  },
  {
    path: /^\/logout$/,
    what: 'signs out',
    where: 'a form that POSTs to /logout (a session also ends after 12 hours, or when the app restarts)',
  },
];

/** `withLogin`: /logout exists only when the app was started with ADMIN_TOKEN. */
export function postOnlyActions(withLogin: boolean) {
  const actions = withLogin ? ACTIONS : ACTIONS.filter((a) => !a.path.test('/logout'));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const action = actions.find((a) => a.path.test(req.path));
    if (!action) {
      next();
      return;
    }
    res.set('Allow', 'POST');
    next(
      appError('not_found', {
        variant: 'post_only',
        path: req.path.slice(0, 100),
        what: action.what,
        where: action.where,
      }),
    );
  };
}
