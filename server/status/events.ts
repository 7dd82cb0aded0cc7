// The append-only history: connects, re-authorizations, failures and check results, one JSON object a
// line under the data directory, so it survives restarts. Events carry ids, times and reasons —
// never a token value (the types below have no field that could hold one).
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
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
  /** How many bytes of the file the cache holds. */
  private offset = 0;
  /** Lines this process wrote that a refresh has not read back yet (each is in the cache already). */
  private readonly own = new Map<string, number>();

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
    this.offset = 0;
    this.own.clear();
    if (!existsSync(this.file)) return [];
    const out: AppEvent[] = [];
    const text = readFileSync(this.file);
    const end = text.lastIndexOf(0x0a) + 1;
    this.fold(text.subarray(0, end).toString('utf8'), out);
    this.offset = end;
    return out;
  }

  /** Adds the events and amendments in `text` (whole lines) to `out`. */
  private fold(text: string, out: AppEvent[]): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const mine = this.own.get(line);
      if (mine !== undefined) {
        // Written by this process: in the cache already.
        if (mine <= 1) this.own.delete(line);
        else this.own.set(line, mine - 1);
        continue;
      }
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
  }

  /**
   * Reads what another process appended since (`npm run connect` beside a running app shares this file):
   * the history, and who the secret holds, are then right without a restart. A file that shrank (a new
   * sandbox start) is read afresh.
   */
  private refresh(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size === this.offset) return;
    if (size < this.offset) {
      this.cache = this.load();
      return;
    }
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      // Only whole lines: another process may be halfway through its write.
      const end = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
      if (end === 0) return;
      this.fold(buf.subarray(0, end).toString('utf8'), this.cache);
      this.offset += end;
    } finally {
      closeSync(fd);
    }
  }

  private write(line: string): void {
    appendFileSync(this.file, `${line}\n`, { mode: 0o600 });
    this.own.set(line, (this.own.get(line) ?? 0) + 1);
    // Read it back at once (skipped as our own), with whatever another process wrote before it: the offset
    // stays at the file's end.
    this.refresh();
  }

  append(e: Omit<AppEvent, 'at'> & { at?: string }): AppEvent {
    const event: AppEvent = { at: e.at ?? new Date(this.now()).toISOString(), ...e } as AppEvent;
    if (event.reason) event.reason = scrubTokens(event.reason);
    this.write(JSON.stringify(event));
    this.cache.push(event);
    return event;
  }

  /**
   * Adds facts to an event already recorded: the event changes in memory, and the file gets a line of its
   * own that loading folds back in, so the log stays append-only and the event keeps its place in it.
   */
  amend(event: AppEvent, facts: EventAmendment): void {
    const line: AmendLine = { amends: event.at, amendsType: event.type, ...facts };
    this.write(JSON.stringify(line));
    Object.assign(event, facts);
  }

  recent(n = 20): AppEvent[] {
    this.refresh();
    return this.cache.slice(-n).reverse();
  }

  /** Every event, oldest first (read-only view of the in-memory copy). */
  all(): readonly AppEvent[] {
    this.refresh();
    return this.cache;
  }

  last(pred: (e: AppEvent) => boolean): AppEvent | undefined {
    this.refresh();
    for (let i = this.cache.length - 1; i >= 0; i--) if (pred(this.cache[i]!)) return this.cache[i];
    return undefined;
  }

  get path(): string {
    return this.file;
  }
}
