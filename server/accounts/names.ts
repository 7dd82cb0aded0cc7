// The naming rule for several connected accounts: each account (a person's label) gets its own OAuth
// secret and its own functions, named from the configured ones by a suffix. The built-in account,
// `default`, keeps the configured names unchanged, so a single-account setup is exactly as before.
import { type QualifiedName, quoteIdentifierPart } from '../snowflake/sql.js';

/** The account that uses the configured names as they are. */
export const DEFAULT_ACCOUNT = 'default';

/** Lower-case letters, digits and `_`, starting with a letter, at most 24 characters. */
const LABEL = /^[a-z][a-z0-9_]{0,23}$/;

/** Why a label is refused, or undefined when it is a valid label for a new account. */
export function labelProblem(label: string): string | undefined {
  if (label === DEFAULT_ACCOUNT) return `"${DEFAULT_ACCOUNT}" is the built-in account's label.`;
  if (!LABEL.test(label))
    return 'A label is 1 to 24 lower-case letters, digits or "_", starting with a letter (e.g. "alice" or "p07").';
  return undefined;
}

/** The account a request names (`?account=` or a form's `account`); `default` when none. */
export function labelFrom(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value.slice(0, 40) : DEFAULT_ACCOUNT;
}

/**
 * The name an object of account `label` gets: the configured name with `_<LABEL>` appended to its last
 * part (`FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN` → `FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE`); the default
 * account's is the configured name itself.
 */
export function accountObjectName(configured: QualifiedName, label: string): QualifiedName {
  if (label === DEFAULT_ACCOUNT) return configured;
  const last = configured.parts[configured.parts.length - 1]!;
  const parts = [...configured.parts.slice(0, -1), `${last}_${label.toUpperCase()}`];
  return {
    parts,
    sql: parts.map(quoteIdentifierPart).join('.'),
    display: parts.join('.'),
  };
}
