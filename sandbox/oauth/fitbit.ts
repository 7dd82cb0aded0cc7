import { type Request, type Response, Router } from 'express';
import { decide } from './decision.js';
import { basicAuth, bearer, field, query, validVerifier } from './http.js';
import { consentPage, errorPage } from './pages.js';
import { type CivilDate, dailySteps, fromEpochDay, isoDate, parseIso, today, toEpochDay } from './steps.js';
import {
  type AccessToken,
  CODE_TTL_MS,
  FITBIT_ACCESS_TTL_S,
  FITBIT_REPLAY_WINDOW_MS,
  type RefreshToken,
  type Store,
} from './store.js';
import { fitbitAccessToken, fitbitCode, fitbitRefreshToken, s256, sha256hex } from './tokens.js';
import type { SandboxClient, SandboxUser } from './types.js';

// The legacy Fitbit Web API (www.fitbit.com/oauth2, api.fitbit.com), with its own error bodies,
// client authentication by app type and rotating refresh tokens.

export const FITBIT_SCOPES = [
  'activity',
  'cardio_fitness',
  'electrocardiogram',
  'heartrate',
  'irregular_rhythm_notifications',
  'location',
  'nutrition',
  'oxygen_saturation',
  'profile',
  'respiratory_rate',
  'settings',
  'sleep',
  'social',
  'temperature',
  'weight',
];

const RATE_LIMIT_PER_HOUR = 150;
const DECISION_PATH = '/oauth2/authorize/decision';
const VISIT =
  'Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.';

export function fitbitErrorBody(errorType: string, message: string, fieldName?: string) {
  return { errors: [{ errorType, ...(fieldName ? { fieldName } : {}), message }], success: false };
}

function fitbitError(res: Response, status: number, errorType: string, message: string, fieldName?: string) {
  if (errorType === 'invalid_client') res.set('WWW-Authenticate', 'Basic realm="api.fitbit.com"');
  res.status(status).json(fitbitErrorBody(errorType, message, fieldName));
}

function badAuthRequest(res: Response, error: string, detail: string) {
  // Fitbit shows these as text on its own page and does not redirect.
  res
    .status(400)
    .type('html')
    .send(errorPage(`${error} - ${detail}`, detail));
}

