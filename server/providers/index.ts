import { fitbit } from './fitbit.js';
import { googleHealth } from './google-health.js';
import type { ProviderId, ProviderProfile } from './types.js';

export { type AccountRef, accountText } from './account-label.js';
export { DATA_KIND_WORDS, DATA_KINDS, type DataKind, isDataKind } from './data-kinds.js';
export { type PermissionInWords, permissionInWords, scopeName } from './scope-words.js';
export {
  describeMissing,
  type MissingScope,
  needsFor,
  requestedScopes,
  scopeSetFor,
  unionOfNeeds,
} from './scopes.js';
export type { Identity, ProviderErrorBody, ProviderId, ProviderProfile, ScopeNeed } from './types.js';
export const PROVIDER_IDS = ['google-health', 'fitbit'] as const satisfies readonly ProviderId[];

const profiles: Record<ProviderId, ProviderProfile> = { 'google-health': googleHealth, fitbit };

export function getProfile(id: ProviderId): ProviderProfile {
  return profiles[id];
}
export {
  checkTokenResponse,
  type NumberRule,
  providerNumber,
  REFRESH_TOKEN_EXPIRES_IN,
  type RefusedNumber,
} from './numbers.js';
