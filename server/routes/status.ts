import { Router } from 'express';
import { DEFAULT_ACCOUNT, labelFrom } from '../accounts/names.js';
import { accountsView } from '../status/accounts-report.js';
import { accountObjectsReady } from '../status/checks/account-ready.js';
import type { StatusService } from '../status/service.js';
import type { ViewConfig } from './view-config.js';

type AccountStatus = Pick<StatusService, 'report' | 'history' | 'runCheck' | 'loadNow'>;

interface StatusAccount {
  label: string;
  person?: string;
  status: AccountStatus;
}

export function statusRoutes(s: {
  accounts: { all(): StatusAccount[]; require(label: string): StatusAccount };
  view: ViewConfig;
  clientStatus: 'production' | 'testing';
}): Router {
  const r = Router();

  /** The account's whole report, and every account's row beside it (its own report reused). */
  const read = async (label: string) => {
    const account = s.accounts.require(label);
    const report = await account.status.report();
    const all = s.accounts.all();
    const { chart: _chart, ...plain } = report;
    const view = all.length > 1 ? await accountsView(all, new Map([[account.label, plain]])) : undefined;
    return { account, report, view };
  };

  r.get('/status.json', async (req, res) => {
    const { account, report, view } = await read(labelFrom(req.query.account));
    const { chart, ...rest } = report;
    res.json({
      ...rest,
      account: account.label,
      chart: chart ? { at: chart.at, days: chart.days } : null,
      // Every account's verdict; `worst` is what a monitor (and `npm run status`) acts on.
      accounts: view?.accounts ?? null,
      worst: view?.worst ?? report.overall,
    });
  });
  r.get('/status', async (req, res) => {
    const { account, report, view } = await read(labelFrom(req.query.account));
    res.render('status', {
      report,
      accountLabel: account.label,
      // An added account is offered Connect only once Snowflake shows its own objects (its SQL was run).
      ownMissing:
        account.label === DEFAULT_ACCOUNT
          ? []
          : accountObjectsReady(report.checks).problems.map((c) => c.title),
      accountPerson: account.person ?? null,
      accounts: view?.accounts ?? null,
      worst: view?.worst ?? null,
      history: account.status.history(20),
      config: s.view,
      clientStatus: s.clientStatus,
      pageTitle: account.label === DEFAULT_ACCOUNT ? 'Status' : `Status: ${account.person ?? account.label}`,
    });
  });
  /** Back to the account's own status page. */
  const back = (label: string, anchor = '') =>
    `/status${label === DEFAULT_ACCOUNT ? '' : `?account=${encodeURIComponent(label)}`}${anchor}`;
  r.post('/check', async (req, res) => {
    const account = s.accounts.require(labelFrom((req.body as Record<string, unknown>)?.account));
    await account.status.runCheck();
    res.redirect(303, back(account.label));
  });
  // Load now: EXECUTE TASK returns at once; the status page says the load started, and shows its result
  // once the app has read it (it follows the run in the background, not on page loads).
  r.post('/load', async (req, res) => {
    const account = s.accounts.require(labelFrom((req.body as Record<string, unknown>)?.account));
    await account.status.loadNow();
    res.redirect(303, back(account.label, '#daily-load'));
  });
  return r;
}
