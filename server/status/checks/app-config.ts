// The app's own configuration: what it will write where, and whether the provider setup will last.
import type { AppConfig } from '../../config/index.js';
import type { ProviderProfile } from '../../providers/index.js';
import type { Finding } from './types.js';

export function configChecks(config: AppConfig, profile: ProviderProfile): Finding[] {
  const { secret, checkFunction: fn } = config.snowflake;
  const out: Finding[] = [
    {
      id: 'config',
      title: 'App configuration',
      status: 'ok',
      detail: `${profile.displayName}, client ID ${config.oauth.clientId}, redirect URI ${config.oauth.redirectUri}, secret ${secret.display}, check function ${fn.display} (${config.mode} mode).`,
    },
  ];
  if (profile.retired) {
    out.push({
      id: 'legacy_provider',
      title: 'Legacy Fitbit Web API',
      status: 'warning',
      detail: `PROVIDER=${profile.id} uses the ${profile.displayName}, which ${profile.retired.by} turned off on ${profile.retired.since} (it answers 410 Gone).`,
      fix: 'Switch to PROVIDER=google-health: create a Google OAuth client, run the google-health setup script (Setup page), and connect again; the Google Health identity’s legacyUserId links the new connection to data stored under the old Fitbit user ID.',
    });
  } else if (profile.hasPublishingStatus && config.oauth.clientStatus === 'testing') {
    out.push({
      id: 'client_status',
      title: 'Google client publishing status',
      status: 'warning',
      detail:
        'The Google OAuth client is declared in Testing status (OAUTH_CLIENT_STATUS=testing), so Google makes every refresh token die 7 days after consent and the secret breaks weekly.',
      fix: 'Publish the client: Google Cloud console → Google Auth Platform → Audience → “Publish app” (status “In production”), then set OAUTH_CLIENT_STATUS=production and re-authorize once.',
    });
  } else if (profile.hasPublishingStatus) {
    out.push({
      id: 'client_status',
      title: 'Google client publishing status',
      status: 'ok',
      detail:
        'Declared “In production” (OAUTH_CLIENT_STATUS=production): no 7-day expiry. A refresh token still stops working when the user revokes access, after six months unused, or when the Google account holds more than 100 refresh tokens for this client (the oldest goes first); a scheduled end-to-end check keeps it in use (Snowflake refreshes through it whenever its cached access token has expired).',
    });
  }
  return out;
}
