// Both stand-ins wired together: the Snowflake stand-in's Python functions reach Google's and
// Fitbit's hosts through the OAuth stand-in, as Snowflake's network rules would reach the real ones.
import { type OAuthSandbox, startOAuthSandbox } from './oauth/server.js';
import { type SnowflakeSandbox, startSnowflakeSandbox } from './snowflake/server.js';

export type { OAuthSandbox } from './oauth/server.js';
export type { SnowflakeSandbox, SnowflakeSandboxOptions } from './snowflake/server.js';

/** The provider hosts the OAuth stand-in serves. */
export const PROVIDER_HOSTS = [
  'oauth2.googleapis.com',
  'accounts.google.com',
  'health.googleapis.com',
  'api.fitbit.com',
  'www.fitbit.com',
] as const;

export interface Sandbox {
  oauth: OAuthSandbox;
  snowflake: SnowflakeSandbox;
  close(): Promise<void>;
}

export async function startSandbox(
  opts: { host?: string; oauthPort?: number; snowflakePort?: number } = {},
): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const oauth = await startOAuthSandbox({
    host,
    ...(opts.oauthPort === undefined ? {} : { port: opts.oauthPort }),
  });
  let snowflake: SnowflakeSandbox;
  try {
    snowflake = await startSnowflakeSandbox({
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
