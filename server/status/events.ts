// The append-only history: connects, re-authorizations, failures and check results, one JSON object a
// line under the data directory, so it survives restarts. Events carry ids, times and reasons —
// never a token value (the types below have no field that could hold one).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scrubTokens } from '../security/redaction.js';

export type EventType =
  | 'connect'
  | 'reauthorize'
  | 'connect_failed'
  | 'secret_write_failed'
  | 'token_held'
  | 'token_revoked'
  | 'token_dropped'
  | 'check'
  | 'started';

export interface AppEvent {
  at: string;
  type: EventType;
  ok?: boolean;
  provider?: string;
  userId?: string;
  legacyUserId?: string;
  scopes?: string[];
  secret?: string;
  expiresAt?: string;
  code?: string;
  reason?: string;
  /** For checks: failure category and how long it took. */
  failure?: string;
  ms?: number;
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
      try {
        out.push(JSON.parse(line) as AppEvent);
      } catch {
        // a torn last line after a crash: skip it, keep the rest
      }
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
