// Fetch Metadata resource isolation: a page on another site (or another port of this host) must not make the browser fetch this app's
// URLs as images, scripts, frames or fetch() calls. Even a GET has side effects here (GET /connect starts
// a sign-in and warms the Snowflake session; /status signs in to Snowflake and runs DESCRIBEs), so an
// <img src> on a foreign page could trigger Snowflake sign-ins (MFA pushes, browser windows) and evict
// real pending flows. Top-level navigations stay allowed: the provider's redirect to /callback and a
// link to / or /connect are exactly that. Requests without Fetch Metadata (curl, monitors, old
// browsers) pass: they are not what a foreign page can make a browser send.
import type { NextFunction, Request, Response } from 'express';
import { appError } from '../errors/index.js';

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}

/** True when the policy lets the request through. */
export function allowedByFetchMetadata(req: Pick<Request, 'method' | 'headers'>): boolean {
  const site = header(req as Request, 'sec-fetch-site');
  // No header (not a browser that sends it), the app's own pages, or typed in / bookmarked. A same-site
  // request comes from another port of the same host (another local app): as foreign as cross-site,
  // as the CSRF check also holds.
  if (site === undefined || site === 'same-origin' || site === 'none') return true;
  const mode = header(req as Request, 'sec-fetch-mode');
  const dest = header(req as Request, 'sec-fetch-dest');
  // A top-level GET navigation: a link or the provider's redirect. Frames, forms POSTed from another
  // site, images, scripts and fetch() are refused. (Dest is absent in browsers that send only Site/Mode.)
  return req.method === 'GET' && mode === 'navigate' && (dest === undefined || dest === 'document');
}

export function fetchMetadataPolicy() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (allowedByFetchMetadata(req)) {
      next();
      return;
    }
    next(
      // Cross-site request forgery is what this refuses, so it shares the CSRF check's code; the
      // title tells the two refusals apart.
      appError('csrf_invalid', {
        variant: 'cross_site',
        mode: header(req, 'sec-fetch-mode') ?? 'unknown mode',
        dest: header(req, 'sec-fetch-dest') ?? 'unknown destination',
      }),
    );
  };
}
