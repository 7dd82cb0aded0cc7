// Adding an account as its administrator would: the add-account SQL the Setup page shows (the same
// renderer as `npm run sql -- add-account`), run on the Snowflake stand-in as its ACCOUNTADMIN.
import type { AppConfig } from '../../server/config/index.js';
import { createLogger } from '../../server/log.js';
import type { Services } from '../../server/services.js';
import { renderAccountSql } from '../../server/setup/account-sql.js';
import { templateValues } from '../../server/setup/inputs.js';
import { splitStatements } from '../../server/setup/templates.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';
import { setupInputs } from '../../server/status/setup-scripts.js';

/** What adding an account needs of a test's app: its config, its accounts, and the stand-in's admin. */
export interface AccountTarget {
  config: AppConfig;
  services: Pick<Services, 'accounts'>;
  admin(sql: string): Promise<unknown>;
}

/** The add-account SQL for `label` as the app renders it (every registered account in the allowed list). */
export function addAccountSql(t: Pick<AccountTarget, 'config' | 'services'>, label: string): string {
  const script = `setup-${t.config.provider}` as const;
  // The real client secret: the script is run here, not shown.
  const values = templateValues(
    { ...setupInputs(t.config), clientSecret: t.config.oauth.clientSecret ?? '' },
    script,
  );
  const labels = t.services.accounts.registry.list().map((e) => e.label);
  return renderAccountSql({ provider: t.config.provider, values, labels }, label);
}

export async function addAccountInSandbox(t: AccountTarget, label: string): Promise<void> {
  for (const statement of splitStatements(addAccountSql(t, label))) await t.admin(statement);
}

/** The Snowflake stand-in's administrator (SANDBOX_ADMIN, ACCOUNTADMIN), for tests without a harness. */
export function sandboxAdmin(snowflakeUrl: string): {
  run(sql: string): Promise<unknown>;
  close(): Promise<void>;
} {
  const session = new SnowflakeSession(
    {
      account: 'sandbox',
      username: 'SANDBOX_ADMIN',
      authenticator: 'SNOWFLAKE',
      password: 'sandbox',
      accessUrl: snowflakeUrl,
      source: 'test',
    },
    createLogger('silent'),
  );
  return { run: (sql) => session.execute(sql), close: () => session.close() };
}

/** Registers the account with a harness's app, then runs its SQL as the administrator would. */
export async function addAccount(
  h: { config: AppConfig; services: Services; admin(sql: string): Promise<unknown> },
  label: string,
  person?: string,
): Promise<ReturnType<Services['accounts']['add']>> {
  const account = h.services.accounts.add(label, person);
  await addAccountInSandbox(h, label);
  return account;
}
