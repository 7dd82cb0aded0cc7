// npm run verify-live, top to bottom: settle, against a real Snowflake account and Google client, what
// their documentation leaves open about the chain the app builds (sandbox/README.md, "Behaviour
// switches", lists each question and the stand-ins' cautious answer).
//
//   1. sign in to Snowflake as the administrator and read the versions
//   2. create the temporary objects (a schema, a network rule, security integrations, secrets, an external
//      access integration and a probe function), all named FITBIT_CONNECT_VERIFY_<run id>_…
//   3. sign in to the provider twice, as the app does, for two refresh tokens of this run's own
//   4. ask each question (server/verify/questions/), each on its own secret
//   5. always, even after a failure or Ctrl-C: drop every object created, revoke every token obtained
//
// The app's own secret, integration and functions are never touched, and no token or client secret is
// ever printed: the report says yes / no / unknown with the statements, Snowflake's codes and timings.
import type { AppConfig, SnowflakeConnectionConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import { createOAuthClient } from '../oauth/client.js';
import { GOOGLE_HEALTH_SCOPE_PREFIX } from '../providers/google-health.js';
import { getProfile } from '../providers/index.js';
import { ChainReader } from '../snowflake/chain-reader.js';
import { SnowflakeSession } from '../snowflake/session.js';
import { ADMIN_PRIVILEGES } from './admin-connection.js';
import { type QuestionContext, questionContext } from './context.js';
import { accessTokenCache } from './questions/access-token-cache.js';
import { binds } from './questions/binds.js';
import { integrationReplace } from './questions/integration-replace.js';
import { queryHistory } from './questions/query-history.js';
import { refreshScope } from './questions/refresh-scope.js';
import { refreshTokenValidity } from './questions/refresh-token-validity.js';
import { Redactor } from './redactor.js';
import type { Finding, Report, SetupError, TokenOutcome } from './report.js';
import { allNames, type Chain, type Place, Scratch, scratchNames } from './scratch.js';
import { type Browser, type SignedIn, SignInFailed, signIn } from './sign-in.js';
import { AdminSql, LoginFailed, StatementFailed } from './statements.js';
import { appSecretAccount, disposeAll, type Obtained } from './tokens.js';
import { localVersions, snowflakeVersion } from './versions.js';

export interface VerifyOptions {
  /** The app's configuration, as the app reads it (live), or the stand-ins' (sandbox). */
  config: AppConfig;
  mode: 'live' | 'sandbox';
  /** The administrator's Snowflake sign-in (--admin-connection). */
  admin: SnowflakeConnectionConfig;
  place: Place;
  /** Shows a consent page: opens the browser, or, in tests and --sandbox, consents programmatically. */
  browser: Browser;
  /** A progress line for the person at the terminal (never a token). */
  tell: (line: string) => void;
  /** Aborting (Ctrl-C) stops at the next step; the objects are dropped and the tokens revoked all the same. */
  signal?: AbortSignal;
  /** Collects every secret value the run meets; pass one to scrub your own output with it too. */
  redactor?: Redactor;
  /** The run id in every temporary name (random unless given: the CLI picks it, to name leftovers on a forced quit). */
  runId?: string;
  /** Seams for tests: the clock and the pause between query-history reads. */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
}

/** Every question, in the order asked; each catches its own failures and answers 'unknown'. */
const QUESTIONS: ((q: QuestionContext) => Promise<Finding | Finding[]>)[] = [
  accessTokenCache,
  refreshTokenValidity,
  binds,
  integrationReplace,
  refreshScope,
  queryHistory,
];

/** The longest a person may take over one consent (an authorization code lives about as long). */
const CONSENT_TIMEOUT_MS = 10 * 60 * 1000;
/** A cold Python function with external access can take a while on its first call. */
const STATEMENT_TIMEOUT_MS = 120_000;

class Setup extends Error {
  constructor(readonly setup: SetupError) {
    super(setup.what);
  }
}

export async function runVerify(o: VerifyOptions): Promise<Report> {
  const { config } = o;
  const now = o.now ?? (() => new Date());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = o.log ?? createLogger('silent');
  const profile = getProfile(config.provider);
  const redactor = o.redactor ?? new Redactor();
  for (const v of [config.oauth.clientSecret, o.admin.password, o.admin.token, o.admin.privateKeyPass])
    redactor.add(v);

  const report: Report = {
    tool: 'fitbit-snowflake-connect verify-live',
    mode: o.mode,
    versions: localVersions(now()),
    findings: [],
    objects: { created: [], dropped: [], leftBehind: [] },
    tokens: [],
  };
  const adminSession = new SnowflakeSession(o.admin, log, STATEMENT_TIMEOUT_MS);
  const sql = new AdminSql(adminSession, o.admin, redactor, STATEMENT_TIMEOUT_MS);
  const names = scratchNames(o.place, o.runId);
  const chain: Chain = {
    clientId: config.oauth.clientId,
    clientSecret: config.oauth.clientSecret ?? '',
    // What the setup script gives Snowflake: the provider's own endpoints (a proxy in the app's settings is
    // for the app, not for Snowflake), reached in sandbox mode through the stand-in's egress map.
    tokenEndpoint: profile.endpoints.token,
    authorizationEndpoint: profile.endpoints.authorization,
    api: profile.endpoints.api,
    scopes: config.oauth.scopes,
  };
  const extra = extraScope(config.oauth.scopes);
  const scratch = new Scratch(sql, names, chain, extra);
  const client = createOAuthClient(config, profile);
  const obtained: Obtained[] = [];
  let appSession: SnowflakeSession | undefined;

  try {
    // 0. Nothing here may be the app's own object.
    refuseCollisions(config, allNames(names));
    if (config.provider !== 'google-health') {
      throw new Setup({
        what: `verify-live asks its questions through the Google Health API, not ${profile.displayName}.`,
        why: 'The legacy Fitbit Web API and its OAuth endpoints were turned off on 2026-11-02.',
        fix: 'Run it with PROVIDER=google-health and a Google OAuth client.',
      });
    }

    // 1. The administrator's session, and what it runs on.
    o.tell('Signing in to Snowflake as the administrator …');
    report.versions.snowflake = await snowflakeVersion(sql);

    // 2. The temporary objects.
    o.tell(
      `Creating the temporary objects (${names.schema.create ? `schema ${names.schema.display}` : `in ${names.schema.display}`}) …`,
    );
    try {
      await scratch.createAll();
    } catch (e) {
      if (!(e instanceof StatementFailed)) throw e;
      throw new Setup({
        what: `Snowflake refused ${e.shown.slice(0, 200)}: ${e.code} ${e.detail}`,
        why: `The administrator's role needs: ${ADMIN_PRIVILEGES.join('; ')}.`,
        fix: 'Use a connection whose role has these (ACCOUNTADMIN and a warehouse will do), or grant them to its role.',
      });
    }
    o.signal?.throwIfAborted();

    // 3. Two sign-ins: the same account twice tests a re-authorization, another account an account switch too.
    const ask = async (n: 1 | 2): Promise<SignedIn> => {
      o.tell(
        n === 1
          ? 'Sign-in 1 of 2: open this address and sign in with the account you connect to the app:'
          : 'Sign-in 2 of 2 (the cached-token question needs a second token): sign in again. The same account tests a re-authorization; another account also tests an account switch.',
      );
      try {
        const s = await signIn({
          config,
          client,
          browser: o.browser,
          tell: o.tell,
          signal: o.signal,
          timeoutMs: CONSENT_TIMEOUT_MS,
        });
        obtained.push({ refreshToken: s.refreshToken, userId: s.userId });
        redactor.add(s.refreshToken);
        return s;
      } catch (e) {
        if (e instanceof SignInFailed) {
          if (e.refreshToken) {
            obtained.push({ refreshToken: e.refreshToken });
            redactor.add(e.refreshToken);
          }
          throw new Setup(e.setup);
        }
        throw e;
      }
    };
    const first = await ask(1);
    const second = await ask(2);

    // 4. The questions.
    const q = questionContext(
      {
        sql,
        names,
        profile,
        redactor,
        first,
        second,
        chain,
        extraScope: extra,
        now,
        sleep,
        integrationCreate: scratch.sharedIntegrationQueryId
          ? { queryId: scratch.sharedIntegrationQueryId }
          : undefined,
      },
      new ChainReader(adminSession),
    );
    for (const question of QUESTIONS) {
      o.signal?.throwIfAborted();
      report.findings.push(...[await question(q)].flat());
    }
  } catch (e) {
    if (o.signal?.aborted) report.interrupted = true;
    else if (e instanceof Setup) report.setupError = e.setup;
    else if (e instanceof LoginFailed)
      report.setupError = {
        what: `Signing in to Snowflake as the administrator (${o.admin.source}) failed: ${e.title}`,
        why: e.why,
        fix: e.fix,
      };
    else
      report.setupError = {
        what: 'verify-live stopped on an unexpected error.',
        why: redactor.upstream(e instanceof Error ? e.message : String(e)),
        fix: 'Run it again; if it repeats, attach this report to an issue.',
      };
  } finally {
    // 5. Leave nothing behind.
    o.tell('Dropping the temporary objects and revoking the tokens …');
    report.objects = await scratch.dropAll();
    report.tokens = await disposeTokens();
    await adminSession.close();
    await appSession?.close();
  }
  return report;

  async function disposeTokens(): Promise<TokenOutcome[]> {
    if (obtained.length === 0) return [];
    const account = await appSecretAccount(
      config,
      () => {
        appSession ??= new SnowflakeSession(config.snowflake.connection, log, config.timeouts.snowflakeMs);
        return appSession;
      },
      o.tell,
    ).catch(() => ({ kind: 'unknown' as const }));
    return disposeAll(client, obtained, account, redactor);
  }
}

/** Refuses a run whose names could be the app's own secret, functions or (default-named) integration. */
function refuseCollisions(config: AppConfig, ours: string[]): void {
  const app = [config.snowflake.secret, config.snowflake.checkFunction, config.snowflake.dataFunction]
    .filter((n) => n !== undefined)
    .map((n) => n.sql);
  const clash = ours.find(
    (n) => app.includes(n) || !n.split('.').pop()!.startsWith('FITBIT_CONNECT_VERIFY_'),
  );
  if (clash) {
    throw new Setup({
      what: `The temporary name ${clash} could name one of the app's objects.`,
      why: "verify-live never touches the app's own secret, integration or functions.",
      fix: 'Run it again (the names are random), or pass --schema with a scratch schema of its own.',
    });
  }
}

/** A Google Health read scope the app's set lacks, for the refresh-scope question. */
function extraScope(scopes: string[]): string | undefined {
  return [
    'sleep.readonly',
    'settings.readonly',
    'health_metrics_and_measurements.readonly',
    'profile.readonly',
  ]
    .map((s) => `${GOOGLE_HEALTH_SCOPE_PREFIX}${s}`)
    .find((s) => !scopes.includes(s));
}
