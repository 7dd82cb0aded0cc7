// The shape every check returns, and the names the chain's objects go by.
import type { QualifiedName } from '../../snowflake/sql.js';

/**
 * `unknown`: Snowflake answered in a shape the app could not read, so the check could not be judged; it
 * counts like a "can't see it" warning, which a passing end-to-end check since the last connect settles.
 */
export type CheckStatus = 'ok' | 'warning' | 'failed' | 'unknown';

/** One item of the status page, /status.json and `npm run status`. */
export interface StatusCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence: why this status. */
  detail: string;
  /** The fix: a setting to change or what to do; null when ok. */
  fix: string | null;
  /** The exact statement that fixes it, when SQL does. */
  fixSql: string | null;
  /** A "can't see it" warning or an unknown: a passing end-to-end check proves what the app could not read. */
  unseen: boolean;
  at: string;
  /**
   * What Snowflake or the provider answered, word for word, when `detail` puts it in the app's words (the
   * end-to-end check's failure): pages keep it behind a disclosure.
   */
  said?: string | null;
}

/** What a check module returns; the index fills in what is left out (null, false) and the time. */
export interface Finding {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string | null;
  fixSql?: string | null;
  unseen?: boolean;
}

/** The objects the checks talk about, and the role a fix grants to. */
export interface ChainNames {
  secret: QualifiedName;
  checkFunction: QualifiedName;
  /** The role the session runs as, else SNOWFLAKE_ROLE (undefined when neither is known). */
  role: string | undefined;
  /** `role` as SQL text, or a `<app role>` placeholder. */
  roleSql: string;
}
