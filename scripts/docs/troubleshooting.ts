// docs/troubleshooting.md, rendered from the error catalog: every code with its page title, when it
// happens, why, and the fix, grouped by where in the journey it comes from.
import { type ErrorDoc, type ErrorGroup, errorDocs } from '../../server/errors/catalog.js';

const OTHER = 'Without an error code';

const GROUPS: { group: ErrorGroup; heading: string; intro: string }[] = [
  {
    group: 'sign-in',
    heading: 'Signing in',
    intro: 'Between **Connect Fitbit** and the token being written: the sign-in itself and what it returned.',
  },
  {
    group: 'provider',
    heading: 'The provider',
    intro:
      'The Google Health API (or the legacy Fitbit Web API): its token endpoint and the identity call. The provider’s own error code and message are on the page, under the fix.',
  },
  {
    group: 'snowflake',
    heading: 'Snowflake',
    intro:
      'Signing in to Snowflake, writing the secret, and the check function. Snowflake’s own code and message are on the page. When writing the secret fails, the token waits in memory (never on disk) so you can fix the cause and press **Retry saving**.',
  },
  {
    group: 'accounts',
    heading: 'Several accounts and invites',
    intro:
      'Adding an account (its own secret and functions), connecting it, and invite links for the people whose data it is.',
  },
  {
    group: 'guard',
    heading: 'The app’s own guards and pages',
    intro: 'Requests the app refuses before they reach the connection, and addresses it has no page for.',
  },
];

/**
 * What you can meet that is not an error page with a code: start-up refusals, the check's own verdict,
 * and the Status page's overall verdicts. Markdown, kept here so the troubleshooting page is whole.
 */
const WITHOUT_A_CODE: { symptom: string; why: string; fix: string }[] = [
  {
    symptom: 'Google’s own page: *Error 400: redirect_uri_mismatch* (the app never gets control back)',
    why: 'The redirect URI the app sends is not registered byte for byte for this client.',
    fix: 'Add `http://localhost:8787/callback` (or your `OAUTH_REDIRECT_URI`) to the client’s *Authorized redirect URIs*; `localhost` and `127.0.0.1`, and ports, must match exactly. Open the app on the same host as the redirect URI (the app moves you there when you click **Connect Fitbit**).',
  },
  {
    symptom: '**Token saved, but Snowflake’s check failed** (the result page)',
    why: 'The chain broke inside Snowflake: the check function’s message says where (`FITBIT_CONNECT_ERROR[token_revoked]`, `[scope_missing]`, `[rate_limited]`, …).',
    fix: 'Follow the message; a revoked or expired token means **Re-authorize** on the Status page.',
  },
  {
    symptom: 'The app refuses to start: *Configuration is invalid*',
    why: 'A setting is missing or malformed; each is named with its fix.',
    fix: 'Set it (see docs/configuration.md).',
  },
  {
    symptom: 'The app refuses to start: *Port 8787 … is already in use*',
    why: 'Another program has the port.',
    fix: 'Stop it, or set `PORT` and register the matching redirect URI.',
  },
  {
    symptom: 'Sandbox mode cannot start: `EADDRINUSE`',
    why: '`npm run sandbox` (or another app) holds 8790/8791.',
    fix: 'Stop it, or set `SANDBOX_OAUTH_PORT` / `SANDBOX_SNOWFLAKE_PORT`.',
  },
  {
    symptom: 'The secret stops working every 7 days',
    why: 'The Google client is in Testing publishing status.',
    fix: 'Publish it to “In production”, or set `OAUTH_CLIENT_STATUS=testing` to be warned a day ahead.',
  },
  {
    symptom: 'Status page: **needs reauth** (`npm run status` exit 1)',
    why: 'The refresh token no longer works: the end-to-end check got `token_revoked` (revoked or expired), or the expiry the provider gave at the last connect has passed.',
    fix: '**Re-authorize** on the Status page.',
  },
  {
    symptom: 'Status page: **misconfigured** (exit 2)',
    why: 'A cheap check failed (secret, owner, integration, function, network rule, sign-in: each row says which and has the fix statement), or the legacy Fitbit API answered 410 Gone.',
    fix: 'Run the fix statement shown under the failed check (as the role it names), then reload.',
  },
  {
    symptom: 'Status page: **warning** (exit 1)',
    why: 'Working, but something needs attention: a warning row (Testing-status client, expiry within a day, a warehouse missing, something the app’s role cannot see that no passing check has proven), or the last end-to-end check was rate limited (429).',
    fix: 'Follow the warning’s fix; after a rate limit, wait a minute and **Run end-to-end check** again.',
  },
  {
    symptom: 'Status page: **error** (exit 2)',
    why: 'The last end-to-end check since the last connect failed for another reason; its message is in the *End-to-end check* row.',
    fix: 'Fix what the message names, then **Run end-to-end check**.',
  },
  {
    symptom: 'Status page: **not connected** (exit 1)',
    why: 'No token was written for this provider and secret yet.',
    fix: '**Connect Fitbit**.',
  },
];

/** Page texts are plain text: keep their `code spans`, and make the rest render as written. */
function plain(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*<]/g, (c) => `\\${c}`)))
    .join('');
}

function renderCode(doc: ErrorDoc): string[] {
  const out = [`### \`${doc.code}\``, '', doc.when, ''];
  const several = doc.situations.length > 1;
  for (const s of doc.situations) {
    if (several) out.push(`#### ${capitalised(s.label ?? 'otherwise')}`, '');
    const extra = s.retryConnect ? ' · the page offers **Start again**' : '';
    out.push(`**${plain(s.title)}** · HTTP ${s.status}${extra}`, '');
    out.push(`- Why: ${plain(s.why)}`, `- Fix: ${plain(s.fix)}`, '');
    if (s.fixSql) out.push('```sql', s.fixSql, '```', '');
  }
  return out;
}

export function renderTroubleshooting(): string {
  const docs = errorDocs();
  const lines = [
    '# Troubleshooting',
    '',
    '<!-- Generated from the error catalog (server/errors/) by `npm run docs`: edit the catalog, not this file. -->',
    '',
    'Every failure has a page that says what happened, why, and the fix. Its error code is at the bottom of',
    'the page (and in `/status.json` and the Status page’s history): find it below. Words in angle brackets',
    '(`<provider>`, `<redirect URI>`, …) stand for what the page fills in.',
    '',
  ];
  for (const g of GROUPS) {
    const codes = docs.filter((d) => d.group === g.group).map((d) => `[\`${d.code}\`](#${d.code})`);
    lines.push(`- [${g.heading}](#${anchor(g.heading)}): ${codes.join(', ')}`);
  }
  lines.push(`- [${OTHER}](#${anchor(OTHER)}): start-up refusals and the Status page’s verdicts`, '');
  for (const g of GROUPS) {
    lines.push(`## ${g.heading}`, '', g.intro, '');
    for (const d of docs.filter((x) => x.group === g.group)) lines.push(...renderCode(d));
  }
  lines.push(`## ${OTHER}`, '');
  for (const w of WITHOUT_A_CODE)
    lines.push(`### ${w.symptom}`, '', `- Why: ${w.why}`, `- Fix: ${w.fix}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
