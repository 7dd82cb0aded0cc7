// The one scope set: the union of what the app's identity call and the setup script's functions need
// (each profile's scopeNeeds), for the data kinds the pipeline lands (PIPELINE_DATA_TYPES). The app requests
// it, requires all of it at consent, and the setup script allows exactly it on the integration
// (OAUTH_ALLOWED_SCOPES). OAUTH_SCOPES may add scopes, never drop one. The sign-in scopes (openid email) ride
// along on the authorization request only: the app needs them to say who signed in, Snowflake never does.
import { DATA_KINDS, type DataKind } from './data-kinds.js';
import type { ProviderProfile, ScopeNeed } from './types.js';

const WHO: Record<ScopeNeed['by'], string> = {
  app: "the app's own identity check",
  check_function: 'the check function',
  steps_function: 'the daily-steps function',
  steps_month_function: 'the month-of-steps function',
  data_function: 'the daily-data function',
};

/** The needs that count for these data kinds (all of them when none are given). */
export function needsFor(profile: ProviderProfile, kinds: readonly DataKind[] = DATA_KINDS): ScopeNeed[] {
  return profile.scopeNeeds.filter((n) => n.kind === undefined || kinds.includes(n.kind));
}

/** The scopes a list of needs adds up to, sorted and without repeats. */
export function unionOfNeeds(needs: readonly ScopeNeed[]): string[] {
  return [...new Set(needs.map((n) => n.scope))].sort();
}

/** A scope the configured set lacks, with every call that needs it. */
export interface MissingScope {
  scope: string;
  neededBy: ScopeNeed[];
}

/**
 * The scope set for a configuration: the needed set for the data kinds when no scopes are configured, else
 * the configured scopes (repeats dropped, order kept), with any needed scope it lacks.
 */
export function scopeSetFor(
  profile: ProviderProfile,
  configured: readonly string[] | undefined,
  kinds?: readonly DataKind[],
): { scopes: string[]; missing: MissingScope[] } {
  const needs = needsFor(profile, kinds);
  const given = [...new Set((configured ?? []).filter(Boolean))];
  if (given.length === 0) return { scopes: unionOfNeeds(needs), missing: [] };
  const missing = unionOfNeeds(needs)
    .filter((scope) => !given.includes(scope))
    .map((scope) => ({ scope, neededBy: needs.filter((n) => n.scope === scope) }));
  return { scopes: given, missing };
}

/** "X, which the check function (GET …) and … need", for a refusal that names the scope and why. */
export function describeMissing(m: MissingScope): string {
  // One entry per caller; the data function's calls each say which data kind makes them.
  const callers = [...new Set(m.neededBy.map((n) => n.by))];
  const who = callers.map((by) => {
    const calls = m.neededBy
      .filter((n) => n.by === by)
      .map((n) => (n.kind ? `${n.call} for ${n.kind}` : n.call));
    return `${WHO[by]} (${calls.join('; ')})`;
  });
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)}` : who[0];
  return `${m.scope}, which ${list} ${who.length > 1 ? 'need' : 'needs'}`;
}

/**
 * What the authorization request asks for: the profile's sign-in scopes, then the scope set. Only the scope
 * set is required at consent and allowed on the integration (a Snowflake access token has no use for the
 * account's email, and the app falls back to the numeric ID without it).
 */
export function requestedScopes(profile: ProviderProfile, scopeSet: readonly string[]): string[] {
  return [...new Set([...profile.signInScopes, ...scopeSet])];
}
