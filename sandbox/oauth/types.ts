// Shared shapes of the OAuth stand-in. The public contract (SandboxClient and friends) lives here so
// the store and the route modules can use it without importing server.ts.

export type Profile = 'google-health' | 'fitbit';

export interface SandboxClient {
  profile: Profile;
  clientId: string;
  clientSecret: string | null; // null only for a fitbit 'client' app
  name: string; // shown on the consent page
  redirectUris: string[];
  status?: 'production' | 'testing'; // google-health; default production
  appType?: 'server' | 'client' | 'personal'; // fitbit; default server
}

export interface FitbitAccount {
  encodedId: string;
  displayName: string;
  fullName: string;
  memberSince: string; // yyyy-MM-dd
  timezone: string;
  offsetFromUTCMillis: number;
}

export interface SandboxUser {
  id: string; // the value of the consent page's `user` radio
  name: string;
  email: string;
  /** Google account subject (numeric string), as in tokeninfo's `sub`. */
  googleSub: string;
  /** Health API user id; empty when the account has no health profile. */
  healthUserId: string;
  /** The old 6-character Fitbit user id, or '' for someone who never had a Fitbit account. */
  legacyUserId: string;
  /** False: the Google account is not linked to a health profile (ACCOUNT_NOT_LINKED). */
  healthLinked: boolean;
  age: number;
  membershipStartDate: { year: number; month: number; day: number };
  /** A legacy Fitbit account that can sign in to the fitbit profile, or null. */
  fitbit: FitbitAccount | null;
}
