import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { readSetting } from '../../server/config/env.js';
import { SETTINGS } from '../../server/config/schema.js';
import { controlRefusal, providerRefusal, type Refusal, type StandInAddress } from '../control-guard.js';
import { initialOAuthBehaviour, type OAuthBehaviour, OAuthBehaviourChange } from './behaviour.js';
import { controlRouter } from './control.js';
import { Faults } from './faults.js';
import { fitbitErrorBody, fitbitRouter } from './fitbit.js';
import { googleRouter } from './google.js';
import { googleApiErrorBody, healthRouter } from './health.js';
import { errorPage, FAVICON_SVG } from './pages.js';
import { PROVIDER_HOSTS, profileOf } from './paths.js';
import { RequestLog } from './requestlog.js';
import { Store } from './store.js';
import type { Profile, SandboxClient } from './types.js';

// The OAuth + Health API stand-in: one HTTP server playing Google (google-health profile) and the
// legacy Fitbit API (fitbit profile) on their real paths, plus /sandbox/ control endpoints.

export type { Profile, SandboxClient, SandboxUser } from './types.js';

/** The switches (behaviour.ts) may be given here too: issOnAuthResponse (default true), rollupEmptyWindows. */
export interface OAuthSandboxOptions extends OAuthBehaviourChange {
  host?: string; // default '127.0.0.1'
  port?: number; // default: the SANDBOX_OAUTH_PORT setting (8790); 0 = any free port
  clients?: SandboxClient[]; // registered in addition to the seeded ones
  legacyGone?: boolean; // start with the fitbit endpoints answering 410
}

export interface OAuthSandbox {
  readonly url: string; // e.g. 'http://127.0.0.1:8790' (no trailing slash)
  readonly port: number;
  addClient(client: SandboxClient): void;
  /**
   * The client an app with this redirect URI should use: a seeded one when it lists the URI (for Google,
   * the one of the asked publishing status), otherwise one registered now for exactly that URI.
   */
  appClient(opts: { profile: Profile; redirectUri: string; status?: 'production' | 'testing' }): {
    clientId: string;
    clientSecret: string | null;
  };
  setLegacyGone(on: boolean): void;
  /** The current value of every switch (GET /sandbox/behaviour). */
  behaviour(): OAuthBehaviour;
  /** Changes some switches (POST /sandbox/behaviour); an invalid value throws and changes nothing. */
  setBehaviour(change: OAuthBehaviourChange): OAuthBehaviour;
  /** Every code, access token and refresh token this server has issued, and every client secret it knows:
   *  for tests that scan logs/files for leaked values. Never exposed over HTTP. */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

export function buildApp(
  store: Store,
  faults: Faults,
  log: RequestLog,
  issuer: () => string,
  address: StandInAddress,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(log.middleware(() => store.now()));
  // Before any body is parsed: the Host of every request, and who may use the control endpoints
  // (control-guard.ts). app.use('/sandbox') matches as the control routes do (any case, trailing slash).
  app.use(guard((req) => providerRefusal(req, address)));
  // Browsers ask for it on their own (a JSON answer opened in a tab, say): not a provider request, so before
  // the faults, which would otherwise spend a count on it.
  app.get('/favicon.ico', (_req: Request, res: Response) => {
    res.type('image/svg+xml').set('Cache-Control', 'max-age=86400').send(FAVICON_SVG);
  });
  app.use(
    '/sandbox',
    guard((req) => controlRefusal(req, address)),
  );
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(express.json({ limit: '256kb' }));
  app.use(controlRouter(store, faults, log));
  app.use(faults.middleware());
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!store.legacyGone || profileOf(req.path) !== 'fitbit') return next();
    // Since 2026-11-02 the legacy endpoints answer 410 Gone; the exact real body is unverified.
    const message = 'The legacy Fitbit Web API was turned off on 2026-11-02. Use the Google Health API.';
    if (req.path.startsWith('/oauth2/authorize')) {
      res.status(410).type('html').send(errorPage('410 Gone', message));
      return;
    }
    res.status(410).json(fitbitErrorBody('system', message));
  });
  app.use(googleRouter(store, issuer));
  app.use(healthRouter(store));
  app.use(fitbitRouter(store));
  app.use((req: Request, res: Response) => {
    respondError(req, res, 404, 'Not found');
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = statusOf(err);
    const parseFailed = status === 400 && (err as { type?: unknown }).type === 'entity.parse.failed';
    // A body that cannot be read (bad gzip, too large, an unknown encoding) is the client's fault: say so.
    const message =
      status >= 500
        ? 'Internal error'
        : parseFailed
          ? 'Invalid JSON payload received.'
          : `The request body could not be read: ${String((err as { message?: unknown }).message)}.`;
    respondError(req, res, status, message);
  });
  return app;
}

function guard(refusal: (req: Request) => Refusal | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const r = refusal(req);
    if (r) res.status(r.status).json({ error: r.error, error_description: r.message });
    else next();
  };
}

function statusOf(err: unknown): number {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

/** An error in the shape the provider that owns the path would use. */
function respondError(req: Request, res: Response, status: number, message: string): void {
  if (res.headersSent) return;
  const profile = profileOf(req.path);
  if (profile === 'fitbit') {
    res.status(status).json(fitbitErrorBody(status === 404 ? 'not_found' : 'validation', message));
  } else if (req.path.startsWith('/v4/')) {
    res.status(status).json(googleApiErrorBody(status, message));
  } else {
    res
      .status(status)
      .json({ error: status === 404 ? 'not_found' : 'invalid_request', error_description: message });
  }
}

export async function startOAuthSandbox(opts: OAuthSandboxOptions = {}): Promise<OAuthSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? readSetting(process.env, SETTINGS.SANDBOX_OAUTH_PORT);
  const store = new Store(opts.clients ?? [], opts.legacyGone ?? false, initialOAuthBehaviour(opts));
  const faults = new Faults();
  const log = new RequestLog();
  let url = '';
  let bound = 0;
  const app = buildApp(store, faults, log, () => url, {
    port: () => bound,
    boundHost: host,
    playedHosts: PROVIDER_HOSTS,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  bound = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  return {
    url,
    port: bound,
    addClient: (client) => store.addClient(client),
    appClient: (o) => store.appClient(o),
    setLegacyGone: (on) => {
      store.legacyGone = on;
    },
    behaviour: () => store.behaviour,
    setBehaviour: (change) => {
      const parsed = OAuthBehaviourChange.parse(change);
      const given = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined));
      store.behaviour = { ...store.behaviour, ...given };
      return store.behaviour;
    },
    issuedSecrets: () => store.secrets(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
