// Wires the app's services from a validated config. Tests build the same graph against the stand-ins.

import { AccountSet } from './accounts/account-set.js';
import { accountStatus } from './accounts/account-status.js';
import { DEFAULT_ACCOUNT } from './accounts/names.js';
import { type AccountEntry, AccountRegistry } from './accounts/registry.js';
import { type Clock, systemClock } from './clock.js';
import type { AppConfig } from './config/index.js';
import type { EndToEndCheck } from './connection/end-to-end.js';
import type { ConnectionHistory } from './connection/history.js';
import { TokenDisposer } from './custody/disposer.js';
import { HeldTokens } from './custody/held.js';
import { secretAccountFromSnowflake } from './custody/secret-account.js';
import { InviteStore } from './invites/store.js';
import type { Logger } from './log.js';
import { createOAuthClient, type OAuthClient } from './oauth/client.js';
import { ConnectFlow } from './oauth/flow.js';
import { PendingFlows } from './oauth/pending.js';
import { getProfile, type ProviderProfile } from './providers/index.js';
import { SecretWriter } from './snowflake/secret-writer.js';
import { SnowflakeSession } from './snowflake/session.js';
import { WarehouseWarmup } from './snowflake/warm-up.js';
import { EventLog } from './status/events.js';
import { sinceConnect } from './status/proof.js';
import { CheckSchedule } from './status/schedule.js';
import type { StatusService } from './status/service.js';

/** What each connected account has of its own: its secret's writer, history view, checks, flow and schedule. */
export interface AccountServices {
  label: string;
  /** Whose account it is, as the admin wrote it (absent for `default` and when not given). */
  person?: string;
  /** The app's config with this account's secret and functions (the naming rule). */
  config: AppConfig;
  writer: SecretWriter;
  history: ConnectionHistory;
  endToEnd: EndToEndCheck;
  status: StatusService;
  held: HeldTokens;
  disposer: TokenDisposer;
  flow: ConnectFlow;
  schedule: CheckSchedule;
}

export interface Services {
  config: AppConfig;
  log: Logger;
  profile: ProviderProfile;
  client: OAuthClient;
  pending: PendingFlows;
  session: SnowflakeSession;
  /** The default account's (the configured secret): what a single-account app uses throughout. */
  writer: SecretWriter;
  held: HeldTokens;
  /** One history file for every account: each event names its secret. */
  events: EventLog;
  history: ConnectionHistory;
  endToEnd: EndToEndCheck;
  status: StatusService;
  flow: ConnectFlow;
  /** Every account the app manages (`default` first), each with its own services. */
  accounts: AccountSet<AccountServices>;
  /** Stops managing an added account: its held tokens disposed of by the rule, its schedule stopped. */
  removeAccount(label: string): Promise<boolean>;
  /** Sandbox mode only: runs SQL as the Snowflake stand-in's administrator. */
  sandboxAdmin?: (sql: string) => Promise<void>;
  /** Invite links for people who are not admins, each for one account (<DATA_DIR>/invites.json). */
  invites: InviteStore;
  /** Starts the warehouse while a user is on the consent page (at most once a window). */
  warmup: WarehouseWarmup;
  /** What held tokens, sign-ins, results and the check schedule count time with. */
  clock: Clock;
  /**
   * The first part of a stop: starts no new sign-in step, lets those under way finish (up to 20 s), then
   * gives up on the rest so that each token ends written, revoked or forgotten, and recorded, and each
   * waiting browser gets its "app stopping" page. The HTTP server should close after this, not before.
   */
  stopSignIns(): Promise<void>;
  /**
   * Stops the check schedules, ends the sign-ins (stopSignIns), disposes of held tokens, waits for checks
   * and chart fetches still running, then closes the Snowflake session: nothing runs after it returns.
   */
  shutdown(): Promise<void>;
}

export interface ServiceOptions {
  /** Tests pass a ManualClock to move time instead of waiting for it. */
  clock?: Clock;
  /** Sandbox mode: runs SQL as the stand-in's administrator (the Setup page's "Run it on the sandbox"). */
  sandboxAdmin?: (sql: string) => Promise<void>;
}

const SETTLE_ON_STOP_MS = 20_000;
/** How long a stop waits for sign-in steps to finish before giving up on them, unless STOP_WAIT_SECONDS says. */
const SIGN_INS_ON_STOP_MS = 20_000;

/** Waits for `work`, but no longer than `ms`; leaves no timer behind either way. */
async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** When the last end-to-end check since the last connect ran (ms), for the schedule. */
function lastCheckSinceConnect(history: ConnectionHistory): number | undefined {
  const check = sinceConnect(history.lastConnect(), history.lastCheck());
  return check ? Date.parse(check.at) : undefined;
}

