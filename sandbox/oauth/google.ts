import { type Request, type Response, Router } from 'express';
import { decide } from './decision.js';
import { basicAuth, field, query, validVerifier } from './http.js';
import {
  googleIdToken,
  googleJwks,
  googleScopeString,
  grantsEmail,
  grantsOpenId,
  grantsProfile,
} from './id-token.js';
import { consentPage, errorPage } from './pages.js';
import { GOOGLE_SCOPE_PREFIX } from './seed.js';
import {
  CODE_TTL_MS,
  GOOGLE_ACCESS_TTL_S,
  GOOGLE_MAX_REFRESH_TOKENS,
  type Grant,
  type RefreshToken,
  type Store,
  TESTING_REFRESH_TTL_MS,
} from './store.js';
import { googleAccessToken, googleCode, googleRefreshToken, s256 } from './tokens.js';
import type { SandboxClient } from './types.js';

// Google's OAuth 2.0 endpoints, same paths as accounts.google.com / oauth2.googleapis.com.

const HEALTH_SCOPES = [
  'activity_and_fitness',
  'health_metrics_and_measurements',
  'sleep',
  'profile',
  'settings',
  'location',
  'nutrition',
  'ecg',
  'irn',
].flatMap((s) => [`${GOOGLE_SCOPE_PREFIX}${s}.readonly`, `${GOOGLE_SCOPE_PREFIX}${s}.writeonly`]);
const OTHER_SCOPES = [
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
];
export const GOOGLE_SCOPES = new Set([...HEALTH_SCOPES, ...OTHER_SCOPES]);

const AUTH_PATHS = ['/o/oauth2/v2/auth', '/o/oauth2/auth'];
const DECISION_PATH = '/o/oauth2/v2/auth/decision';

function oauthError(res: Response, status: number, error: string, description: string) {
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
}

function badAuthRequest(res: Response, status: number, error: string, detail: string) {
  res
    .status(status)
    .type('html')
    .send(errorPage(`Error ${status}: ${error}`, detail));
}

