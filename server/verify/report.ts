// What verify-live found, as data (--json prints it as is) and as the plain text a person attaches to an
// issue. Every string in it is written by this tool or scrubbed of secrets before it gets here; the
// printer scrubs the whole text once more on the way out.

/** yes / no: settled; unknown: the run could not tell (exit 1); the other two are answers too. */
export type Answer = 'yes' | 'no' | 'unknown' | 'not tested' | 'not applicable';

export interface Finding {
  /** Stable id, e.g. `access-token-cache`. */
  id: string;
  question: string;
  answer: Answer;
  /** One or two sentences: what the answer is, in words. */
  summary: string;
  /** What was run and seen: statements (a token shown as '…'), Snowflake's error codes, times, durations. */
  evidence: string[];
}

export interface Versions {
  date: string;
  app: string;
  node: string;
  driver: string;
  snowflake: string;
}

/** A temporary object this run could not drop, and the statement that drops it. */
export interface LeftBehind {
  object: string;
  dropSql: string;
  error: string;
}

export interface ObjectsReport {
  created: string[];
  dropped: string[];
  leftBehind: LeftBehind[];
}

/** What became of the refresh tokens of one Google account this run signed in with. */
export interface TokenOutcome {
  /** "account 1", "account 2": never the account's id. */
  account: string;
  tokens: number;
  outcome: 'revoked' | 'not revoked' | 'revocation failed';
  detail: string;
}

export interface SetupError {
  what: string;
  why: string;
  fix: string;
}

export interface Report {
  tool: 'fitbit-snowflake-connect verify-live';
  /** live: the user's own Google client and Snowflake account; sandbox: the local stand-ins. */
  mode: 'live' | 'sandbox';
  versions: Versions;
  findings: Finding[];
  objects: ObjectsReport;
  tokens: TokenOutcome[];
  setupError?: SetupError;
  interrupted?: boolean;
}

export const ATTACH =
  'Attach this report to an issue: open a new issue in the fitbit-snowflake-connect tracker titled ' +
  '"verify-live: Snowflake <version>" and paste this text (or the output of `npm run verify-live -- --json`). ' +
  'It holds no token, client secret or account identifier; read it before you post it anyway.';

/** 0: every question answered; 1: some unknown; 2: the run could not set itself up; 130: interrupted. */
export function exitCode(r: Report): number {
  if (r.interrupted) return 130;
  if (r.setupError) return 2;
  return r.findings.some((f) => f.answer === 'unknown') ? 1 : 0;
}

function indent(lines: string[], by: string): string[] {
  return lines.flatMap((l) => l.split('\n').map((x) => `${by}${x}`));
}

export function renderText(r: Report): string {
  const v = r.versions;
  const out = [
    `fitbit-snowflake-connect verify-live report (${r.mode === 'live' ? 'your Google client and Snowflake account' : 'sandbox: the local stand-ins, not Snowflake'})`,
    `date ${v.date} · app ${v.app} · Node.js ${v.node} · snowflake-sdk ${v.driver} · Snowflake ${v.snowflake}`,
    '',
  ];
  if (r.setupError) {
    out.push(
      `SETUP FAILED: ${r.setupError.what}`,
      ...indent([`why: ${r.setupError.why}`, `fix: ${r.setupError.fix}`], '  '),
      '',
    );
  }
  if (r.interrupted) out.push('STOPPED: interrupted (Ctrl-C) before every question was answered.', '');
  r.findings.forEach((f, i) => {
    out.push(`${i + 1}. ${f.question}`, `   ${f.answer.toUpperCase()}: ${f.summary}`);
    out.push(...indent(f.evidence, '   - '));
    out.push('');
  });
  const o = r.objects;
  out.push(
    `Temporary objects: ${o.created.length} created, ${o.dropped.length} dropped${o.leftBehind.length ? `, ${o.leftBehind.length} LEFT BEHIND (drop them yourself):` : ' (nothing left behind).'}`,
  );
  for (const l of o.leftBehind) out.push(`  ${l.dropSql}   -- ${l.error}`);
  if (r.tokens.length === 0) out.push('Tokens: none obtained.');
  for (const t of r.tokens) {
    out.push(
      `Tokens of ${t.account}: ${t.tokens} refresh token${t.tokens === 1 ? '' : 's'}, ${t.outcome}: ${t.detail}`,
    );
  }
  out.push('', ATTACH);
  return `${out.join('\n')}\n`;
}