export function fitbitRouter(store: Store): Router {
  const r = Router();

  r.get('/oauth2/authorize', (req, res) => {
    res.set('Cache-Control', 'no-store');
    const clientId = query(req, 'client_id');
    res.locals.clientId = clientId;
    const client = store.client('fitbit', clientId);
    if (!clientId) return badAuthRequest(res, 'invalid_request', 'Missing parameters: client_id');
    if (!client) return badAuthRequest(res, 'invalid_client', 'Invalid client_id');
    const responseType = query(req, 'response_type');
    if (!responseType) return badAuthRequest(res, 'invalid_request', 'Missing parameters: response_type');
    if (responseType !== 'code') {
      return badAuthRequest(res, 'unsupported_response_type', 'The sandbox serves only response_type=code');
    }
    let redirectUri = query(req, 'redirect_uri');
    if (!redirectUri) {
      if (client.redirectUris.length !== 1)
        return badAuthRequest(res, 'invalid_request', 'Missing parameters: redirect_uri');
      redirectUri = client.redirectUris[0] as string;
    }
    if (!client.redirectUris.includes(redirectUri)) {
      return badAuthRequest(res, 'invalid_request', 'Invalid redirect_uri parameter value');
    }
    const scopes = (query(req, 'scope') ?? '').split(/[ +]/).filter(Boolean);
    if (scopes.length === 0) return badAuthRequest(res, 'invalid_request', 'Missing parameters: scope');
    const invalid = scopes.filter((s) => !FITBIT_SCOPES.includes(s));
    if (invalid.length > 0)
      return badAuthRequest(res, 'invalid_scope', `Invalid scope: ${invalid.join(' ')}`);
    const challenge = query(req, 'code_challenge');
    if (!challenge) return badAuthRequest(res, 'invalid_request', 'Missing parameters: code_challenge');
    if (query(req, 'code_challenge_method') !== 'S256') {
      return badAuthRequest(res, 'invalid_request', 'Invalid code_challenge_method parameter value');
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return badAuthRequest(res, 'invalid_request', 'Invalid code_challenge parameter value');
    }
    const interaction = store.newInteraction({
      profile: 'fitbit',
      clientId: client.clientId,
      redirectUri,
      scopes: [...new Set(scopes)],
      state: query(req, 'state'),
      codeChallenge: challenge,
      offline: true,
      promptConsent: true,
      includeGrantedScopes: false,
    });
    res.type('html').send(
      consentPage({
        profile: 'fitbit',
        clientName: client.name,
        action: DECISION_PATH,
        interactionId: interaction.id,
        users: store.usersFor('fitbit'),
        scopes: interaction.scopes,
      }),
    );
  });

  r.post(DECISION_PATH, (req, res) => {
    res.set('Cache-Control', 'no-store');
    const i = store.takeInteraction(field(req, 'interaction') ?? '');
    if (i?.profile !== 'fitbit') {
      return badAuthRequest(
        res,
        'invalid_request',
        'This authorization request has expired or was already used.',
      );
    }
    res.locals.clientId = i.clientId;
    const decision = decide(store, i, req);
    if ('error' in decision) return badAuthRequest(res, 'invalid_request', decision.error);
    const url = new URL(i.redirectUri);
    if (decision.denied) {
      url.searchParams.set('error', 'access_denied');
      url.searchParams.set('error_description', 'The user denied the request.');
    } else {
      const grant = store.ensureGrant('fitbit', decision.userId, i.clientId, decision.ticked);
      const code = fitbitCode();
      store.remember(code);
      store.codes.set(code, {
        code,
        profile: 'fitbit',
        clientId: i.clientId,
        userId: decision.userId,
        grantId: grant.id,
        redirectUri: i.redirectUri,
        codeChallenge: i.codeChallenge,
        scopes: decision.ticked,
        issueRefresh: true,
        offline: true,
        expiresAt: store.now() + CODE_TTL_MS,
        used: false,
      });
      url.searchParams.set('code', code);
    }
    if (i.state !== undefined) url.searchParams.set('state', i.state);
    res.redirect(302, `${url.href}#_=_`);
  });

  r.post('/oauth2/token', (req, res) => {
    const client = authenticate(store, req, res);
    if (!client) return;
    res.set('Cache-Control', 'no-store');
    const grantType = field(req, 'grant_type');
    if (!grantType)
      return fitbitError(res, 400, 'invalid_request', `Missing 'grant_type' parameter value. ${VISIT}`);
    if (grantType === 'authorization_code') return codeGrant(store, client, req, res);
    if (grantType === 'refresh_token') return refreshGrant(store, client, req, res);
    fitbitError(
      res,
      400,
      'unsupported_grant_type',
      `The grant type is not supported: ${grantType}. ${VISIT}`,
    );
  });

  r.post('/oauth2/revoke', (req, res) => {
    const client = authenticate(store, req, res);
    if (!client) return;
    const token = field(req, 'token');
    if (!token) return fitbitError(res, 400, 'invalid_request', `Missing parameters: token. ${VISIT}`);
    const found = store.accessTokens.get(token) ?? store.refreshTokens.get(token);
    // RFC 7009: an unknown token is not an error. Revoking any token revokes the whole grant.
    if (found && found.profile === 'fitbit' && found.clientId === client.clientId)
      store.revokeGrant(found.grantId);
    res.status(200).end();
  });

  r.post('/1.1/oauth2/introspect', (req, res) => {
    const caller = apiCaller(store, req, res);
    if (!caller) return;
    const token = field(req, 'token');
    if (!token) return fitbitError(res, 400, 'invalid_request', `Missing parameters: token. ${VISIT}`);
    const at = store.accessTokens.get(token);
    const rt = store.refreshTokens.get(token);
    const user = (t: AccessToken | RefreshToken) => store.user(t.userId)?.fitbit?.encodedId ?? '';
    if (at && at.profile === 'fitbit' && 'at' in store.checkAccess(token, 'fitbit')) {
      return res.json({
        active: true,
        scope: fitbitScopeSet(at.scopes),
        client_id: at.clientId,
        user_id: user(at),
        token_type: 'access_token',
        exp: at.expiresAt,
        iat: at.issuedAt,
      });
    }
    if (rt && rt.profile === 'fitbit' && store.refreshLive(rt)) {
      return res.json({
        active: true,
        scope: fitbitScopeSet(rt.scopes),
        client_id: rt.clientId,
        user_id: user(rt),
        token_type: 'refresh_token',
        iat: rt.issuedAt,
      });
    }
    res.json({ active: false });
  });

  r.get('/1/user/:user/profile.json', (req, res) => {
    const c = apiGuard(store, req, res, 'profile');
    if (!c) return;
    const f = c.fitbit;
    res.json({
      user: {
        aboutMe: '',
        avatar: 'https://static0.fitbit.com/images/profile/defaultProfile_100.png',
        displayName: f.displayName,
        distanceUnit: 'METRIC',
        encodedId: f.encodedId,
        fullName: f.fullName,
        locale: 'en_US',
        memberSince: f.memberSince,
        offsetFromUTCMillis: f.offsetFromUTCMillis,
        strideLengthWalking: 72,
        timezone: f.timezone,
      },
    });
  });

  r.get('/1/user/:user/activities/steps/date/:date/:period.json', (req, res) => {
    const c = apiGuard(store, req, res, 'activity');
    if (!c) return;
    const now = today(store.now(), c.fitbit.offsetFromUTCMillis);
    const base = req.params.date === 'today' ? now : parseIso(req.params.date ?? '');
    if (!base) {
      return fitbitError(res, 400, 'validation', `Invalid date: ${req.params.date}`, 'date');
    }
    const range = stepsRange(base, req.params.period ?? '', now);
    if (typeof range === 'string') return fitbitError(res, 400, 'validation', range, 'period');
    const out: Array<{ dateTime: string; value: string }> = [];
    for (let d = toEpochDay(range[0]); d <= toEpochDay(range[1]); d++) {
      const day = fromEpochDay(d);
      // Days after the user's today have no data yet: Fitbit reports them as "0".
      const value = d > toEpochDay(now) ? 0 : dailySteps(c.user.id, day);
      out.push({ dateTime: isoDate(day), value: String(value) });
    }
    res.json({ 'activities-steps': out });
  });

  return r;
}