export function googleRouter(store: Store, issuer: () => string): Router {
  const r = Router();
  // Google sends iss on its authorization responses, errors included (RFC 9207): the issuer is this
  // server's origin, as accounts.google.com's is Google's. The issOnAuthResponse switch leaves it out.
  const withIss = (url: URL) => {
    if (store.behaviour.issOnAuthResponse) url.searchParams.set('iss', issuer());
  };

  const authorize = (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const clientId = query(req, 'client_id');
    res.locals.clientId = clientId;
    // Google: a missing client_id is a bad request (400), an unknown one an unknown client (401).
    if (!clientId)
      return badAuthRequest(res, 400, 'invalid_request', 'Missing required parameter: client_id');
    const client = store.client('google-health', clientId);
    if (!client) return badAuthRequest(res, 401, 'invalid_client', 'The OAuth client was not found.');
    const redirectUri = query(req, 'redirect_uri');
    if (!redirectUri)
      return badAuthRequest(res, 400, 'invalid_request', 'Missing required parameter: redirect_uri');
    if (!client.redirectUris.includes(redirectUri)) {
      return badAuthRequest(
        res,
        400,
        'redirect_uri_mismatch',
        `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. ` +
          `redirect_uri=${redirectUri} is not registered for this client (exact match; localhost and 127.0.0.1 differ).`,
      );
    }
    const responseType = query(req, 'response_type');
    if (!responseType)
      return badAuthRequest(res, 400, 'invalid_request', 'Required parameter is missing: response_type');
    if (responseType !== 'code') {
      return badAuthRequest(res, 400, 'unsupported_response_type', `Invalid response_type: ${responseType}`);
    }
    const scopes = (query(req, 'scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0)
      return badAuthRequest(res, 400, 'invalid_request', 'Missing required parameter: scope');
    const invalid = scopes.filter((s) => !GOOGLE_SCOPES.has(s));
    if (invalid.length > 0) {
      return badAuthRequest(
        res,
        400,
        'invalid_scope',
        `Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`,
      );
    }
    const challenge = query(req, 'code_challenge');
    const method = query(req, 'code_challenge_method');
    if (!challenge)
      return badAuthRequest(res, 400, 'invalid_request', 'Missing required parameter: code_challenge');
    if (method !== 'S256') {
      // Google would accept plain (and treats a missing method as plain); the sandbox refuses both.
      return badAuthRequest(
        res,
        400,
        'invalid_request',
        `code_challenge_method must be S256 (got ${method ?? 'none'})`,
      );
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return badAuthRequest(
        res,
        400,
        'invalid_request',
        'Invalid code_challenge: expected base64url(SHA-256(verifier))',
      );
    }
    const accessType = query(req, 'access_type') ?? 'online';
    if (accessType !== 'online' && accessType !== 'offline') {
      return badAuthRequest(res, 400, 'invalid_request', `Invalid access_type: ${accessType}`);
    }
    const prompt = (query(req, 'prompt') ?? '').split(' ').filter(Boolean);
    const state = query(req, 'state');
    if (prompt.includes('none')) {
      // The sandbox keeps no browser session, so a silent request always needs interaction.
      const url = new URL(redirectUri);
      url.searchParams.set('error', 'interaction_required');
      if (state !== undefined) url.searchParams.set('state', state);
      withIss(url);
      res.redirect(302, url.href);
      return;
    }
    const interaction = store.newInteraction({
      profile: 'google-health',
      clientId: client.clientId,
      redirectUri,
      scopes,
      state,
      codeChallenge: challenge,
      offline: accessType === 'offline',
      promptConsent: prompt.includes('consent'),
      includeGrantedScopes: query(req, 'include_granted_scopes') === 'true',
    });
    res.type('html').send(
      consentPage({
        profile: 'google-health',
        clientName: client.name,
        action: DECISION_PATH,
        interactionId: interaction.id,
        users: store.usersFor('google-health'),
        scopes,
      }),
    );
  };
  for (const p of AUTH_PATHS) r.get(p, authorize);

  r.post(DECISION_PATH, (req, res) => {
    res.set('Cache-Control', 'no-store');
    const i = store.takeInteraction(field(req, 'interaction') ?? '');
    if (i?.profile !== 'google-health') {
      return badAuthRequest(
        res,
        400,
        'invalid_request',
        'This authorization request has expired or was already used.',
      );
    }
    res.locals.clientId = i.clientId;
    const decision = decide(store, i, req);
    if ('error' in decision) return badAuthRequest(res, 400, 'invalid_request', decision.error);
    const url = new URL(i.redirectUri);
    if (decision.denied) {
      url.searchParams.set('error', 'access_denied');
      if (i.state !== undefined) url.searchParams.set('state', i.state);
      withIss(url);
      return res.redirect(302, url.href);
    }
    const { userId, ticked } = decision;
    const before = store.activeGrant('google-health', userId, i.clientId);
    // Consent counts as shown when asked for, on the first grant, or when new scopes are requested.
    const consentShown = i.promptConsent || !before || ticked.some((s) => !before.scopes.has(s));
    const grant = store.ensureGrant('google-health', userId, i.clientId, ticked);
    const scopes = i.includeGrantedScopes ? orderedScopes(grant, ticked) : ticked;
    const code = googleCode();
    store.remember(code);
    store.codes.set(code, {
      code,
      profile: 'google-health',
      clientId: i.clientId,
      userId,
      grantId: grant.id,
      redirectUri: i.redirectUri,
      codeChallenge: i.codeChallenge,
      scopes,
      issueRefresh: i.offline && consentShown,
      offline: i.offline,
      expiresAt: store.now() + CODE_TTL_MS,
      used: false,
    });
    if (i.state !== undefined) url.searchParams.set('state', i.state);
    withIss(url);
    url.searchParams.set('code', code);
    url.searchParams.set('scope', googleScopeString(scopes));
    url.searchParams.set('authuser', '0');
    url.searchParams.set('prompt', consentShown ? 'consent' : 'none');
    res.redirect(302, url.href);
  });

  r.post('/token', async (req, res) => {
    const client = authenticate(store, req, res);
    if (!client) return;
    const grantType = field(req, 'grant_type');
    if (grantType === 'authorization_code') return codeGrant(store, client, req, res, issuer());
    if (grantType === 'refresh_token') return refreshGrant(store, client, req, res, issuer());
    oauthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
  });

  r.post('/revoke', (req, res) => {
    const token = field(req, 'token') ?? query(req, 'token');
    if (!token) return oauthError(res, 400, 'invalid_request', 'Bad Request');
    const at = store.accessTokens.get(token);
    const rt = store.refreshTokens.get(token);
    const grantId =
      at && at.profile === 'google-health' && 'at' in store.checkAccess(token, 'google-health')
        ? at.grantId
        : rt && rt.profile === 'google-health' && store.refreshLive(rt)
          ? rt.grantId
          : undefined;
    if (!grantId) return oauthError(res, 400, 'invalid_token', 'Token expired or revoked');
    res.locals.clientId = (at ?? rt)?.clientId;
    store.revokeGrant(grantId);
    res.status(200).json({});
  });

  const tokeninfo = (req: Request, res: Response) => {
    const token = query(req, 'access_token') ?? field(req, 'access_token');
    const check = store.checkAccess(token, 'google-health');
    if (!('at' in check)) {
      res.status(400).json({ error: 'invalid_token', error_description: 'Invalid Value' });
      return;
    }
    const { at } = check;
    res.locals.clientId = at.clientId;
    const user = store.user(at.userId);
    const body: Record<string, string> = {
      azp: at.clientId,
      aud: at.clientId,
      sub: user?.googleSub ?? '',
      scope: at.scopes.join(' '),
      exp: String(Math.floor(at.expiresAt / 1000)),
      expires_in: String(Math.max(0, Math.floor((at.expiresAt - store.now()) / 1000))),
    };
    if (at.scopes.some((s) => s === 'email' || s.endsWith('userinfo.email'))) {
      body.email = user?.email ?? '';
      body.email_verified = 'true';
    }
    body.access_type = at.offline ? 'offline' : 'online';
    res.json(body);
  };
  r.get('/tokeninfo', tokeninfo);
  r.post('/tokeninfo', tokeninfo);
  r.get('/oauth2/v3/tokeninfo', tokeninfo);

  r.get('/.well-known/openid-configuration', (_req, res) => {
    const base = issuer();
    res.json({
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      token_endpoint: `${base}/token`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'sub'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
    });
  });
  r.get('/oauth2/v3/certs', async (_req, res) => {
    res.json(await googleJwks());
  });

  return r;
}

function orderedScopes(grant: Grant, ticked: string[]): string[] {
  return [...ticked, ...[...grant.scopes].filter((s) => !ticked.includes(s))];
}

function authenticate(store: Store, req: Request, res: Response): SandboxClient | undefined {
  const basic = basicAuth(req);
  if (basic === 'malformed') {
    oauthError(res, 401, 'invalid_client', 'Unauthorized');
    return undefined;
  }
  const clientId = basic?.id ?? field(req, 'client_id');
  res.locals.clientId = clientId;
  if (!clientId) {
    oauthError(res, 400, 'invalid_request', 'Could not determine client ID from request.');
    return undefined;
  }
  const client = store.client('google-health', clientId);
  if (!client) {
    oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    return undefined;
  }
  const secret = basic?.secret ?? field(req, 'client_secret');
  if (!secret) {
    oauthError(res, 400, 'invalid_request', 'client_secret is missing.');
    return undefined;
  }
  if (secret !== client.clientSecret) {
    oauthError(res, 401, 'invalid_client', 'Unauthorized');
    return undefined;
  }
  return client;
}

/** With openid granted, Google's token responses carry an ID token for the account (issued and remembered). */
async function withIdToken(
  store: Store,
  body: Record<string, unknown>,
  t: { clientId: string; userId: string; scopes: string[]; issuer: string },
): Promise<void> {
  if (!grantsOpenId(t.scopes)) return;
  const user = store.user(t.userId);
  const idToken = await googleIdToken({
    issuer: t.issuer,
    clientId: t.clientId,
    sub: user?.googleSub ?? '',
    email: grantsEmail(t.scopes) ? user?.email : undefined,
    name: grantsProfile(t.scopes) ? user?.name : undefined,
    accessToken: String(body.access_token),
    nowMs: store.now(),
  });
  store.remember(idToken);
  body.id_token = idToken;
}

async function codeGrant(store: Store, client: SandboxClient, req: Request, res: Response, issuer: string) {
  const code = field(req, 'code');
  if (!code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code');
  const c = store.codes.get(code);
  if (c?.profile !== 'google-health') return oauthError(res, 400, 'invalid_grant', 'Malformed auth code.');
  if (c.clientId !== client.clientId) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
  // Single use: any attempt that reaches the code spends it, as a stolen-code defence would.
  const wasUsed = c.used;
  c.used = true;
  if (wasUsed || store.now() >= c.expiresAt || store.grantRevoked(c.grantId)) {
    return oauthError(res, 400, 'invalid_grant', 'Bad Request');
  }
  const redirectUri = field(req, 'redirect_uri');
  if (!redirectUri) return oauthError(res, 400, 'invalid_request', 'Missing parameter: redirect_uri');
  if (redirectUri !== c.redirectUri) return oauthError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
  const verifier = field(req, 'code_verifier');
  if (!verifier) return oauthError(res, 400, 'invalid_grant', 'Missing code verifier.');
  if (!validVerifier(verifier) || s256(verifier) !== c.codeChallenge) {
    return oauthError(res, 400, 'invalid_grant', 'Invalid code verifier.');
  }
  const body: Record<string, unknown> = {
    access_token: issueAccess(store, c.grantId, client.clientId, c.userId, c.scopes, c.offline),
    expires_in: GOOGLE_ACCESS_TTL_S,
  };
  if (c.issueRefresh) {
    const rt = issueRefresh(store, client, c.grantId, c.userId, c.scopes);
    body.refresh_token = rt.token;
    if (rt.expiresAt !== null) body.refresh_token_expires_in = secondsLeft(store, rt.expiresAt);
  }
  body.scope = googleScopeString(c.scopes);
  body.token_type = 'Bearer';
  await withIdToken(store, body, { clientId: client.clientId, userId: c.userId, scopes: c.scopes, issuer });
  res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache').json(body);
}

async function refreshGrant(
  store: Store,
  client: SandboxClient,
  req: Request,
  res: Response,
  issuer: string,
) {
  const token = field(req, 'refresh_token');
  if (!token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token');
  const rt = store.refreshTokens.get(token);
  if (rt?.profile !== 'google-health') return oauthError(res, 400, 'invalid_grant', 'Bad Request');
  if (rt.clientId !== client.clientId) return oauthError(res, 400, 'unauthorized_client', 'Unauthorized');
  if (!store.refreshLive(rt))
    return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
  const asked = (field(req, 'scope') ?? '').split(' ').filter(Boolean);
  if (asked.some((s) => !rt.scopes.includes(s))) {
    return oauthError(res, 400, 'invalid_scope', 'Bad Request');
  }
  const scopes = asked.length > 0 ? asked : rt.scopes;
  rt.lastUsedAt = store.now();
  const body: Record<string, unknown> = {
    access_token: issueAccess(store, rt.grantId, client.clientId, rt.userId, scopes, true),
    expires_in: GOOGLE_ACCESS_TTL_S,
  };
  // Google does not rotate: no refresh_token here, the stored one stays valid.
  if (rt.expiresAt !== null) body.refresh_token_expires_in = secondsLeft(store, rt.expiresAt);
  body.scope = googleScopeString(scopes);
  body.token_type = 'Bearer';
  await withIdToken(store, body, { clientId: client.clientId, userId: rt.userId, scopes, issuer });
  res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache').json(body);
}

function secondsLeft(store: Store, at: number): number {
  return Math.max(0, Math.floor((at - store.now()) / 1000) - 1);
}

function issueAccess(
  store: Store,
  grantId: string,
  clientId: string,
  userId: string,
  scopes: string[],
  offline: boolean,
): string {
  const token = googleAccessToken();
  const now = store.now();
  store.remember(token);
  store.accessTokens.set(token, {
    token,
    profile: 'google-health',
    grantId,
    clientId,
    userId,
    scopes,
    offline,
    issuedAt: now,
    expiresAt: now + GOOGLE_ACCESS_TTL_S * 1000,
    revoked: false,
    used: false,
  });
  return token;
}

function issueRefresh(
  store: Store,
  client: SandboxClient,
  grantId: string,
  userId: string,
  scopes: string[],
): RefreshToken {
  // At most 100 live refresh tokens per user and client: the oldest is silently dropped.
  const live = store.liveRefreshTokens('google-health', userId, client.clientId);
  for (const old of live.slice(0, Math.max(0, live.length - GOOGLE_MAX_REFRESH_TOKENS + 1)))
    old.revoked = true;
  const token = googleRefreshToken();
  const now = store.now();
  const rt: RefreshToken = {
    token,
    profile: 'google-health',
    grantId,
    clientId: client.clientId,
    userId,
    scopes,
    issuedAt: now,
    lastUsedAt: now,
    expiresAt: client.status === 'testing' ? now + TESTING_REFRESH_TTL_MS : null,
    revoked: false,
  };
  store.remember(token);
  store.refreshTokens.set(token, rt);
  return rt;
}
