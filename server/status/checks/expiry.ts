// When the tokens die, as each party sees it: what the provider said at the last connect, and what
// Snowflake shows in DESCRIBE SECRET (the refresh token's expiry, which may come from the integration's
// OAUTH_REFRESH_TOKEN_VALIDITY, and the access token it keeps cached). Judged against the app's clock: a
// warning ahead of the earliest refresh-token expiry that counts, with the fix for where it came from.
import { type Field, isUnreadable } from '../../snowflake/chain-reader.js';
import type { Finding } from './types.js';
import { sqlName } from './unknown.js';

/**
 * How far ahead of a refresh token's death the row turns into a warning. A day: a person who looks daily,
 * a daily scheduled end-to-end check and a monitor polling `npm run status` all see it at least once
 * with time left to re-authorize, while a 7-day Testing token is not flagged for most of its life.
 */
export const EXPIRY_WARNING_LEAD_MS = 24 * 3600 * 1000;

/** OAUTH_REFRESH_TOKEN_VALIDITY's default on an API_AUTHENTICATION integration: 90 days. */
export const DEFAULT_REFRESH_TOKEN_VALIDITY_S = 7_776_000;
/**
 * The value the fix raises it to. Snowflake's reference for API_AUTHENTICATION integrations gives the
 * default and no range; for its own OAuth integrations 90 days is the most without Snowflake Support. So
 * the fix never asks for more than the default, and says so when the integration already has it.
 */
export const FIX_REFRESH_TOKEN_VALIDITY_S = DEFAULT_REFRESH_TOKEN_VALIDITY_S;

/** Snowflake's expiry equals the provider's when the app wrote it (the literal keeps whole seconds). */
const SAME_AS_PROVIDER_MS = 60_000;
/** Snowflake's expiry is "the last write plus the validity" within this (the two clocks and the write). */
const SAME_AS_VALIDITY_MS = 5 * 60_000;

const ID = 'token_expiry';
const TITLE = 'Refresh token expiry';

export type RefreshOrigin = 'provider' | 'integration_validity' | 'unexplained';

export interface ExpiryInput {
  now: Date;
  /**
   * What the provider said when the token was written: when it dies, or null when it declared no
   * expiry; undefined when the app does not know (no connect in its history).
   */
  provider: Date | null | undefined;
  /** The app's history has a connect for this secret (so an unexplained Snowflake expiry is left over). */
  history: boolean;
  /** When the last connect wrote the token. */
  writtenAt: Date | undefined;
  /** DESCRIBE SECRET's expiry times; undefined when the secret could not be read. */
  snowflake: { refresh: Field<Date | null>; access: Field<Date | null> } | undefined;
  /** The integration's OAUTH_REFRESH_TOKEN_VALIDITY (s); null when not listed, undefined when not read. */
  validity: Field<number | null> | undefined;
  /** The security integration as Snowflake prints it, for the fix. */
  integration: string | undefined;
  /** The secret as SQL, for a statement that shows its expiry times. */
  secretSql: string;
  /** The Google client is in Testing status: its tokens die 7 days after consent. */
  testingClient: boolean;
  /** Google: a production refresh token has no fixed lifetime, but dies unused, revoked or over the cap. */
  google: boolean;
}

/** /status.json's `expiries`: every view of the tokens' lives, and the one that counts first. */
export interface ExpiryView {
  /** What the provider said at the last connect; null without a connect in the app's history. */
  provider: { at: string | null } | null;
  /** What DESCRIBE SECRET shows; null when the secret could not be read. */
  snowflake: {
    refreshToken: {
      at: string | null;
      /** Where it seems to come from; null when Snowflake shows none or it could not be read. */
      origin: RefreshOrigin | null;
      /** Whether it counts for the warning (one left over from an earlier write does not). */
      counted: boolean;
      unreadable: string | null;
    };
    accessToken: { at: string | null; unreadable: string | null };
  } | null;
  /** The integration's OAUTH_REFRESH_TOKEN_VALIDITY; null when the app could not read the integration. */
  refreshTokenValidity: { seconds: number | null; unreadable: string | null } | null;
  /** The earliest refresh-token expiry that counts. */
  earliest: { at: string; from: 'provider' | 'snowflake'; passed: boolean; soon: boolean } | null;
  warnAheadHours: number;
  /** What to do before (or since) `earliest`; null when nothing is known to end. */
  fix: string | null;
  fixSql: string | null;
}

