// What `npm run connect` prints: the sign-in's outcome in the words of the result page, as plain text.
// Everything here comes from an Outcome, a stage or an AppError, none of which holds a token.
import type { StageEvent } from '../connection/progress.js';
import type { AppError } from '../errors/index.js';
import type { Checked, Held, Written } from '../oauth/flow.js';
import { accountText, type Identity } from '../providers/index.js';
import { checkFailureWords } from '../status/history.js';

const INDENT = '    ';

const indent = (text: string, by = INDENT) =>
  text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');

/** An error as the error page shows it: what happened, why, the exact fix, and the other side's words. */
export function errorLines(e: AppError): string {
  const lines = [`✗ ${e.title}`, indent(`Why: ${e.why}`), indent(`Fix: ${e.fix}`)];
  if (e.fixSql) lines.push(indent(e.fixSql, `${INDENT}  `));
  if (e.upstream)
    lines.push(
      indent(
        `${e.upstream.source} said: ${[e.upstream.code, e.upstream.message].filter(Boolean).join(': ')}`,
      ),
    );
  return `${lines.join('\n')}\n`;
}

function who(identity: Identity): string {
  return `${accountText(identity)}${identity.displayName ? ` · ${identity.displayName}` : ''}`;
}

const row = (label: string, value: string) => `${INDENT}${`${label}:`.padEnd(24)}${value}`;

/** The moment the token is in the secret: the browser's "written" page. */
export function writtenText(w: Written): string {
  const lines = [
    `✓ Written: the refresh token of ${accountText(w.identity)} is now in ${w.secret}.`,
    row('Signed in as', who(w.identity)),
  ];
  if (w.identity.legacyUserId) lines.push(row('Legacy Fitbit user ID', w.identity.legacyUserId));
  lines.push(row('Permissions granted', w.scopes.join(' ')));
  if (w.write.expiresAt) lines.push(row('The token expires', w.write.expiresAt.toISOString()));
  if (w.previousUserId && w.previousUserId !== w.identity.userId)
    lines.push(
      row('Replaced', `the token of ${accountText({ userId: w.previousUserId, email: w.previousEmail })}`),
    );
  return `${lines.join('\n')}\nSnowflake’s end-to-end check:\n`;
}

/** One stage of the check as it is reached. */
export function stageText(s: StageEvent): string {
  const mark = s.ok === undefined ? '·' : s.ok ? '✓' : '✗';
  return `${INDENT}${mark} ${s.label}\n`;
}

const HISTORY_TEXT = {
  redacted: 'Snowflake’s query history keeps this write’s ALTER SECRET with the token redacted.',
  not_found:
    'This write’s ALTER SECRET was not found in the session’s query history, so the app could not tell whether its text shows the token.',
  unknown:
    'The app could not read the session’s query history, so it cannot tell whether the ALTER SECRET’s text there shows the token.',
} as const;

/** The check's verdict and what else the result page says, once the check is done. */
export function checkedText(c: Checked): string {
  const lines: string[] = [];
  if (c.kind === 'pending') {
    lines.push(errorLines(c.error).trimEnd());
  } else if (c.check.ok) {
    lines.push('✓ Connected: Snowflake can read your Fitbit data.');
    lines.push(
      indent(`The check passed in ${c.check.ms} ms: Snowflake called the API through the secret and got:`),
    );
    lines.push(indent(JSON.stringify(c.check.value, null, 2), `${INDENT}  `));
    if (c.cachedAtWrite && !c.supersededBy)
      lines.push(
        indent(
          `Snowflake answered with the access token it had cached before this write (for the same account); it keeps that token until ${c.cachedAtWrite.toISOString()} and uses the refresh token just written after that.`,
        ),
      );
  } else {
    lines.push('✗ Token saved, but Snowflake’s check failed');
    lines.push(
      indent(
        `Why: The token was written, but when Snowflake used it through ${c.check.fn ?? 'the check function'} it failed: ${checkFailureWords(c.check.failure, c.check.message)}.`,
      ),
    );
    if (c.check.message) lines.push(indent(`Snowflake said: ${c.check.message}`));
    if (c.check.fix) lines.push(indent(`Fix: ${c.check.fix}`));
    if (c.check.fixSql) lines.push(indent(c.check.fixSql, `${INDENT}  `));
  }
  if (c.historyNote) lines.push(errorLines(c.historyNote).trimEnd());
  else lines.push(indent(HISTORY_TEXT[c.tokenInHistory as keyof typeof HISTORY_TEXT] ?? ''));
  if (c.supersededBy)
    lines.push(
      `! Another sign-in finished right after this one and was written after it: the secret now holds the token of ${c.supersededBy}, not this one.`,
    );
  for (const note of c.notes) lines.push(errorLines(note).trimEnd());
  return `${lines.filter((l) => l.trim()).join('\n')}\n`;
}

/** A token held in memory: why, until when, and what happens to it if it is not saved. */
export function heldText(h: Held, provider: string): string {
  const until = new Date(h.heldUntil).toLocaleTimeString();
  const lines: string[] = [];
  if (h.reason === 'confirm_switch') {
    lines.push('! This is a different account');
    lines.push(
      indent(
        `You signed in as ${accountText(h.identity)}, but the secret holds the token of ${accountText({ userId: h.previousUserId, email: h.previousEmail })}. Writing replaces the connection for everything that uses the secret.`,
      ),
    );
  } else {
    lines.push(errorLines(h.error).trimEnd());
    if (h.outcomeUnknown)
      lines.push(
        indent(
          'The write timed out, so Snowflake may or may not have taken this token. Retrying is safe: it writes the same token again.',
        ),
      );
    if (h.replacedPrevious)
      lines.push(
        indent(
          `${provider} keeps one token per account and app: this sign-in replaced the token Snowflake had, which no longer works. Until this one is saved, Snowflake cannot read your data.`,
        ),
      );
    lines.push(
      indent(
        `The new token is held in this command’s memory only (never on disk) until ${until}. Fix the cause above, then retry.`,
      ),
    );
  }
  lines.push(indent(onExpiryText(h, provider, until)));
  for (const note of h.notes) lines.push(errorLines(note).trimEnd());
  return `${lines.join('\n')}\n`;
}

/** What becomes of a held token that is not saved: the disposer's rule, as the result page says it. */
export function onExpiryText(h: Held, provider: string, until: string): string {
  const ifNot = `If it is not saved by ${until} (or you answer no, or press Ctrl-C)`;
  if (h.onExpiry === 'revoke')
    return `${ifNot}, it will be revoked at ${provider}, so no unused token is left live.`;
  if (h.onExpiry === 'ask')
    return `${ifNot}, the app first asks Snowflake whose token the secret holds: if it is this account’s, the new token is forgotten, not revoked (${provider} revokes every token of an account at once, which would break Snowflake’s); otherwise it is revoked.`;
  if (h.outcomeUnknown)
    return `${ifNot}, it will be forgotten, not revoked: Snowflake may already hold it, and revoking it would break the connection.`;
  return `${ifNot}, it will be forgotten, not revoked: ${provider} revokes every token of an account at once, so revoking it would also kill the token Snowflake already holds for ${accountText(h.identity)}.`;
}

/** After Cancel (or "no"): what was done with the token, by the same rule. */
export function cancelledText(h: Held, provider: string): string {
  const done =
    h.onExpiry === 'revoke'
      ? `it was revoked at ${provider}`
      : h.onExpiry === 'ask'
        ? `it was revoked at ${provider}, or only forgotten if the secret holds this account’s token (the history says which)`
        : 'it was forgotten, not revoked';
  return `Cancelled: nothing was written, and ${done}.\n`;
}
