// Builds the Express app (no listening here: main.ts does that, tests use supertest).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type AppError, appError, isAppError, toAppError } from './errors/index.js';
import { InviteAnswers, participantError } from './invites/answers.js';
import { ParticipantBrowsers } from './invites/participants.js';
import { safePath } from './log.js';
import { connectRoutes } from './routes/connect.js';
import { inviteRoutes } from './routes/invites.js';
import { pageRoutes } from './routes/pages.js';
import { setupRoutes } from './routes/setup.js';
import { statusRoutes } from './routes/status.js';
import { viewConfig } from './routes/view-config.js';
import { breakable } from './routes/view-helpers.js';
import { AdminSessions, accessGate, accessOf, type GateDeps, loginRoutes } from './security/admin.js';
import { browserIdMiddleware, Csrf } from './security/browser.js';
import { AppCookies } from './security/cookies.js';
import { fetchMetadataPolicy } from './security/fetch-metadata.js';
import { allowedHostnames, canonicalLoopbackHost, hostCheck } from './security/host.js';
import { postOnlyActions } from './security/post-only.js';
import { TokenThrottle } from './security/throttle.js';
import type { Services } from './services.js';
import { checkFailureWords } from './status/history.js';
import { type TimeFormat, timeFormat } from './time-format.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function createApp(s: Services): express.Express {
  const { config, log } = s;
  const app = express();
  const csrf = new Csrf();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  // Which file a view name means is looked up once (Express does it only under NODE_ENV=production
  // otherwise: a stat of the views folder on every page), like the templates below.
  app.set('view cache', process.env.NODE_ENV !== 'development');
  app.engine('ejs', (file, data, cb) => {
    // Templates do not change while the app runs: compile each once.
    ejs.renderFile(file, data as ejs.Data, { cache: process.env.NODE_ENV !== 'development' }, (err, html) =>
      cb(err, html),
    );
  });

  // One for the app, not one a request (an Intl.DateTimeFormat takes a tenth of a millisecond to build), made
  // at the first page: its locale and time zone data are ~9 MB the app need not hold before a page is asked for.
  let timeFormatter: TimeFormat | undefined;
  const time = () => {
    timeFormatter ??= timeFormat(() => s.clock.now());
    return timeFormatter;
  };
  const authOrigin = new URL(config.oauth.authorizationUrl).origin;
  const secure = config.publicOrigin.startsWith('https:');
  const cookies = new AppCookies(secure);
  // Browsers that started a sign-in from an invite link: the gate opens the callback and their result page.
  const participants = new ParticipantBrowsers(s.clock);
  const answers = new InviteAnswers(s.invites, participants, s.profile.displayName, s.clock);
  const gate: GateDeps = {
    access: accessOf(config),
    sessions: new AdminSessions(),
    throttle: new TokenThrottle(s.clock),
    cookies,
    participants,
  };
  // Facts of the app, not of a request: every page renders with them, a refusal before any middleware too.
  // `gated`: the header shows the app's links only to a browser the gate has let in (views/partials/head.ejs).
  // `appOrigin`: where people open the app (the redirect URI's origin, or PUBLIC_URL); the login page names it.
  app.locals.gated = gate.access !== undefined;
  app.locals.appOrigin = config.publicOrigin;
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          // The re-authorize form POSTs to the app, which redirects to the provider: Chromium applies
          // form-action to that redirect, so the provider's authorization origin must be allowed.
          'form-action': ["'self'", authOrigin],
          'frame-ancestors': ["'none'"],
          // Over plain http (a LAN bind with ADMIN_TOKEN) upgrading would break every same-origin load.
          'upgrade-insecure-requests': secure ? [] : null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
      // Only where it means something (an https PUBLIC_URL), and never pinning that name's sibling hosts
      // unless asked to: on loopback it would pin localhost for every other local app.
      strictTransportSecurity: secure
        ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: !!config.hstsIncludeSubDomains }
        : false,
    }),
  );
  const redirectHost = new URL(config.oauth.redirectUri).hostname;
  app.use(hostCheck(allowedHostnames([redirectHost, new URL(config.publicOrigin).hostname, config.host])));
  app.use(canonicalLoopbackHost(config.publicOrigin));
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () =>
      log.info(
        {
          method: req.method,
          path: safePath(req.originalUrl),
          status: res.statusCode,
          ms: Date.now() - started,
        },
        'request',
      ),
    );
    next();
  });
  // Before anything with an effect (cookies, sign-ins, pending flows): other sites may only navigate here.
  app.use(fetchMetadataPolicy());
  app.use('/public', express.static(path.join(root, 'public'), { index: false, maxAge: '1h' }));
  // Browsers ask for /favicon.ico on a first visit whatever the page links: answer it with the same icon.
  app.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400');
    res.sendFile(path.join(root, 'public', 'favicon.svg'));
  });
  app.use(browserIdMiddleware(cookies));
  app.use((_req, res, next) => {
    // Every page shows connection details or acts on them: never cache.
    res.set('Cache-Control', 'no-store');
    res.locals.mode = config.mode;
    res.locals.provider = s.profile;
    res.locals.csrf = csrf.token(res.locals.browserId as string);
    res.locals.pageTitle = 'Fitbit → Snowflake';
    // Every page shows times through this: local time with the zone, how long ago, ISO 8601 on hover.
    res.locals.time = time();
    res.locals.breakable = breakable;
    // Pages name accounts by the email the app recorded for them (the ID as secondary detail).
    res.locals.emailOf = (userId: string | null | undefined) => s.status.emailOf(userId);
    res.locals.checkWords = checkFailureWords;
    next();
  });
  // After the locals (its sign-in page needs them), before the body parser, the CSRF check and routes:
  // nothing reads a request body for a browser without the token.
  app.use(accessGate(gate));
  app.use(express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }));
  app.use((req, res, next) => {
    if (req.method === 'POST') csrf.verify(req, res);
    next();
  });

  app.use(loginRoutes(gate));
  const view = viewConfig(config, s.profile);
  app.use(pageRoutes({ status: s.status, accounts: s.accounts, view }));
  app.use(
    connectRoutes({ config, accounts: s.accounts, pending: s.pending, clock: s.clock, invites: answers }),
  );
  app.use(
    inviteRoutes({
      config,
      profile: s.profile,
      accounts: s.accounts,
      store: s.invites,
      participants,
      answers,
      clock: s.clock,
    }),
  );
  app.use(statusRoutes({ accounts: s.accounts, view, clientStatus: config.oauth.clientStatus }));
  app.use(
    setupRoutes({
      config,
      status: s.status,
      view,
      accounts: { list: () => s.accounts.registry.list(), add: (l, p) => s.accounts.add(l, p) },
      sandboxAdmin: s.sandboxAdmin,
      removeAccount: s.removeAccount,
    }),
  );
  app.use(postOnlyActions(!!gate.access));

  app.use((req, _res, next) => {
    next(
      appError('not_found', {
        variant: 'no_route',
        method: req.method,
        path: safePath(req.path).slice(0, 200),
      }),
    );
  });

  // The one place errors become pages (or JSON for .json routes and clients that ask for it).
  app.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    const raw = e as { status?: number; type?: string; expose?: boolean };
    let err: AppError;
    // body-parser errors carry a `type` (a zlib error in a Content-Encoding: gzip body only `expose`);
    // the router's undecodable-path URIError only a 400 status.
    if (
      raw &&
      !isAppError(e) &&
      typeof raw.status === 'number' &&
      raw.status >= 400 &&
      raw.status < 500 &&
      (raw.type || raw.expose || e instanceof URIError)
    ) {
      err = appError('bad_request', {
        variant: 'unreadable',
        status: raw.status,
        type: raw.type ?? (e instanceof URIError ? 'undecodable path' : 'a body that does not decompress'),
      });
    } else err = toAppError(e);
    const level = err.status >= 500 ? 'error' : 'warn';
    log[level](
      {
        // `code` is a redacted key (OAuth authorization codes); the app's error code goes under its own name.
        errorCode: err.code,
        status: err.status,
        path: safePath(req.originalUrl),
        upstream: err.upstream?.code,
        // A bug's own error (the callback keeps its refusals as AppErrors, the bug as their cause).
        err: err.code === 'internal' ? (isAppError(e) && e.cause !== undefined ? e.cause : e) : undefined,
      },
      err.title,
    );
    if (res.headersSent) return;
    res.status(err.status);
    if (req.path.endsWith('.json') || req.accepts(['html', 'json']) === 'json') {
      res.json({ error: err.toView() });
      return;
    }
    // Errors raised before the locals middleware (host check) still need what the layout reads.
    res.set('Cache-Control', 'no-store');
    res.locals.mode ??= config.mode;
    res.locals.provider ??= s.profile;
    res.locals.time ??= time();
    // A participant (someone who opened an invite link) gets their own page, in their words, linking nowhere.
    const forParticipant = res.locals.participant === true || /^\/invite(?:\/|-result\/)/.test(req.path);
    const shown = forParticipant ? participantError(err, s.profile.displayName) : err;
    const view = forParticipant ? 'invite-error' : 'error';
    res.render(view, { error: shown.toView(), pageTitle: shown.title }, (renderErr, html) => {
      if (!renderErr) {
        res.send(html);
        return;
      }
      // Never let a template failure reach the browser as Express's stack-trace page.
      log.error({ err: renderErr, errorCode: err.code }, 'error page could not be rendered');
      res.type('text/plain').send(`${shown.title}\n\n${shown.why}\n\nFix: ${shown.fix}\n`);
    });
  });
  return app;
}
