// The append-only history: connects, re-authorizations, failures and check results, one JSON object a
// line under the data directory, so it survives restarts. Events carry ids, times and reasons —
// never a token value (the types below have no field that could hold one).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LastLoad } from '../connection/load-record.js';
import { scrubTokens } from '../security/redaction.js';
import type { TokenInHistory } from '../snowflake/query-history.js';

export type EventType =
  | 'connect'
  | 'reauthorize'
  | 'connect_failed'
  | 'secret_write_failed'
  | 'token_held'
  | 'token_revoked'
  | 'token_dropped'
  | 'check'
  | 'load'
  | 'started';

export interface AppEvent {
  at: string;
  type: EventType;
  ok?: boolean;
  provider?: string;
  userId?: string;
  /** The account's email, from the sign-in's ID token (not a secret; the ID token itself is never kept). */
  email?: string;
  legacyUserId?: string;
  scopes?: string[];
  secret?: string;
  expiresAt?: string;
  code?: string;
  reason?: string;
  /** For checks: failure category and how long it took. */
  failure?: string;
  ms?: number;
  /** For checks: the user the check function's answer named (compared with the last connect's). */
  seenUserId?: string;
  /**
   * For checks: the check ran on the access token Snowflake cached in the secret before the last write
   * (another account's, or one the provider refused); when that token expires, per DESCRIBE SECRET.
   */
  cachedTokenUntil?: string;
  /**
   * For connects: the access token Snowflake still held cached right after the write (DESCRIBE SECRET's
   * oauth_access_token_expiry_time, when still valid): until then a check may run on it, not on this token.
   */
  accessTokenCachedUntil?: string;
  /** For connects: whether Snowflake's query history shows the token in this write's ALTER SECRET. */
  tokenInHistory?: TokenInHistory;
  /** For loads: a daily load the app read (FITBIT_LOAD_RUNS), recorded once per run. */
  load?: LastLoad;
}

/** Facts about an event learnt after it was recorded (the write's checks take a while). */
export type EventAmendment = Pick<AppEvent, 'accessTokenCachedUntil' | 'tokenInHistory'>;

/** An amendment's line: which event it completes (its time and type), and the facts. */
interface AmendLine extends EventAmendment {
  amends: string;
  amendsType: EventType;
}

export class EventLog {
  private readonly file: string;
  private cache: AppEvent[];

  constructor(
    dataDir: string,
    /** Stamps new events: the app's clock, so tests that move it see events at the times they moved to. */
    private readonly now: () => number = () => Date.now(),
  ) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(dataDir, 'events.jsonl');
    this.cache = this.load();
  }

  private load(): AppEvent[] {
    if (!existsSync(this.file)) return [];
    const out: AppEvent[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let parsed: AppEvent | AmendLine;
      try {
        parsed = JSON.parse(line) as AppEvent | AmendLine;
      } catch {
        // a torn last line after a crash: skip it, keep the rest
        continue;
      }
      if (parsed !== null && typeof parsed === 'object' && 'amends' in parsed) {
        const { amends, amendsType, ...facts } = parsed;
        const target = out.findLast((e) => e.at === amends && e.type === amendsType);
        if (target) Object.assign(target, facts);
      } else out.push(parsed);
    }
    return out;
  }

  append(e: Omit<AppEvent, 'at'> & { at?: string }): AppEvent {
    const event: AppEvent = { at: e.at ?? new Date(this.now()).toISOString(), ...e } as AppEvent;
    if (event.reason) event.reason = scrubTokens(event.reason);
    appendFileSync(this.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    this.cache.push(event);
    return event;
  }

  /**
   * Adds facts to an event already recorded: the event changes in memory, and the file gets a line of its
   * own that loading folds back in, so the log stays append-only and the event keeps its place in it.
   */
  amend(event: AppEvent, facts: EventAmendment): void {
    const line: AmendLine = { amends: event.at, amendsType: event.type, ...facts };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    Object.assign(event, facts);
  }

  recent(n = 20): AppEvent[] {
    return this.cache.slice(-n).reverse();
  }

  /** Every event, oldest first (read-only view of the in-memory copy). */
  all(): readonly AppEvent[] {
    return this.cache;
  }

  last(pred: (e: AppEvent) => boolean): AppEvent | undefined {
    for (let i = this.cache.length - 1; i >= 0; i--) if (pred(this.cache[i]!)) return this.cache[i];
    return undefined;
  }

  get path(): string {
    return this.file;
  }
}
