// The connect journey: start (state + PKCE, warm Snowflake and its warehouse, redirect) and finish
// (one-time state, code exchange, granted scopes, identity, ALTER SECRET). The browser is answered as soon
// as the write succeeded; the end-to-end check and the query-history lookup then run in the background
// and report their stages to the result page (connection/progress.ts). The refresh token exists only in
// local variables here and, after a failed write, in the in-memory held store. Every step that has a
// token says where it is (custody/in-flight.ts), so that a stop accounts for each one, and waits for the
// work after each write too.
import { setMaxListeners } from 'node:events';
import * as oidc from 'openid-client';
import type { AppConfig } from '../config/index.js';
import type { EndToEndCheck } from '../connection/end-to-end.js';
import type { ConnectionHistory } from '../connection/history.js';
import { CheckProgress } from '../connection/progress.js';
import { type CachedTokenInUse, cachedTokenInUse } from '../connection/token-in-use.js';
import type { Undeliverable } from '../custody/dispose.js';
import type { TokenDisposer } from '../custody/disposer.js';
import type { HeldToken, HeldTokens } from '../custody/held.js';
import { InFlight, type Phase, TokensInFlight } from '../custody/in-flight.js';
import { type AppError, appError, isAppError, toAppError } from '../errors/index.js';
import type { Logger } from '../log.js';
import {
  accountText,
  checkTokenResponse,
  type Identity,
  permissionInWords,
  requestedScopes,
} from '../providers/index.js';
import { scrubTokens } from '../security/redaction.js';
import type { CheckResult } from '../snowflake/check-function.js';
import { type TokenInHistory, tokenInQueryHistory } from '../snowflake/query-history.js';
import type { SecretWriter, WriteResult } from '../snowflake/secret-writer.js';
import {
  type SnowflakeSession,
  StatementCancelledError,
  StatementNotSentError,
  StatementTimeoutError,
} from '../snowflake/session.js';
import { SqlValueError } from '../snowflake/sql.js';
import type { WarehouseWarmup } from '../snowflake/warm-up.js';
import type { EventLog } from '../status/events.js';
import type { OAuthClient } from './client.js';
import { oauthError } from './errors.js';
import { fetchIdentity, signInEmail } from './identity.js';
import type { FlowIntent, PendingFlows } from './pending.js';

export interface FlowDeps {
  /** This account's config: its secret and functions (accounts/account-config.ts). */
  config: AppConfig;
  /** The account's label; each account has a flow of its own. */
  account: string;
  client: OAuthClient;
  pending: PendingFlows;
  session: SnowflakeSession;
  writer: SecretWriter;
  held: HeldTokens;
  events: EventLog;
  log: Logger;
  /** Who the secret holds, per the app's history. */
  history: ConnectionHistory;
  /** Proves the chain after a write, and records it. */
  endToEnd: EndToEndCheck;
  /** Revokes or drops a token that will not be delivered, and records it. */
  disposer: TokenDisposer;
  /** Gets the warehouse running while the user is on the consent page (coalesced). */
  warmup: WarehouseWarmup;
  /** The invite links (invites/store.ts): a sign-in started from one writes only while it is open. */
  invites?: InviteGuard;
}

/**
 * What the flow needs of the invite store. A sign-in started from an invite link is the admin's decision to
 * (re)fill that account: it is never asked "replace the account?", and a participant cannot press Retry
 * or Cancel, so a failed write disposes of its token at once instead of holding it.
 */
export interface InviteGuard {
  /** Throws why invite `id` can write nothing for `account` (unknown, another account's, used, expired, revoked). */
  requireOpen(id: string, account: string): unknown;
  /** Takes the open invite for one write (or throws as requireOpen does); released unless marked used. */
  claim(id: string, account: string): { from: string; release(): void };
  markUsed(id: string, by: { userId: string; email?: string }): void;
  /** What the admin's invites page says went wrong. */
  noteFailure(id: string, failure: { code: string; title: string }): void;
}

export interface Connected {
  kind: 'connected';
  intent: FlowIntent;
  identity: Identity;
  scopes: string[];
  secret: string;
  write: WriteResult;
  check: CheckResult;
  /** The user the secret held before, when it was someone else (or nobody). */
  previousUserId?: string;
  /** That user's email, when the app recorded one. */
  previousEmail?: string;
  /** Set when another sign-in wrote the secret right after this one. */
  supersededBy?: string;
  /** Whether Snowflake's query history shows the token in this write's ALTER SECRET. */
  tokenInHistory: TokenInHistory;
  /** When it does: who can read it and what to do (the catalog's text). */
  historyNote?: AppError;
  /**
   * The access token Snowflake still held cached right after the write, when one did: until it expires the
   * check may run on it (as it did if it passed as the same account), not on the token just written.
   */
  cachedAtWrite?: Date;
  /** What else the page must say: numbers from the provider the app refused to write. */
  notes: AppError[];
}

