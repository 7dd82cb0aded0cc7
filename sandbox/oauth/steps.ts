import { createHash } from 'node:crypto';

// Deterministic synthetic step counts and the civil-date arithmetic both profiles need.

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

/** Steps for one user and one day: 2,000–16,000, the same on every call. */
export function dailySteps(userKey: string, date: CivilDate | string): number {
  const iso = typeof date === 'string' ? date : isoDate(date);
  const h = createHash('sha256').update(`${userKey}|${iso}`).digest();
  return 2000 + (h.readUInt32BE(0) % 14_001);
}

export function isoDate(d: CivilDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

export function toEpochDay(d: CivilDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

export function fromEpochDay(n: number): CivilDate {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function validCivilDate(d: CivilDate): boolean {
  if (![d.year, d.month, d.day].every(Number.isInteger)) return false;
  if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return t.getUTCMonth() === d.month - 1 && t.getUTCDate() === d.day;
}

/** 'yyyy-MM-dd' → CivilDate, or undefined when not a real date. */
export function parseIso(s: string): CivilDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return validCivilDate(d) ? d : undefined;
}

/** Today's civil date at a UTC offset, from an epoch-ms clock. */
export function today(nowMs: number, offsetMs = 0): CivilDate {
  return fromEpochDay(Math.floor((nowMs + offsetMs) / DAY_MS));
}
