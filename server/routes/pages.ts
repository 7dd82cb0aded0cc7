import { Router } from 'express';
import type { StatusService } from '../status/service.js';
import type { ViewConfig } from './view-config.js';

/** Checks about the token rather than about Snowflake's setup: they never stand in the way of connecting. */
const ABOUT_THE_TOKEN = new Set(['token_expiry', 'end_to_end']);

export function pageRoutes(d: {
  status: Pick<StatusService, 'summary' | 'cheapChecks'>;
  /** Every account: with more than one, the home page lists them (from the event log, no Snowflake reads). */
  accounts: { all(): { label: string; person?: string; status: Pick<StatusService, 'summary'> }[] };
  view: ViewConfig;
}): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    // Before inviting a connect: can the app reach Snowflake, and is the chain set up? The cheap checks only
    // (metadata, no warehouse), shared with any status page loading at the same time.
    const blocking = (await d.status.cheapChecks()).filter(
      (c) => c.status === 'failed' && !ABOUT_THE_TOKEN.has(c.id),
    );
    const all = d.accounts.all();
    const accounts =
      all.length > 1
        ? all.map((a) => {
            const sum = a.status.summary();
            return {
              label: a.label,
              person: a.person ?? null,
              overall: sum.overall,
              lastConnect: sum.lastConnect,
            };
          })
        : null;
    res.render('home', { summary: d.status.summary(), config: d.view, blocking, accounts });
  });
  return r;
}