/** Fitbit's introspection renders scopes as a Java map: "{ACTIVITY=READ, PROFILE=READ}". */
function fitbitScopeSet(scopes: string[]): string {
  return `{${scopes.map((s) => `${s.toUpperCase()}=READ`).join(', ')}}`;
}

const PERIODS: Record<string, { days?: number; months?: number }> = {
  '1d': { days: 1 },
  '7d': { days: 7 },
  '30d': { days: 30 },
  '1w': { days: 7 },
  '1m': { months: 1 },
  '3m': { months: 3 },
  '6m': { months: 6 },
  '1y': { months: 12 },
};

/** `:period` is a period ending at the base date, or an end date (base date = start). */
function stepsRange(base: CivilDate, period: string, _now: CivilDate): [CivilDate, CivilDate] | string {
  const end = parseIso(period);
  if (end) {
    const days = toEpochDay(end) - toEpochDay(base);
    if (days < 0) return 'Invalid date range: end date is before start date';
    if (days > 1094) return 'Invalid date range: the maximum range is 1095 days';
    return [base, end];
  }
  const p = PERIODS[period];
  if (!p) return `Invalid period requested: ${period}. Allowed values are 1d, 7d, 30d, 1w, 1m, 3m, 6m, 1y.`;
  if (p.days) return [fromEpochDay(toEpochDay(base) - p.days + 1), base];
  const m = base.year * 12 + (base.month - 1) - (p.months ?? 0);
  const startMonth = { year: Math.floor(m / 12), month: (m % 12) + 1 };
  const lastDay = new Date(Date.UTC(startMonth.year, startMonth.month, 0)).getUTCDate();
  const sameDay = { ...startMonth, day: Math.min(base.day, lastDay) };
  return [fromEpochDay(toEpochDay(sameDay) + 1), base];
}

