// Questions 1–3: does Snowflake keep the access token in the secret, does ALTER SECRET … SET
// OAUTH_REFRESH_TOKEN throw it away, and so does the function answer as a newly connected account at once?
// Write the first token and call the probe twice: the same access token twice means it was kept. Then
// write the second token (a re-authorization, or another account) and call again: the same access token
// as before means the write did not clear it. The probe says which access token it used by a fingerprint
// and which account it belongs to; both are compared here and never printed.
import { type ProbeAnswer, probeFailure, type QuestionContext, timeText } from '../context.js';
import type { Finding } from '../report.js';
import { failureText } from '../statements.js';

const Q_CACHE = 'Does Snowflake keep the access token in the secret between function calls?';
const Q_CLEAR = 'Does ALTER SECRET … SET OAUTH_REFRESH_TOKEN clear the access token kept in the secret?';
const Q_SWITCH = 'After writing another account’s token, does the function answer as that account at once?';

const calls = (...ps: ProbeAnswer[]) => ps.map((p) => `${p.ms} ms`).join(', ');

export async function accessTokenCache(q: QuestionContext): Promise<Finding[]> {
  const secret = q.names.secrets.cache;
  const evidence: string[] = [];
  const unknown = (why: string): Finding[] => [
    { id: 'access-token-cache', question: Q_CACHE, answer: 'unknown', summary: why, evidence },
    { id: 'alter-secret-clears-cache', question: Q_CLEAR, answer: 'unknown', summary: why, evidence: [] },
    { id: 'account-switch', question: Q_SWITCH, answer: 'unknown', summary: why, evidence: [] },
  ];

  try {
    const w1 = await q.write('cache', q.first.refreshToken);
    q.literalWrite = { queryId: w1.queryId };
    evidence.push(`ALTER SECRET ${secret} SET OAUTH_REFRESH_TOKEN = '…' (sign-in 1): ${w1.ms} ms`);
  } catch (e) {
    return unknown(`Writing the first token failed: ${failureText(e)}`);
  }
  const before = await q.describe('cache');
  const p1 = await q.probe('cache');
  const after1 = await q.describe('cache');
  const p2 = await q.probe('cache');
  const after2 = await q.describe('cache');
  q.baselineOk = p1.ok;
  evidence.push(
    `DESCRIBE SECRET oauth_access_token_expiry_time: ${timeText(before.accessTokenExpiry)} before the first call, ` +
      `${timeText(after1.accessTokenExpiry)} after it, ${timeText(after2.accessTokenExpiry)} after the second`,
    `two calls of the probe function: ${calls(p1, p2)}`,
  );
  if (!p1.ok || !p2.ok)
    return unknown(`The probe function failed with the first token: ${probeFailure(p1.ok ? p2 : p1)}`);
  if (!p1.fingerprint || !p2.fingerprint)
    return unknown('The probe function did not say which access token it used.');
  const kept = p1.fingerprint === p2.fingerprint;
  const cache: Finding = {
    id: 'access-token-cache',
    question: Q_CACHE,
    answer: kept ? 'yes' : 'no',
    summary: kept
      ? 'The second call used the same access token as the first: Snowflake keeps it in the secret and reuses it until it expires.'
      : 'The second call used a new access token: Snowflake refreshed on each call.',
    evidence: [
      ...evidence,
      'the access tokens were compared by a fingerprint computed inside the function; none is shown',
    ],
  };

  const sameAccount = q.second.userId === q.first.userId;
  const clearEvidence: string[] = [];
  let p3: ProbeAnswer;
  try {
    const w2 = await q.write('cache', q.second.refreshToken);
    clearEvidence.push(
      `ALTER SECRET ${secret} SET OAUTH_REFRESH_TOKEN = '…' (sign-in 2, ${sameAccount ? 'the same account' : 'another account'}): ${w2.ms} ms`,
    );
  } catch (e) {
    const why = `Writing the second token failed: ${failureText(e)}`;
    return [
      cache,
      {
        id: 'alter-secret-clears-cache',
        question: Q_CLEAR,
        answer: 'unknown',
        summary: why,
        evidence: clearEvidence,
      },
      { id: 'account-switch', question: Q_SWITCH, answer: 'unknown', summary: why, evidence: [] },
    ];
  }
  const afterWrite = await q.describe('cache');
  p3 = await q.probe('cache');
  const after3 = await q.describe('cache');
  clearEvidence.push(
    `DESCRIBE SECRET oauth_access_token_expiry_time: ${timeText(afterWrite.accessTokenExpiry)} right after the write, ${timeText(after3.accessTokenExpiry)} after the next call`,
    `the call after the write: ${calls(p3)}${p3.ok ? '' : `, failed: ${probeFailure(p3)}`}`,
  );

  let clear: Finding;
  if (!kept) {
    clear = {
      id: 'alter-secret-clears-cache',
      question: Q_CLEAR,
      answer: 'not applicable',
      summary: 'Snowflake kept no access token between calls here, so there was none to clear.',
      evidence: clearEvidence,
    };
  } else if (!p3.ok || !p3.fingerprint) {
    clear = {
      id: 'alter-secret-clears-cache',
      question: Q_CLEAR,
      answer: 'unknown',
      summary: `The call after writing the second token failed: ${probeFailure(p3)}`,
      evidence: clearEvidence,
    };
  } else {
    const cleared = p3.fingerprint !== p1.fingerprint;
    clear = {
      id: 'alter-secret-clears-cache',
      question: Q_CLEAR,
      answer: cleared ? 'yes' : 'no',
      summary: cleared
        ? 'The first call after the write fetched a new access token with the new refresh token.'
        : `The first call after the write still used the access token obtained with the previous refresh token (until ${timeText(afterWrite.accessTokenExpiry)}).`,
      evidence: clearEvidence,
    };
  }

  let account: Finding;
  if (sameAccount) {
    account = {
      id: 'account-switch',
      question: Q_SWITCH,
      answer: 'not tested',
      summary:
        'Both sign-ins used the same account. Run verify-live again and sign in with another account the second time to test an account switch.',
      evidence: [],
    };
  } else if (!p3.ok || !p3.userId) {
    account = {
      id: 'account-switch',
      question: Q_SWITCH,
      answer: 'unknown',
      summary: `The call after the switch failed: ${probeFailure(p3)}`,
      evidence: [],
    };
  } else {
    const asNew = p3.userId === q.second.userId;
    account = {
      id: 'account-switch',
      question: Q_SWITCH,
      answer: asNew ? 'yes' : 'no',
      summary: asNew
        ? 'Right after the write the function answered as the account just written.'
        : p3.userId === q.first.userId
          ? `Right after the write the function still answered as the previous account, on the access token kept in the secret (until ${timeText(afterWrite.accessTokenExpiry)}).`
          : 'Right after the write the function answered as neither account.',
      evidence: ['the accounts were compared by their ids; none is shown'],
    };
  }
  return [cache, clear, account];
}
