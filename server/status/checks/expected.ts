// What the chain should hold, from the app's configuration and provider.
import type { AppConfig } from '../../config/index.js';
import type { ProviderProfile } from '../../providers/index.js';

export interface Expected {
  clientId: string;
  tokenEndpoints: string[];
  authorizationEndpoints: string[];
  apiHost: string;
  scopes: string[];
  /** The token endpoint to put in a fix (the provider's, or the configured one in live mode). */
  tokenEndpoint: string;
  authorizationEndpoint: string;
}

export function expectedChain(config: AppConfig, profile: ProviderProfile): Expected {
  // In sandbox mode the app reaches local stand-ins, while Snowflake's objects name the real hosts
  // (the stand-in maps them): expect the provider's own endpoints there.
  const live = config.mode === 'live';
  const tokenEndpoint = live ? config.oauth.tokenUrl : profile.endpoints.token;
  const authorizationEndpoint = live ? config.oauth.authorizationUrl : profile.endpoints.authorization;
  return {
    clientId: config.oauth.clientId,
    tokenEndpoint,
    authorizationEndpoint,
    tokenEndpoints: [...new Set([tokenEndpoint, profile.endpoints.token])],
    authorizationEndpoints: [
      ...new Set([
        authorizationEndpoint,
        profile.endpoints.authorization,
        ...profile.authorizationEndpointAliases,
      ]),
    ],
    apiHost: new URL(live ? config.oauth.healthApiUrl : profile.endpoints.api).hostname,
    scopes: config.oauth.scopes,
  };
}
