// What the app's own history says about this connection (this provider and this secret): the last
// connect, the last end-to-end check, and so whose token the secret holds. The connect flow asks it
// before writing or disposing of a token; the status page reads its verdict from it.
import type { SecretAccount } from '../custody/secret-account.js';
import type { AppEvent, EventLog } from '../status/events.js';
import { type CachedTokenInUse, cachedTokenInUse } from './token-in-use.js';

const isConnect = (e: AppEvent) => (e.type === 'connect' || e.type === 'reauthorize') && e.ok === true;

export class ConnectionHistory {
  constructor(
    private readonly events: EventLog,
    private readonly provider: string,
    private readonly secret: string,
  ) {}

  /** An event about this provider and this secret. */
  readonly mine = (e: AppEvent): boolean => e.provider === this.provider && e.secret === this.secret;

  /** An event that belongs on this connection's history: its own, or one that names neither. */
  readonly related = (e: AppEvent): boolean =>
    (e.provider === undefined || e.provider === this.provider) &&
    (e.secret === undefined || e.secret === this.secret);

  lastConnect(): AppEvent | undefined {
    return this.events.last((e) => isConnect(e) && this.mine(e));
  }

  lastCheck(): AppEvent | undefined {
    return this.events.last((e) => e.type === 'check' && this.mine(e));
  }

  /** The user of the last successful connect, even if its token was revoked since. */
  lastConnectedUser(): string | undefined {
    return this.lastConnect()?.userId;
  }

  /** The user whose token the secret holds and still works, as far as the app knows. */
  deliveredUser(): string | undefined {
    const c = this.lastConnect();
    if (!c) return undefined;
    const check = this.lastCheck();
    // A refusal of the access token Snowflake cached before the write says nothing about this token.
    if (
      check &&
      check.at >= c.at &&
      check.ok === false &&
      check.failure === 'token_revoked' &&
      !cachedTokenInUse(c.userId, check)
    )
      return undefined;
    return c.userId;
  }

  /**
   * Whether the last check since the last connect ran on an access token Snowflake cached before that
   * write (another account's, or a refused one), rather than on the token written.
   */
  cachedTokenInUse(): CachedTokenInUse | undefined {
    const c = this.lastConnect();
    const check = this.lastCheck();
    if (!c || !check || check.at < c.at) return undefined;
    return cachedTokenInUse(c.userId, check);
  }

  /** The email last recorded for an account (from a sign-in's ID token), if any: for pages, never decisions. */
  emailOf(userId: string | null | undefined): string | undefined {
    if (!userId) return undefined;
    return this.events.last((e) => e.userId === userId && typeof e.email === 'string' && this.related(e))
      ?.email;
  }

  /** Whose token the secret holds per this history; undefined when there is no history at all. */
  secretAccount(): SecretAccount | undefined {
    const user = this.deliveredUser();
    if (user !== undefined) return { kind: 'user', userId: user };
    return this.lastConnect() ? { kind: 'none' } : undefined;
  }
}
