import { type NextFunction, type Response, Router } from 'express';
import { DEFAULT_ACCOUNT, labelFrom } from '../accounts/names.js';
import { requireConnectable } from '../accounts/ready.js';
import type { Clock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import type { HeldTokens } from '../custody/held.js';
import { type AppError, appError, toAppError } from '../errors/index.js';
import type { Checked, ConnectFlow, Outcome } from '../oauth/flow.js';
import type { PendingFlows } from '../oauth/pending.js';
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

/** What the routes need of one account: its flow, and its status for the result page and readiness. */
export interface ConnectAccount {
  label: string;
  flow: ConnectFlow;
  /** "What changed" and "What next" on the result page; whether its objects are there for Connect. */
  status: Pick<StatusService, 'change' | 'whatNext' | 'objectsReady'>;
  held: Pick<HeldTokens, 'knows'>;
}

export interface ConnectRouteDeps {
  config: AppConfig;
  accounts: {
    get(label: string): ConnectAccount | undefined;
    require(label: string): ConnectAccount;
    started(): ConnectAccount[];
  };
  /** Started sign-ins: the callback goes to the account its sign-in was started for. */
  pending: Pick<PendingFlows, 'accountOf' | 'inviteOf'>;
  clock: Clock;
  /**
   * Sign-ins started from an invite link (invites/answers.ts): their callback leads to the participant's
   * own page, never to the admin's result page. `answer` keeps the outcome or refusal and returns that page.
   */
  invites?: { answer(browserId: string, inviteId: string | undefined, r: unknown): string };
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
  const results = new Results<{ outcome: Outcome; account: ConnectAccount }>(s.clock);
  // Refusals of the callback, shown at /result/<id> like the outcomes; a store of their own, so that a
  // flood of bogus callbacks cannot push real results out.
  const refusals = new Results<AppError>(s.clock);

  const redirect = new URL(s.config.oauth.redirectUri);
  const publicHost = new URL(s.config.publicOrigin).host;
  /**
   * The account a Connect is for. One added on the Setup page is offered Connect only once Snowflake shows
   * its objects (the admin ran its SQL): a token written into a secret nothing can use would only confuse.
   */
  const readyAccount = async (label: string): Promise<ConnectAccount> => {
    const account = s.accounts.require(label);
    await requireConnectable(account);
    return account;
  };

  r.get('/connect', async (req, res) => {
    const label = labelFrom(req.query.account);
    // The sign-in cookie must come back to the callback: start on the redirect URI's own host
    // (localhost and 127.0.0.1 are different sites to a browser).
    if (
      req.headers.host &&
      req.headers.host.toLowerCase() !== redirect.host &&
      req.headers.host.toLowerCase() !== publicHost
    ) {
      const again = new URL('/connect', redirect.origin);
      if (label !== DEFAULT_ACCOUNT) again.searchParams.set('account', label);
      res.redirect(303, again.href);
      return;
    }
    const account = await readyAccount(label);
    const url = await account.flow.start(res.locals.browserId, 'connect');
    res.redirect(303, url.href);
  });

  r.post('/reauthorize', async (req, res) => {
    const account = await readyAccount(labelFrom((req.body as Record<string, unknown>)?.account));
    const url = await account.flow.start(res.locals.browserId, 'reauthorize');
    res.redirect(303, url.href);
  });

  r.get('/callback', async (req, res) => {
    // The code must never travel on in a Referer (helmet already sets no-referrer everywhere).
    res.set('Referrer-Policy', 'no-referrer');
    let outcome: Outcome;
    let account: ConnectAccount;
    // A participant's sign-in (or a browser the gate let in only as one) gets the participant's pages.
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const invite = state ? s.pending.inviteOf(state) : undefined;
    const participant = s.invites && (invite !== undefined || res.locals.participant === true);
    try {
      const query = singleQuery(req, CALLBACK_PARAMS);
      // Each sign-in goes back to the account it was started for; an unknown state to the default one,
      // whose flow says why it cannot finish.
      const label = query.state ? s.pending.accountOf(query.state) : undefined;
      account = (label && s.accounts.get(label)) || s.accounts.require(DEFAULT_ACCOUNT);
      outcome = await account.flow.finish(query, res.locals.newBrowser ? undefined : res.locals.browserId);
    } catch (e) {
      const err = toAppError(e);
      // The app is going away: a redirect would lead to a page it can no longer serve. The code in the
      // address bar is spent by now (the stop disposed of its token).
      if (err.code === 'app_stopping') throw err;
      if (participant) {
        res.redirect(303, s.invites!.answer(res.locals.browserId, invite, err));
        return;
      }
      // Post/redirect/get for refusals too: an error page rendered here would keep the code in the
      // address bar and the history. The page at /result/<id> is the same error page, logged there.
      res.redirect(303, `/result/${refusals.put(res.locals.browserId, err)}`);
      return;
    }
    if (participant) {
      res.redirect(303, s.invites!.answer(res.locals.browserId, invite, outcome));
      return;
    }
    res.redirect(303, `/result/${results.put(res.locals.browserId, { outcome, account })}`);
  });

  /** What the result page shows for a finished check (as before streaming: a reload shows the same). */
  const checkedPage = async (outcome: Checked, account: ConnectAccount) => ({
    outcome,
    accountLabel: account.label,
    change: outcome.kind === 'connected' ? (account.status.change() ?? null) : null,
    // What next: the daily load, and the query for your own steps (SHOW TASKS, no warehouse).
    whatNext: outcome.kind === 'connected' ? await account.status.whatNext() : null,
    pageTitle: outcome.kind === 'connected' ? 'Connected' : outcome.error.title,
  });

  /** The result page's locals now: the check's outcome once it is in, else "written" and the check under way. */
  const pageFor = async (id: string, { outcome, account }: { outcome: Outcome; account: ConnectAccount }) => {
    if (outcome.kind === 'held')
      return { outcome, accountLabel: account.label, change: null, pageTitle: outcome.error.title };
    const end = outcome.progress.end;
    if (end?.kind === 'error') throw end.error;
    if (end) return checkedPage(end.result, account);
    return {
      outcome,
      accountLabel: account.label,
      resultId: id,
      change: null,
      pageTitle: 'Token written: Snowflake is checking it',
    };
  };

  r.get('/result/:id', async (req, res) => {
    const id = idParam(req);
    const refusal = refusals.get(id, res.locals.browserId);
    if (refusal) throw refusal;
    const stored = results.get(id, res.locals.browserId);
    if (!stored) {
      throw appError('not_found', { variant: 'result_gone' });
    }
    res.render('result', await pageFor(id, stored));
  });

  // The check's stages as they happen, for the result page's script (Server-Sent Events). Like the page,
  // only for the browser whose sign-in it is. The last event, `done`, carries the whole page as it now
  // renders (the check's outcome, or why there is none), and the stream ends.
  r.get('/result/:id/events', (req, res, next) => {
    const id = idParam(req);
    const stored = results.get(id, res.locals.browserId);
    if (!stored) throw appError('not_found', { variant: 'result_gone' });
    const { outcome } = stored;
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const done = async () => {
      let view: { name: string; locals: Record<string, unknown> };
      try {
        view = { name: 'result', locals: await pageFor(id, stored) };
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

  /**
   * The account holding this browser's held token `id`, or whose action just took it (so the loser of a
   * Save/Cancel race hears which); the default one's flow says when none does.
   */
  const holderOf = (id: string, browserId: string): ConnectAccount =>
    s.accounts.started().find((a) => a.held.knows(id, browserId)) ?? s.accounts.require(DEFAULT_ACCOUNT);

  r.post('/held/:id/save', async (req, res) => {
    const id = idParam(req);
    const account = holderOf(id, res.locals.browserId);
    const outcome = await account.flow.retryHeld(id, res.locals.browserId);
    res.redirect(303, `/result/${results.put(res.locals.browserId, { outcome, account })}`);
  });

  r.post('/held/:id/cancel', async (req, res) => {
    const id = idParam(req);
    const account = holderOf(id, res.locals.browserId);
    await account.flow.cancelHeld(id, res.locals.browserId);
    res.redirect(303, account.label === DEFAULT_ACCOUNT ? '/status' : `/status?account=${account.label}`);
  });

  return r;
}
