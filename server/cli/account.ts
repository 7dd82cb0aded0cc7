// Which account's sign-in `npm run connect -- --account <label>` drives: one the app manages, and (for an
// added account) only once Snowflake shows its objects, as the web's Connect button waits for them.
import { labelProblem } from '../accounts/names.js';
import { requireConnectable } from '../accounts/ready.js';
import { appError } from '../errors/index.js';
import type { ConnectFlow } from '../oauth/flow.js';
import type { Services } from '../services.js';

/** The account's flow and secret; throws cli_account_unknown or account_not_ready. */
export async function flowFor(
  services: Pick<Services, 'accounts'>,
  label: string,
): Promise<{ flow: ConnectFlow; secret: string }> {
  const account = services.accounts.get(label);
  if (!account)
    throw appError('cli_account_unknown', {
      label: label.slice(0, 40),
      known: services.accounts.registry
        .list()
        .map((e) => e.label)
        .join(', '),
      problem: labelProblem(label),
    });
  await requireConnectable(account);
  return { flow: account.flow, secret: account.config.snowflake.secret.display };
}
