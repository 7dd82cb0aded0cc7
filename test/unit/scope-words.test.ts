// A permission in plain words: its name, and what the scope_missing page says is lost without it, from the
// provider profile's scope facts and the configured data kinds.
import { describe, expect, it } from 'vitest';
import { appError } from '../../server/errors/app-error.js';
import { fitbit } from '../../server/providers/fitbit.js';
import { googleHealth } from '../../server/providers/google-health.js';
import type { DataKind } from '../../server/providers/index.js';
import { permissionInWords, scopeName } from '../../server/providers/scope-words.js';
import type { ProviderProfile } from '../../server/providers/types.js';

const G = 'https://www.googleapis.com/auth/googlehealth.';
const ACTIVITY = `${G}activity_and_fitness.readonly`;
const HEALTH_METRICS = `${G}health_metrics_and_measurements.readonly`;
const SLEEP = `${G}sleep.readonly`;
const PROFILE = `${G}profile.readonly`;

/** The scope_missing page's texts for these scopes left unticked. */
function page(profile: ProviderProfile, missing: string[], kinds?: DataKind[]) {
  const e = appError('scope_missing', {
    missing: missing.map((sc) => permissionInWords(profile, sc, kinds)),
  });
  return { why: e.why, fix: e.fix };
}

describe('permissions in plain words', () => {
  it('names every scope of the set and the sign-in by a plain name; an unknown scope shows as itself', () => {
    for (const p of [googleHealth, fitbit]) {
      for (const sc of [...p.defaultScopes, ...p.signInScopes]) expect(scopeName(p, sc), sc).not.toBe(sc);
    }
    expect(scopeName(googleHealth, SLEEP)).toBe('Sleep');
    expect(scopeName(googleHealth, ACTIVITY)).toBe('Activity and fitness');
    expect(scopeName(googleHealth, 'https://www.googleapis.com/auth/userinfo.email')).toBe('Email address');
    expect(scopeName(fitbit, 'activity')).toBe('Activity and exercise');
    expect(scopeName(googleHealth, 'https://example.com/other')).toBe('https://example.com/other');
  });

  it('says what each Google Health scope covers, from the scope needs of the configured data kinds', () => {
    expect(permissionInWords(googleHealth, ACTIVITY)).toEqual({
      scope: ACTIVITY,
      name: 'Activity and fitness',
      data: ['steps', 'distance', 'calories', 'active minutes'],
      identity: false, // the identity call accepts any other Health read scope too
    });
    expect(permissionInWords(googleHealth, HEALTH_METRICS).data).toEqual(['resting heart rate']);
    expect(permissionInWords(googleHealth, SLEEP).data).toEqual(['sleep']);
    // The steps function reads steps whatever PIPELINE_DATA_TYPES lists.
    expect(permissionInWords(googleHealth, ACTIVITY, ['sleep']).data).toEqual(['steps']);
    expect(permissionInWords(googleHealth, PROFILE)).toMatchObject({ name: 'Health profile', data: [] });
  });

  it('says what each legacy Fitbit scope covers', () => {
    expect(permissionInWords(fitbit, 'activity')).toMatchObject({ data: ['steps'], identity: false });
    expect(permissionInWords(fitbit, 'profile')).toMatchObject({ name: 'Profile', data: [], identity: true });
  });
});

describe('scope_missing names what is actually lost', () => {
  it('sleep alone: names Sleep and its scope, and says sleep, never steps', () => {
    const { why, fix } = page(googleHealth, [SLEEP]);
    expect(why).toBe(
      `The consent screen lets you untick permissions, and this one was not granted: Sleep (${SLEEP}). Without it, Snowflake cannot read your sleep. Nothing was written to Snowflake.`,
    );
    expect(why).not.toContain('steps');
    expect(fix).toBe(
      'Connect again and leave every permission on the consent screen ticked, Sleep included.',
    );
  });

  it('activity and fitness: the four kinds read under it', () => {
    expect(page(googleHealth, [ACTIVITY]).why).toContain(
      'Without it, Snowflake cannot read your steps, distance, calories and active minutes.',
    );
  });

  it('health metrics: resting heart rate', () => {
    const { why, fix } = page(googleHealth, [HEALTH_METRICS]);
    expect(why).toContain(`Health metrics and measurements (${HEALTH_METRICS})`);
    expect(why).toContain('Without it, Snowflake cannot read your resting heart rate.');
    expect(fix).toContain('Health metrics and measurements included');
  });

  it('several: each named with its scope, and everything they cover', () => {
    const { why, fix } = page(googleHealth, [ACTIVITY, SLEEP]);
    expect(why).toContain(
      `these were not granted: Activity and fitness (${ACTIVITY}) and Sleep (${SLEEP}). Without them, Snowflake cannot read your steps, distance, calories, active minutes and sleep.`,
    );
    expect(fix).toContain('Activity and fitness and Sleep included');
  });

  it('a scope only OAUTH_SCOPES adds: required because it is listed, with no data claimed', () => {
    const { why } = page(googleHealth, [PROFILE], ['steps']);
    expect(why).toContain(`Health profile (${PROFILE})`);
    expect(why).toContain('OAUTH_SCOPES lists Health profile, so the connection requires it.');
    expect(why).not.toContain('cannot read');
  });

  it('legacy Fitbit: activity is steps, profile is who the account is', () => {
    expect(page(fitbit, ['activity']).why).toContain(
      'Activity and exercise (activity). Without it, Snowflake cannot read your steps.',
    );
    const profile = page(fitbit, ['profile']).why;
    expect(profile).toContain(
      'Profile (profile). Without it, neither the app nor Snowflake’s check can tell whose account it is.',
    );
    expect(profile).not.toContain('steps');
    expect(page(fitbit, ['activity', 'profile']).why).toContain(
      'Without them, Snowflake cannot read your steps and neither the app nor Snowflake’s check can tell whose account it is.',
    );
  });
});
