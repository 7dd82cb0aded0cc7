// Question 5: does ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? take a bind variable? If it does, the app
// could keep the token out of the statement text. Write the first token through a bind into this
// question's own secret, then call the probe with it: a token that works proves the bound value arrived.
import { probeFailure, type QuestionContext } from '../context.js';
import type { Finding } from '../report.js';
import { StatementFailed } from '../statements.js';

const QUESTION = 'Does ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? accept a bind variable?';

export async function binds(q: QuestionContext): Promise<Finding> {
  const statement = `ALTER SECRET ${q.names.secrets.bind} SET OAUTH_REFRESH_TOKEN = ?`;
  const evidence: string[] = [];
  const finding = (answer: Finding['answer'], summary: string): Finding => ({
    id: 'alter-secret-binds',
    question: QUESTION,
    answer,
    summary,
    evidence,
  });
  try {
    const w = await q.write('bind', q.first.refreshToken, 'bind');
    evidence.push(`${statement} (the token as the bind's value): ${w.ms} ms`);
  } catch (e) {
    if (e instanceof StatementFailed && e.code !== 'timeout') {
      evidence.push(`${statement}: Snowflake error ${e.code || '(no code)'}: ${e.detail}`);
      return finding(
        'no',
        'Snowflake refused the bind variable: the token must go into the statement as a literal.',
      );
    }
    evidence.push(`${statement}: ${e instanceof Error ? e.message : String(e)}`);
    return finding(
      'unknown',
      'The statement did not finish, so it is not known whether Snowflake takes the bind.',
    );
  }
  const p = await q.probe('bind');
  evidence.push(
    `the probe function with that secret: ${p.ms} ms${p.ok ? '' : `, failed: ${probeFailure(p)}`}`,
  );
  if (p.ok) return finding('yes', 'Snowflake took the bound token, and then used it to get an access token.');
  return finding(
    'unknown',
    `Snowflake took the statement, but the token did not work afterwards: ${probeFailure(p)}`,
  );
}
