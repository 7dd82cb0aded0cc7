// The kinds of daily data the pipeline can land (PIPELINE_DATA_TYPES), named as the app and its tables name
// them. Each provider says in its scopeNeeds which call, and so which scope, a kind needs.

export const DATA_KINDS = [
  'steps',
  'distance',
  'calories',
  'active_minutes',
  'resting_heart_rate',
  'sleep',
] as const;

export type DataKind = (typeof DATA_KINDS)[number];

export function isDataKind(value: string): value is DataKind {
  return (DATA_KINDS as readonly string[]).includes(value);
}

/** Each kind in plain words, as a sentence about what Snowflake reads names it ("your steps, … and sleep"). */
export const DATA_KIND_WORDS: Readonly<Record<DataKind, string>> = {
  steps: 'steps',
  distance: 'distance',
  calories: 'calories',
  active_minutes: 'active minutes',
  resting_heart_rate: 'resting heart rate',
  sleep: 'sleep',
};
