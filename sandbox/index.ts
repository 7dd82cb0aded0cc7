// Both stand-ins wired together: the Snowflake stand-in's Python functions reach Google's and
// Fitbit's hosts through the OAuth stand-in, as Snowflake's network rules would reach the real ones.
import { OAUTH_BEHAVIOUR_DEFAULTS, type OAuthBehaviourChange } from './oauth/behaviour.js';
import { PROVIDER_HOSTS } from './oauth/paths.js';
import { type OAuthSandbox, startOAuthSandbox } from './oauth/server.js';
import type { SnowflakeBehaviourChange } from './snowflake/behaviour.js';
import type { LatencyModelInput } from './snowflake/compute.js';
import { type SnowflakeSandbox, startSnowflakeSandbox } from './snowflake/server.js';

export type { OAuthBehaviour, OAuthBehaviourChange } from './oauth/behaviour.js';
export type { OAuthSandbox } from './oauth/server.js';
export type { SnowflakeBehaviour, SnowflakeBehaviourChange } from './snowflake/behaviour.js';
export type { LatencyModel, LatencyModelInput } from './snowflake/compute.js';
export type { SnowflakeSandbox, SnowflakeSandboxOptions } from './snowflake/server.js';

/** The provider hosts the OAuth stand-in serves. */
export { PROVIDER_HOSTS };

export interface Sandbox {
  oauth: OAuthSandbox;
  snowflake: SnowflakeSandbox;
  close(): Promise<void>;
}

/** Ports, and any of either stand-in's behaviour switches (each defaults to its cautious value). */
export interface SandboxOptions extends SnowflakeBehaviourChange, OAuthBehaviourChange {
  host?: string;
  oauthPort?: number;
  snowflakePort?: number;
  /** The Snowflake stand-in's clock (its `now` option): tests move it past a cached token's expiry. */
  snowflakeNow?: () => Date;
  /** The Snowflake stand-in's latency model (its `latencyModel` option): warehouse resumes, cold starts. */
  latencyModel?: LatencyModelInput;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  // Each switch goes to the stand-in that has it.
  const isOAuthSwitch = (name: string) => Object.hasOwn(OAUTH_BEHAVIOUR_DEFAULTS, name);
  const { host: _h, oauthPort: _o, snowflakePort: _s, snowflakeNow, latencyModel, ...given } = opts;
  const pick = (oauthSide: boolean) =>
    Object.fromEntries(
      Object.entries(given).filter(([k, v]) => v !== undefined && isOAuthSwitch(k) === oauthSide),
    );
  const oauth = await startOAuthSandbox({
    host,
    ...(opts.oauthPort === undefined ? {} : { port: opts.oauthPort }),
    ...(pick(true) as OAuthBehaviourChange),
  });
  let snowflake: SnowflakeSandbox;
  try {
    const switches = pick(false) as SnowflakeBehaviourChange;
    snowflake = await startSnowflakeSandbox({
      ...switches,
      ...(snowflakeNow ? { now: snowflakeNow } : {}),
      ...(latencyModel === undefined ? {} : { latencyModel }),
      host,
      ...(opts.snowflakePort === undefined ? {} : { port: opts.snowflakePort }),
      egress: Object.fromEntries(PROVIDER_HOSTS.map((h) => [h, oauth.url])),
    });
  } catch (err) {
    await oauth.close();
    throw err;
  }
  return {
    oauth,
    snowflake,
    close: async () => {
      await Promise.allSettled([snowflake.close(), oauth.close()]);
    },
  };
}