/** Client authentication by app type: server apps need Basic; client apps send client_id in the body. */
function authenticate(store: Store, req: Request, res: Response): SandboxClient | undefined {
  const basic = basicAuth(req);
  if (basic === 'malformed') {
    fitbitError(
      res,
      401,
      'invalid_client',
      `Invalid authorization header format. The header was not recognized to be a valid header for any of known implementations or a client identifier was not provided. ${VISIT}`,
    );
    return undefined;
  }
  if (basic) {
    res.locals.clientId = basic.id;
    const client = store.client('fitbit', basic.id);
    if (!client) {
      fitbitError(res, 401, 'invalid_client', `Invalid authorization header. Client id invalid. ${VISIT}`);
      return undefined;
    }
    if (client.clientSecret !== null && basic.secret !== client.clientSecret) {
      fitbitError(
        res,
        401,
        'invalid_client',
        `Invalid authorization header. Client secret invalid. ${VISIT}`,
      );
      return undefined;
    }
    return client;
  }
  const clientId = field(req, 'client_id');
  res.locals.clientId = clientId;
  const client = store.client('fitbit', clientId);
  if (!clientId || !client || client.appType === 'server') {
    fitbitError(res, 401, 'invalid_client', `Authorization header required. ${VISIT}`);
    return undefined;
  }
  return client;
}

function invalidGrant(res: Response, what: string, value: string) {
  // Fitbit echoes the rejected value in the message; apps must not log these bodies verbatim.
  fitbitError(res, 400, 'invalid_grant', `${what} invalid: ${value}. ${VISIT}`);
}

function codeGrant(store: Store, client: SandboxClient, req: Request, res: Response) {
  const code = field(req, 'code');
  if (!code) return fitbitError(res, 400, 'invalid_request', `Missing parameters: code. ${VISIT}`);
  const c = store.codes.get(code);
  if (c?.profile !== 'fitbit' || c.clientId !== client.clientId) {
    return invalidGrant(res, 'Authorization code', code);
  }
  const wasUsed = c.used;
  c.used = true;
  if (wasUsed || store.now() >= c.expiresAt || store.grantRevoked(c.grantId)) {
    return invalidGrant(res, 'Authorization code', code);
  }
  const redirectUri = field(req, 'redirect_uri');
  if (!redirectUri)
    return fitbitError(res, 400, 'invalid_request', `Missing parameters: redirect_uri. ${VISIT}`);
  if (redirectUri !== c.redirectUri) {
    return fitbitError(res, 400, 'invalid_grant', `Invalid redirect_uri parameter value. ${VISIT}`);
  }
  const verifier = field(req, 'code_verifier');
  if (!verifier)
    return fitbitError(res, 400, 'invalid_request', `Missing parameters: code_verifier. ${VISIT}`);
  if (!validVerifier(verifier) || s256(verifier) !== c.codeChallenge) {
    return fitbitError(res, 400, 'invalid_grant', `Invalid code_verifier parameter value. ${VISIT}`);
  }
  // One active refresh token per user and app: a new authorization replaces the old one.
  for (const old of store.liveRefreshTokens('fitbit', c.userId, client.clientId)) old.revoked = true;
  res.json(issuePair(store, client, c.grantId, c.userId, c.scopes).response);
}

function refreshGrant(store: Store, client: SandboxClient, req: Request, res: Response) {
  const token = field(req, 'refresh_token');
  if (!token) return fitbitError(res, 400, 'invalid_request', `Missing parameters: refresh_token. ${VISIT}`);
  const rt = store.refreshTokens.get(token);
  if (rt?.profile !== 'fitbit' || rt.clientId !== client.clientId) {
    return invalidGrant(res, 'Refresh token', token);
  }
  const fingerprint = requestFingerprint(req);
  if (rt.rotated) {
    // The identical request within two minutes gets the same answer, unless the new tokens were used.
    const r = rt.rotated;
    const nextAccess = store.accessTokens.get(r.nextAccess);
    const nextRefresh = store.refreshTokens.get(r.nextRefresh);
    const replayable =
      store.now() - r.at <= FITBIT_REPLAY_WINDOW_MS &&
      fingerprint === r.fingerprint &&
      !store.grantRevoked(rt.grantId) &&
      nextAccess !== undefined &&
      !nextAccess.used &&
      nextRefresh !== undefined &&
      store.refreshLive(nextRefresh);
    if (replayable) return void res.json(r.response);
    return invalidGrant(res, 'Refresh token', token);
  }
  if (!store.refreshLive(rt)) return invalidGrant(res, 'Refresh token', token);
  rt.lastUsedAt = store.now();
  const pair = issuePair(store, client, rt.grantId, rt.userId, rt.scopes);
  rt.rotated = {
    at: store.now(),
    fingerprint,
    response: pair.response,
    nextAccess: pair.access,
    nextRefresh: pair.refresh,
  };
  res.json(pair.response);
}