const iso = (d: Date) => d.toISOString();
const days = (s: number) => `${Math.round((s / 86400) * 10) / 10} days`;

function origin(input: ExpiryInput, at: Date): RefreshOrigin {
  const { provider, writtenAt, validity } = input;
  if (provider && Math.abs(at.getTime() - provider.getTime()) <= SAME_AS_PROVIDER_MS) return 'provider';
  if (writtenAt && typeof validity === 'number') {
    const expected = writtenAt.getTime() + validity * 1000;
    if (Math.abs(at.getTime() - expected) <= SAME_AS_VALIDITY_MS) return 'integration_validity';
  }
  return 'unexplained';
}

/** The verdict and the view, from one reading of the facts. */
export function judgeExpiry(input: ExpiryInput): { finding: Finding; view: ExpiryView } {
  const { now, provider, snowflake: sf, validity, testingClient: testing } = input;
  const refresh = sf?.refresh;
  const access = sf?.access;
  const sfAt = refresh instanceof Date ? refresh : undefined;
  const sfOrigin = sfAt ? origin(input, sfAt) : null;
  // With the app's history, an expiry Snowflake keeps that neither the provider nor this write explains
  // was left by an earlier write (ALTER SECRET can overwrite it, not clear it): shown, not counted.
  const counted = sfAt !== undefined && (sfOrigin !== 'unexplained' || !input.history);

  const candidates: { at: Date; from: 'provider' | 'snowflake' }[] = [];
  if (provider) candidates.push({ at: provider, from: 'provider' });
  if (sfAt && counted && sfOrigin !== 'provider') candidates.push({ at: sfAt, from: 'snowflake' });
  candidates.sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = candidates[0];
  const left = first ? first.at.getTime() - now.getTime() : Number.POSITIVE_INFINITY;
  const passed = left <= 0;
  const soon = !passed && left <= EXPIRY_WARNING_LEAD_MS;

  const why = testing ? ' (a Testing-status Google client’s tokens die 7 days after consent)' : '';
  const publish = testing ? '; to stop the weekly expiry, publish the Google client to “In production”' : '';
  const when = passed ? 'now' : 'before then';
  const fromValidity = first?.from === 'snowflake' && sfOrigin === 'integration_validity';
  const integrationSql = input.integration ? sqlName(input.integration) : '<security integration>';
  let fix: string | null = null;
  let fixSql: string | null = null;
  if (first && fromValidity) {
    const v = typeof validity === 'number' ? validity : DEFAULT_REFRESH_TOKEN_VALIDITY_S;
    if (v < FIX_REFRESH_TOKEN_VALIDITY_S) {
      fix = `Raise the integration’s OAUTH_REFRESH_TOKEN_VALIDITY with the statement below (${v} s now; ${FIX_REFRESH_TOKEN_VALIDITY_S} s, 90 days, is the default), then re-authorize ${when}: Snowflake counts it from each write.`;
      fixSql = `ALTER SECURITY INTEGRATION ${integrationSql} SET OAUTH_REFRESH_TOKEN_VALIDITY = ${FIX_REFRESH_TOKEN_VALIDITY_S};`;
    } else
      fix = `Re-authorize ${when}: Snowflake counts OAUTH_REFRESH_TOKEN_VALIDITY (${v} s, ${days(v)}) from each write, and Snowflake documents no longer value for API authentication integrations.`;
  } else if (first) fix = `Re-authorize ${when}${publish}.`;

  // What each party says, in order: the provider, then Snowflake.
  const said: string[] = [];
  if (provider === undefined)
    said.push(
      'The app’s history has no connect for this secret, so what the provider said is not known here.',
    );
  else if (provider === null) {
    said.push('No expiry is known from the provider: it declared none at the last connect.');
    if (input.google && !testing)
      said.push(
        'A Google refresh token still stops working when the user revokes access, after six months unused, or when the Google account holds more than 100 refresh tokens for this client (the oldest goes first); a scheduled end-to-end check keeps it in use (Snowflake refreshes through it whenever its cached access token has expired).',
      );
    else if (!input.google) said.push('It stops working when revoked.');
  } else said.push(`The provider’s token response said the refresh token dies at ${iso(provider)}${why}.`);

  if (!sf) said.push('What Snowflake shows is not known: the secret could not be read.');
  else {
    if (isUnreadable(refresh)) said.push(`Snowflake’s refresh-token expiry is not known: ${refresh.seen}.`);
    else if (!sfAt) said.push('Snowflake shows no refresh-token expiry.');
    else if (sfOrigin === 'provider')
      said.push(`Snowflake shows the same refresh-token expiry (${iso(sfAt)}).`);
    else if (sfOrigin === 'integration_validity' && typeof validity === 'number')
      said.push(
        `Snowflake shows the refresh token expiring at ${iso(sfAt)}: the last write plus the integration’s OAUTH_REFRESH_TOKEN_VALIDITY (${validity} s, ${days(validity)}).`,
      );
    else if (input.history)
      said.push(
        `Snowflake still shows a refresh-token expiry of ${iso(sfAt)}, which is neither what the provider said nor the last write plus the integration’s validity: most likely one written with an earlier token, which ALTER SECRET can overwrite but not clear. Whether Snowflake stops refreshing then is undocumented; the end-to-end check fails if it does.`,
      );
    else
      said.push(
        `Snowflake shows the refresh token expiring at ${iso(sfAt)} (OAUTH_REFRESH_TOKEN_EXPIRY_TIME).`,
      );
    if (isUnreadable(access)) said.push(`Its cached access token’s expiry is not known: ${access.seen}.`);
    else if (!(access instanceof Date)) said.push('It shows no cached access token.');
    else if (access.getTime() > now.getTime())
      said.push(
        `Its cached access token expires at ${iso(access)}: until then Snowflake may call the API with it, even after a re-authorization.`,
      );
    else
      said.push(
        `Its cached access token expired at ${iso(access)}; Snowflake fetches a new one on the next call.`,
      );
  }

  const source =
    first?.from === 'provider'
      ? 'the provider’s token response'
      : fromValidity
        ? 'Snowflake, from the integration’s OAUTH_REFRESH_TOKEN_VALIDITY'
        : 'the secret’s OAUTH_REFRESH_TOKEN_EXPIRY_TIME';
  const detail = said.join(' ');
  let finding: Finding;
  if (first && passed)
    finding = {
      id: ID,
      title: TITLE,
      status: 'failed',
      detail: `The refresh token expired at ${iso(first.at)} (from ${source})${why}. ${detail}`,
      fix,
      fixSql,
    };
  else if (first && soon)
    finding = {
      id: ID,
      title: TITLE,
      status: 'warning',
      detail: `The refresh token expires at ${iso(first.at)}, in less than a day (from ${source})${why}. ${detail}`,
      fix,
      fixSql,
    };
  else if (isUnreadable(refresh) || isUnreadable(access))
    finding = {
      id: ID,
      title: TITLE,
      status: 'unknown',
      detail,
      fix: 'Run the statement below to see Snowflake’s expiry times yourself. The app expected another shape of answer: please report what Snowflake printed.',
      fixSql: `DESCRIBE SECRET ${input.secretSql};`,
      unseen: true,
    };
  else
    finding = {
      id: ID,
      title: TITLE,
      status: 'ok',
      detail: first
        ? `The refresh token expires at ${iso(first.at)} (from ${source})${why}. ${detail}`
        : detail,
    };

  const view: ExpiryView = {
    provider: provider === undefined ? null : { at: provider ? iso(provider) : null },
    snowflake: sf
      ? {
          refreshToken: {
            at: sfAt ? iso(sfAt) : null,
            origin: sfOrigin,
            counted,
            unreadable: isUnreadable(refresh) ? refresh.seen : null,
          },
          accessToken: {
            at: access instanceof Date ? iso(access) : null,
            unreadable: isUnreadable(access) ? access.seen : null,
          },
        }
      : null,
    refreshTokenValidity:
      validity === undefined
        ? null
        : {
            seconds: typeof validity === 'number' ? validity : null,
            unreadable: isUnreadable(validity) ? validity.seen : null,
          },
    earliest: first ? { at: iso(first.at), from: first.from, passed, soon } : null,
    warnAheadHours: EXPIRY_WARNING_LEAD_MS / 3600_000,
    fix,
    fixSql,
  };
  return { finding, view };
}
