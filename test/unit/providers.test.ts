import { describe, expect, it } from 'vitest';
import { fitbit } from '../../server/providers/fitbit.js';
import { googleHealth } from '../../server/providers/google-health.js';
import { describeMissing, getProfile, PROVIDER_IDS, scopeSetFor } from '../../server/providers/index.js';

const FITBIT_BODY = {
  errors: [{ errorType: 'invalid_grant', message: 'Refresh token invalid: abc.' }],
  success: false,
};
const GOOGLE_BODY = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
const HEALTH_ENVELOPE = {
  error: {
    code: 400,
    message: 'The Google account is not linked to a Fitbit or Google Health profile.',
    status: 'FAILED_PRECONDITION',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCOUNT_NOT_LINKED' }],
  },
};

describe('profiles', () => {
  it('getProfile returns each profile by id', () => {
    expect(PROVIDER_IDS).toEqual(['google-health', 'fitbit']);
    expect(getProfile('google-health')).toBe(googleHealth);
    expect(getProfile('fitbit')).toBe(fitbit);
  });
  it('google-health: no rotation, a new grant does not replace the previous, revoke kills the grant', () => {
    expect(googleHealth.rotatesRefreshTokens).toBe(false);
    expect(googleHealth.newGrantReplacesPrevious).toBe(false);
    expect(googleHealth.revokeKillsWholeGrant).toBe(true);
    expect(googleHealth.clientSecretRequired).toBe(true);
    expect(googleHealth.authorizationParams).toMatchObject({ access_type: 'offline', prompt: 'consent' });
  });
  it('fitbit: rotation, one token per user and app, revoke kills the grant', () => {
    expect(fitbit.rotatesRefreshTokens).toBe(true);
    expect(fitbit.newGrantReplacesPrevious).toBe(true);
    expect(fitbit.revokeKillsWholeGrant).toBe(true);
    expect(fitbit.clientSecretRequired).toBe(false);
    expect(fitbit.clientAuth).toBe('client_secret_basic');
  });
  it('identity requests', () => {
    expect(googleHealth.identityRequest('https://health.googleapis.com')).toEqual({
      url: 'https://health.googleapis.com/v4/users/me/identity',
      method: 'GET',
    });
    expect(fitbit.identityRequest('https://api.fitbit.com')).toEqual({
      url: 'https://api.fitbit.com/1/user/-/profile.json',
      method: 'GET',
    });
  });
  it('scopeSet splits on any whitespace and ignores empties', () => {
    for (const p of [googleHealth, fitbit]) {
      expect([...p.scopeSet('  a b\n c  ')]).toEqual(['a', 'b', 'c']);
      expect(p.scopeSet(undefined).size).toBe(0);
    }
  });
});

describe('normaliseErrorBody', () => {
  it('google-health: RFC 6749 body', () => {
    expect(googleHealth.normaliseErrorBody(GOOGLE_BODY)).toEqual(GOOGLE_BODY);
    expect(googleHealth.normaliseErrorBody({ error: 'invalid_request' })).toEqual({
      error: 'invalid_request',
      error_description: undefined,
    });
  });
  it('google-health: the Health API envelope uses its status', () => {
    expect(googleHealth.normaliseErrorBody(HEALTH_ENVELOPE)).toEqual({
      error: 'FAILED_PRECONDITION',
      error_description: HEALTH_ENVELOPE.error.message,
    });
    expect(googleHealth.normaliseErrorBody({ error: { code: 401, message: 'x' } })).toEqual({
      error: '401',
      error_description: 'x',
    });
  });
  it('fitbit: errors[0] becomes error / error_description', () => {
    expect(fitbit.normaliseErrorBody(FITBIT_BODY)).toEqual({
      error: 'invalid_grant',
      error_description: 'Refresh token invalid: abc.',
    });
    expect(fitbit.normaliseErrorBody({ errors: [{ errorType: 'system' }], success: false })).toEqual({
      error: 'system',
      error_description: undefined,
    });
    // An RFC-shaped body from a Fitbit endpoint is kept as it is.
    expect(fitbit.normaliseErrorBody(GOOGLE_BODY)).toEqual(GOOGLE_BODY);
  });
  it.each([
    undefined,
    null,
    'invalid_grant',
    42,
    [],
    {},
    { access_token: 'a', token_type: 'Bearer' },
    { errors: [] },
    { errors: [{ message: 'no type' }] },
    { errors: [null] },
    { errors: 'invalid_grant' },
    { error: 5 },
  ])('non-error body %j is undefined for fitbit', (body) => {
    expect(fitbit.normaliseErrorBody(body)).toBeUndefined();
  });
  it.each([
    undefined,
    null,
    'invalid_grant',
    42,
    {},
    { access_token: 'a', token_type: 'Bearer' },
    FITBIT_BODY,
    { error: null },
  ])('non-error body %j is undefined for google-health', (body) => {
    expect(googleHealth.normaliseErrorBody(body)).toBeUndefined();
  });
});

