// Getting a refresh token the way the app does (openid-client, PKCE S256, the configured redirect URI, the
// provider's offline-consent parameters), but from a terminal: listen on the redirect URI's port for the
// one redirect, show the consent URL (and open the browser when there is one), exchange the code, check
// the scopes, ask who signed in. The access token is used for that one identity call and then dropped.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { type AppConfig, isLoopbackHost } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import type { OAuthClient } from '../oauth/client.js';
import { oauthError } from '../oauth/errors.js';
import { fetchIdentity } from '../oauth/identity.js';
import type { SetupError } from './report.js';

export interface SignedIn {
  refreshToken: string;
  /** The provider's user id (compared, never printed). */
  userId: string;
  scopes: string[];
}

/** Shows the consent page: a real browser, or, in tests and --sandbox, a driven consent. */
export type Browser = (authorizationUrl: string) => Promise<void> | void;

/**
 * A sign-in that did not produce a usable refresh token: what, why and the fix. A token that was issued
 * all the same (a scope unticked, the identity call refused) rides along, for the run to dispose of.
 */
export class SignInFailed extends Error {
  constructor(
    readonly setup: SetupError,
    readonly refreshToken?: string,
  ) {
    super(setup.what);
    this.name = 'SignInFailed';
  }
}

const fail = (what: string, why: string, fix: string, refreshToken?: string) =>
  new SignInFailed({ what, why, fix }, refreshToken);

/** The redirect URI's host as an address to listen on (`localhost` → 127.0.0.1, as the app listens). */
function listenHost(redirect: URL): string {
  const h = redirect.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' ? '127.0.0.1' : h;
}

/** Waits for the provider's one redirect to the redirect URI carrying this sign-in's state. */
async function listenForRedirect(
  redirectUri: string,
  state: string,
): Promise<{ redirect: Promise<URL>; close(): void }> {
  const target = new URL(redirectUri);
  let resolve!: (u: URL) => void;
  const redirect = new Promise<URL>((r) => {
    resolve = r;
  });
  const server: Server = createServer((req, res) => {
    const got = new URL(req.url ?? '/', target.origin);
    // Anything but this sign-in's redirect (a favicon, an old tab) is turned away and changes nothing.
    if (req.method !== 'GET' || got.pathname !== target.pathname || got.searchParams.get('state') !== state) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not this sign-in.\n');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end('verify-live received the sign-in. You can close this tab and return to the terminal.\n');
    resolve(got);
  });
  const port = Number(target.port || 80);
  await new Promise<void>((ok, bad) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      bad(
        e.code === 'EADDRINUSE'
          ? fail(
              `Port ${port} is in use.`,
              `The provider sends the sign-in back to the app's redirect URI, ${redirectUri}, so verify-live listens on that port while you sign in; something else (the app itself?) holds it.`,
              `Stop the app (or whatever holds port ${port}) while verify-live runs, then run it again.`,
            )
          : e,
      ),
    );
    server.listen(port, listenHost(target), () => ok());
  });
  return {
    redirect,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** Resolves with `p`, or rejects when the signal aborts or the time runs out. */
function waitFor<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    const abort = () => reject(signal?.reason ?? new Error('aborted'));
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    });
  });
}

export interface SignInOptions {
  config: AppConfig;
  client: OAuthClient;
  browser: Browser;
  /** Says what to do (the consent URL among it), for the person at the terminal. */
  tell: (line: string) => void;
  signal?: AbortSignal;
  /** How long to wait for the person to finish consenting (a code lives about as long). */
  timeoutMs: number;
}

export async function signIn(o: SignInOptions): Promise<SignedIn> {
  const { config, client } = o;
  const profile = client.profile;
  const redirectUri = config.oauth.redirectUri;
  if (!isLoopbackHost(new URL(redirectUri).hostname)) {
    throw fail(
      `The redirect URI ${redirectUri} is not on this computer.`,
      'verify-live receives the sign-in itself, on the redirect URI, so the URI must be a loopback address (localhost or 127.0.0.1).',
      'Run verify-live with OAUTH_REDIRECT_URI set to a loopback URI your OAuth client also allows (e.g. http://localhost:8787/callback).',
    );
  }
  const state = oidc.randomState();
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: redirectUri,
    scope: config.oauth.scopes.join(' '),
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...profile.authorizationParams,
  });
  const listener = await listenForRedirect(redirectUri, state);
  let back: URL;
  try {
    o.tell(`  ${url.href}`);
    o.tell(`  Waiting for the provider to send you back to ${redirectUri} …`);
    await o.browser(url.href);
    back = await waitFor(listener.redirect, o.signal, o.timeoutMs, () =>
      fail(
        'The sign-in was not finished in time.',
        `Nothing came back to ${redirectUri} within ${Math.round(o.timeoutMs / 60000)} minutes.`,
        'Run verify-live again and finish the consent in the browser it opens (or open the printed URL).',
      ),
    );
  } finally {
    listener.close();
  }
  const error = back.searchParams.get('error');
  if (error) {
    throw fail(
      `${profile.displayName} answered the sign-in with "${error}".`,
      error === 'access_denied'
        ? 'The consent was declined.'
        : (back.searchParams.get('error_description') ?? error),
      'Run verify-live again and allow every permission it asks for.',
    );
  }
  let tokens: oidc.TokenEndpointResponse;
  try {
    tokens = await oidc.authorizationCodeGrant(client.config, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
  } catch (e) {
    const err = oauthError(e, {
      profile,
      step: 'exchanging the code for tokens',
      redirectUri,
      clientId: config.oauth.clientId,
    });
    throw fail(err.title, err.why, err.fix);
  }
  const granted = tokens.scope ? tokens.scope.split(/\s+/).filter(Boolean) : config.oauth.scopes;
  const have = profile.scopeSet(granted.join(' '));
  const missing = config.oauth.scopes.filter((s) => !have.has(s));
  if (!tokens.refresh_token) {
    throw fail(
      `${profile.displayName} returned no refresh token.`,
      'A refresh token comes only with offline access and a consent screen that was shown.',
      'Run verify-live again; if it repeats, remove the app at your account permissions page and retry.',
    );
  }
  const refreshToken = tokens.refresh_token;
  if (missing.length) {
    // Not revoked here: the run's end disposes of every token it obtained, this one included.
    throw fail(
      `The consent did not grant ${missing.join(' ')}.`,
      'The questions need the same permissions the app needs.',
      'Run verify-live again and leave every permission ticked.',
      refreshToken,
    );
  }
  try {
    const identity = await fetchIdentity(client, config.oauth.healthApiUrl, tokens.access_token);
    return { refreshToken, userId: identity.userId, scopes: granted };
  } catch (e) {
    const err = isAppError(e) ? e : undefined;
    throw fail(
      `Could not tell which ${profile.displayName} account signed in${err ? `: ${err.title}` : ''}.`,
      err?.why ?? (e instanceof Error ? e.message : String(e)),
      err?.fix ?? 'Sign in with the account you connect to the app.',
      refreshToken,
    );
  }
}
