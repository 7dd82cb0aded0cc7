import { createHash } from 'node:crypto';
import { type CivilDate, dailySteps, fromEpochDay, isoDate, today, toEpochDay } from './steps.js';
import type { SandboxUser } from './types.js';

// Deterministic synthetic health data per user and civil day, for every data type the Health API
// stand-in serves, with the late syncs tests set on top. Every value is a hash of (user, day): the same on
// every call, for any span of years. Days before the user's membership start and after their today (on
// the stand-in's clock) have no data; so do, for what needs the device on the wrist (heart rate, zone
// minutes, sleep), about one day in twelve: "no device worn". Steps, distance and calories are counted
// every day (the phone counts steps; calories include the basal rate), as they always were here.

export const DATA_TYPES = [
  'steps',
  'distance',
  'total-calories',
  'active-zone-minutes',
  'daily-resting-heart-rate',
  'sleep',
] as const;
export type DataTypeId = (typeof DATA_TYPES)[number];

export interface ZoneMinutes {
  fatBurn: number;
  cardio: number;
  peak: number;
}

export interface StageSummary {
  type: 'AWAKE' | 'LIGHT' | 'DEEP' | 'REM' | 'ASLEEP' | 'RESTLESS';
  minutes: number;
  count: number;
}

/** One sleep session: physical times in epoch ms, and the user's UTC offset for its civil times. */
export interface SleepSession {
  id: string;
  startMs: number;
  endMs: number;
  offsetMs: number;
  type: 'STAGES' | 'CLASSIC';
  minutesInSleepPeriod: number;
  minutesAsleep: number;
  minutesAwake: number;
  stages: StageSummary[];
}

/**
 * What a late sync sets, in the unit the landing tables use: steps, meters, kcal, zone minutes (a number
 * is all fat-burn minutes, or give each zone), bpm, minutes asleep. `null`: the day has no data.
 */
export type LateSyncValue = number | ZoneMinutes | null;

/** The kinds the app calls them by, as aliases of the data types (POST /sandbox/late-sync takes both). */
export const KIND_ALIASES: Record<string, DataTypeId> = {
  steps: 'steps',
  distance: 'distance',
  calories: 'total-calories',
  active_minutes: 'active-zone-minutes',
  resting_heart_rate: 'daily-resting-heart-rate',
  sleep: 'sleep',
};

