// One profile per provider: everything that differs between Google Health and legacy Fitbit lives
// behind this interface, so the flow, the Snowflake code and the pages never branch on a provider id.
import type { DataKind } from './data-kinds.js';

export type ProviderId = 'google-health' | 'fitbit';

export interface Identity {
  /** The provider's user id: Google Health's healthUserId, or Fitbit's encodedId. */
  userId: string;
  /** The old 6-character Fitbit user id, when the provider knows one ('' when the user never had one). */
  legacyUserId?: string;
  displayName?: string;
  /**
   * The account's email, from the ID token's claims (google-health's sign-in scopes): who signed in, in words
   * a person recognises. Shown and recorded beside the ID; never used to decide anything.
   */
  email?: string;
}

/**
 * One provider API call the connection depends on, and the scope it needs. The app's own identity call and
 * every function the setup script ships are listed; the scope set the app requests, requires at consent
 * and puts in the integration's OAUTH_ALLOWED_SCOPES is their union (server/providers/scopes.ts).
 */
export interface ScopeNeed {
  /** Who makes the call: the app itself, or a shipped function, named by its setup-script variable. */
  by: 'app' | 'check_function' | 'steps_function' | 'steps_month_function' | 'data_function';
  /** A call made only for this data kind: needed only when PIPELINE_DATA_TYPES lists the kind. */
  kind?: DataKind;
  /** The call, as the provider's reference names it. */
  call: string;
  /** The scope the set grants it: where the call accepts several, the one the set needs anyway. */
  scope: string;
  /** What else the call accepts, when it is not this scope alone. */
  accepts?: string;
}

/** A provider error in one shape, whatever the provider's body looked like. */
export interface ProviderErrorBody {
  error: string;
  error_description?: string;
}

export interface ProviderProfile {
  id: ProviderId;
  displayName: string;
  endpoints: { issuer: string; authorization: string; token: string; revocation: string; api: string };
  /** How the client authenticates at the token endpoint. */
  clientAuth: 'client_secret_post' | 'client_secret_basic';
  clientSecretRequired: boolean;
  /**
   * Every API call the connection depends on and the scope it needs: the one source of the scope set. A need
   * with a `kind` counts only when that data kind is configured (PIPELINE_DATA_TYPES).
   */
  scopeNeeds: readonly ScopeNeed[];
  /**
   * The union of scopeNeeds' scopes for every data kind (sorted): what the app requests and requires at
   * consent, and what the integration allows, with the default PIPELINE_DATA_TYPES and unless OAUTH_SCOPES
   * adds more. Derived, never written by hand.
   */
  defaultScopes: string[];
  /**
   * Scopes the app asks for only to learn who signed in (OpenID Connect: an ID token with the email), on top
   * of the scope set. Not required at consent and not allowed on the integration: no function needs them.
   */
  signInScopes: readonly string[];
  /**
   * Each scope's name in plain words, as pages show it (the scope itself as secondary detail): the set's
   * scopes, the sign-in scopes and the others OAUTH_SCOPES may add. What a scope is needed for comes from
   * scopeNeeds (server/providers/scope-words.ts); a scope not named here shows as itself.
   */
  scopeNames: Readonly<Record<string, string>>;
  /** Other authorization endpoints the provider answers on (a security integration may name any of them). */
  authorizationEndpointAliases: string[];
  /**
   * Set when the provider's API has been turned off: the status page says so and how to move on.
   * `since` is the date it stopped answering, `by` who turned it off.
   */
  retired?: { since: string; by: string };
  /** Clients have a publishing status (Google: "Testing" makes refresh tokens die after 7 days). */
  hasPublishingStatus: boolean;
  /** A refresh token comes only with offline access and a shown consent screen (Google). */
  refreshTokenNeedsOfflineConsent: boolean;
  /** The security integration lists the scopes Snowflake may ask for (OAUTH_ALLOWED_SCOPES). */
  integrationListsScopes: boolean;
  /** Extra authorization request parameters (e.g. Google's access_type=offline, prompt=consent). */
  authorizationParams: Record<string, string>;
  /**
   * Parameters the provider's redirect always puts after `code` (Google: `scope`): a pasted callback
   * address without them was cut inside the code (`npm run connect -- --no-browser`).
   */
  callbackParamsAfterCode: readonly string[];
  /** Every refresh returns a new refresh token and kills the old one (Fitbit). */
  rotatesRefreshTokens: boolean;
  /** A new grant for the same user kills the refresh token issued before (Fitbit: one per user and app). */
  newGrantReplacesPrevious: boolean;
  /** Revoking any token revokes every token of that user for this client. */
  revokeKillsWholeGrant: boolean;
  /** Rewrites a non-RFC error body into {error, error_description}, or undefined if not an error body. */
  normaliseErrorBody(body: unknown): ProviderErrorBody | undefined;
  /** The cheapest call that proves an access token works and says who it belongs to. */
  identityRequest(apiBase: string): { url: string; method: 'GET' };
  parseIdentity(body: unknown): Identity;
  /** The user id in what the Snowflake check function returns (the same identity call, run by Snowflake). */
  userIdFromCheck(value: unknown): string | undefined;
  /** Where a user manages third-party access (for the "revoked" explanation). */
  accountPermissionsUrl: string;
  /** Expiry of a refresh token from the token response and the client's status, in seconds. */
  refreshTokenLifetimeSeconds(
    tokenResponse: Record<string, unknown>,
    clientStatus: 'production' | 'testing',
  ): number | undefined;
  /** Normalise a scope string for comparison (Fitbit returns short names). */
  scopeSet(scope: string | undefined): Set<string>;
}