describe('parseIdentity', () => {
  it('google-health reads healthUserId and legacyUserId', () => {
    expect(
      googleHealth.parseIdentity({
        name: 'users/me/identity',
        healthUserId: 'h-123',
        legacyUserId: '2E4RVC',
      }),
    ).toEqual({ userId: 'h-123', legacyUserId: '2E4RVC' });
    expect(googleHealth.parseIdentity({ healthUserId: 'h-123' })).toEqual({
      userId: 'h-123',
      legacyUserId: '',
    });
  });
  it.each([
    undefined,
    null,
    'h-123',
    {},
    { healthUserId: '' },
    { healthUserId: 7 },
    { user: { encodedId: 'X' } },
  ])('google-health refuses %j', (body) => {
    expect(() => googleHealth.parseIdentity(body)).toThrow(/healthUserId/);
  });
  it('fitbit reads user.encodedId and displayName', () => {
    expect(fitbit.parseIdentity({ user: { encodedId: 'AAA111', displayName: 'Ann' } })).toEqual({
      userId: 'AAA111',
      legacyUserId: 'AAA111',
      displayName: 'Ann',
    });
    expect(fitbit.parseIdentity({ user: { encodedId: 'AAA111' } }).displayName).toBeUndefined();
  });
  it.each([
    undefined,
    null,
    {},
    { user: null },
    { user: 'AAA111' },
    { user: { encodedId: 5 } },
    { healthUserId: 'h' },
  ])('fitbit refuses %j', (body) => {
    expect(() => fitbit.parseIdentity(body)).toThrow(/encodedId/);
  });
});

describe('refreshTokenLifetimeSeconds', () => {
  const WEEK = 7 * 24 * 3600;
  it('google-health production: what the response declares, else unknown', () => {
    expect(googleHealth.refreshTokenLifetimeSeconds({ refresh_token_expires_in: 3600 }, 'production')).toBe(
      3600,
    );
    expect(googleHealth.refreshTokenLifetimeSeconds({}, 'production')).toBeUndefined();
    expect(
      googleHealth.refreshTokenLifetimeSeconds({ refresh_token_expires_in: '3600' }, 'production'),
    ).toBeUndefined();
  });
  it('google-health testing: at most seven days', () => {
    expect(googleHealth.refreshTokenLifetimeSeconds({}, 'testing')).toBe(WEEK);
    expect(googleHealth.refreshTokenLifetimeSeconds({ refresh_token_expires_in: 3600 }, 'testing')).toBe(
      3600,
    );
    expect(googleHealth.refreshTokenLifetimeSeconds({ refresh_token_expires_in: WEEK * 4 }, 'testing')).toBe(
      WEEK,
    );
  });
  it('fitbit: never expires', () => {
    expect(fitbit.refreshTokenLifetimeSeconds({ refresh_token_expires_in: 3600 }, 'testing')).toBeUndefined();
    expect(fitbit.refreshTokenLifetimeSeconds({}, 'production')).toBeUndefined();
  });
});