export function dataTypeOf(kind: string): DataTypeId | undefined {
  return (DATA_TYPES as readonly string[]).includes(kind) ? (kind as DataTypeId) : KIND_ALIASES[kind];
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A number in [0, 1) from the user, the day and what it is for. */
function unit(userId: string, key: string, salt: string): number {
  return createHash('sha256').update(`${userId}|${key}|${salt}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** The user's offset from UTC: their Fitbit account's, else UTC. */
export function utcOffsetMs(user: SandboxUser): number {
  return user.fitbit?.offsetFromUTCMillis ?? 0;
}

export interface HealthDataSource {
  now(): number;
  lateSync(userId: string, type: DataTypeId, iso: string): LateSyncValue | undefined;
}

export class SyntheticHealth {
  constructor(private readonly source: HealthDataSource) {}

  /** Whether the user can have data on that day at all: membership start to today, both included. */
  private inSpan(user: SandboxUser, day: CivilDate): boolean {
    const d = toEpochDay(day);
    const last = toEpochDay(today(this.source.now(), utcOffsetMs(user)));
    return d >= toEpochDay(user.membershipStartDate) && d <= last;
  }

  /** A late sync for that day, if one was set (undefined: none; null: the day has no data). */
  private synced(user: SandboxUser, type: DataTypeId, iso: string): LateSyncValue | undefined {
    return this.source.lateSync(user.id, type, iso);
  }

  private worn(user: SandboxUser, iso: string): boolean {
    return unit(user.id, iso, 'worn') >= 1 / 12;
  }

  steps(user: SandboxUser, day: CivilDate): number | undefined {
    if (!this.inSpan(user, day)) return undefined;
    const iso = isoDate(day);
    const late = this.synced(user, 'steps', iso);
    if (late !== undefined) return typeof late === 'number' ? Math.round(late) : undefined;
    return dailySteps(user.id, iso);
  }

  distanceMm(user: SandboxUser, day: CivilDate): number | undefined {
    if (!this.inSpan(user, day)) return undefined;
    const iso = isoDate(day);
    const late = this.synced(user, 'distance', iso);
    if (late !== undefined) return typeof late === 'number' ? Math.round(late * 1000) : undefined;
    // A stride of 70-78 cm for the user, varying a little from day to day.
    const stride = 700 + unit(user.id, 'stride', 'mm') * 80 + unit(user.id, iso, 'stride') * 20;
    return Math.round(dailySteps(user.id, iso) * stride);
  }

  totalKcal(user: SandboxUser, day: CivilDate): number | undefined {
    if (!this.inSpan(user, day)) return undefined;
    const iso = isoDate(day);
    const late = this.synced(user, 'total-calories', iso);
    if (late !== undefined) return typeof late === 'number' ? late : undefined;
    const basal = 1500 + unit(user.id, 'basal', 'kcal') * 400;
    const kcal = basal + dailySteps(user.id, iso) * 0.045 + unit(user.id, iso, 'kcal') * 150;
    return Math.round(kcal * 100) / 100;
  }

  zoneMinutes(user: SandboxUser, day: CivilDate): ZoneMinutes | undefined {
    if (!this.inSpan(user, day)) return undefined;
    const iso = isoDate(day);
    const late = this.synced(user, 'active-zone-minutes', iso);
    if (late !== undefined) {
      if (late === null) return undefined;
      return typeof late === 'number' ? { fatBurn: Math.round(late), cardio: 0, peak: 0 } : late;
    }
    if (!this.worn(user, iso)) return undefined;
    const peakDay = unit(user.id, iso, 'peak?') > 0.8;
    return {
      fatBurn: Math.floor(unit(user.id, iso, 'fat') * 45),
      cardio: Math.floor(unit(user.id, iso, 'cardio') ** 2 * 30),
      peak: peakDay ? Math.floor(unit(user.id, iso, 'peak') * 12) : 0,
    };
  }

  restingBpm(user: SandboxUser, day: CivilDate): number | undefined {
    if (!this.inSpan(user, day)) return undefined;
    const iso = isoDate(day);
    const late = this.synced(user, 'daily-resting-heart-rate', iso);
    if (late !== undefined) return typeof late === 'number' ? Math.round(late) : undefined;
    if (!this.worn(user, iso)) return undefined;
    return 54 + Math.floor(unit(user.id, iso, 'rhr') * 14);
  }

  /** The sessions that end on that civil day: the night before it, and now and then an afternoon nap. */
  sleepSessions(user: SandboxUser, day: CivilDate): SleepSession[] {
    if (!this.inSpan(user, day)) return [];
    const iso = isoDate(day);
    const offsetMs = utcOffsetMs(user);
    // Midnight starting that civil day, as an instant.
    const midnight = toEpochDay(day) * DAY - offsetMs;
    const late = this.synced(user, 'sleep', iso);
    if (late !== undefined) {
      if (typeof late !== 'number') return [];
      const asleep = Math.round(late);
      return [night(user.id, iso, midnight - 60 * MINUTE, asleep + 20, 20, offsetMs)];
    }
    if (!this.worn(user, iso)) return [];
    // In bed between 22:00 and 00:30 the evening before, for 6.5 to 9 hours.
    const bedtime = midnight - 120 * MINUTE + Math.floor(unit(user.id, iso, 'bedtime') * 150) * MINUTE;
    const inBed = 390 + Math.floor(unit(user.id, iso, 'in bed') * 150);
    const awake = 20 + Math.floor(unit(user.id, iso, 'awake') * 40);
    const sessions = [night(user.id, iso, bedtime, inBed, awake, offsetMs)];
    if (unit(user.id, iso, 'nap?') < 0.1) {
      const start = midnight + (13 * 60 + 30 + Math.floor(unit(user.id, iso, 'nap at') * 60)) * MINUTE;
      const napInBed = 25 + Math.floor(unit(user.id, iso, 'nap') * 40);
      sessions.push(nap(user.id, iso, start, napInBed, offsetMs));
    }
    return sessions;
  }
}

function sessionId(userId: string, iso: string, which: string): string {
  // Identifiable data points have numeric ids (as exercise ids are): 18 digits from the hash.
  const h = createHash('sha256').update(`${userId}|${iso}|${which}`).digest();
  return (h.readBigUInt64BE(0) % 10n ** 18n).toString().padStart(18, '1');
}

function night(
  userId: string,
  iso: string,
  startMs: number,
  inBed: number,
  awake: number,
  offsetMs: number,
): SleepSession {
  const asleep = inBed - awake;
  const deep = Math.round(asleep * (0.12 + unit(userId, iso, 'deep') * 0.08));
  const rem = Math.round(asleep * (0.18 + unit(userId, iso, 'rem') * 0.06));
  return {
    id: sessionId(userId, iso, 'night'),
    startMs,
    endMs: startMs + inBed * MINUTE,
    offsetMs,
    type: 'STAGES',
    minutesInSleepPeriod: inBed,
    minutesAsleep: asleep,
    minutesAwake: awake,
    stages: [
      { type: 'AWAKE', minutes: awake, count: 8 + Math.floor(unit(userId, iso, 'wakes') * 12) },
      {
        type: 'LIGHT',
        minutes: asleep - deep - rem,
        count: 20 + Math.floor(unit(userId, iso, 'light') * 10),
      },
      { type: 'DEEP', minutes: deep, count: 3 + Math.floor(unit(userId, iso, 'deeps') * 4) },
      { type: 'REM', minutes: rem, count: 4 + Math.floor(unit(userId, iso, 'rems') * 4) },
    ],
  };
}

function nap(userId: string, iso: string, startMs: number, inBed: number, offsetMs: number): SleepSession {
  // Short sleeps are "classic" at Fitbit: asleep, restless and awake, no stages.
  const awake = 3;
  return {
    id: sessionId(userId, iso, 'nap'),
    startMs,
    endMs: startMs + inBed * MINUTE,
    offsetMs,
    type: 'CLASSIC',
    minutesInSleepPeriod: inBed,
    minutesAsleep: inBed - awake,
    minutesAwake: awake,
    stages: [
      { type: 'ASLEEP', minutes: inBed - awake, count: 1 },
      { type: 'AWAKE', minutes: awake, count: 1 },
    ],
  };
}

/** The civil date-time of an instant at an offset. */
export function civilAt(ms: number, offsetMs: number): CivilDate & { hours: number; minutes: number } {
  const local = ms + offsetMs;
  const day = fromEpochDay(Math.floor(local / DAY));
  const minuteOfDay = Math.floor((local - Math.floor(local / DAY) * DAY) / MINUTE);
  return { ...day, hours: Math.floor(minuteOfDay / 60), minutes: minuteOfDay % 60 };
}
