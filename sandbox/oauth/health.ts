import { type Request, type Response, Router } from 'express';
import { DATA_TYPES, type DataTypeId, SyntheticHealth } from './daily-data.js';
import { apiError, badRequest, errorInfo, googleApiErrorBody } from './health-errors.js';
import { LISTS, listDataPoints } from './health-list.js';
import { NO_DAILY_ROLLUP, parseRollUp, ROLLUPS, rollUp } from './health-rollup.js';
import { bearer } from './http.js';
import { GOOGLE_SCOPE_PREFIX } from './seed.js';
import type { AccessToken, Store } from './store.js';
import type { SandboxUser } from './types.js';

// The Google Health API (health.googleapis.com/v4) subset the app uses, with Google's error envelope:
// identity, profile, dailyRollUp (health-rollup.ts) and list (health-list.ts) for the data types it lands.

export { googleApiErrorBody };

// "Per user (minutely): 300 requests / minute" (developers.google.com/health/rate-limits). Google Cloud
// quotas belong to a project, so a per-user quota is per project and user (Calendar's quota page says so
// outright); in the sandbox a client stands for its project, hence the count per client and user. Every
// /v4 endpoint counts.
const RATE_LIMIT_PER_MINUTE = 300;
const REALM = 'Bearer realm="https://accounts.google.com/"';

type ScopeRule = { test: (scopes: string[]) => boolean; required: string };

const READ_IDENTITY_EXCLUDED = ['location', 'nutrition'];
const IDENTITY_SCOPE: ScopeRule = {
  test: (scopes) =>
    scopes.some((s) => {
      const m = /^(.+)\.readonly$/.exec(
        s.startsWith(GOOGLE_SCOPE_PREFIX) ? s.slice(GOOGLE_SCOPE_PREFIX.length) : '',
      );
      return m?.[1] !== undefined && !READ_IDENTITY_EXCLUDED.includes(m[1]);
    }),
  required: `${GOOGLE_SCOPE_PREFIX}profile.readonly`,
};
const only = (scope: string): ScopeRule => ({ test: (s) => s.includes(scope), required: scope });
const PROFILE_SCOPE = only(`${GOOGLE_SCOPE_PREFIX}profile.readonly`);
const ACTIVITY_SCOPE = only(`${GOOGLE_SCOPE_PREFIX}activity_and_fitness.readonly`);

// The scope each data type is read under, from Google's data types table (developers.google.com/health/
// data-types): steps, distance, total-calories and active-zone-minutes under activity_and_fitness; sleep
// under sleep. daily-resting-heart-rate under health_metrics_and_measurements is read from the table's heart
// rate family (heart-rate, daily-heart-rate-variability) and the legacy heartrate scope's mapping, not seen
// in its own row: the app asks for that scope either way.
const DATA_TYPE_SCOPES: Record<DataTypeId, ScopeRule> = {
  steps: ACTIVITY_SCOPE,
  distance: ACTIVITY_SCOPE,
  'total-calories': ACTIVITY_SCOPE,
  'active-zone-minutes': ACTIVITY_SCOPE,
  'daily-resting-heart-rate': only(`${GOOGLE_SCOPE_PREFIX}health_metrics_and_measurements.readonly`),
  sleep: only(`${GOOGLE_SCOPE_PREFIX}sleep.readonly`),
};
const isDataType = (t: string): t is DataTypeId => (DATA_TYPES as readonly string[]).includes(t);
/** An unknown data type takes any read scope, then is not found. */
const scopeFor = (dataType: string): ScopeRule =>
  isDataType(dataType) ? DATA_TYPE_SCOPES[dataType] : IDENTITY_SCOPE;

interface Caller {
  at: AccessToken;
  user: SandboxUser;
}