describe('the scope set: derived from what each call needs', () => {
  const ACTIVITY = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly';
  const PROFILE = 'https://www.googleapis.com/auth/googlehealth.profile.readonly';
  const HEALTH_METRICS =
    'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly';
  const SLEEP = 'https://www.googleapis.com/auth/googlehealth.sleep.readonly';

  it('declares a scope for the app and for every shipped function, and the default set is their union', () => {
    for (const p of [googleHealth, fitbit]) {
      expect(p.scopeNeeds.some((n) => n.by === 'app')).toBe(true);
      expect(p.scopeNeeds.some((n) => n.by === 'check_function')).toBe(true);
      expect(p.defaultScopes).toEqual([...new Set(p.scopeNeeds.map((n) => n.scope))].sort());
    }
    // Every data kind's scope (the default PIPELINE_DATA_TYPES).
    expect(googleHealth.defaultScopes).toEqual([ACTIVITY, HEALTH_METRICS, SLEEP]);
    expect(googleHealth.defaultScopes).not.toContain(PROFILE); // nothing needs it
    expect(fitbit.defaultScopes).toEqual(['activity', 'profile']);
    // The identity call takes any read scope; the set names the one it has anyway.
    expect(googleHealth.scopeNeeds.find((n) => n.by === 'check_function')).toMatchObject({
      call: 'GET /v4/users/me/identity',
      scope: ACTIVITY,
      accepts: 'any Google Health read scope except location and nutrition',
    });
  });

  it('scopeSetFor: the default when unset, more when added, and names what a smaller set lacks', () => {
    expect(scopeSetFor(googleHealth, undefined)).toEqual({
      scopes: [ACTIVITY, HEALTH_METRICS, SLEEP],
      missing: [],
    });
    expect(scopeSetFor(googleHealth, undefined, ['steps'])).toEqual({ scopes: [ACTIVITY], missing: [] });
    expect(scopeSetFor(googleHealth, [''], ['steps'])).toEqual({ scopes: [ACTIVITY], missing: [] });
    expect(scopeSetFor(googleHealth, [PROFILE, ACTIVITY, PROFILE], ['steps', 'distance'])).toEqual({
      scopes: [PROFILE, ACTIVITY],
      missing: [],
    });
    const { missing } = scopeSetFor(fitbit, ['activity', 'heartrate']);
    expect(missing.map((m) => m.scope)).toEqual(['profile']);
    expect(describeMissing(missing[0]!)).toBe(
      "profile, which the app's own identity check (GET /1/user/-/profile.json) and the check function (GET /1/user/-/profile.json) need",
    );
    // The data kinds decide which data-function needs count; each need of theirs names its kind.
    const kinds = scopeSetFor(googleHealth, [ACTIVITY], ['steps', 'sleep', 'resting_heart_rate']);
    expect(kinds.missing.map((m) => m.scope)).toEqual([HEALTH_METRICS, SLEEP]);
    expect(describeMissing(kinds.missing[1]!)).toBe(
      `${SLEEP}, which the daily-data function (GET /v4/users/me/dataTypes/sleep/dataPoints for sleep) needs`,
    );
    expect(googleHealth.scopeNeeds.filter((n) => n.by === 'data_function').map((n) => n.kind)).toEqual([
      'steps',
      'distance',
      'calories',
      'active_minutes',
      'resting_heart_rate',
      'sleep',
    ]);
    const steps = scopeSetFor(fitbit, ['profile']).missing[0]!;
    expect(describeMissing(steps)).toBe(
      'activity, which the month-of-steps function (GET /1/user/-/activities/steps/date/today/1m.json) needs',
    );
  });
});
