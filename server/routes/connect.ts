import { type NextFunction, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { type AppError, appError, toAppError } from '../errors/index.js';
import type { Checked, ConnectFlow, Outcome } from '../oauth/flow.js';
import type { StatusService } from '../status/service.js';
import { idParam, singleQuery } from './params.js';
import { Results } from './results.js';

/** The callback's parameters the flow reads (`npm run connect` reads the same from a pasted address). */
export const CALLBACK_PARAMS = [
  'code',
  'state',
  'error',
  'error_description',
  'error_uri',
  'scope',
  'iss',
  'authuser',
  'prompt',
  'hd',
];

export interface ConnectRouteDeps {
  config: AppConfig;
  flow: ConnectFlow;
  /** "What changed" and "What next" on the result page. */
  status: Pick<StatusService, 'change' | 'whatNext'>;
  clock: Clock;
}

/**
 * Renders a whole page to a string for an event. A failed render ends the stream (the page's script then
 * offers a reload) and goes to the error handler, which logs it.
 */
function renderPage(
  res: Response,
  next: NextFunction,
  view: string,
  locals: Record<string, unknown>,
  then: (html: string) => void,
): void {
  res.render(view, locals, (err, html) => {
    if (!err) return then(html);
    res.end();
    next(err);
  });
}

export function connectRoutes(s: ConnectRouteDeps): Router {
  const r = Router();
  const results = new Results(s.clock);
  // Refusals of the callback, shown at /result/<id> like the outcomes; a store of their own, so that a
  // flood of bogus callbacks cannot push real results out.
  const refusals = new Results<AppError>(s.clock);

  const redirect = new URL(s.config.oauth.redirectUri);
  const publicHost = new URL(s.config.publicOrigin).host;
  r.get('/connect', async (req, res) => {
    // The sign-in cookie must come back to the callback: start on the redirect URI's own host
    // (localhost and 127.0.0.1 are different sites to a browser).
    if (
      req.headers.host &&
      req.headers.host.toLowerCase() !== redirect.host &&
      req.headers.host.toLowerCase() !== publicHost
    ) {
      res.redirect(303, `${redirect.origin}/connect`);
      return;
    }
    const url = await s.flow.start(res.locals.browserId, 'connect');
    res.redirect(303, url.href);
  });

  r.post('/reauthorize', async (_req, res) => {
    const url = await s.flow.start(res.locals.browserId, 'reauthorize');
    res.redirect(303, url.href);
  });

  r.get('/callback', async (req, res) => {
    // The code must never travel on in a Referer (helmet already sets no-referrer everywhere).
    res.set('Referrer-Policy', 'no-referrer');
    let outcome: Awaited<ReturnType<typeof s.flow.finish>>;
    try {
      const query = singleQuery(req, CALLBACK_PARAMS);
      outcome = await s.flow.finish(query, res.locals.newBrowser ? undefined : res.locals.browserId);
    } catch (e) {
      const err = toAppError(e);
      // The app is going away: a redirect would lead to a page it can no longer serve. The code in the
      // address bar is spent by now (the stop disposed of its token).
      if (err.code === 'app_stopping') throw err;
      // Post/redirect/get for refusals too: an error page rendered here would keep the code in the
      // address bar and the history. The page at /result/<id> is the same error page, logged there.
      res.redirect(303, `/result/${refusals.put(res.locals.browserId, err)}`);
      return;
    }
    res.redirect(303, `/result/${results.put(res.locals.browserId, outcome)}`);
  });

  /** What the result page shows for a finished check (as before streaming: a reload shows the same). */
  const checkedPage = async (outcome: Checked) => ({
    outcome,
    change: outcome.kind === 'connected' ? (s.status.change() ?? null) : null,
    // What next: the daily load, and the query for your own steps (SHOW TASKS, no warehouse).
    whatNext: outcome.kind === 'connected' ? await s.status.whatNext(outcome.identity.userId) : null,
    pageTitle: outcome.kind === 'connected' ? 'Connected' : outcome.error.title,
  });

  /** The result page's locals now: the check's outcome once it is in, else "written" and the check under way. */
  const pageFor = async (id: string, outcome: Outcome) => {
    if (outcome.kind === 'held') return { outcome, change: null, pageTitle: outcome.error.title };
    const end = outcome.progress.end;
    if (end?.kind === 'error') throw end.error;
    if (end) return checkedPage(end.result);
    return { outcome, resultId: id, change: null, pageTitle: 'Token written: Snowflake is checking it' };
  };

  r.get('/result/:id', async (req, res) => {
    const id = idParam(req);
    const refusal = refusals.get(id, res.locals.browserId);
    if (refusal) throw refusal;
    const outcome = results.get(id, res.locals.browserId);
    if (!outcome) {
      throw appError('not_found', { variant: 'result_gone' });
    }
    res.render('result', await pageFor(id, outcome));
  });

  // The check's stages as they happen, for the result page's script (Server-Sent Events). Like the page,
  // only for the browser whose sign-in it is. The last event, `done`, carries the whole page as it now
  // renders (the check's outcome, or why there is none), and the stream ends.
  r.get('/result/:id/events', (req, res, next) => {
    const id = idParam(req);
    const outcome = results.get(id, res.locals.browserId);
    if (!outcome) throw appError('not_found', { variant: 'result_gone' });
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const done = async () => {
      let view: { name: string; locals: Record<string, unknown> };
      try {
        view = { name: 'result', locals: await pageFor(id, outcome) };
      } catch (e) {
        const err = toAppError(e);
        view = { name: 'error', locals: { error: err.toView(), pageTitle: err.title } };
      }
      renderPage(res, next, view.name, view.locals, (html) => {
        send('done', { html });
        res.end();
      });
    };
    if (outcome.kind === 'held') return done();
    const { progress } = outcome;
    for (const stage of progress.stages) send('stage', stage);
    if (progress.end) return done();
    const stop = progress.subscribe((e) => {
      if ('stage' in e) send('stage', e.stage);
      else void done();
    });
    res.on('close', stop);
  });

  r.post('/held/:id/save', async (req, res) => {
    const outcome = await s.flow.retryHeld(idParam(req), res.locals.browserId);
    res.redirect(303, `/result/${results.put(res.locals.browserId, outcome)}`);
  });

  r.post('/held/:id/cancel', async (req, res) => {
    await s.flow.cancelHeld(idParam(req), res.locals.browserId);
    res.redirect(303, '/status');
  });

  return r;
}
