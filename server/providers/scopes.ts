// The one scope set: the union of what the app's identity call and the setup script's functions need
// (each profile's scopeNeeds). The app requests it, requires all of it at consent, and the setup script
// allows exactly it on the integration (OAUTH_ALLOWED_SCOPES). OAUTH_SCOPES may add scopes, never drop one.
import type { ProviderProfile, ScopeNeed } from './types.js';

const WHO: Record<ScopeNeed['by'], string> = {
  app: "the app's own identity check",
  check_function: 'the check function',
  steps_function: 'the daily-steps function',
  steps_month_function: 'the month-of-steps function',
};

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
 * The scope set for a configuration: the needed set when nothing is configured, else the configured scopes
 * (repeats dropped, order kept), with any needed scope it lacks.
 */
export function scopeSetFor(
  profile: ProviderProfile,
  configured: readonly string[] | undefined,
): { scopes: string[]; missing: MissingScope[] } {
  const given = [...new Set((configured ?? []).filter(Boolean))];
  if (given.length === 0) return { scopes: unionOfNeeds(profile.scopeNeeds), missing: [] };
  const missing = unionOfNeeds(profile.scopeNeeds)
    .filter((scope) => !given.includes(scope))
    .map((scope) => ({ scope, neededBy: profile.scopeNeeds.filter((n) => n.scope === scope) }));
  return { scopes: given, missing };
}

/** "X, which the check function (GET …) and … need", for a refusal that names the scope and why. */
export function describeMissing(m: MissingScope): string {
  const who = m.neededBy.map((n) => `${WHO[n.by]} (${n.call})`);
  const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)}` : who[0];
  return `${m.scope}, which ${list} ${who.length > 1 ? 'need' : 'needs'}`;
}
