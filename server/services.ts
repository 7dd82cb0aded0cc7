// Wires the app's services from a validated config. Tests build the same graph against the stand-ins.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from './config/index.js';
import { disposeToken, type Holder, needsHolder, type Undeliverable } from './custody/dispose.js';
import { type Disposal, HeldTokens } from './custody/held.js';
import { holderFromSnowflake } from './custody/holder.js';
import type { Logger } from './log.js';
import { createOAuthClient, type OAuthClient } from './oauth/client.js';
import { ConnectFlow } from './oauth/flow.js';
import { PendingFlows } from './oauth/pending.js';
import { getProfile, type ProviderProfile } from './providers/index.js';
import { SecretWriter } from './snowflake/secret-writer.js';
import { SnowflakeSession } from './snowflake/session.js';
import { EventLog } from './status/events.js';
import { StatusService } from './status/service.js';

export interface Services {
  config: AppConfig;
  log: Logger;
  profile: ProviderProfile;
  client: OAuthClient;
  pending: PendingFlows;
  session: SnowflakeSession;
  writer: SecretWriter;
  held: HeldTokens;
  events: EventLog;
  status: StatusService;
  flow: ConnectFlow;
  /** Disposes of held tokens and closes the Snowflake session. */
  shutdown(): Promise<void>;
}

const SETTLE_ON_STOP_MS = 20_000;
const delay = (ms: number) => sleep(ms, undefined, { ref: false });

export function buildServices(config: AppConfig, log: Logger): Services {
  const profile = getProfile(config.provider);
  const client = createOAuthClient(config, profile);
  const pending = new PendingFlows(config.flowTtlMs);
  const session = new SnowflakeSession(config.snowflake.connection, log, config.timeouts.snowflakeMs);
  const writer = new SecretWriter(session, config.snowflake.secret);
  const events = new EventLog(config.dataDir);
  const status = new StatusService(config, profile, session, events, log);
  status.startSchedule();
  // Whose token the secret holds, as far as the app's history knows (undefined: no history at all).
  const knownHolder = (): Holder | undefined => {
    const user = status.deliveredUser();
    if (user !== undefined) return { kind: 'user', userId: user };
    return status.lastConnect() ? { kind: 'none' } : undefined;
  };
  const dispose = async (t: Undeliverable, why: string): Promise<Disposal> => {
    const holder =
      knownHolder() ??
      (needsHolder(client, t)
        ? await holderFromSnowflake(session, config.snowflake.secret, profile, () => status.runCheck())
        : { kind: 'unknown' as const });
    return disposeToken(client, t, holder, events, log, why);
  };
  const held = new HeldTokens(config.heldTokenTtlMs, (t, why) =>
    dispose(
      { refreshToken: t.refreshToken, userId: t.identity.userId, mayBeDelivered: t.mayBeDelivered },
      why === 'shutdown' ? 'app stopped before the token was saved' : 'not saved in time',
    ),
  );
  const flow = new ConnectFlow({
    config,
    client,
    pending,
    session,
    writer,
    held,
    events,
    log,
    runCheck: () => status.runCheck(),
    deliveredUser: () => status.deliveredUser(),
    lastConnectedUser: () => status.lastConnect()?.userId,
    knownHolder,
    dispose,
  });
  return {
    config,
    log,
    profile,
    client,
    pending,
    session,
    writer,
    held,
    events,
    status,
    flow,
    async shutdown() {
      status.stop();
      // Sign-ins still finishing save or hold their token first, so drain() sees every one. Each
      // step is bounded by the OAuth and Snowflake timeouts; a stop should not wait longer than this.
      await Promise.race([flow.settled(), delay(SETTLE_ON_STOP_MS)]);
      await held.drain();
      await session.close();
    },
  };
}
