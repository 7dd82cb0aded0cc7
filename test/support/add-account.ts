// Adds an account to a harness as an administrator would: runs the account's SQL on the Snowflake stand-in
// (its secret owned by the app's role, its functions listing only its secret, the integration allowing
// every account's secret), then registers the label with the app.
//
// Until the add-account renderer (server/setup/account-sql.ts) lands, the SQL is the provider's setup script
// rendered with the account's names (the naming rule), keeping only the statements about those names: the
// lead can point this helper at the renderer later.
import { accountObjectName } from '../../server/accounts/names.js';
import type { AccountServices } from '../../server/services.js';
import { templateValues } from '../../server/setup/inputs.js';
import {
  renderScript,
  type ScriptName,
  scriptVariables,
  splitStatements,
} from '../../server/setup/templates.js';
import type { Harness } from './app-harness.js';

/** The variables that name an account's own objects: its secret and its functions. */
const OWN = /^(?:secret_name|[a-z_]+_function)$/;

export function accountSql(h: Harness, label: string): string[] {
  const { config } = h;
  const script = `setup-${config.provider}` as ScriptName;
  const suffix = `_${label.toUpperCase()}`;
  const values = templateValues(
    {
      provider: config.provider,
      // Only the account's own statements are kept: the integration's client is not among them.
      clientId: 'unused',
      clientSecret: 'unused',
      scopes: config.oauth.scopes,
      dataKinds: config.dataKinds,
    },
    script,
  );
  // The naming rule (accounts/names.ts): the last part of each name gets `_<LABEL>`.
  for (const v of scriptVariables(script))
    if (OWN.test(v.name) && v.default) values[v.name] = `${v.default}${suffix}`;
  // SET replaces the list: it names every account's secret, this one's too.
  const secrets = [
    ...h.services.accounts.all().map((a) => a.config.snowflake.secret.sql),
    accountObjectName(config.snowflake.secret, label).sql,
  ];
  const out: string[] = [];
  for (const stmt of splitStatements(renderScript(script, values))) {
    const code = stmt.replace(/^\s*--.*$/gm, '').trim();
    const eai = /^ALTER EXTERNAL ACCESS INTEGRATION\s+(\S+)\s+SET/i.exec(code)?.[1];
    // In its place (the functions need it): the integration allows every account's secret.
    if (eai)
      out.push(
        `ALTER EXTERNAL ACCESS INTEGRATION ${eai} SET ALLOWED_AUTHENTICATION_SECRETS = (${secrets.join(', ')})`,
      );
    else if (/^USE ROLE\b/i.test(code) || code.includes(suffix)) out.push(stmt);
  }
  return out;
}

/** Runs the account's SQL as the stand-in's administrator, then adds the account to the app. */
export async function addAccount(h: Harness, label: string, person?: string): Promise<AccountServices> {
  for (const stmt of accountSql(h, label)) await h.admin(stmt);
  return h.services.accounts.add(label, person);
}
