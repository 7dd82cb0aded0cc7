// Question 6: does the query history show the refresh token the app writes as a literal? Look up the
// first token's literal ALTER SECRET (the cache question's, by the query id the driver gave) in this
// session's INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION and compare its text with the token held in
// memory. Only the outcome is kept: the text is never printed. The client secret in the shared
// integration's CREATE is looked at the same way, as evidence.
import type { QuestionContext } from '../context.js';
import type { Finding } from '../report.js';
import { failureText, type Row } from '../statements.js';

const QUESTION = 'Does QUERY_HISTORY hide the OAUTH_REFRESH_TOKEN literal of ALTER SECRET?';
/** A new query can take a moment to show in the history. */
const ATTEMPTS = 3;
const PAUSE_MS = 2000;

export async function queryHistory(q: QuestionContext): Promise<Finding> {
  const evidence: string[] = [];
  const finding = (answer: Finding['answer'], summary: string): Finding => ({
    id: 'query-history-redaction',
    question: QUESTION,
    answer,
    summary,
    evidence,
  });
  const write = q.literalWrite;
  if (!write)
    return finding('unknown', 'The token was never written as a literal, so there was nothing to look up.');
  const statement = `SELECT QUERY_ID, QUERY_TEXT FROM TABLE(${q.names.schema.database}.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 1000))`;
  let rows: Row[] = [];
  let found: Row | undefined;
  for (let i = 1; i <= ATTEMPTS && !found; i++) {
    if (i > 1) await q.sleep(PAUSE_MS);
    try {
      const ran = await q.sql.run(statement);
      rows = ran.rows;
      evidence.push(`${statement}: ${ran.rows.length} rows, ${ran.ms} ms`);
    } catch (e) {
      evidence.push(`${statement} failed: ${failureText(e)}`);
      return finding('unknown', "The session's query history could not be read.");
    }
    found = rows.find((r) => r.QUERY_ID === write.queryId);
  }
  if (!found) {
    return finding(
      'unknown',
      `The ALTER SECRET (query id ${write.queryId}) was not in this session's query history.`,
    );
  }
  const text = typeof found.QUERY_TEXT === 'string' ? found.QUERY_TEXT : '';
  const shows = text.includes(q.first.refreshToken);
  evidence.push(
    `the ALTER SECRET's QUERY_TEXT (query id ${write.queryId}) was compared with the token in memory; it is not shown here`,
  );
  const create = q.integrationCreate && rows.find((r) => r.QUERY_ID === q.integrationCreate?.queryId);
  if (create && typeof create.QUERY_TEXT === 'string') {
    evidence.push(
      `the CREATE SECURITY INTEGRATION's QUERY_TEXT ${create.QUERY_TEXT.includes(q.chain.clientSecret) ? 'SHOWS' : 'does not show'} the OAUTH_CLIENT_SECRET literal`,
    );
  }
  return shows
    ? finding(
        'no',
        "The query text shows the token as written: whoever can read this user's query history can read the refresh token.",
      )
    : finding('yes', 'The query text does not contain the token: Snowflake hid the literal.');
}
