// Whether an account's Snowflake objects exist as its add-account SQL makes them (secret owned by the app's
// role, allowed by the external access integration, and read by the account's check function, which reads
// nothing else), judged from the cheap checks run with that account's names: the status page offers
// Connect for an account only once they do (ACCOUNTS.md).
import { ISOLATION_ID } from './isolation.js';
import type { StatusCheck } from './types.js';

/** Rows that must be there and ok, and what each is in words (for a row the checks did not reach). */
const REQUIRED = ['secret', 'secret_owner', 'check_function', 'eai_secret'] as const;
const TITLES: Record<(typeof REQUIRED)[number], string> = {
  secret: 'the OAuth secret',
  secret_owner: 'the app role’s ownership of the secret',
  check_function: 'the check function',
  eai_secret: 'the integration allowing the secret',
};
/** Rows about the account's objects: any of them failed means the SQL has not (fully) run. */
const OBJECT_ROWS = new Set<string>([
  ...REQUIRED,
  'secret_integration',
  'external_access_integration',
  'eai_enabled',
  ISOLATION_ID,
]);

export interface AccountObjects {
  /**
   * `ready`: every object is there and right. `missing`: something is missing or wrong (run the account's
   * SQL on /setup). `unknown`: the app could not see enough to tell (signed out, or an answer it could not
   * read); a passing end-to-end check for the account settles it.
   */
  state: 'ready' | 'missing' | 'unknown';
  ready: boolean;
  /** The rows that are not ok, and a row for each required one that is absent. */
  problems: StatusCheck[];
}

/** `checks`: judgeChain's answer for a config whose secret and functions are the account's names. */
export function accountObjectsReady(checks: readonly StatusCheck[]): AccountObjects {
  const signin = checks.filter((c) => c.id === 'snowflake_signin');
  if (signin.some((c) => c.status === 'failed' || c.status === 'unknown')) {
    return { state: 'unknown', ready: false, problems: signin.filter((c) => c.status !== 'ok') };
  }
  const rows = checks.filter((c) => OBJECT_ROWS.has(c.id));
  const problems = rows.filter((c) => c.status !== 'ok');
  const at = checks[0]?.at ?? new Date(0).toISOString();
  const absent = REQUIRED.filter((id) => !rows.some((c) => c.id === id));
  for (const id of absent) {
    problems.push({
      id,
      title: TITLES[id],
      status: 'failed',
      detail: `The status checks did not reach ${TITLES[id]}: an object before it is missing.`,
      fix: 'Run the account’s SQL from the Setup page.',
      fixSql: null,
      unseen: false,
      at,
    });
  }
  if (problems.some((c) => c.status === 'failed')) return { state: 'missing', ready: false, problems };
  if (problems.length > 0) return { state: 'unknown', ready: false, problems };
  return { state: 'ready', ready: true, problems: [] };
}