/** Authentication, quota, path user, scope and profile link, in the order Google applies them. */
function guard(
  store: Store,
  req: Request,
  res: Response,
  rule: ScopeRule,
  method: string,
): Caller | undefined {
  const token = bearer(req);
  if (!token) {
    res.set('WWW-Authenticate', REALM);
    apiError(
      res,
      401,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      'UNAUTHENTICATED',
      [errorInfo('CREDENTIALS_MISSING', 'googleapis.com', { service: 'health.googleapis.com', method })],
    );
    return undefined;
  }
  const check = store.checkAccess(token, 'google-health');
  const user = 'at' in check ? store.user(check.at.userId) : undefined;
  if (!('at' in check) || !user) {
    res.set('WWW-Authenticate', `${REALM}, error="invalid_token"`);
    apiError(
      res,
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      'UNAUTHENTICATED',
      'reason' in check && check.reason === 'expired'
        ? [errorInfo('ACCESS_TOKEN_EXPIRED', 'googleapis.com', { service: 'health.googleapis.com', method })]
        : undefined,
    );
    return undefined;
  }
  const { at } = check;
  res.locals.clientId = at.clientId;
  at.used = true;
  const rate = store.countRequest(at.clientId, at.userId, 60_000, RATE_LIMIT_PER_MINUTE);
  if (rate.limited) {
    res.set('Retry-After', String(rate.resetInS));
    apiError(
      res,
      429,
      "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com'.",
      'RESOURCE_EXHAUSTED',
      [errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', { service: 'health.googleapis.com', method })],
    );
    return undefined;
  }
  const pathUser = req.params.user;
  if (pathUser !== 'me' && (user.healthUserId === '' || pathUser !== user.healthUserId)) {
    apiError(res, 403, 'The caller does not have permission', 'PERMISSION_DENIED');
    return undefined;
  }
  if (!rule.test(at.scopes)) {
    res.set('WWW-Authenticate', `${REALM}, error="insufficient_scope", scope="${rule.required}"`);
    apiError(res, 403, 'Request had insufficient authentication scopes.', 'PERMISSION_DENIED', [
      errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'googleapis.com', {
        service: 'health.googleapis.com',
        method,
      }),
    ]);
    return undefined;
  }
  if (!user.healthLinked) {
    apiError(
      res,
      400,
      'The Google account is not linked to a Fitbit or Google Health profile.',
      'FAILED_PRECONDITION',
      [
        errorInfo('ACCOUNT_NOT_LINKED', 'health.googleapis.com', {
          service: 'health.googleapis.com',
          method,
        }),
      ],
    );
    return undefined;
  }
  return { at, user };
}

const served = (specs: object) => `only ${Object.keys(specs).join(', ')}`;

export function healthRouter(store: Store): Router {
  const r = Router();
  const health = new SyntheticHealth(store);

  r.get('/v4/users/:user/identity', (req, res) => {
    const c = guard(
      store,
      req,
      res,
      IDENTITY_SCOPE,
      'google.devicesandservices.health.v4.HealthProfileService.GetIdentity',
    );
    if (!c) return;
    res.json({
      name: 'users/me/identity',
      healthUserId: c.user.healthUserId,
      legacyUserId: c.user.legacyUserId,
    });
  });

  r.get('/v4/users/:user/profile', (req, res) => {
    const c = guard(
      store,
      req,
      res,
      PROFILE_SCOPE,
      'google.devicesandservices.health.v4.HealthProfileService.GetProfile',
    );
    if (!c) return;
    const body: Record<string, unknown> = {
      name: 'users/me/profile',
      age: c.user.age,
      membershipStartDate: c.user.membershipStartDate,
    };
    // Stride lengths need the activity scope as well, as Google documents.
    if (ACTIVITY_SCOPE.test(c.at.scopes)) {
      body.userConfiguredWalkingStrideLengthMm = 720;
      body.autoWalkingStrideLengthMm = 705;
      body.autoRunningStrideLengthMm = 1130;
    }
    res.json(body);
  });

  r.post('/v4/users/:user/dataTypes/:dataType/:method', (req, res) => {
    if (req.params.method !== 'dataPoints:dailyRollUp') {
      return apiError(res, 404, `Method not found: ${req.params.method}`, 'NOT_FOUND');
    }
    const dataType = req.params.dataType;
    const c = guard(
      store,
      req,
      res,
      scopeFor(dataType),
      'google.devicesandservices.health.v4.DataPointsService.DailyRollUpDataPoints',
    );
    if (!c) return;
    if (NO_DAILY_ROLLUP.includes(dataType)) {
      return apiError(res, 400, `Data type ${dataType} does not support dailyRollUp.`, 'INVALID_ARGUMENT');
    }
    const spec = isDataType(dataType) ? ROLLUPS[dataType] : undefined;
    if (!spec) {
      return apiError(
        res,
        404,
        `Data type ${dataType} is not rolled up by the sandbox (${served(ROLLUPS)}).`,
      );
    }
    const parsed = parseRollUp(dataType, spec.maxDays, req.body);
    if ('field' in parsed) return badRequest(res, parsed);
    rollUp(health, store.behaviour, dataType, spec, c.user, parsed, res);
  });

  r.get('/v4/users/:user/dataTypes/:dataType/dataPoints', (req, res) => {
    const dataType = req.params.dataType;
    const c = guard(
      store,
      req,
      res,
      scopeFor(dataType),
      'google.devicesandservices.health.v4.DataPointsService.ListDataPoints',
    );
    if (!c) return;
    const spec = isDataType(dataType) ? LISTS[dataType] : undefined;
    if (!spec) {
      return apiError(res, 404, `Data type ${dataType} is not listed by the sandbox (${served(LISTS)}).`);
    }
    listDataPoints(health, store.now(), dataType as DataTypeId, spec, c.user, req, res);
  });

  r.use('/v4', (_req, res) => {
    apiError(res, 404, 'Requested entity was not found.', 'NOT_FOUND');
  });

  return r;
}
