import { type Request, type Response, Router } from 'express';
import { bearer } from './http.js';
import { GOOGLE_SCOPE_PREFIX } from './seed.js';
import { type CivilDate, dailySteps, fromEpochDay, toEpochDay, validCivilDate } from './steps.js';
import type { AccessToken, Store } from './store.js';
import { sha256hex } from './tokens.js';
import type { SandboxUser } from './types.js';

// The Google Health API (health.googleapis.com/v4) subset the app uses, with Google's error envelope.

// "Per user (minutely): 300 requests / minute" (developers.google.com/health/rate-limits). Google Cloud
// quotas belong to a project, so a per-user quota is per project and user (Calendar's quota page says so
// outright); in the sandbox a client stands for its project, hence the count per client and user.
const RATE_LIMIT_PER_MINUTE = 300;
const MAX_RANGE_DAYS = 90;
const DEFAULT_PAGE_SIZE = 1440;
const MAX_PAGE_SIZE = 10_000;
const REALM = 'Bearer realm="https://accounts.google.com/"';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleApiErrorBody(code: number, message: string, status?: string, details?: unknown[]) {
  return {
    error: {
      code,
      message,
      status: status ?? STATUS_NAMES[code] ?? 'UNKNOWN',
      ...(details ? { details } : {}),
    },
  };
}

function apiError(res: Response, code: number, message: string, status?: string, details?: unknown[]) {
  res.status(code).json(googleApiErrorBody(code, message, status, details));
}

function errorInfo(reason: string, domain: string, metadata: Record<string, string>) {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, metadata };
}

function badRequest(res: Response, field: string, description: string) {
  apiError(res, 400, description, 'INVALID_ARGUMENT', [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }] },
  ]);
}

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

export function healthRouter(store: Store): Router {
  const r = Router();

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
    const c = guard(
      store,
      req,
      res,
      ACTIVITY_SCOPE,
      'google.devicesandservices.health.v4.DataPointsService.DailyRollUp',
    );
    if (!c) return;
    if (req.params.dataType !== 'steps') {
      return apiError(
        res,
        404,
        `Data type ${req.params.dataType} is not served by the sandbox (only steps).`,
      );
    }
    const parsed = parseRollUp(req.body);
    if ('field' in parsed) return badRequest(res, parsed.field, parsed.message);
    rollUp(c.user, parsed, res);
  });

  r.use('/v4', (_req, res) => {
    apiError(res, 404, 'Requested entity was not found.', 'NOT_FOUND');
  });

  return r;
}

interface RollUpRequest {
  start: CivilDate;
  end: CivilDate;
  windowSizeDays: number;
  pageSize: number;
  pageToken: string | undefined;
  dataSourceFamily: string;
}

type Problem = { field: string; message: string };

const KNOWN: Record<string, string[]> = {
  '': ['range', 'windowSizeDays', 'pageSize', 'pageToken', 'dataSourceFamily'],
  range: ['start', 'end'],
  'range.start': ['date', 'time'],
  'range.end': ['date', 'time'],
  'range.start.date': ['year', 'month', 'day'],
  'range.end.date': ['year', 'month', 'day'],
  'range.start.time': ['hours', 'minutes', 'seconds', 'nanos'],
  'range.end.time': ['hours', 'minutes', 'seconds', 'nanos'],
};

