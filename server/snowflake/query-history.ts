// Where the token went: the refresh token reaches Snowflake as a literal in ALTER SECRET, and whether
// Snowflake redacts OAUTH_REFRESH_TOKEN in the query text it keeps is undocumented. After a write the app
// looks its own ALTER SECRET up in its session's query history (by query id, on the same connection) and
// compares the text with the token in memory only: the answer is one word, and the text is never logged,
// kept or returned. QUERY_HISTORY_BY_SESSION runs on the warehouse the check has just used.
import { isAppError } from '../errors/index.js';
import { textOf } from './chain-reader.js';
import { SessionChangedError, type SnowflakeSession, type StatementRun } from './session.js';
import { quoteIdentifierPart } from './sql.js';

/**
 * `shown`: the query text holds the token; `redacted`: the statement is there, the token is not;
 * `not_found`: the statement is not in the session's history; `unknown`: the history could not be read.
 */
export type TokenInHistory = 'shown' | 'redacted' | 'not_found' | 'unknown';

export interface HistoryLookup {
  answer: TokenInHistory;
  /** Why the answer is unknown or not_found, in words (never the query text). */
  reason?: string;
}

/** Enough for the statements since the write, even with status pages loading in between. */
export const HISTORY_ROWS = 1000;

/** The lookup, fully qualified by the secret's database so it needs no current database. */
export function queryHistorySql(database: string): string {
  return (
    `SELECT QUERY_ID, QUERY_TEXT FROM TABLE(${quoteIdentifierPart(database)}.INFORMATION_SCHEMA.` +
    `QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => ${HISTORY_ROWS}))`
  );
}

/** Whether `text` holds the token (as sent: tokens have no character the literal would escape). */
export function showsToken(text: string, token: string): boolean {
  return token.length > 0 && text.includes(token);
}

export async function tokenInQueryHistory(
  session: SnowflakeSession,
  write: StatementRun | undefined,
  database: string,
  token: string,
): Promise<HistoryLookup> {
  if (!write?.queryId) return { answer: 'unknown', reason: 'the driver gave no query id for the write' };
  let rows: Record<string, unknown>[];
  try {
    rows = await session.execute(queryHistorySql(database), {
      ctx: { step: 'looking up the write in the session’s query history' },
      sameConnectionAs: write.connectionId,
    });
  } catch (e) {
    if (e instanceof SessionChangedError)
      return { answer: 'unknown', reason: 'the session that wrote the token was signed in again' };
    const code = isAppError(e) ? (e.upstream?.code ?? e.code) : 'error';
    return { answer: 'unknown', reason: `QUERY_HISTORY_BY_SESSION failed (${code})` };
  }
  for (const row of Array.isArray(rows) ? rows : []) {
    const cols = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    if (textOf(cols.query_id) !== write.queryId) continue;
    const text = textOf(cols.query_text);
    if (text === null) return { answer: 'unknown', reason: 'the statement’s QUERY_TEXT was empty' };
    return { answer: showsToken(text, token) ? 'shown' : 'redacted' };
  }
  return {
    answer: 'not_found',
    reason: `the write was not among the session’s last ${HISTORY_ROWS} statements`,
  };
}
