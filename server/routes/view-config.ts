// The parts of the configuration a page may show (no secrets), computed once.
import type { AppConfig } from '../config/index.js';
import type { ProviderProfile } from '../providers/index.js';

export type ViewConfig = ReturnType<typeof viewConfig>;

export function viewConfig(c: AppConfig, profile: ProviderProfile) {
  return Object.freeze({
    mode: c.mode,
    provider: profile.displayName,
    providerId: profile.id,
    clientId: c.oauth.clientId,
    redirectUri: c.oauth.redirectUri,
    scopes: c.oauth.scopes,
    secret: c.snowflake.secret.display,
    checkFunction: c.snowflake.checkFunction.display,
    account: c.snowflake.connection.account,
    user: c.snowflake.connection.username,
    role: c.snowflake.connection.role ?? null,
    authenticator: c.snowflake.connection.authenticator,
  });
}
