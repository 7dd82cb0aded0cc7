// Question 8: does a token granted fewer scopes than the integration's OAUTH_ALLOWED_SCOPES break at
// Snowflake's refresh? It does if Snowflake sends scope= with the allowed scopes on the refresh, since the
// provider refuses a scope that was not granted. No consent with unticked boxes is needed: this question's
// own integration allows one scope more than the token was granted.
import type { QuestionContext } from '../context.js';
import { probeFailure } from '../context.js';
import type { Finding } from '../report.js';
import { failureText } from '../statements.js';

const QUESTION =
  "Does a token granted fewer scopes than OAUTH_ALLOWED_SCOPES break at Snowflake's refresh (does Snowflake send scope=)?";

export async function refreshScope(q: QuestionContext): Promise<Finding> {
  const extraScope = q.extraScope;
  const evidence: string[] = [];
  const finding = (answer: Finding['answer'], summary: string): Finding => ({
    id: 'refresh-scope',
    question: QUESTION,
    answer,
    summary,
    evidence,
  });
  if (!extraScope) return finding('not tested', "No scope outside the app's scope set was left to allow.");
  evidence.push(
    `the integration ${q.names.integrations.scope} allows ${extraScope} besides the scopes the token was granted`,
  );
  try {
    const w = await q.write('scope', q.first.refreshToken);
    evidence.push(`ALTER SECRET ${q.names.secrets.scope} SET OAUTH_REFRESH_TOKEN = '…': ${w.ms} ms`);
  } catch (e) {
    return finding('unknown', `Writing the token failed: ${failureText(e)}`);
  }
  const p = await q.probe('scope');
  evidence.push(
    `the probe function with that secret (its first call, so a real refresh): ${p.ms} ms${p.ok ? '' : `, failed: ${probeFailure(p)}`}`,
  );
  if (p.ok) {
    return finding(
      'no',
      'The refresh worked although the integration allows a scope the token was not granted: Snowflake does not ask for the allowed scopes on the refresh.',
    );
  }
  if (p.stage === 'token' && /invalid_scope/i.test(p.error ?? '')) {
    return finding(
      'yes',
      'The refresh was refused with invalid_scope: Snowflake asks for OAUTH_ALLOWED_SCOPES on the refresh, so the allowed scopes must equal the granted ones.',
    );
  }
  return finding('unknown', `The function failed for another reason: ${probeFailure(p)}`);
}
