// The end of every token this run obtained. They are its own (none went into the app's secret), so each is
// revoked at the provider, with one exception the app's custody rules make too (custody/dispose.ts): the
// provider revokes every token of an account for a client together, so revoking a token of the account
// whose token the app's secret holds would disconnect the app. Those are only dropped from memory.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as oidc from 'openid-client';
import type { AppConfig } from '../config/index.js';
import { ConnectionHistory } from '../connection/history.js';
import { disposalFor } from '../custody/dispose.js';
import { type SecretAccount, secretAccountFromSnowflake } from '../custody/secret-account.js';
import type { OAuthClient } from '../oauth/client.js';
import { getProfile } from '../providers/index.js';
import { runCheck } from '../snowflake/check-function.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import { EventLog } from '../status/events.js';
import type { Redactor } from './redactor.js';
import type { TokenOutcome } from './report.js';

export interface Obtained {
  refreshToken: string;
  /** Unknown when the sign-in failed before the identity call answered. */
  userId?: string;
}

/**
 * Whose token the app's secret holds: the app's history when it has one (read only: nothing is written to
 * it), else Snowflake, asked as the app asks it (DESCRIBE SECRET, then the app's check function).
 */
export async function appSecretAccount(
  config: AppConfig,
  appSession: () => SnowflakeSession,
  tell: (line: string) => void,
): Promise<SecretAccount> {
  const events = path.join(config.dataDir, 'events.jsonl');
  if (existsSync(events)) {
    const history = new ConnectionHistory(
      new EventLog(config.dataDir),
      config.provider,
      config.snowflake.secret.display,
    );
    const said = history.secretAccount();
    if (said) return said;
  }
  tell(
    "The app's history does not say whose token its secret holds: asking Snowflake as the app does (DESCRIBE SECRET, then one call of its check function) …",
  );
  const session = appSession();
  return secretAccountFromSnowflake(session, config.snowflake.secret, getProfile(config.provider), () =>
    runCheck(session, config.snowflake.checkFunction, config.snowflake.connection),
  );
}

/** Revokes (or drops) every token, one account at a time; the report names accounts "account 1", "account 2". */
export async function disposeAll(
  client: OAuthClient,
  tokens: Obtained[],
  account: SecretAccount,
  redactor: Redactor,
): Promise<TokenOutcome[]> {
  const profile = client.profile;
  const users = [...new Set(tokens.map((t) => t.userId ?? '?'))];
  const out: TokenOutcome[] = [];
  for (const [i, user] of users.entries()) {
    const mine = tokens.filter((t) => (t.userId ?? '?') === user);
    const label = user === '?' ? 'an unidentified account' : `account ${i + 1}`;
    const action = disposalFor(
      client,
      { refreshToken: mine[0]!.refreshToken, userId: mine[0]!.userId },
      account,
    );
    if (action === 'drop') {
      const why =
        account.kind === 'unknown'
          ? "it could not be told whose token the app's secret holds"
          : "the app's secret holds a token of this account";
      out.push({
        account: label,
        tokens: mine.length,
        outcome: 'not revoked',
        detail:
          `${why}, and ${profile.displayName} revokes every token of an account for a client together, so revoking these ${account.kind === 'unknown' ? 'could' : 'would'} disconnect the app. ` +
          'They are gone from this process, but were written into the temporary secrets as literals: if the query-history question says the text shows them, ' +
          `whoever can read the administrator's query history could use them. To end them, remove the app's access at ${profile.accountPermissionsUrl} and connect the app again.`,
      });
      continue;
    }
    // One revocation ends the whole grant where the provider works that way; otherwise each token.
    const targets = profile.revokeKillsWholeGrant ? mine.slice(0, 1) : mine;
    const failures: string[] = [];
    for (const t of targets) {
      try {
        await oidc.tokenRevocation(client.config, t.refreshToken, { token_type_hint: 'refresh_token' });
      } catch (e) {
        failures.push(redactor.upstream(e instanceof Error ? e.message : String(e)));
      }
    }
    out.push(
      failures.length
        ? {
            account: label,
            tokens: mine.length,
            outcome: 'revocation failed',
            detail: `${failures.join('; ')}. Remove the app's access at ${profile.accountPermissionsUrl} if this account is not the one the app uses.`,
          }
        : {
            account: label,
            tokens: mine.length,
            outcome: 'revoked',
            detail: profile.revokeKillsWholeGrant
              ? `revoked at the provider (${profile.displayName}); one revocation ends every token of the account for this client.`
              : `each revoked at the provider (${profile.displayName}).`,
          },
    );
  }
  return out;
}