/**
 * Written, but not proven: the check ran on the access token Snowflake cached before the write (another
 * account's, or the revoked grant's), so it says nothing about this token until that one expires.
 */
export interface Pending extends Omit<Connected, 'kind'> {
  kind: 'pending';
  inUse: CachedTokenInUse;
  /** What the page says: which token Snowflake uses, until when, and what to do. */
  error: AppError;
}

export interface Held {
  kind: 'held';
  heldId: string;
  heldUntil: number;
  identity: Identity;
  scopes: string[];
  error: AppError;
  /** The page asks before replacing another account's token. */
  reason: 'write_failed' | 'confirm_switch';
  previousUserId?: string;
  previousEmail?: string;
  /** What happens to the token if it is not saved in time (or on Cancel, or when the app stops). */
  onExpiry: 'revoke' | 'drop' | 'ask';
  /** The write timed out: Snowflake may or may not have taken the token. */
  outcomeUnknown?: boolean;
  /** Fitbit keeps one token per user and app: this sign-in made Snowflake's copy stop working. */
  replacedPrevious?: boolean;
  /** What else the page must say: numbers from the provider the app refused to write. */
  notes: AppError[];
}

/** The end of the work after a write: the check's verdict on it. */
export type Checked = Connected | Pending;

/**
 * Written: what the browser is answered with the moment the write succeeded. The check and the history
 * lookup go on in the background; `progress` streams their stages and ends with the Connected or Pending
 * outcome (the result page shows that once it is in).
 */
export interface Written
  extends Pick<
    Connected,
    'intent' | 'identity' | 'scopes' | 'secret' | 'write' | 'previousUserId' | 'previousEmail' | 'notes'
  > {
  kind: 'written';
  progress: CheckProgress<Checked>;
}

export type Outcome = Written | Held;

/** How long after answering "written" the check starts (a check takes seconds; the page, a millisecond). */
const CHECK_AFTER_ANSWER_MS = 20;

/** What the browser waiting for a step is told when the stop gives up on it, by where its token was. */
const STOPPING_VARIANT: Record<Phase, 'no_token' | 'not_saved' | 'write_running' | 'written'> = {
  exchanging: 'no_token',
  in_hand: 'not_saved',
  writing: 'write_running',
  written: 'written',
  held: 'not_saved',
  disposed: 'not_saved',
};

/** What the result page says once the check is done, with the cross-check of whom Snowflake saw. */
function checkDoneLabel(
  check: CheckResult,
  writtenUserId: string,
  seen: CachedTokenInUse | undefined,
): string {
  if (seen?.kind === 'previous_account')
    return `Snowflake’s check answered as ${seen.seenUserId}, not as ${writtenUserId}: it still uses the access token it cached before the write.`;
  if (seen?.kind === 'previous_token')
    return 'The check failed on the access token Snowflake cached before the write: it says nothing about the token just written yet.';
  if (check.ok) {
    const who =
      check.seenUserId === writtenUserId
        ? `${writtenUserId}, the account you signed in with`
        : (check.seenUserId ?? 'the account in the secret');
    return `Passed in ${check.ms} ms: Snowflake called the API through the secret, and it answered as ${who}.`;
  }
  return `Failed (${check.failure}): ${check.message ?? 'no message'}`;
}

/** What the result page says once the query history was looked up. */
const HISTORY_LABEL: Record<TokenInHistory, string> = {
  shown: 'Snowflake’s query history shows the token in this write’s ALTER SECRET (see below).',
  redacted: 'Snowflake’s query history keeps this write’s ALTER SECRET with the token redacted.',
  not_found: 'This write’s ALTER SECRET was not found in the session’s query history.',
  unknown: 'The app could not read the session’s query history.',
};

export class ConnectFlow {
  /** Sign-in steps under way (callbacks, Saves, Cancels), and where each one's token is. */
  private readonly steps = new TokensInFlight();
  /** The app is stopping: no new step starts. */
  private stopping = false;
  /** Aborted when the stop can wait no longer: writes are cancelled, each step ends its custody at once. */
  private readonly gaveUp = new AbortController();
  private stopped?: Promise<void>;