export function buildServices(config: AppConfig, log: Logger, opts: ServiceOptions = {}): Services {
  const clock = opts.clock ?? systemClock;
  const profile = getProfile(config.provider);
  const client = createOAuthClient(config, profile);
  const pending = new PendingFlows(config.flowTtlMs, undefined, () => clock.now());
  const session = new SnowflakeSession(config.snowflake.connection, log, config.timeouts.snowflakeMs);
  // Stamped by the app's clock: the proof's age and the schedule count from these times.
  const events = new EventLog(config.dataDir, () => clock.now());
  const warmup = new WarehouseWarmup(session, config.snowflake.secret.parts[0]!, log, () => clock.now());
  const invites = new InviteStore(config.dataDir, config.inviteTtlMs, clock);

  const buildAccount = (entry: AccountEntry): AccountServices => {
    const {
      config: cfg,
      history,
      endToEnd,
      status,
    } = accountStatus(config, entry.label, {
      profile,
      session,
      events,
      log,
      clock,
    });
    const writer = new SecretWriter(session, cfg.snowflake.secret);
    const schedule = new CheckSchedule(
      cfg.checkIntervalSeconds * 1000,
      clock,
      () => history.lastConnect() !== undefined,
      () => status.runCheck(),
      log,
      () => lastCheckSinceConnect(history),
    );
    schedule.start();
    const disposer = new TokenDisposer({
      client,
      history,
      events,
      log,
      askSnowflake: () =>
        secretAccountFromSnowflake(session, cfg.snowflake.secret, profile, () => endToEnd.run()),
    });
    const held = new HeldTokens(
      cfg.heldTokenTtlMs,
      (t, why) =>
        disposer.dispose(
          {
            refreshToken: t.refreshToken,
            userId: t.identity.userId,
            email: t.identity.email,
            mayBeDelivered: t.mayBeDelivered,
          },
          why === 'shutdown' ? 'app stopped before the token was saved' : 'not saved in time',
        ),
      undefined,
      clock,
    );
    const flow = new ConnectFlow({
      config: cfg,
      account: entry.label,
      client,
      pending,
      session,
      writer,
      held,
      events,
      log,
      history,
      endToEnd,
      disposer,
      warmup,
      invites,
    });
    return {
      label: entry.label,
      person: entry.person,
      config: cfg,
      writer,
      history,
      endToEnd,
      status,
      held,
      disposer,
      flow,
      schedule,
    };
  };
  const accounts = new AccountSet(new AccountRegistry(config.dataDir, () => clock.now()), buildAccount);
  const main = accounts.get(DEFAULT_ACCOUNT)!;

  // After giving up on the sign-ins, their disposals may each make the provider calls still ahead of them
  // (the code exchange, the identity call, the revocation), each bounded by OAUTH_TIMEOUT_SECONDS.
  const disposeOnStopMs = 3 * config.timeouts.oauthSeconds * 1000 + 1000;
  const stopSignIns = async () => {
    await Promise.all(
      accounts
        .started()
        .map((a) => a.flow.stop(config.timeouts.stopMs ?? SIGN_INS_ON_STOP_MS, disposeOnStopMs)),
    );
  };
  return {
    config,
    log,
    profile,
    client,
    pending,
    session,
    writer: main.writer,
    held: main.held,
    events,
    history: main.history,
    endToEnd: main.endToEnd,
    status: main.status,
    flow: main.flow,
    accounts,
    invites,
    sandboxAdmin: config.mode === 'sandbox' ? opts.sandboxAdmin : undefined,
    removeAccount: (label) =>
      accounts.remove(label, async (a) => {
        await a.schedule.stop();
        await a.flow.stop(config.timeouts.stopMs ?? SIGN_INS_ON_STOP_MS, disposeOnStopMs);
        await a.held.drain();
        await a.status.idle();
      }),
    warmup,
    clock,
    stopSignIns,
    async shutdown() {
      const started = accounts.started();
      // no scheduled check starts from here on, nor a look at a Load now's run
      const schedulesStopped = Promise.all(started.map((a) => a.schedule.stop()));
      for (const a of started) a.status.stopFollowingLoad();
      // Sign-ins still finishing save, hold or dispose of their token first, so drain() sees every held one.
      await stopSignIns();
      await Promise.all(started.map((a) => a.held.drain()));
      // Checks (scheduled, or started by a connect, a disposal or a page) and the chart they fetch
      // end before the session they use is closed.
      await atMost(
        Promise.all([schedulesStopped, ...started.map((a) => a.status.idle()), warmup.idle()]),
        SETTLE_ON_STOP_MS,
      );
      await session.close();
    },
  };
}
