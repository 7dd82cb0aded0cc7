// Adding an account as its administrator would: the add-account SQL the Setup page shows (the same
// renderer as `npm run sql -- add-account`), run on the Snowflake stand-in as its ACCOUNTADMIN.
import { renderAccountSql } from '../../server/setup/account-sql.js';
import { templateValues } from '../../server/setup/inputs.js';
import { splitStatements } from '../../server/setup/templates.js';
import { setupInputs } from '../../server/status/setup-scripts.js';
import type { Harness } from './app-harness.js';

export async function addAccountInSandbox(h: Harness, label: string): Promise<void> {
  const script = `setup-${h.config.provider}` as const;
  // The real client secret: the script is run here, not shown.
  const values = templateValues(
    { ...setupInputs(h.config), clientSecret: h.config.oauth.clientSecret ?? '' },
    script,
  );
  const labels = h.services.accounts.registry.list().map((e) => e.label);
  const sql = renderAccountSql({ provider: h.config.provider, values, labels }, label);
  for (const statement of splitStatements(sql)) await h.admin(statement);
}
