// Facts and configuration for the status checks' unit tests: a chain where everything is right, which
// each test bends in one place.
import type { AppConfig } from '../../server/config/index.js';
import { AppError } from '../../server/errors/index.js';
import { getProfile } from '../../server/providers/index.js';
import { parseQualifiedName } from '../../server/snowflake/sql.js';
import type { ChainFacts } from '../../server/status/checks/index.js';

export const profile = getProfile('google-health');
export const config = (
  over: Partial<AppConfig['oauth']> = {},
  mode: 'live' | 'sandbox' = 'live',
): AppConfig =>
  ({
    mode,
    provider: 'google-health',
    oauth: {
      clientId: 'my-client',
      clientSecret: 's',
      redirectUri: 'http://localhost:8787/callback',
      scopes: profile.defaultScopes,
      authorizationUrl: profile.endpoints.authorization,
      tokenUrl: profile.endpoints.token,
      revocationUrl: profile.endpoints.revocation,
      healthApiUrl: profile.endpoints.api,
      issuer: profile.endpoints.issuer,
      clientStatus: 'production',
      ...over,
    },
    snowflake: {
      connection: {
        account: 'acct',
        username: 'APP',
        authenticator: 'SNOWFLAKE_JWT',
        role: 'APP_ROLE',
        source: 'environment',
      },
      secret: parseQualifiedName('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN'),
      checkFunction: parseQualifiedName('FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK'),
    },
  }) as unknown as AppConfig;

export const unseen = () => ({
  kind: 'unseen' as const,
  error: new AppError('snowflake_object_missing', { status: 404, title: 't', why: 'w', fix: 'f' }),
});

export function facts(over: Partial<ChainFacts> = {}): ChainFacts {
  return {
    session: { kind: 'ok', value: { user: 'APP', role: 'APP_ROLE', warehouse: 'WH' } },
    secret: {
      kind: 'ok',
      value: {
        owner: 'APP_ROLE',
        type: 'OAUTH2',
        integration: 'FITBIT_OAUTH_INTEGRATION',
        refreshTokenExpiry: null,
        accessTokenExpiry: null,
      },
    },
    checkFunction: {
      kind: 'ok',
      value: {
        externalAccessIntegrations: ['FITBIT_EAI'],
        secrets: { cred: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN' },
      },
    },
    integration: {
      name: 'FITBIT_OAUTH_INTEGRATION',
      seen: {
        kind: 'ok',
        value: {
          ENABLED: 'true',
          OAUTH_CLIENT_ID: 'my-client',
          OAUTH_TOKEN_ENDPOINT: 'https://oauth2.googleapis.com/token',
          OAUTH_AUTHORIZATION_ENDPOINT: 'https://accounts.google.com/o/oauth2/v2/auth',
          OAUTH_ALLOWED_SCOPES: profile.defaultScopes.join(','),
          AUTH_TYPE: 'OAUTH2',
        },
      },
    },
    eais: [
      {
        name: 'FITBIT_EAI',
        seen: {
          kind: 'ok',
          value: {
            ENABLED: 'true',
            ALLOWED_AUTHENTICATION_SECRETS: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
            ALLOWED_NETWORK_RULES: 'FITBIT.PUBLIC.FITBIT_API_RULE',
          },
        },
      },
    ],
    rules: [
      {
        name: 'FITBIT.PUBLIC.FITBIT_API_RULE',
        seen: {
          kind: 'ok',
          value: { owner: 'SYSADMIN', type: 'HOST_PORT', mode: 'EGRESS', values: ['health.googleapis.com'] },
        },
      },
    ],
    ...over,
  };
}

export const now = new Date('2026-11-20T12:00:00Z');
