// Deciding what happens to a refresh token that will not reach Snowflake. Revoke it, so nothing is
// left live — except when revoking would also kill the token Snowflake already holds: both providers
// revoke the whole grant (every token of that user for this client), so revoking a second Google token
// of the user whose token is in the secret would break the working connection. Then it is dropped.
import * as oidc from 'openid-client';
import type { Logger } from '../log.js';
import type { OAuthClient } from '../oauth/client.js';
import type { EventLog } from '../status/events.js';
import type { Disposal } from './held.js';
import type { SecretAccount } from './secret-account.js';

export interface Undeliverable {
  refreshToken: string;
  /** Unknown when the identity call failed. */
  userId?: string;
  /** The account's email, when the sign-in said it: recorded with the token's fate. */
  email?: string;
  /** A write of this very token timed out or was cut short: Snowflake may hold it, so revoking could break the secret. */
  mayBeDelivered?: boolean;
}

export function disposalFor(
  client: OAuthClient,
  t: Undeliverable,
  account: SecretAccount,
): 'revoke' | 'drop' {
  if (t.mayBeDelivered) return 'drop';
  if (!client.profile.revokeKillsWholeGrant) return 'revoke';
  // Fitbit keeps one refresh token per user and app: the new grant already replaced Snowflake's copy.
  if (client.profile.newGrantReplacesPrevious) return 'revoke';
  if (account.kind === 'none') return 'revoke';
  // Not knowing whose token Snowflake has, revoking might break a working connection: keep it safe.
  if (account.kind === 'unknown') return 'drop';
  // Same user (or unknown user, which might be the same one): revoking would kill Snowflake's token.
  if (t.userId === undefined || t.userId === account.userId) return 'drop';
  return 'revoke';
}

/** Why a token is dropped rather than revoked: each case of disposalFor's in its own words. */
function dropReason(t: Undeliverable, account: SecretAccount): string {
  if (t.mayBeDelivered)
    return 'its write did not finish (timed out, or cut short by a stop) and the secret may hold it';
  if (account.kind === 'unknown')
    return "the app could not tell whose token the secret holds, and revoking this account's grant could break it";
  if (t.userId === undefined)
    return "the app could not tell who signed in, and it may be the account whose token the secret holds (revoking would revoke that account's whole grant)";
  return 'the secret holds a token of the same account, and revoking would revoke its whole grant';
}

/** Whether knowing who holds the secret's token changes what happens to this one. */
export function needsSecretAccount(client: OAuthClient, t: Undeliverable): boolean {
  return disposalFor(client, t, { kind: 'none' }) !== disposalFor(client, t, { kind: 'unknown' });
}

export async function disposeToken(
  client: OAuthClient,
  t: Undeliverable,
  account: SecretAccount,
  events: EventLog,
  log: Logger,
  why: string,
): Promise<Disposal> {
  const action = disposalFor(client, t, account);
  if (action === 'drop') {
    events.append({
      type: 'token_dropped',
      userId: t.userId,
      email: t.email,
      reason: `${why}; not revoked because ${dropReason(t, account)}`,
    });
    log.info({ userId: t.userId, why }, 'undelivered refresh token dropped from memory');
    return 'dropped';
  }
  try {
    await oidc.tokenRevocation(client.config, t.refreshToken, { token_type_hint: 'refresh_token' });
    events.append({ type: 'token_revoked', userId: t.userId, email: t.email, reason: why });
    log.info({ userId: t.userId, why }, 'undelivered refresh token revoked at the provider');
    return 'revoked';
  } catch (e) {
    events.append({
      type: 'token_revoked',
      ok: false,
      userId: t.userId,
      email: t.email,
      reason: `${why}; revocation failed: ${(e as Error).message}`,
    });
    log.warn(
      { userId: t.userId, why, err: { message: (e as Error).message, code: (e as { code?: string }).code } },
      'revoking an undelivered refresh token failed',
    );
    return 'revoke_failed';
  }
}
