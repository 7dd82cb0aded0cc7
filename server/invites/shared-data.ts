// What an invite's participant shares, in plain words: the daily data kinds the connection reads (from the
// provider profile's scope needs and PIPELINE_DATA_TYPES), and the permissions the consent screen will list.
import type { AppConfig } from '../config/index.js';
import type { DataKind, ProviderProfile } from '../providers/index.js';
import { needsFor } from '../providers/scopes.js';

const KIND_WORDS: Record<DataKind, string> = {
  steps: 'daily step counts',
  distance: 'daily distance walked or run',
  calories: 'daily calories burned',
  active_minutes: 'daily active (heart zone) minutes',
  resting_heart_rate: 'daily resting heart rate',
  sleep: 'sleep sessions (when you slept, and how long)',
};

const BY_CALLER: Partial<Record<string, string>> = {
  steps_function: KIND_WORDS.steps,
  steps_month_function: KIND_WORDS.steps,
};

export interface SharedData {
  /** What the connection reads, one phrase a kind. */
  kinds: string[];
  /** The permissions the provider's consent screen asks for, as it names them. */
  scopes: string[];
}

export function sharedData(config: AppConfig, profile: ProviderProfile): SharedData {
  const needs = needsFor(profile, config.dataKinds);
  const kinds = new Set<string>();
  for (const n of needs) {
    const words = n.kind ? KIND_WORDS[n.kind] : BY_CALLER[n.by];
    if (words) kinds.add(words);
  }
  // Every call names the account it reads: who you are is shared too, so the reader knows who connected.
  kinds.add('who the account is (its ID and, where the sign-in gives it, its email address)');
  return { kinds: [...kinds], scopes: [...config.oauth.scopes] };
}
