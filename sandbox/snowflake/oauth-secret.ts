// What Snowflake keeps in an OAUTH2 secret beside the refresh token, and the switches that decide how
// it behaves where the documentation is silent: when the refresh token counts as expired, whether the
// secret still belongs to its integration, and the access token cached in it.
import type { Catalog, Secret, SecurityIntegration } from './catalog.js';
import type { SecretBinding } from './contract.js';

/**
 * When Snowflake treats the refresh token as expired, or null for never: the OAUTH_REFRESH_TOKEN_EXPIRY_TIME
 * written (it outlives the token it came with: ALTER SECRET cannot clear it), else, under
 * refreshTokenValidity 'applied', the time of the write plus the integration's OAUTH_REFRESH_TOKEN_VALIDITY.
 */
export function refreshTokenExpiresAt(cat: Catalog, secret: Secret): number | null {
  if (secret.refreshTokenExpiry !== null) return secret.refreshTokenExpiry;
  if (cat.behaviour().refreshTokenValidity !== 'applied') return null;
  if (secret.refreshTokenWrittenAt === null || secret.refreshTokenValidityAtWrite === null) return null;
  return secret.refreshTokenWrittenAt + secret.refreshTokenValidityAtWrite * 1000;
}

/** Whether the integration named by the secret is another object than the one the secret was made with. */
export function integrationReplaced(secret: Secret, integ: SecurityIntegration): boolean {
  return secret.integrationId !== null && secret.integrationId !== integ.id;
}

/** Why Snowflake would refuse to fetch an access token for the secret right now, without asking the provider. */
export function refusal(
  cat: Catalog,
  key: string,
  secret: Secret,
  integ: SecurityIntegration,
): string | undefined {
  const where = `secret ${key} (integration ${integ.name})`;
  if (cat.behaviour().integrationReplaceUnbindsSecret && integrationReplaced(secret, integ)) {
    return (
      `OAuth token refresh failed for ${where}: the security integration ${integ.name} this secret was ` +
      'created with was replaced or dropped, so the secret is no longer bound to an integration; ' +
      'recreate the secret (CREATE OR REPLACE SECRET … API_AUTHENTICATION = …) and write its refresh token again'
    );
  }
  const expiresAt = refreshTokenExpiresAt(cat, secret);
  if (secret.refreshToken !== null && expiresAt !== null && cat.clock() >= expiresAt) {
    return (
      `OAuth token refresh failed for ${where}: the refresh token expired at ` +
      `${new Date(expiresAt).toISOString()} (OAUTH_REFRESH_TOKEN_EXPIRY_TIME, or the time it was written ` +
      "plus the integration's OAUTH_REFRESH_TOKEN_VALIDITY); write a new one"
    );
  }
  return undefined;
}

/** The secret's cached access token, read and written on the catalog's clock; `find` looks the secret up
 *  again each time, since it may have been replaced while a function ran. */
export function accessTokenSlot(
  cat: Catalog,
  find: () => Secret | undefined,
): NonNullable<SecretBinding['accessTokenSlot']> {
  return {
    get() {
      const cached = find()?.accessToken;
      return cached && cached.expiresAt > cat.clock() ? cached.token : undefined;
    },
    put(token, expiresInS) {
      const secret = find();
      if (secret) secret.accessToken = { token, expiresAt: cat.clock() + expiresInS * 1000 };
    },
  };
}

/** Drops every access token cached in a secret (the cache switch changed). */
export function forgetAccessTokens(cat: Catalog): void {
  for (const db of cat.databases.values()) {
    for (const sc of db.schemas.values()) for (const secret of sc.secrets.values()) secret.accessToken = null;
  }
}
