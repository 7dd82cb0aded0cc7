// The refresh token's expiry, judged against the app's clock.
import type { Finding } from './types.js';

const DAY_MS = 24 * 3600 * 1000;
const ID = 'token_expiry';
const TITLE = 'Refresh token expiry';

export function expiryCheck(input: {
  expiry: Date | null;
  now: Date;
  /** The expiry was read from the secret (else from the provider's token response). */
  fromSecret: boolean;
  /** The Google client is in Testing status: its tokens die 7 days after consent. */
  testingClient: boolean;
}): Finding {
  const { expiry, now, fromSecret, testingClient: testing } = input;
  const source = fromSecret
    ? 'the secret’s OAUTH_REFRESH_TOKEN_EXPIRY_TIME'
    : 'the provider’s token response';
  const why = testing ? ' (a Testing-status Google client’s tokens die 7 days after consent)' : '';
  const publish = testing ? '; to stop the weekly expiry, publish the Google client to “In production”' : '';
  if (!expiry)
    return {
      id: ID,
      title: TITLE,
      status: 'ok',
      detail:
        'No expiry is known: the provider did not say the refresh token expires (it lasts until revoked).',
    };
  const left = expiry.getTime() - now.getTime();
  if (left <= 0)
    return {
      id: ID,
      title: TITLE,
      status: 'failed',
      detail: `The refresh token expired at ${expiry.toISOString()} (from ${source})${why}.`,
      fix: `Re-authorize now${publish}.`,
    };
  if (left <= DAY_MS)
    return {
      id: ID,
      title: TITLE,
      status: 'warning',
      detail: `The refresh token expires at ${expiry.toISOString()}, in less than a day (from ${source})${why}.`,
      fix: `Re-authorize before then${publish}.`,
    };
  return {
    id: ID,
    title: TITLE,
    status: 'ok',
    detail: `The refresh token expires at ${expiry.toISOString()} (from ${source})${why}.`,
  };
}
