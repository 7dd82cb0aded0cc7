// One account's status, on the shared Snowflake session and event log: its config (its secret and functions),
// its view of the history, its end-to-end check and its status. The app (services.ts) and `npm run status`
// both build it here.
import { type Clock, systemClock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { EndToEndCheck } from '../connection/end-to-end.js';
import { ConnectionHistory } from '../connection/history.js';
import type { Logger } from '../log.js';
import type { ProviderProfile } from '../providers/index.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { EventLog } from '../status/events.js';
import { StatusService } from '../status/service.js';
import { accountConfig } from './account-config.js';

export function accountStatus(
  config: AppConfig,
  label: string,
  shared: {
    profile: ProviderProfile;
    session: SnowflakeSession;
    events: EventLog;
    log: Logger;
    clock?: Clock;
  },
): { config: AppConfig; history: ConnectionHistory; endToEnd: EndToEndCheck; status: StatusService } {
  const clock = shared.clock ?? systemClock;
  const { profile, session, events, log } = shared;
  const cfg = accountConfig(config, label);
  const history = new ConnectionHistory(events, profile.id, cfg.snowflake.secret.display);
  const endToEnd = new EndToEndCheck(cfg, session, events, log, () => clock.now());
  const status = new StatusService(
    cfg,
    profile,
    session,
    history,
    endToEnd,
    events,
    log,
    () => new Date(clock.now()),
    clock,
    label,
  );
  return { config: cfg, history, endToEnd, status };
}
