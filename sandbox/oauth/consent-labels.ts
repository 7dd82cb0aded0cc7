import { GOOGLE_SCOPE_PREFIX } from './seed.js';
import type { Profile, SandboxUser } from './types.js';

// The words on the consent page: a plain name for each scope (as the real screens show them) and a line
// per seeded user saying what signing in as that user demonstrates, worked out from the user's own data.

const GOOGLE_NAMES: Record<string, string> = {
  activity_and_fitness: 'Activity and fitness',
  health_metrics_and_measurements: 'Health metrics and measurements',
  sleep: 'Sleep',
  profile: 'Health profile',
  settings: 'Settings',
  location: 'Location',
  nutrition: 'Nutrition',
  ecg: 'ECG (electrocardiogram)',
  irn: 'Irregular rhythm notifications',
};

// Fitbit's own consent screen words for its scopes.
const FITBIT_NAMES: Record<string, string> = {
  activity: 'Activity and exercise',
  cardio_fitness: 'Cardio fitness score',
  electrocardiogram: 'ECG readings',
  heartrate: 'Heart rate',
  irregular_rhythm_notifications: 'Irregular rhythm notifications',
  location: 'Location and GPS',
  nutrition: 'Food and water logs',
  oxygen_saturation: 'Oxygen saturation (SpO2)',
  profile: 'Profile',
  respiratory_rate: 'Breathing rate',
  settings: 'Devices and settings',
  sleep: 'Sleep',
  social: 'Friends',
  temperature: 'Temperature',
  weight: 'Weight',
};

/** A scope's plain name; the scope itself when it has none. */
export function scopeName(profile: Profile, scope: string): string {
  if (profile === 'fitbit') return FITBIT_NAMES[scope] ?? scope;
  const m = /^(\w+)\.(readonly|writeonly)$/.exec(
    scope.startsWith(GOOGLE_SCOPE_PREFIX) ? scope.slice(GOOGLE_SCOPE_PREFIX.length) : '',
  );
  const name = m ? GOOGLE_NAMES[m[1] as string] : undefined;
  if (!name) return scope;
  return m?.[2] === 'writeonly' ? `${name} (add and change)` : name;
}

const isoDate = (d: SandboxUser['membershipStartDate']) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** What signing in as this user shows, in one line (the seeded users: alice, bob, carol). */
export function userHint(profile: Profile, u: SandboxUser): string {
  if (profile === 'fitbit') {
    if (!u.healthLinked) return 'Never moved to Google Health (there: the “account not linked” failure)';
    return u.legacyUserId
      ? `Also moved to Google Health, which keeps ${u.legacyUserId} as the legacy Fitbit ID`
      : 'A Fitbit account only';
  }
  if (!u.healthLinked) {
    return 'No Fitbit or Google Health data: shows the “account not linked” failure (ACCOUNT_NOT_LINKED)';
  }
  if (u.legacyUserId) return `Moved from Fitbit: has the legacy Fitbit ID ${u.legacyUserId}`;
  return `New to Google Health, never had a Fitbit: no legacy Fitbit ID, data since ${isoDate(u.membershipStartDate)}`;
}
