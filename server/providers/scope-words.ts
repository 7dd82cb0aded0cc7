// A permission in plain words: its name (the profile's scopeNames) and what the connection loses without it
// (the profile's scopeNeeds for the configured data kinds). Pages show these, the scope itself as secondary
// detail: the scope_missing page says what an unticked box costs, the result page lists what was granted.
import { DATA_KIND_WORDS, DATA_KINDS, type DataKind } from './data-kinds.js';
import { needsFor } from './scopes.js';
import type { ProviderProfile, ScopeNeed } from './types.js';

/** A scope's plain name, or the scope itself when the profile has none for it. */
export function scopeName(profile: ProviderProfile, scope: string): string {
  return profile.scopeNames[scope] ?? scope;
}

export interface PermissionInWords {
  scope: string;
  /** Its plain name. */
  name: string;
  /** The data Snowflake reads under it, in plain words, in DATA_KINDS order. */
  data: string[];
  /** The identity call (the app's, and the check function's) takes this scope and no other. */
  identity: boolean;
}

// The steps functions read steps whatever PIPELINE_DATA_TYPES lists.
const CALLER_READS: Partial<Record<ScopeNeed['by'], DataKind>> = {
  steps_function: 'steps',
  steps_month_function: 'steps',
};

/** What a scope is and what needs it, for the data kinds configured (every kind when none are given). */
export function permissionInWords(
  profile: ProviderProfile,
  scope: string,
  kinds?: readonly DataKind[],
): PermissionInWords {
  const needs = needsFor(profile, kinds).filter((n) => n.scope === scope);
  const read = new Set(needs.map((n) => n.kind ?? CALLER_READS[n.by]));
  return {
    scope,
    name: scopeName(profile, scope),
    data: DATA_KINDS.filter((k) => read.has(k)).map((k) => DATA_KIND_WORDS[k]),
    // A call that accepts other scopes too (Google's identity) does not fail for want of this one alone.
    identity: needs.some((n) => (n.by === 'app' || n.by === 'check_function') && !n.accepts),
  };
}
