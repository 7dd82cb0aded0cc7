// Browsers that started a sign-in from an invite link, by their browser id (the HttpOnly cookie), kept in
// memory for a while. The access gate lets such a browser, and only it, reach the callback and its own
// result page without an admin session; nothing else of the app opens for it.
import type { Clock } from '../clock.js';

/** Long enough for a sign-in (10 minutes) and a while on its result page; short enough to forget. */
const MARK_TTL_MS = 60 * 60 * 1000;
const CAP = 1000;

export class ParticipantBrowsers {
  private readonly marks = new Map<string, { invite: string; at: number }>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly ttlMs = MARK_TTL_MS,
  ) {}

  /** This browser started a sign-in from invite `invite`. */
  mark(browserId: string, invite: string): void {
    this.sweep();
    this.marks.delete(browserId); // re-inserted last: the map stays in age order
    while (this.marks.size >= CAP) {
      const oldest = this.marks.keys().next().value;
      if (oldest === undefined) break;
      this.marks.delete(oldest);
    }
    this.marks.set(browserId, { invite, at: this.clock.now() });
  }

  /** The invite this browser last started a sign-in from, while its mark lasts. */
  inviteOf(browserId: string | undefined): string | undefined {
    if (!browserId) return undefined;
    const m = this.marks.get(browserId);
    if (!m) return undefined;
    if (this.clock.now() - m.at > this.ttlMs) {
      this.marks.delete(browserId);
      return undefined;
    }
    return m.invite;
  }

  private sweep(): void {
    const cutoff = this.clock.now() - this.ttlMs;
    for (const [k, m] of this.marks) {
      if (m.at >= cutoff) break;
      this.marks.delete(k);
    }
  }
}
