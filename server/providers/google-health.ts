import { rfcErrorBody } from './error-body.js';
import { unionOfNeeds } from './scopes.js';
import type { ProviderProfile, ScopeNeed } from './types.js';

export const GOOGLE_HEALTH_SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';
const SEVEN_DAYS = 7 * 24 * 3600;
const ACTIVITY = `${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`;
const HEALTH_METRICS = `${GOOGLE_HEALTH_SCOPE_PREFIX}health_metrics_and_measurements.readonly`;
const SLEEP = `${GOOGLE_HEALTH_SCOPE_PREFIX}sleep.readonly`;
// Every Google Health read scope (the reference's list), in plain words.
const HEALTH_SCOPE_NAMES: Record<string, string> = {
  activity_and_fitness: 'Activity and fitness',
  health_metrics_and_measurements: 'Health metrics and measurements',
  sleep: 'Sleep',
  profile: 'Health profile',
  settings: 'Health settings',
  location: 'Location',
  nutrition: 'Nutrition',
  ecg: 'ECG (electrocardiogram)',
  irn: 'Irregular rhythm notifications',
};
// users/me/identity takes any Google Health read scope except location and nutrition (the API reference):
// the set grants it through activity_and_fitness, which the steps function needs anyway, so it adds none.
const IDENTITY = 'any Google Health read scope except location and nutrition';
const DATA = 'POST /v4/users/me/dataTypes';

/**
 * What each call needs (sql/setup-google-health.sql says the same next to each function). The daily-data
 * function reads each data kind under its own scope (Google's data types table), so the configured
 * PIPELINE_DATA_TYPES decide which of those scopes the set holds.
 */
const scopeNeeds: ScopeNeed[] = [
  { by: 'app', call: 'GET /v4/users/me/identity', scope: ACTIVITY, accepts: IDENTITY },
  { by: 'check_function', call: 'GET /v4/users/me/identity', scope: ACTIVITY, accepts: IDENTITY },
  { by: 'steps_function', call: `${DATA}/steps/dataPoints:dailyRollUp`, scope: ACTIVITY },
  { by: 'data_function', kind: 'steps', call: `${DATA}/steps/dataPoints:dailyRollUp`, scope: ACTIVITY },
  { by: 'data_function', kind: 'distance', call: `${DATA}/distance/dataPoints:dailyRollUp`, scope: ACTIVITY },
  {
    by: 'data_function',
    kind: 'calories',
    call: `${DATA}/total-calories/dataPoints:dailyRollUp`,
    scope: ACTIVITY,
  },
  {
    by: 'data_function',
    kind: 'active_minutes',
    call: `${DATA}/active-zone-minutes/dataPoints:dailyRollUp`,
    scope: ACTIVITY,
  },
  {
    by: 'data_function',
    kind: 'resting_heart_rate',
    call: 'GET /v4/users/me/dataTypes/daily-resting-heart-rate/dataPoints',
    scope: HEALTH_METRICS,
  },
  { by: 'data_function', kind: 'sleep', call: 'GET /v4/users/me/dataTypes/sleep/dataPoints', scope: SLEEP },
];

export const googleHealth: ProviderProfile = {
  id: 'google-health',
  displayName: 'Google Health API',
  endpoints: {
    issuer: 'https://accounts.google.com',
    authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    revocation: 'https://oauth2.googleapis.com/revoke',
    api: 'https://health.googleapis.com',
  },
  // Google accepts both; POST is what Google's own libraries send.
  clientAuth: 'client_secret_post',
  clientSecretRequired: true,
  // The older path, used in Snowflake's own example integration.
  authorizationEndpointAliases: ['https://accounts.google.com/o/oauth2/auth'],
  hasPublishingStatus: true,
  refreshTokenNeedsOfflineConsent: true,
  integrationListsScopes: true,
  scopeNeeds,
  // Every data kind: the default PIPELINE_DATA_TYPES.
  defaultScopes: unionOfNeeds(scopeNeeds),
  // An ID token with the account's email, so pages can say who signed in (healthUserId is only a number).
  signInScopes: ['openid', 'email'],
  scopeNames: {
    ...Object.fromEntries(
      Object.entries(HEALTH_SCOPE_NAMES).map(([id, name]) => [
        `${GOOGLE_HEALTH_SCOPE_PREFIX}${id}.readonly`,
        name,
      ]),
    ),
    openid: 'Sign-in',
    // Google answers the `email` sign-in scope with its URL form.
    email: 'Email address',
    'https://www.googleapis.com/auth/userinfo.email': 'Email address',
  },
  // offline: no refresh token without it; consent: a re-consent without the screen returns none.
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
  callbackParamsAfterCode: ['scope'],
  rotatesRefreshTokens: false,
  newGrantReplacesPrevious: false,
  revokeKillsWholeGrant: true,
  normaliseErrorBody(body) {
    if (!body || typeof body !== 'object') return undefined;
    const b = body as Record<string, unknown>;
    const rfc = rfcErrorBody(b);
    if (rfc) return rfc;
    // The Health API's envelope: {"error":{"code","message","status"}}
    if (b.error && typeof b.error === 'object') {
      const e = b.error as Record<string, unknown>;
      return {
        error: String(e.status ?? e.code ?? 'error'),
        error_description: typeof e.message === 'string' ? e.message : undefined,
      };
    }
    return undefined;
  },
  identityRequest(apiBase) {
    return { url: `${apiBase}/v4/users/me/identity`, method: 'GET' };
  },
  parseIdentity(body) {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.healthUserId !== 'string' || !b.healthUserId)
      throw new Error('identity response has no healthUserId');
    return { userId: b.healthUserId, legacyUserId: typeof b.legacyUserId === 'string' ? b.legacyUserId : '' };
  },
  userIdFromCheck(value) {
    const v = (value ?? {}) as Record<string, unknown>;
    return typeof v.healthUserId === 'string' && v.healthUserId ? v.healthUserId : undefined;
  },
  accountPermissionsUrl: 'https://myaccount.google.com/connections',
  refreshTokenLifetimeSeconds(resp, clientStatus) {
    const declared =
      typeof resp.refresh_token_expires_in === 'number' ? resp.refresh_token_expires_in : undefined;
    if (clientStatus === 'testing') return Math.min(declared ?? SEVEN_DAYS, SEVEN_DAYS);
    return declared;
  },
  scopeSet(scope) {
    return new Set((scope ?? '').split(/\s+/).filter(Boolean));
  },
};