const FAMILIES = ['all-sources', 'google-wearables', 'google-sources'].map(
  (f) => `users/me/dataSourceFamilies/${f}`,
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Proto3 JSON: unknown fields are an error; int32 accepts a number or a numeric string. */
function checkFields(v: unknown, path: string): Problem | undefined {
  if (!isObject(v))
    return {
      field: path || 'body',
      message: `Invalid JSON payload received. Expected an object at '${path}'.`,
    };
  for (const key of Object.keys(v)) {
    if (!KNOWN[path]?.includes(key)) {
      const at = path ? ` at '${path}'` : '';
      return {
        field: path ? `${path}.${key}` : key,
        message: `Invalid JSON payload received. Unknown name "${key}"${at}: Cannot find field.`,
      };
    }
    const child = path ? `${path}.${key}` : key;
    if (KNOWN[child] && v[key] !== undefined) {
      const p = checkFields(v[key], child);
      if (p) return p;
    }
  }
  return undefined;
}

function int(v: unknown, path: string): number | Problem {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  return { field: path, message: `Invalid value at '${path}' (TYPE_INT32), ${JSON.stringify(v)}` };
}

function civil(v: Record<string, unknown>, path: string): CivilDate | Problem {
  const dt = v[path.split('.').pop() as string];
  if (!isObject(dt) || !isObject(dt.date))
    return { field: `${path}.date`, message: `${path}.date is required.` };
  const date = dt.date;
  const parts: number[] = [];
  for (const k of ['year', 'month', 'day']) {
    const n = int(date[k] ?? 0, `${path}.date.${k}`);
    if (typeof n !== 'number') return n;
    parts.push(n);
  }
  const d = { year: parts[0] ?? 0, month: parts[1] ?? 0, day: parts[2] ?? 0 };
  if (!validCivilDate(d))
    return { field: `${path}.date`, message: `${path}.date is not a valid calendar date.` };
  if (isObject(dt.time)) {
    for (const k of ['hours', 'minutes', 'seconds', 'nanos']) {
      const n = int(dt.time[k] ?? 0, `${path}.time.${k}`);
      if (typeof n !== 'number') return n;
      if (n !== 0)
        return {
          field: `${path}.time`,
          message: `${path} must be aligned with the aggregation window (midnight).`,
        };
    }
  }
  return d;
}

function parseRollUp(body: unknown): RollUpRequest | Problem {
  const b = body === undefined ? {} : body;
  const unknown = checkFields(b, '');
  if (unknown) return unknown;
  const o = b as Record<string, unknown>;
  if (!isObject(o.range)) return { field: 'range', message: 'range is required.' };
  const start = civil(o.range, 'range.start');
  if ('field' in start) return start;
  const end = civil(o.range, 'range.end');
  if ('field' in end) return end;
  const days = toEpochDay(end) - toEpochDay(start);
  if (days <= 0) return { field: 'range', message: 'range.end must be after range.start.' };
  if (days > MAX_RANGE_DAYS) {
    return {
      field: 'range',
      message: `The maximum range for steps is ${MAX_RANGE_DAYS} days; got ${days} days.`,
    };
  }
  const windowSizeDays = int(o.windowSizeDays ?? 1, 'windowSizeDays');
  if (typeof windowSizeDays !== 'number') return windowSizeDays;
  if (windowSizeDays < 1) return { field: 'windowSizeDays', message: 'windowSizeDays must be positive.' };
  const pageSize = int(o.pageSize ?? 0, 'pageSize');
  if (typeof pageSize !== 'number') return pageSize;
  if (pageSize < 0) return { field: 'pageSize', message: 'pageSize must not be negative.' };
  const family = o.dataSourceFamily ?? FAMILIES[0];
  if (typeof family !== 'string' || !FAMILIES.includes(family)) {
    return { field: 'dataSourceFamily', message: `Unsupported dataSourceFamily: ${String(family)}` };
  }
  if (o.pageToken !== undefined && typeof o.pageToken !== 'string') {
    return { field: 'pageToken', message: 'pageToken must be a string.' };
  }
  return {
    start,
    end,
    windowSizeDays,
    pageSize: pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE),
    pageToken: o.pageToken || undefined,
    dataSourceFamily: family,
  };
}

function rollUp(user: SandboxUser, q: RollUpRequest, res: Response) {
  // The page token binds to the query: Google requires every other field to be unchanged.
  const fingerprint = sha256hex(JSON.stringify([q.start, q.end, q.windowSizeDays, q.dataSourceFamily])).slice(
    0,
    16,
  );
  let offset = 0;
  if (q.pageToken) {
    const decoded = decodePageToken(q.pageToken);
    if (!decoded || decoded.f !== fingerprint) return badRequest(res, 'pageToken', 'Invalid page token.');
    offset = decoded.o;
  }
  const first = toEpochDay(q.start);
  const last = toEpochDay(q.end);
  const windows: Array<[number, number]> = [];
  for (let d = first; d < last; d += q.windowSizeDays)
    windows.push([d, Math.min(d + q.windowSizeDays, last)]);
  const page = windows.slice(offset, offset + q.pageSize);
  const rollupDataPoints = page.map(([from, to]) => {
    let sum = 0;
    for (let d = from; d < to; d++) sum += dailySteps(user.id, fromEpochDay(d));
    return {
      civilStartTime: { date: fromEpochDay(from), time: {} },
      civilEndTime: { date: fromEpochDay(to), time: {} },
      steps: { countSum: String(sum) },
    };
  });
  const next = offset + page.length;
  const body: Record<string, unknown> = { rollupDataPoints };
  if (next < windows.length) {
    body.nextPageToken = Buffer.from(JSON.stringify({ o: next, f: fingerprint })).toString('base64url');
  }
  res.json(body);
}

function decodePageToken(t: string): { o: number; f: string } | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(t, 'base64url').toString('utf8'));
    if (
      isObject(v) &&
      typeof v.o === 'number' &&
      Number.isInteger(v.o) &&
      v.o >= 0 &&
      typeof v.f === 'string'
    ) {
      return { o: v.o, f: v.f };
    }
  } catch {
    // fall through: malformed
  }
  return undefined;
}
