// The history as people read it: each event in one line, with accounts named by their email (the ID as
// secondary detail) and switches called out, and the "what changed" note after a re-authorization ("was
// revoked 2 days ago, now connected"). Lines say what happened in the app's words: the raw text Snowflake
// or the provider answered is on the status page's end-to-end row, once.
import { cachedTokenInUse } from '../connection/token-in-use.js';
import { accountText } from '../providers/index.js';
import { formatAgo } from '../time-format.js';
import type { AppEvent } from './events.js';

export interface HistoryLine {
  at: string;
  type: string;
  what: string;
  detail: string;
  tone: 'ok' | 'bad' | 'info';
}

const FAILURE_TEXT: Record<string, string> = {
  token_revoked: 'the token was revoked or expired',
  scope_missing: 'a permission is missing',
  account_not_linked: 'the account has no Fitbit data',
  rate_limited: 'rate-limited',
  provider_gone: 'the legacy Fitbit API is gone (410)',
  snowflake: 'the chain broke inside Snowflake',
  other: 'failed',
};

export function failureText(failure: string | undefined): string {
  return failure ? (FAILURE_TEXT[failure] ?? failure) : 'failed';
}

/** A check function's own sentence without its machine tag (`FITBIT_CONNECT_ERROR[api_error]: `). */
export function plainReason(reason: string): string {
  return reason.replace(/^FITBIT_CONNECT_ERROR\[\w+\]:\s*/, '');
}

/** A failed check in the app's words; the answer's own sentence only where those words say nothing more. */
export function checkFailureWords(failure: string | undefined, reason: string | undefined): string {
  if (!reason) return failureText(failure);
  if (failure === 'snowflake') return `${failureText(failure)}: ${plainReason(reason)}`;
  if (failure === undefined || failure === 'other') return plainReason(reason);
  return failureText(failure);
}

/** userId → the email last recorded for it, over the whole log. */
function emailsIn(all: readonly AppEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of all) if (e.userId && e.email) out.set(e.userId, e.email);
  return out;
}

/** How a history line names an account: its email when the log has one, with the ID. */
function namer(all: readonly AppEvent[]): (userId: string | undefined) => string {
  const emails = emailsIn(all);
  return (userId) => accountText({ userId, email: userId ? emails.get(userId) : undefined });
}

const isConnect = (e: AppEvent) => (e.type === 'connect' || e.type === 'reauthorize') && e.ok === true;

