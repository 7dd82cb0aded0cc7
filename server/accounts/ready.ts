// Whether an account may be offered Connect (the web's button, an invite, `npm run connect`): the default
// account always (its objects are the setup script's own, and its checks say when they are missing); an
// added one only once Snowflake shows its objects, since a token in a secret nothing can use only confuses.
import { appError } from '../errors/index.js';
import { DEFAULT_ACCOUNT } from './names.js';

interface Readiness {
  label: string;
  status: { objectsReady(): Promise<{ ready: boolean; missing: string[] }> };
}

/** Resolves when the account may be connected; throws account_not_ready (its page says what is missing). */
export async function requireConnectable(account: Readiness): Promise<void> {
  if (account.label === DEFAULT_ACCOUNT) return;
  const { ready, missing } = await account.status.objectsReady();
  if (!ready) throw appError('account_not_ready', { label: account.label, missing: missing.join(', ') });
}
