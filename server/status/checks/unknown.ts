// The row for a check whose facts came back in a shape the app could not read: it says what was seen and
// how to look by hand, instead of guessing a verdict (or failing the whole page).
import { nameSql } from '../../snowflake/sql.js';
import type { Finding } from './types.js';

const FIX =
  'Run the statement below to look yourself; a passing end-to-end check since the last connect proves the chain works regardless. The app expected another shape of answer: please report what Snowflake printed.';

/** `seen`: what the answer held, e.g. "DESCRIBE SECRET answered without an integration_name column". */
export function unknownFinding(
  row: { id: string; title: string },
  seen: string,
  /** What could not be checked, e.g. "the secret’s security integration". */
  what: string,
  /** The statement that shows the answer, e.g. `DESCRIBE SECRET X.Y.Z;`. */
  lookSql: string | null,
): Finding {
  return {
    ...row,
    status: 'unknown',
    detail: `${seen.charAt(0).toUpperCase()}${seen.slice(1)}, so ${what} is not checked here.`,
    fix: FIX,
    fixSql: lookSql,
    unseen: true,
  };
}

/** SQL text for a printed name, or a placeholder when the name cannot be one (a fix must never throw). */
export function sqlName(printed: string, placeholder = '<name>'): string {
  try {
    return nameSql(printed);
  } catch {
    return placeholder;
  }
}