/** One line per event, newest first. `all` is the whole log, oldest first. */
export function historyLines(all: AppEvent[], n = 20): HistoryLine[] {
  const out: HistoryLine[] = [];
  const who = namer(all);
  let lastUser: string | undefined;
  const lines = all.map((e) => {
    let line: HistoryLine;
    switch (e.type) {
      case 'connect':
      case 'reauthorize': {
        const switched = lastUser !== undefined && e.userId !== undefined && e.userId !== lastUser;
        line = {
          at: e.at,
          type: e.type,
          what: e.type === 'reauthorize' ? 'Re-authorized' : 'Connected',
          detail: `${e.userId ? who(e.userId) : ''}${e.legacyUserId ? `, legacy Fitbit ID ${e.legacyUserId}` : ''}${switched ? ` — a different account: replaced ${who(lastUser)}` : ''}${e.expiresAt ? `; token expires ${e.expiresAt}` : ''}${e.tokenInHistory === 'shown' ? '; Snowflake’s query history shows the token' : ''}${e.reason ? `; ${e.reason}` : ''}`,
          tone: 'ok',
        };
        lastUser = e.userId;
        break;
      }
      case 'check': {
        const cached = cachedTokenInUse(lastUser, e);
        const until = cached?.until ? ` (cached until ${cached.until})` : '';
        line = {
          at: e.at,
          type: e.type,
          what: e.ok ? 'End-to-end check passed' : 'End-to-end check failed',
          detail: e.ok
            ? `${e.seenUserId ? `as ${who(e.seenUserId)}, ` : ''}${e.ms ?? '?'} ms`
            : checkFailureWords(e.failure, e.reason),
          tone: e.ok ? 'ok' : 'bad',
        };
        if (cached?.kind === 'previous_account')
          line = {
            ...line,
            what: 'End-to-end check answered as another account',
            detail: `as ${who(cached.seenUserId)}, not ${who(cached.writtenUserId)}: Snowflake still used the access token it cached before the write${until}`,
            tone: 'bad',
          };
        else if (cached)
          line.detail = `Snowflake still used the access token it cached before the write${until}, which the provider refused: ${line.detail}`;
        break;
      }
      case 'load': {
        const l = e.load;
        const ok = l?.outcome === 'ok';
        line = {
          at: e.at,
          type: e.type,
          what: ok ? 'Daily load' : `Daily load ${l?.outcome === 'partial' ? 'partly failed' : 'failed'}`,
          detail: l
            ? `ended ${l.finishedAt ?? '?'}: ${l.rowsChanged ?? '?'} rows changed, latest day ${l.latestDay ?? 'none'}${l.errorCode ? `; ${failureText(l.errorCode)}${e.reason ? `: ${e.reason}` : ''}` : ''}`
            : '',
          tone: ok ? 'ok' : 'bad',
        };
        break;
      }
      case 'connect_failed':
        line = {
          at: e.at,
          type: e.type,
          what: 'Connect failed',
          detail: `${e.code ?? ''} ${e.reason ?? ''}`.trim(),
          tone: 'bad',
        };
        break;
      case 'secret_write_failed':
        line = {
          at: e.at,
          type: e.type,
          what: 'Writing the secret failed',
          detail: [e.userId ? `${who(e.userId)}:` : '', e.reason ?? ''].join(' ').trim(),
          tone: 'bad',
        };
        break;
      case 'token_held':
        line = {
          at: e.at,
          type: e.type,
          what: 'Token held in memory for retry',
          detail: [e.userId ? `${who(e.userId)}:` : '', e.reason ?? ''].join(' ').trim(),
          tone: 'info',
        };
        break;
      case 'token_revoked':
        line = {
          at: e.at,
          type: e.type,
          what: 'Unsaved token revoked',
          detail: [e.userId ? `${who(e.userId)}:` : '', e.reason ?? ''].join(' ').trim(),
          tone: 'info',
        };
        break;
      case 'token_dropped':
        line = {
          at: e.at,
          type: e.type,
          what: 'Unsaved token dropped',
          detail: [e.userId ? `${who(e.userId)}:` : '', e.reason ?? ''].join(' ').trim(),
          tone: 'info',
        };
        break;
      default:
        line = { at: e.at, type: e.type, what: e.type, detail: e.reason ?? '', tone: 'info' };
    }
    return line;
  });
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) out.push(lines[i]!);
  return out;
}

export interface Change {
  was: string;
  now: string;
}

/**
 * After the latest connect: what the state was just before it, when that was broken. `all` is the
 * log oldest first; only events matching `mine` count.
 */
export function lastChange(all: AppEvent[], now: Date): Change | undefined {
  let idx = -1;
  for (let i = all.length - 1; i >= 0; i--)
    if (isConnect(all[i]!)) {
      idx = i;
      break;
    }
  if (idx < 0) return undefined;
  const c = all[idx]!;
  // The latest check since the connect decides: a failure, or a check on the token Snowflake cached before
  // the write (another account's, or the revoked grant's), means nothing is fixed yet.
  const after = all.slice(idx + 1).findLast((e) => e.type === 'check');
  if (after && (after.ok === false || cachedTokenInUse(c.userId, after))) return undefined;
  let prevConnect: AppEvent | undefined;
  let brokenSince: AppEvent | undefined;
  for (let i = idx - 1; i >= 0; i--) {
    const e = all[i]!;
    if (isConnect(e)) {
      prevConnect = e;
      break;
    }
    if (e.type === 'check') {
      if (e.ok === false) brokenSince = e;
      else if (!brokenSince) break; // the last check before the connect passed: nothing was broken
    }
  }
  const who = namer(all);
  const switched = prevConnect?.userId && c.userId && prevConnect.userId !== c.userId;
  const expired = prevConnect?.expiresAt && Date.parse(prevConnect.expiresAt) <= Date.parse(c.at);
  if (!brokenSince && !switched && !expired) return undefined;
  let was: string;
  const since = (at: string) => formatAgo((now.getTime() - Date.parse(at)) / 1000);
  if (brokenSince) was = `${failureText(brokenSince.failure)} — noticed ${since(brokenSince.at)}`;
  else if (expired) was = `the token expired at ${prevConnect!.expiresAt}`;
  else was = `connected as ${who(prevConnect!.userId)}`;
  const whoNow = switched
    ? `connected as ${who(c.userId)}, a different account than ${who(prevConnect!.userId)}`
    : `connected as ${who(c.userId)}`;
  return {
    was,
    now: `${whoNow} (${c.type === 'reauthorize' ? 're-authorized' : 'connected'} ${since(c.at)})`,
  };
}
