// Whether the end-to-end check proved the token just written, or ran on the access token Snowflake cached
// in the secret before the write. Snowflake keeps that token until it expires (DESCRIBE SECRET shows when),
// and whether ALTER SECRET clears it is undocumented: so after an account switch the check may answer as
// the previous account, and after a re-authorization it may fail with the revoked grant's token. Neither
// says anything about the new token yet. One rule, for the result page, the status verdict and the history.

export interface CachedTokenInUse {
  /**
   * `previous_account`: the check answered as another account than the one written;
   * `previous_token`: the check failed on an access token cached before the write (the provider refused it).
   */
  kind: 'previous_account' | 'previous_token';
  /** The account whose token was written. */
  writtenUserId: string;
  /** previous_account: the account Snowflake's check answered as. */
  seenUserId?: string;
  /** When Snowflake's cached access token expires (ISO 8601), or null when Snowflake did not say. */
  until: string | null;
}

/** What a check recorded (an event or a result) that this rule reads. */
export interface CheckFacts {
  ok?: boolean;
  failure?: string;
  seenUserId?: string;
  cachedTokenUntil?: string;
}

/** The check after a write to `writtenUserId`: undefined when it is about the token written (or says nothing). */
export function cachedTokenInUse(
  writtenUserId: string | undefined,
  check: CheckFacts,
): CachedTokenInUse | undefined {
  if (!writtenUserId) return undefined;
  const until = check.cachedTokenUntil ?? null;
  if (check.ok === true && check.seenUserId && check.seenUserId !== writtenUserId)
    return { kind: 'previous_account', writtenUserId, seenUserId: check.seenUserId, until };
  // A failure counts as the old token's only when Snowflake was seen still holding it (the check recorded
  // its expiry): otherwise it is the new token's, and the usual verdict (needs re-authorization) stands.
  if (check.ok === false && check.failure === 'token_revoked' && check.cachedTokenUntil)
    return { kind: 'previous_token', writtenUserId, until };
  return undefined;
}