  constructor(private readonly d: FlowDeps) {
    // One listener per step under way (and per write), by design: no "possible leak" warning at 11.
    setMaxListeners(0, this.gaveUp.signal);
  }

  private stoppingError(
    variant: 'refused' | 'no_token' | 'not_saved' | 'write_running' | 'written',
  ): AppError {
    return appError('app_stopping', { variant, provider: this.d.client.profile.displayName });
  }

  /**
   * Runs one step with its custody record. The browser waiting for it gets the "app stopping" page as
   * soon as the stop gives up on it, while the step ends its token's custody in the background (the stop
   * waits for that). A step that fails unexpectedly with a token in hand still disposes of it.
   */
  private run<T>(work: (step: InFlight) => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(this.stoppingError('refused'));
    const step = new InFlight();
    const p = work(step).catch(async (e: unknown) => {
      if (step.token) {
        this.d.log.error(
          { err: { name: (e as Error).name, message: scrubTokens(String((e as Error).message)) } },
          'a sign-in step failed with a token in hand',
        );
        await this.disposeStep(step, 'the sign-in failed unexpectedly', {
          mayBeDelivered: step.phase === 'writing',
        });
      }
      throw e;
    });
    this.steps.add(step, p);
    const signal = this.gaveUp.signal;
    let onAbort = () => {};
    const gaveUp = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.stoppingError(STOPPING_VARIANT[step.phase]));
    });
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    p.then(done, done);
    return Promise.race([p, gaveUp]);
  }

  /**
   * The stop's part: no new step starts; the steps under way get up to `waitMs` to finish; then the stop
   * gives up on the rest (a write Snowflake is running is cancelled and its token forgotten, since
   * Snowflake may still apply it; a token not written yet is disposed of by the usual rule, without
   * asking Snowflake) and waits up to `disposeMs` for those disposals. A token still unaccounted for
   * after that is recorded as forgotten. Idempotent.
   */
  stop(waitMs: number, disposeMs: number): Promise<void> {
    this.stopped ??= this.stopNow(waitMs, disposeMs);
    return this.stopped;
  }

  private async stopNow(waitMs: number, disposeMs: number): Promise<void> {
    const { log, events } = this.d;
    this.stopping = true;
    if (await this.steps.settled(waitMs)) return;
    log.warn(
      { steps: this.steps.size, waitedMs: waitMs },
      'sign-ins still running as the app stops: giving up on them',
    );
    this.gaveUp.abort();
    if (await this.steps.released(disposeMs)) return;
    for (const step of this.steps.holdingTokens()) {
      const t = step.token!;
      const phase = step.phase;
      step.end('disposed');
      events.append({
        type: 'token_dropped',
        userId: t.userId,
        reason: `app stopped before the token could be disposed of (${phase === 'writing' ? 'its write was still running' : 'still on its way'}); forgotten, not revoked`,
      });
      log.warn(
        { userId: t.userId, phase },
        'undelivered refresh token dropped from memory as the app stopped',
      );
    }
  }

  /** Hands the step's token to the disposer (revoke or drop by the rule), then ends its custody. */
  private async disposeStep(step: InFlight, why: string, extra: Partial<Undeliverable> = {}): Promise<void> {
    const t = step.token;
    if (!t) return;
    // Once the stop gave up, Snowflake is not asked whose token the secret holds: it may be why the stop is slow.
    await this.d.disposer.dispose({ ...t, ...extra }, why, { askSnowflake: !this.gaveUp.signal.aborted });
    step.end('disposed');
  }

  /** After a step that took time: if the stop gave up meanwhile, the token is disposed of rather than used. */
  private async unlessGaveUp(step: InFlight): Promise<void> {
    if (!this.gaveUp.signal.aborted) return;
    await this.disposeStep(step, 'app stopped before the token was saved');
    throw this.stoppingError('not_saved');
  }

  /**
   * Creates the one-time state and PKCE verifier, warms Snowflake (the login, then the warehouse: both run
   * while the user is on the consent page, never awaited here), and returns the provider URL.
   */
  async start(browserId: string, intent: FlowIntent, opts: { invite?: string } = {}): Promise<URL> {
    const { config, client, pending, session, warmup, account } = this.d;
    const state = oidc.randomState();
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    pending.add({ state, verifier, browserId, intent, account, invite: opts.invite });
    session.warm();
    warmup.warm();
    client.warm?.(); // the provider's connections, for the callback
    return oidc.buildAuthorizationUrl(client.config, {
      redirect_uri: config.oauth.redirectUri,
      scope: requestedScopes(client.profile, config.oauth.scopes).join(' '),
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...client.profile.authorizationParams,
    });
  }

  get account(): string {
    return this.d.account;
  }

  /** Handles the provider's redirect. Throws AppError for failures before a token exists. */
  finish(query: Record<string, string>, browserId: string | undefined): Promise<Outcome> {
    return this.run((step) => this.finishNow(step, query, browserId));
  }

  private async finishNow(
    step: InFlight,
    query: Record<string, string>,
    browserId: string | undefined,
  ): Promise<Outcome> {
    const { config, client, pending, log, events } = this.d;
    const profile = client.profile;
    const state = query.state;
    if (!state) {
      throw appError('state_invalid');
    }
    const taken = pending.take(state, browserId);
    if (!taken.ok) {
      if (taken.reason === 'other_browser') {
        throw appError('state_other_browser');
      }
      throw appError('state_expired');
    }
    const flow = taken.flow;
    // The callback route hands each sign-in to its own account's flow: a mismatch is a bug, never a write.
    if (flow.account !== this.d.account) throw appError('state_invalid');
    // Revoked, expired or used since its start: refused before the code is exchanged, so no token exists.
    if (flow.invite) this.inviteGuard().requireOpen(flow.invite, this.d.account);
    if (query.error) {
      events.append({
        type: 'connect_failed',
        provider: profile.id,
        code: query.error,
        reason: 'provider returned an error to the callback',
      });
      const upstream = { source: profile.displayName, code: query.error, message: query.error_description };
      if (query.error === 'access_denied') {
        throw appError('consent_denied', { provider: profile.displayName }, { upstream });
      }
      throw appError(
        'provider_callback_error',
        {
          provider: profile.displayName,
          error: query.error,
          description: query.error_description,
          redirectUri: config.oauth.redirectUri,
        },
        { upstream },
      );
    }
    if (!query.code) {
      throw appError('bad_request', { variant: 'no_code' });
    }
    // A consent that took longer than the warm-up's window: start the warehouse again now, alongside the
    // code exchange (not awaited; coalesced like the one at start).
    this.d.warmup.warm();

    // The token request's redirect_uri is the configured one, byte for byte (config.ts insists it is
    // in normal form), never one rebuilt from this request's Host header.
    const currentUrl = new URL(config.oauth.redirectUri);
    for (const [k, v] of Object.entries(query)) currentUrl.searchParams.set(k, v);
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.authorizationCodeGrant(client.config, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
      });
    } catch (e) {
      const err = oauthError(e, {
        profile,
        step: 'exchanging the code for tokens',
        redirectUri: config.oauth.redirectUri,
        clientId: config.oauth.clientId,
      });
      events.append({
        type: 'connect_failed',
        provider: profile.id,
        code: err.upstream?.code ?? err.code,
        reason: err.title,
      });
      throw err;
    }
    const refreshToken = tokens.refresh_token;
    const accessToken = tokens.access_token;
    if (refreshToken) step.hold({ refreshToken });
    const granted = tokens.scope ? tokens.scope.split(/\s+/).filter(Boolean) : config.oauth.scopes;

    if (!refreshToken) {
      events.append({
        type: 'connect_failed',
        provider: profile.id,
        code: 'no_refresh_token',
        reason: 'token response had no refresh token',
      });
      throw appError('no_refresh_token', {
        variant: profile.refreshTokenNeedsOfflineConsent ? 'offline_consent' : 'other',
        permissionsUrl: profile.accountPermissionsUrl,
      });
    }

    const have = profile.scopeSet(granted.join(' '));
    // The whole configured set is required: it is what the integration allows and the functions need.
    const missing = config.oauth.scopes.filter((sc) => !have.has(sc));
    // Who signed in, even when a scope is missing: disposing of the token safely depends on it.
    let identity: Identity | undefined;
    let identityError: unknown;
    try {
      const email = signInEmail(tokens);
      identity = await fetchIdentity(client, config.oauth.healthApiUrl, accessToken);
      if (email) identity = { ...identity, email };
    } catch (e) {
      identityError = e;
    }
    step.hold({ refreshToken, userId: identity?.userId, email: identity?.email });

    if (missing.length) {
      await this.disposeStep(step, 'required scope not granted');
      events.append({
        type: 'connect_failed',
        provider: profile.id,
        userId: identity?.userId,
        email: identity?.email,
        code: 'scope_missing',
        reason: `not granted: ${missing.join(' ')}`,
      });
      throw appError('scope_missing', {
        missing: missing.map((sc) => permissionInWords(profile, sc, config.dataKinds)),
      });
    }
    if (!identity) {
      await this.disposeStep(step, 'identity check failed');
      const err = isAppError(identityError)
        ? identityError
        : oauthError(identityError, {
            profile,
            step: 'checking who signed in',
            redirectUri: config.oauth.redirectUri,
            clientId: config.oauth.clientId,
          });
      events.append({ type: 'connect_failed', provider: profile.id, code: err.code, reason: err.title });
      throw err;
    }

    // Every number the provider sent is range-checked first: a refused one is reported, never written.
    const checked = checkTokenResponse(tokens as unknown as Record<string, unknown>);
    const lifetime = profile.refreshTokenLifetimeSeconds(checked.response, config.oauth.clientStatus);
    const refreshExpiresAt = lifetime ? new Date(Date.now() + lifetime * 1000) : undefined;
    const notes = checked.refused.map((r) =>
      appError('provider_number_refused', {
        provider: profile.displayName,
        claim: r.claim,
        field: r.field,
        range: r.range,
        instead: refreshExpiresAt
          ? `the expiry the app knows for this client (${Math.round(lifetime! / 86_400)} days) was written instead`
          : 'no expiry was written',
      }),
    );
    if (checked.refused.length)
      log.warn(
        { refused: checked.refused.map((r) => ({ field: r.field, value: r.shown })) },
        'the provider sent a number out of range: it is not written',
      );
    // Asked against the last account connected, even when its token has died since: re-authorizing
    // after a revocation with another account must not silently switch accounts.
    const previousUserId = this.d.history.lastConnectedUser();
    const previousEmail = this.d.history.emailOf(previousUserId);

    // A different account than the one Snowflake has now: say so plainly before writing (not for an invite:
    // the admin who made it decided to fill this account, and the participant could not answer anyway).
    if (previousUserId !== undefined && previousUserId !== identity.userId && !flow.invite) {
      await this.unlessGaveUp(step);
      const held = this.d.held.hold({
        browserId: flow.browserId,
        refreshToken,
        refreshExpiresAt,
        identity,
        scopes: granted,
        intent: flow.intent,
        notes,
      });
      step.end('held');
      log.info({ userId: identity.userId, previousUserId }, 'different account: asking before writing');
      return {
        kind: 'held',
        reason: 'confirm_switch',
        heldId: held.id,
        heldUntil: held.heldUntil,
        identity,
        scopes: granted,
        previousUserId,
        previousEmail,
        onExpiry: this.onExpiry(held),
        error: appError('different_account', {
          previousUserId: accountText({ userId: previousUserId, email: previousEmail }),
          userId: accountText(identity),
        }),
        notes,
      };
    }
    return this.deliver(
      step,
      {
        browserId: flow.browserId,
        refreshToken,
        refreshExpiresAt,
        identity,
        scopes: granted,
        intent: flow.intent,
        notes,
      },
      previousUserId,
      undefined,
      flow.invite,
    );
  }

  private inviteGuard(): InviteGuard {
    if (!this.d.invites) throw appError('invite_unknown');
    return this.d.invites;
  }

  /**
   * Writes the token (first try, retry, or confirmed switch) and answers at once; the end-to-end check and
   * the rest run in the background (afterWrite). `heldId`: the token came from the held store (a Save),
   * and goes back there under that id if the write fails. `invite`: the sign-in came from that invite link.
   */
  private async deliver(
    step: InFlight,
    t: Omit<HeldToken, 'id' | 'heldUntil'>,
    previousUserId: string | undefined,
    heldId?: string,
    invite?: string,
  ): Promise<Outcome> {
    const { writer, events, log, config, client } = this.d;
    await this.unlessGaveUp(step);
    let claim: { from: string; release(): void } | undefined;
    if (invite) {
      // Checked again right before the write: a revoke (or another use) during the sign-in wins.
      try {
        claim = this.inviteGuard().claim(invite, this.d.account);
      } catch (e) {
        await this.disposeStep(step, `invite no longer open (${toAppError(e).title})`);
        throw e;
      }
    }
    let write: WriteResult;
    try {
      write = await writer.write(t.refreshToken, t.refreshExpiresAt, {
        signal: this.gaveUp.signal,
        onSent: () => step.writing(),
      });
    } catch (e) {
      claim?.release();
      if (e instanceof StatementNotSentError) {
        // The stop gave up before Snowflake saw the write: the token was never delivered.
        await this.disposeStep(step, 'app stopped before the token was saved');
        throw this.stoppingError('not_saved');
      }
      if (e instanceof StatementCancelledError) {
        // Snowflake had the write when the stop gave up: a cancel does not undo a statement that already
        // ran, so the token may be in the secret. Only forgotten, as after a timeout.
        log.warn({ cancelAcknowledged: e.acknowledged }, 'app stopped while the write was still running');
        await this.disposeStep(step, 'app stopped while the write was still running', {
          mayBeDelivered: true,
        });
        throw this.stoppingError('write_running');
      }
      const err =
        e instanceof SqlValueError
          ? appError('token_malformed', { reason: e.message })
          : isAppError(e)
            ? e
            : appError('secret_write_failed', { detail: String(e) }, { cause: e });
      events.append({
        type: 'secret_write_failed',
        provider: client.profile.id,
        userId: t.identity.userId,
        email: t.identity.email,
        secret: config.snowflake.secret.display,
        code: err.upstream?.code ?? err.code,
        reason: err.title,
      });
      if (e instanceof SqlValueError) {
        await this.disposeStep(step, 'token refused before writing');
        throw err;
      }
      // Once a write of this token timed out, Snowflake may hold it whatever happens next.
      const mayBeDelivered = t.mayBeDelivered === true || e instanceof StatementTimeoutError;
      // The stop may have drained the held store already: dispose of it now instead of holding it.
      if (this.gaveUp.signal.aborted) {
        await this.disposeStep(step, 'app stopped before the token was saved', { mayBeDelivered });
        throw this.stoppingError('not_saved');
      }
      if (invite && claim) {
        // Nobody who could press Retry or Cancel is there: dispose of it now, and tell the admin.
        await this.disposeStep(step, 'write for an invite failed: disposed of at once', { mayBeDelivered });
        this.d.invites?.noteFailure(invite, { code: err.code, title: err.title });
        throw appError('invite_write_failed', { from: claim.from, provider: client.profile.displayName });
      }
      // Keep the token in memory (only) so the user can retry once the cause is fixed; a Save's token goes
      // back under the id its page shows.
      const h = this.d.held.hold({ ...t, mayBeDelivered }, heldId);
      step.end('held');
      events.append({
        type: 'token_held',
        userId: t.identity.userId,
        email: t.identity.email,
        reason: err.title,
      });
      log.warn(
        { code: err.code, upstream: err.upstream?.code },
        'secret write failed; token held in memory for retry',
      );
      return {
        kind: 'held',
        reason: 'write_failed',
        heldId: h.id,
        heldUntil: h.heldUntil,
        identity: t.identity,
        scopes: t.scopes,
        error: err,
        previousUserId,
        previousEmail: this.d.history.emailOf(previousUserId),
        onExpiry: this.onExpiry(h),
        outcomeUnknown: h.mayBeDelivered === true,
        replacedPrevious:
          client.profile.newGrantReplacesPrevious && this.d.history.deliveredUser() === t.identity.userId,
        notes: t.notes ?? [],
      };
    }
    step.end('written');
    const notes = t.notes ?? [];
    const reasons = notes.map((n) => n.why);
    if (invite && claim) {
      this.d.invites?.markUsed(invite, t.identity);
      const replaced =
        previousUserId !== undefined && previousUserId !== t.identity.userId
          ? `, replacing ${accountText({ userId: previousUserId, email: this.d.history.emailOf(previousUserId) })} without asking`
          : '';
      reasons.push(
        `Through an invite from “${claim.from}”: the admin’s invite decides this account${replaced}.`,
      );
    }
    const recorded = events.append({
      type: t.intent === 'reauthorize' ? 'reauthorize' : 'connect',
      ok: true,
      provider: client.profile.id,
      userId: t.identity.userId,
      email: t.identity.email,
      legacyUserId: t.identity.legacyUserId,
      scopes: t.scopes,
      secret: config.snowflake.secret.display,
      expiresAt: t.refreshExpiresAt?.toISOString(),
      ...(reasons.length ? { reason: reasons.join(' ') } : {}),
    });
    log.info(
      { userId: t.identity.userId, secret: config.snowflake.secret.display, seq: write.seq },
      'refresh token written to the secret',
    );
    const written: Written = {
      kind: 'written',
      intent: t.intent,
      identity: t.identity,
      scopes: t.scopes,
      secret: config.snowflake.secret.display,
      write,
      previousUserId,
      previousEmail: this.d.history.emailOf(previousUserId),
      notes,
      progress: new CheckProgress<Checked>(),
    };
    written.progress.reach('written', `The token was written into ${written.secret}.`);
    // The token's custody ended with the write: what follows only proves it, so the browser need not wait.
    this.inBackground(written.progress, () => this.afterWrite(t.refreshToken, written, recorded));
    return written;
  }

  /**
   * Runs the work after a write as a step of its own (no token: custody ended with the write), so that a
   * stop waits for it like for any sign-in step. When the stop gives up on it, or it fails, its page hears
   * why at once; the token stays written either way.
   */
  private inBackground(progress: CheckProgress<Checked>, work: () => Promise<void>): void {
    const signal = this.gaveUp.signal;
    const onAbort = () => progress.abandon(this.stoppingError('written'));
    // The stop gave up as the write landed: nothing more runs, the page says the check did not finish.
    if (signal.aborted) {
      onAbort();
      return;
    }
    const step = new InFlight();
    step.phase = 'written';
    signal.addEventListener('abort', onAbort, { once: true });
    // Started a moment after the answer ("written"): the browser's next request, the page that says so, is
    // answered first rather than behind the check's first statements (measured: ~3 ms at L = 0, npm run bench).
    const p = new Promise<void>((resolve) => setTimeout(resolve, CHECK_AFTER_ANSWER_MS))
      .then(() => (signal.aborted ? undefined : work()))
      .catch((e: unknown) => {
        this.d.log.error(
          { err: { name: (e as Error).name, message: scrubTokens(String((e as Error).message)) } },
          'the check after a write failed unexpectedly',
        );
        progress.abandon(toAppError(e));
      })
      .finally(() => signal.removeEventListener('abort', onAbort));
    this.steps.add(step, p);
  }

  /**
   * The check after a write, then where the token went (query history), then who the secret holds now: each
   * stage reported as it is reached, the outcome last. Nothing here holds the token but `token`, which is
   * only compared with the history's text in memory.
   */
  private async afterWrite(
    token: string,
    written: Written,
    recorded: ReturnType<EventLog['append']>,
  ): Promise<void> {
    const { writer, events, log, config, client } = this.d;
    const { progress, identity, write } = written;
    progress.reach(
      'check_started',
      `Snowflake’s end-to-end check started: it calls ${config.snowflake.checkFunction.display} through the secret.`,
    );
    // What Snowflake still holds cached after the write (no warehouse): until it expires, a check may run
    // on it rather than on this token, and a failure then is not this token's.
    const cachedAtWrite = await this.d.endToEnd.liveCachedAccessToken();
    if (cachedAtWrite) events.amend(recorded, { accessTokenCachedUntil: cachedAtWrite.toISOString() });
    const check = await this.checkWithStages(progress);
    if (this.gaveUp.signal.aborted) return; // the page was told; the session is about to close
    // Once another write came after this one, the check may be about that one: nothing to compare.
    const laterWrite = () => writer.lastSeq > write.seq;
    const seen = laterWrite() ? undefined : cachedTokenInUse(identity.userId, check);
    progress.reach('check_done', checkDoneLabel(check, identity.userId, seen), {
      ok: check.ok && seen === undefined,
    });
    const tokenInHistory = await this.tokenInHistory(token, write, check);
    events.amend(recorded, { tokenInHistory });
    progress.reach('history_checked', HISTORY_LABEL[tokenInHistory]);
    // A write queued behind this one (two sign-ins finishing together) decides what the secret holds.
    await writer.idle();
    const after = laterWrite() ? this.d.history.deliveredUser() : undefined;
    const supersededBy = laterWrite()
      ? after
        ? accountText({ userId: after, email: this.d.history.emailOf(after) })
        : 'another sign-in'
      : undefined;
    const { progress: _progress, kind: _kind, ...facts } = written;
    const connected: Connected = {
      ...facts,
      kind: 'connected',
      check,
      supersededBy,
      tokenInHistory,
      historyNote:
        tokenInHistory === 'shown'
          ? appError('token_in_query_history', {
              user: config.snowflake.connection.username ?? 'the app’s user',
              warehouse: config.snowflake.connection.warehouse ?? 'the app’s warehouse',
              permissionsUrl: client.profile.accountPermissionsUrl,
            })
          : undefined,
      cachedAtWrite,
    };
    const inUse = supersededBy ? undefined : cachedTokenInUse(identity.userId, check);
    if (!inUse) {
      progress.finish(connected);
      return;
    }
    log.warn(
      { userId: identity.userId, seenUserId: inUse.seenUserId, until: inUse.until, kind: inUse.kind },
      'token written, but Snowflake still uses the access token it cached before the write',
    );
    progress.finish({
      ...connected,
      kind: 'pending',
      inUse,
      error: appError('snowflake_cached_token', {
        variant: inUse.kind,
        userId: accountText(identity),
        seenUserId: inUse.seenUserId
          ? accountText({ userId: inUse.seenUserId, email: this.d.history.emailOf(inUse.seenUserId) })
          : undefined,
        until: inUse.until,
        passed: false,
        provider: client.profile.displayName,
        permissionsUrl: client.profile.accountPermissionsUrl,
      }),
    });
  }

  /**
   * Runs the end-to-end check, reporting whether it waits for the warehouse: it does while the warm-up
   * started at /connect is still waiting for one (a quick consent), or when no warm-up ran lately (then
   * one starts now, beside the check, and says when the warehouse is up).
   */
  private async checkWithStages(progress: CheckProgress<Checked>): Promise<CheckResult> {
    const { warmup, config } = this.d;
    const fn = config.snowflake.checkFunction.display;
    const running = () => {
      if (progress.reached('check_done')) return;
      progress.reach(
        'function_running',
        `The check function ${fn} is running: Snowflake gets an access token with the refresh token and calls the ${this.d.client.profile.displayName}.`,
      );
    };
    if (warmup.state() !== 'running') warmup.warm();
    const starting = warmup.underWay();
    if (starting) {
      const wh = config.snowflake.connection.warehouse ?? 'the app’s warehouse';
      progress.reach('warehouse_resuming', `The warehouse ${wh} is starting (it sleeps between uses).`);
      void starting.then(running);
    } else running();
    const check = await this.d.endToEnd.runFresh();
    running();
    return check;
  }

  /**
   * Where the token went: whether the session's query history shows it in the ALTER SECRET's text. One
   * warehouse statement, after the check (the warehouse is running then); skipped when the check could not
   * use Snowflake. The answer is a word; the text is compared in memory and dropped.
   */
  private async tokenInHistory(
    token: string,
    write: WriteResult,
    check: CheckResult,
  ): Promise<TokenInHistory> {
    const { session, config, log } = this.d;
    if (!check.ok && check.failure === 'snowflake') return 'unknown';
    const found = await tokenInQueryHistory(session, write.ran, config.snowflake.secret.parts[0]!, token);
    if (found.answer === 'shown')
      log.warn("Snowflake's query history shows the refresh token in the ALTER SECRET's text");
    else log.info({ answer: found.answer, reason: found.reason }, 'query history looked up for the write');
    return found.answer;
  }

  /** What disposing of a held token would do, as things stand now. */
  private onExpiry(t: HeldToken): 'revoke' | 'drop' | 'ask' {
    return this.d.disposer.plan({
      refreshToken: t.refreshToken,
      userId: t.identity.userId,
      mayBeDelivered: t.mayBeDelivered,
    });
  }

  /** "Retry saving" / "Write this account's token" on a held token. */
  retryHeld(heldId: string, browserId: string | undefined): Promise<Outcome> {
    return this.run(async (step) => {
      const t = this.take(step, heldId, browserId, 'save');
      if (!t) throw appError('held_token_gone');
      return this.deliver(step, t, this.d.history.lastConnectedUser(), t.id);
    });
  }

  /**
   * "Cancel" on a held token: dispose of it now. False when there is nothing to cancel (gone, or another
   * browser's).
   */
  cancelHeld(heldId: string, browserId: string | undefined): Promise<boolean> {
    return this.run(async (step) => {
      if (!this.take(step, heldId, browserId, 'cancel')) return false;
      await this.disposeStep(step, 'cancelled by the user');
      return true;
    });
  }

  /**
   * Takes a held token for this step alone (undefined: the app does not hold it for this browser). When
   * another action took it first, the page says which (held_token_claimed).
   */
  private take(
    step: InFlight,
    heldId: string,
    browserId: string | undefined,
    by: 'save' | 'cancel',
  ): HeldToken | undefined {
    const claim = this.d.held.take(heldId, browserId, by);
    if (!claim.ok) {
      if (claim.by) throw appError('held_token_claimed', { by: claim.by });
      return undefined;
    }
    const t = claim.token;
    step.hold({
      refreshToken: t.refreshToken,
      userId: t.identity.userId,
      email: t.identity.email,
      mayBeDelivered: t.mayBeDelivered,
    });
    return t;
  }
}
