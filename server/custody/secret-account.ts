// Whose refresh token the secret holds. The app's history usually says (connection/history.ts); when it
// cannot (a new data directory, another machine, a token pasted by hand) Snowflake is asked, and only
// before disposing of an undelivered token whose revocation could also kill Snowflake's copy: DESCRIBE
// SECRET (is there a secret at all), then the end-to-end check (whose identity does Snowflake's token
// belong to). Anything inconclusive is 'unknown'.
import { isAppError } from '../errors/index.js';
import type { ProviderProfile } from '../providers/index.js';
import { ChainReader } from '../snowflake/chain-reader.js';
import type { CheckResult } from '../snowflake/check-function.js';
import type { SnowflakeSession } from '../snowflake/session.js';
import type { QualifiedName } from '../snowflake/sql.js';

/** A user, nobody live (never written, or known to be revoked), or unknown (no history, Snowflake can't say). */
export type SecretAccount = { kind: 'user'; userId: string } | { kind: 'none' } | { kind: 'unknown' };

export async function secretAccountFromSnowflake(
  session: SnowflakeSession,
  secret: QualifiedName,
  profile: ProviderProfile,
  runCheck: () => Promise<CheckResult>,
): Promise<SecretAccount> {
  try {
    await new ChainReader(session).secret(secret);
  } catch (e) {
    return isAppError(e) && e.code === 'snowflake_object_missing' ? { kind: 'none' } : { kind: 'unknown' };
  }
  const r = await runCheck();
  if (r.ok) {
    const id = profile.userIdFromCheck(r.value);
    return id ? { kind: 'user', userId: id } : { kind: 'unknown' };
  }
  return r.failure === 'token_revoked' ? { kind: 'none' } : { kind: 'unknown' };
}
