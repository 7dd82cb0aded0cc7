// Question 4: how Snowflake applies the integration's OAUTH_REFRESH_TOKEN_VALIDITY to a refresh token
// written by ALTER SECRET without an expiry. Set a one-day validity on this question's own integration
// (with the ALTER the setup script uses), write a token, and read what DESCRIBE SECRET says it expires at;
// then change the validity and read it again, to see whether a token already written follows.
import { isUnreadable } from '../../snowflake/chain-reader.js';
import { type QuestionContext, timeText } from '../context.js';
import type { Finding } from '../report.js';
import { failureText } from '../statements.js';

const QUESTION =
  "Does Snowflake date a refresh token written by ALTER SECRET with the integration's OAUTH_REFRESH_TOKEN_VALIDITY?";
const VALIDITY_S = 86_400;
const CHANGED_S = 2 * VALIDITY_S;
/** Room for the clocks of this computer and Snowflake to differ. */
const SLACK_MS = 10 * 60 * 1000;

export async function refreshTokenValidity(q: QuestionContext): Promise<Finding> {
  const integration = q.names.integrations.validity;
  const secret = q.names.secrets.validity;
  const evidence: string[] = [];
  const finding = (answer: Finding['answer'], summary: string): Finding => ({
    id: 'refresh-token-validity',
    question: QUESTION,
    answer,
    summary,
    evidence,
  });
  const setValidity = async (seconds: number) => {
    const stmt = `ALTER SECURITY INTEGRATION ${integration} SET OAUTH_REFRESH_TOKEN_VALIDITY = ${seconds}`;
    const ran = await q.sql.run(stmt);
    evidence.push(`${stmt}: ${ran.ms} ms`);
  };

  try {
    await setValidity(VALIDITY_S);
  } catch (e) {
    evidence.push(
      `ALTER SECURITY INTEGRATION … SET OAUTH_REFRESH_TOKEN_VALIDITY = ${VALIDITY_S} failed: ${failureText(e)}`,
    );
    return finding('unknown', 'Snowflake refused to set the validity on the integration.');
  }
  const writtenFrom = q.now().getTime();
  try {
    const w = await q.write('validity', q.first.refreshToken);
    evidence.push(
      `ALTER SECRET ${secret} SET OAUTH_REFRESH_TOKEN = '…' (no expiry given) at ${new Date(writtenFrom).toISOString()}: ${w.ms} ms`,
    );
  } catch (e) {
    return finding('unknown', `Writing the token failed: ${failureText(e)}`);
  }
  const writtenTo = q.now().getTime();
  const d = await q.describe('validity');
  const expiry = d.refreshTokenExpiry;
  evidence.push(`DESCRIBE SECRET oauth_refresh_token_expiry_time: ${timeText(expiry)}`);
  if (isUnreadable(expiry))
    return finding('unknown', `DESCRIBE SECRET's refresh-token expiry could not be read: ${expiry.seen}`);

  // Does a token already written follow a later change of the validity?
  try {
    await setValidity(CHANGED_S);
    const again = await q.describe('validity');
    const moved =
      !isUnreadable(again.refreshTokenExpiry) && again.refreshTokenExpiry?.getTime() !== expiry?.getTime();
    evidence.push(
      `DESCRIBE SECRET oauth_refresh_token_expiry_time after the change: ${timeText(again.refreshTokenExpiry)} (${moved ? 'it moved: the expiry follows the integration' : 'unchanged: the expiry was fixed when the token was written'})`,
    );
  } catch (e) {
    evidence.push(`changing the validity again failed: ${failureText(e)}`);
  }

  if (expiry === null) {
    return finding(
      'no',
      'DESCRIBE SECRET shows no refresh-token expiry for a token written without one: Snowflake does not date it by the validity (or does not show it).',
    );
  }
  const at = expiry.getTime();
  if (at >= writtenFrom + VALIDITY_S * 1000 - SLACK_MS && at <= writtenTo + VALIDITY_S * 1000 + SLACK_MS) {
    return finding(
      'yes',
      `The token counts as expiring ${VALIDITY_S} s (the integration's validity) after the ALTER SECRET that wrote it.`,
    );
  }
  const offset = Math.round((at - writtenTo) / 1000);
  return finding(
    'unknown',
    `DESCRIBE SECRET dates the token ${offset} s from the write, which is not the validity set (${VALIDITY_S} s).`,
  );
}
