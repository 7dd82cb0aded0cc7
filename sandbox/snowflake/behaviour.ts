// The switches for what Snowflake does after the token is written where its documentation is silent.
// Each defaults to the cautious answer: the one under which the app must work hardest to tell the truth.
// sandbox/README.md ("Switches") says for each what is known, what is not, and why the default is cautious.
import { z } from 'zod';

export const SnowflakeBehaviourInput = z
  .object({
    /** get_oauth_access_token between calls: refresh every call, or reuse the token until expires_in. */
    accessTokenCache: z.enum(['none', 'until-expiry']),
    /** Whether ALTER SECRET … SET OAUTH_REFRESH_TOKEN throws away the access token cached in the secret. */
    alterSecretClearsAccessToken: z.boolean(),
    /** Whether the integration's OAUTH_REFRESH_TOKEN_VALIDITY dates a token written without an expiry. */
    refreshTokenValidity: z.enum(['applied', 'ignored']),
    /** Whether Snowflake's refresh request carries scope= with the integration's OAUTH_ALLOWED_SCOPES. */
    scopeOnRefresh: z.enum(['sent', 'omitted']),
    /** Whether QUERY_HISTORY shows the OAUTH_REFRESH_TOKEN literal of ALTER/CREATE SECRET. */
    queryHistoryRedaction: z.enum(['none', 'redacted']),
    /** Whether CREATE OR REPLACE SECURITY INTEGRATION leaves the secrets made against the old one unbound. */
    integrationReplaceUnbindsSecret: z.boolean(),
    /** What happens to a refresh token the provider rotated: written back into the secret, or dropped. */
    rotationPolicy: z.enum(['persist', 'discard']),
    /** Whether ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? takes a bind variable. */
    alterSecretBinds: z.enum(['refused', 'accepted']),
  })
  .strict();

export type SnowflakeBehaviour = z.infer<typeof SnowflakeBehaviourInput>;

/** A change of some switches (POST /sandbox/behaviour, startSnowflakeSandbox options). */
export const SnowflakeBehaviourChange = SnowflakeBehaviourInput.partial();
export type SnowflakeBehaviourChange = z.infer<typeof SnowflakeBehaviourChange>;

export const SNOWFLAKE_BEHAVIOUR_DEFAULTS: Readonly<SnowflakeBehaviour> = Object.freeze({
  accessTokenCache: 'until-expiry',
  alterSecretClearsAccessToken: false,
  refreshTokenValidity: 'applied',
  scopeOnRefresh: 'sent',
  queryHistoryRedaction: 'none',
  integrationReplaceUnbindsSecret: true,
  rotationPolicy: 'persist',
  alterSecretBinds: 'refused',
});

/** For the control index: each switch, its values (default first) and what it decides. */
export const SNOWFLAKE_SWITCHES: Record<keyof SnowflakeBehaviour, string> = {
  accessTokenCache:
    'until-expiry (default) | none: whether get_oauth_access_token reuses the access token cached in the secret',
  alterSecretClearsAccessToken:
    'false (default) | true: whether ALTER SECRET … SET OAUTH_REFRESH_TOKEN drops the cached access token',
  refreshTokenValidity:
    "applied (default) | ignored: a token written without an expiry dies at write time + the integration's OAUTH_REFRESH_TOKEN_VALIDITY",
  scopeOnRefresh:
    "sent (default) | omitted: Snowflake's refresh request carries scope= with OAUTH_ALLOWED_SCOPES",
  queryHistoryRedaction:
    'none (default) | redacted: whether QUERY_HISTORY shows the OAUTH_REFRESH_TOKEN literal',
  integrationReplaceUnbindsSecret:
    'true (default) | false: whether CREATE OR REPLACE SECURITY INTEGRATION unbinds the secrets made against it',
  rotationPolicy: 'persist (default) | discard: what happens to a refresh token the provider rotated',
  alterSecretBinds:
    'refused (default) | accepted: whether ALTER SECRET … SET OAUTH_REFRESH_TOKEN = ? takes a bind variable',
};

/** The start options' switches over the defaults; unknown or invalid values throw (a typo must not pass). */
export function initialBehaviour(given: SnowflakeBehaviourChange = {}): SnowflakeBehaviour {
  const picked = Object.fromEntries(
    Object.keys(SNOWFLAKE_BEHAVIOUR_DEFAULTS).flatMap((k) => {
      const v = (given as Record<string, unknown>)[k];
      return v === undefined ? [] : [[k, v]];
    }),
  );
  return SnowflakeBehaviourInput.parse({ ...SNOWFLAKE_BEHAVIOUR_DEFAULTS, ...picked });
}