function requestFingerprint(req: Request): string {
  const body = Object.entries((req.body ?? {}) as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return sha256hex(JSON.stringify([req.get('authorization') ?? '', body]));
}

function issuePair(store: Store, client: SandboxClient, grantId: string, userId: string, scopes: string[]) {
  const now = store.now();
  const encodedId = store.user(userId)?.fitbit?.encodedId ?? '';
  const expiresAt = now + FITBIT_ACCESS_TTL_S * 1000;
  const access = fitbitAccessToken({
    clientId: client.clientId,
    encodedId,
    scopes,
    iat: now,
    exp: expiresAt,
  });
  const refresh = fitbitRefreshToken();
  store.remember(access, refresh);
  store.accessTokens.set(access, {
    token: access,
    profile: 'fitbit',
    grantId,
    clientId: client.clientId,
    userId,
    scopes,
    offline: true,
    issuedAt: now,
    expiresAt,
    revoked: false,
    used: false,
  });
  store.refreshTokens.set(refresh, {
    token: refresh,
    profile: 'fitbit',
    grantId,
    clientId: client.clientId,
    userId,
    scopes,
    issuedAt: now,
    lastUsedAt: now,
    expiresAt: null,
    revoked: false,
  });
  const response = {
    access_token: access,
    expires_in: FITBIT_ACCESS_TTL_S,
    refresh_token: refresh,
    scope: scopes.join(' '),
    token_type: 'Bearer',
    user_id: encodedId,
  };
  return { access, refresh, response };
}

/** The bearer token of an API call, or an answer already sent. Marks the token as used. */
function apiCaller(store: Store, req: Request, res: Response): AccessToken | undefined {
  const token = bearer(req);
  if (!token) {
    fitbitError(res, 401, 'invalid_client', `Authorization header required. ${VISIT}`);
    return undefined;
  }
  const check = store.checkAccess(token, 'fitbit');
  if (!('at' in check)) {
    if (check.reason === 'expired')
      fitbitError(res, 401, 'expired_token', `Access token expired: ${token}. ${VISIT}`);
    else fitbitError(res, 401, 'invalid_token', `Access token invalid: ${token}. ${VISIT}`);
    return undefined;
  }
  check.at.used = true;
  res.locals.clientId = check.at.clientId;
  return check.at;
}

function apiGuard(
  store: Store,
  req: Request,
  res: Response,
  scope: string,
): { at: AccessToken; user: SandboxUser; fitbit: NonNullable<SandboxUser['fitbit']> } | undefined {
  const at = apiCaller(store, req, res);
  if (!at) return undefined;
  const rate = store.countRequest(at.clientId, at.userId, 3_600_000, RATE_LIMIT_PER_HOUR);
  res.set('fitbit-rate-limit-limit', String(RATE_LIMIT_PER_HOUR));
  res.set('fitbit-rate-limit-remaining', String(Math.max(0, RATE_LIMIT_PER_HOUR - rate.count)));
  res.set('fitbit-rate-limit-reset', String(rate.resetInS));
  if (rate.limited) {
    res.set('Retry-After', String(rate.resetInS));
    fitbitError(res, 429, 'system', 'Too Many Requests');
    return undefined;
  }
  const user = store.user(at.userId);
  const fitbit = user?.fitbit;
  if (!user || !fitbit) {
    fitbitError(res, 401, 'invalid_token', `Access token invalid. ${VISIT}`);
    return undefined;
  }
  if (req.params.user !== '-' && req.params.user !== fitbit.encodedId) {
    fitbitError(
      res,
      403,
      'insufficient_permissions',
      'API client is not authorized by the user to access the requested resource.',
    );
    return undefined;
  }
  if (!at.scopes.includes(scope)) {
    fitbitError(
      res,
      403,
      'insufficient_scope',
      `This application does not have permission to access ${scope} data. ${VISIT}`,
    );
    return undefined;
  }
  return { at, user, fitbit };
}
