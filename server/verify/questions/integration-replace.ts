// Question 7: does a secret stay bound to a security integration that CREATE OR REPLACE made anew, as an
// older setup script's re-run did? Write the first token into this question's own secret, replace its
// integration with identical properties, then call the probe: nothing was called before the replace, so no
// access token kept in the secret can hide the answer.
import { isUnreadable } from '../../snowflake/chain-reader.js';
import { probeFailure, type QuestionContext } from '../context.js';
import type { Finding } from '../report.js';
import { integrationSql } from '../scratch.js';
import { failureText } from '../statements.js';

const QUESTION =
  'Does a secret keep working after CREATE OR REPLACE SECURITY INTEGRATION replaces its integration (same properties)?';

export async function integrationReplace(q: QuestionContext): Promise<Finding> {
  const evidence: string[] = [];
  const finding = (answer: Finding['answer'], summary: string): Finding => ({
    id: 'integration-replace',
    question: QUESTION,
    answer,
    summary,
    evidence,
  });
  try {
    const w = await q.write('replace', q.first.refreshToken);
    evidence.push(`ALTER SECRET ${q.names.secrets.replace} SET OAUTH_REFRESH_TOKEN = '…': ${w.ms} ms`);
    const { sql, shown } = integrationSql(q.names.integrations.replace, q.chain, { orReplace: true });
    const r = await q.sql.run(sql, { shown });
    evidence.push(
      `CREATE OR REPLACE SECURITY INTEGRATION ${q.names.integrations.replace} … (the same properties): ${r.ms} ms`,
    );
  } catch (e) {
    return finding('unknown', `Setting the question up failed: ${failureText(e)}`);
  }
  const d = await q.describe('replace');
  evidence.push(
    `DESCRIBE SECRET integration_name after the replace: ${isUnreadable(d.integration) ? `unreadable (${d.integration.seen})` : d.integration}`,
  );
  const p = await q.probe('replace');
  evidence.push(
    `the probe function with that secret: ${p.ms} ms${p.ok ? '' : `, failed: ${probeFailure(p)}`}`,
  );
  if (p.ok)
    return finding(
      'yes',
      'The secret followed the replaced integration by name: the function still got an access token.',
    );
  if (q.baselineOk && p.stage === 'token') {
    return finding(
      'no',
      'After the replace Snowflake could not get an access token with the secret, while the same token works through an integration that was not replaced: the secret must be recreated after such a replace.',
    );
  }
  return finding(
    'unknown',
    `The function failed after the replace, for a reason that may not be the replace: ${probeFailure(p)}`,
  );
}
