import { rfcErrorBody } from './error-body.js';
import { unionOfNeeds } from './scopes.js';
import type { ProviderProfile, ScopeNeed } from './types.js';

/** What each call needs (sql/setup-fitbit.sql says the same next to each function). */
const scopeNeeds: ScopeNeed[] = [
  { by: 'app', call: 'GET /1/user/-/profile.json', scope: 'profile' },
  { by: 'check_function', call: 'GET /1/user/-/profile.json', scope: 'profile' },
  {
    by: 'steps_month_function',
    call: 'GET /1/user/-/activities/steps/date/today/1m.json',
    scope: 'activity',
  },
];

export const fitbit: ProviderProfile = {
  id: 'fitbit',
  displayName: 'legacy Fitbit Web API',
  endpoints: {
    issuer: 'https://www.fitbit.com',
    authorization: 'https://www.fitbit.com/oauth2/authorize',
    token: 'https://api.fitbit.com/oauth2/token',
    revocation: 'https://api.fitbit.com/oauth2/revoke',
    api: 'https://api.fitbit.com',
  },
  // "Server" apps must use Basic; it also works for "Personal" apps.
  clientAuth: 'client_secret_basic',
  clientSecretRequired: false,
  authorizationEndpointAliases: [],
  // Google turned off the legacy Fitbit Web API and its OAuth endpoints (they answer 410 Gone).
  retired: { since: '2026-11-02', by: 'Google' },
  hasPublishingStatus: false,
  refreshTokenNeedsOfflineConsent: false,
  integrationListsScopes: false,
  scopeNeeds,
  defaultScopes: unionOfNeeds(scopeNeeds),
  // Every scope the reference lists, in plain words.
  scopeNames: {
    activity: 'Activity and exercise',
    cardio_fitness: 'Cardio fitness',
    electrocardiogram: 'ECG (electrocardiogram)',
    heartrate: 'Heart rate',
    irregular_rhythm_notifications: 'Irregular rhythm notifications',
    location: 'Location and GPS',
    nutrition: 'Food and water',
    oxygen_saturation: 'Oxygen saturation (SpO2)',
    profile: 'Profile',
    respiratory_rate: 'Breathing rate',
    settings: 'Devices and settings',
    sleep: 'Sleep',
    social: 'Friends',
    temperature: 'Temperature',
    weight: 'Weight',
  },
  // The legacy API has no OpenID Connect: its profile call gives the display name instead.
  signInScopes: [],
  authorizationParams: { prompt: 'consent' },
  callbackParamsAfterCode: [],
  rotatesRefreshTokens: true,
  newGrantReplacesPrevious: true,
  revokeKillsWholeGrant: true,
  normaliseErrorBody(body) {
    if (!body || typeof body !== 'object') return undefined;
    const b = body as Record<string, unknown>;
    const rfc = rfcErrorBody(b);
    if (rfc) return rfc;
    // Fitbit: {"errors":[{"errorType":"invalid_grant","message":"…"}],"success":false}
    if (Array.isArray(b.errors) && b.errors.length > 0) {
      const e = b.errors[0] as Record<string, unknown>;
      if (typeof e?.errorType === 'string') {
        return {
          error: e.errorType,
          error_description: typeof e.message === 'string' ? e.message : undefined,
        };
      }
    }
    return undefined;
  },
  identityRequest(apiBase) {
    return { url: `${apiBase}/1/user/-/profile.json`, method: 'GET' };
  },
  parseIdentity(body) {
    const user = ((body ?? {}) as Record<string, unknown>).user as Record<string, unknown> | undefined;
    if (!user || typeof user.encodedId !== 'string')
      throw new Error('profile response has no user.encodedId');
    return {
      userId: user.encodedId,
      legacyUserId: user.encodedId,
      displayName: typeof user.displayName === 'string' ? user.displayName : undefined,
    };
  },
  userIdFromCheck(value) {
    const v = (value ?? {}) as Record<string, unknown>;
    return typeof v.encodedId === 'string' && v.encodedId ? v.encodedId : undefined;
  },
  accountPermissionsUrl: 'https://www.fitbit.com/settings/applications',
  refreshTokenLifetimeSeconds() {
    return undefined; // Fitbit refresh tokens do not expire; they rotate.
  },
  scopeSet(scope) {
    return new Set((scope ?? '').split(/\s+/).filter(Boolean));
  },
};
