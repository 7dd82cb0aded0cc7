// Which account's sign-in `npm run connect -- --account <label>` drives. The one place the command picks a
// flow: with several accounts (docs in ACCOUNTS.md) this becomes `services.accounts.get(label)?.flow`.
import { DEFAULT_ACCOUNT, labelProblem } from '../accounts/names.js';
import { appError } from '../errors/index.js';
import type { ConnectFlow } from '../oauth/flow.js';
import type { Services } from '../services.js';

/** The account's flow; throws cli_account_unknown for a label this app has no account for. */
export function flowFor(services: Pick<Services, 'flow'>, label: string): ConnectFlow {
  if (label === DEFAULT_ACCOUNT) return services.flow;
  throw appError('cli_account_unknown', {
    label: label.slice(0, 40),
    known: DEFAULT_ACCOUNT,
    problem: labelProblem(label),
  });
}
