import { Router } from 'express';
import { accountObjectName, DEFAULT_ACCOUNT, labelProblem } from '../accounts/names.js';
import type { AccountEntry } from '../accounts/registry.js';
import type { AppConfig } from '../config/index.js';
import { appError } from '../errors/index.js';
import { renderAccountSql, renderRemoveAccountSql } from '../setup/account-sql.js';
import { templateValues } from '../setup/inputs.js';
import { TemplateError } from '../setup/templates.js';
import type { StatusService } from '../status/service.js';
import { MASKED_SECRET, setupInputs, setupScripts } from '../status/setup-scripts.js';
import type { ViewConfig } from './view-config.js';

/** One registered account as the page lists it, with the SQL that adds it (none for the default). */
export interface AccountRow {
  label: string;
  person?: string;
  secret: string;
  sql?: string;
  error?: string;
}

/** A person's name as the form gives it: one line, at most 80 characters (shown on pages and in SQL). */
function personOf(value: unknown): string | undefined {
  const person = typeof value === 'string' ? value.trim() : '';
  if (!person) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (person.length > 80 || /[\u0000-\u001f\u007f\u2028\u2029]/.test(person))
    throw appError('account_person_invalid');
  return person;
}

export function setupRoutes(s: {
  config: AppConfig;
  status: Pick<StatusService, 'cheapChecks'>;
  view: ViewConfig;
  /** Sandbox mode: runs SQL as the stand-in's administrator. */
  sandboxAdmin?: (sql: string) => Promise<void>;
  /** Stops managing an added account (services.removeAccount). */
  removeAccount?: (label: string) => Promise<boolean>;
  /** The accounts the app manages (adding one here builds its services at once). */
  accounts: { list(): AccountEntry[]; add(label: string, person?: string): unknown };
}): Router {
  const r = Router();
  const { accounts } = s;

  function accountRows(labels: string[]): AccountRow[] {
    const values = templateValues(setupInputs(s.config), `setup-${s.config.provider}`);
    return accounts.list().map((a) => {
      const row: AccountRow = {
        label: a.label,
        person: a.person,
        secret: accountObjectName(s.config.snowflake.secret, a.label).display,
      };
      if (a.label === DEFAULT_ACCOUNT) return row;
      try {
        row.sql = renderAccountSql({ provider: s.config.provider, values, labels }, a.label, a.person);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        row.error = e.message;
      }
      return row;
    });
  }

  // The client secret enters the page only after an explicit, CSRF-checked POST (pages are no-store).
  const render =
    (reveal: boolean) => async (req: import('express').Request, res: import('express').Response) => {
      const labels = accounts.list().map((a) => a.label);
      const scripts = setupScripts(s.config, labels);
      const accountList = accountRows(labels);
      // The script whose Reveal was pressed stays open (its form's action names its anchor, so the page
      // scrolls back to it); otherwise the first one.
      const asked = reveal ? (req.body as Record<string, unknown> | undefined)?.script : undefined;
      const open = scripts.find((x) => x.name === asked)?.name ?? scripts[0]?.name;
      res.render('setup', {
        scripts,
        accounts: accountList,
        open,
        checks: await s.status.cheapChecks(),
        reveal,
        clientSecret: reveal ? (s.config.oauth.clientSecret ?? '') : '',
        hasClientSecret: Boolean(s.config.oauth.clientSecret),
        maskedSecret: MASKED_SECRET,
        config: s.view,
        pageTitle: 'Setup',
      });
    };
  r.get('/setup', render(false));
  r.post('/setup/reveal', render(true));
  // Registers an account; its SQL is then on the page, for the administrator to run.
  r.post('/setup/accounts', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const label = typeof body.label === 'string' ? body.label.trim() : '';
    const problem = labelProblem(label);
    if (problem) throw appError('account_label_invalid', { label: label.slice(0, 40), problem });
    const person = personOf(body.person);
    accounts.add(label, person);
    res.redirect(303, `/setup#script-account-${label}`);
  });

  // Sandbox mode only: there is no administrator to hand the SQL to, so the app runs it on the stand-in
  // itself, as the stand-in's ACCOUNTADMIN; the status page then finds the objects as it would in real life.
  r.post('/setup/accounts/:label/run', async (req, res) => {
    const run = s.sandboxAdmin;
    if (!run)
      throw appError('not_found', { variant: 'no_route', method: 'POST', path: '/setup/accounts/…/run' });
    const label = String(req.params.label);
    const entry = accounts.list().find((a) => a.label === label);
    if (!entry || label === DEFAULT_ACCOUNT) throw appError('account_unknown', { label: label.slice(0, 40) });
    const labels = accounts.list().map((a) => a.label);
    // The real client secret: this SQL is run here, never shown.
    const values = templateValues(
      { ...setupInputs(s.config), clientSecret: s.config.oauth.clientSecret ?? '' },
      `setup-${s.config.provider}`,
    );
    await run(renderAccountSql({ provider: s.config.provider, values, labels }, label, entry.person));
    res.redirect(303, `/status?account=${encodeURIComponent(label)}`);
  });

  // Remove: the app stops managing the account at once; dropping its objects is the admin's SQL, shown next
  // (rendered with the labels that remain, so the integration keeps everyone else's secret).
  r.post('/setup/accounts/:label/remove', async (req, res) => {
    const label = String(req.params.label);
    const entry = accounts.list().find((a) => a.label === label);
    if (!entry || label === DEFAULT_ACCOUNT || !s.removeAccount)
      throw appError('account_unknown', { label: label.slice(0, 40) });
    await s.removeAccount(label);
    const labels = accounts.list().map((a) => a.label);
    const values = templateValues(setupInputs(s.config), `setup-${s.config.provider}`);
    const sql = renderRemoveAccountSql({ provider: s.config.provider, values, labels }, label);
    res.render('account-removed', {
      label,
      person: entry.person ?? null,
      sql,
      pageTitle: `Removed ${label}`,
    });
  });
  return r;
}
