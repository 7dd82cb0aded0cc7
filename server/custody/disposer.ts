// Disposing of a refresh token that will not reach Snowflake: decides revoke or drop by whose token the
// secret holds (the history first; Snowflake only when the history cannot say and it matters), does
// it, and records it. The connect flow and the held-token store both hand their tokens here.
import type { ConnectionHistory } from '../connection/history.js';
import type { Logger } from '../log.js';
import type { OAuthClient } from '../oauth/client.js';
import type { EventLog } from '../status/events.js';
import { disposalFor, disposeToken, needsSecretAccount, type Undeliverable } from './dispose.js';
import type { Disposal } from './held.js';
import type { SecretAccount } from './secret-account.js';

export interface DisposerDeps {
  client: OAuthClient;
  history: ConnectionHistory;
  events: EventLog;
  log: Logger;
  /** Asks Snowflake whose token the secret holds (only called when the history cannot say). */
  askSnowflake: () => Promise<SecretAccount>;
}

export class TokenDisposer {
  constructor(private readonly d: DisposerDeps) {}

  /** What disposing of this token would do, as things stand now ('ask': Snowflake will be asked first). */
  plan(t: Undeliverable): 'revoke' | 'drop' | 'ask' {
    const { client, history } = this.d;
    const account = history.secretAccount();
    if (account) return disposalFor(client, t, account);
    return needsSecretAccount(client, t) ? 'ask' : disposalFor(client, t, { kind: 'none' });
  }

  /**
   * `askSnowflake: false` when Snowflake must not be waited for (the app is stopping, perhaps because it
   * is slow): a history that cannot say then counts as not knowing, and the token is forgotten if
   * revoking it could break the secret's.
   */
  async dispose(t: Undeliverable, why: string, opts: { askSnowflake?: boolean } = {}): Promise<Disposal> {
    const { client, history, events, log } = this.d;
    const ask = opts.askSnowflake !== false && needsSecretAccount(client, t);
    const account =
      history.secretAccount() ?? (ask ? await this.d.askSnowflake() : { kind: 'unknown' as const });
    return disposeToken(client, t, account, events, log, why);
  }
}
