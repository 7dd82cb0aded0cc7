// How old the proof is: the last passing end-to-end check since the last connect, against the limit
// (PROOF_MAX_AGE). A page load never runs the check, so without this a green verdict could stand for
// weeks after a revocation. Also when the schedule runs the next check, and what that costs.
import { formatAgo, formatEvery, formatSpan } from '../time-format.js';
import { xsmallCreditsPer30Days, xsmallCreditsPerCheck } from './check-cost.js';
import type { AppEvent } from './events.js';
import { nextCheckDue } from './schedule.js';
import type { Overall } from './service.js';

export interface Proof {
  /** When the last passing end-to-end check since the last connect ran; null when there is none. */
  at: string | null;
  ageSeconds: number | null;
  maxAgeSeconds: number;
  /** There is a proof, and it is no older than the limit. */
  fresh: boolean;
  /** The same in words: `last proven 3 h ago`. */
  text: string;
}

export interface ScheduleView {
  /** CHECK_INTERVAL; 0: no scheduled checks. */
  intervalSeconds: number;
  /** How often, in words (`daily`, `every 6 h`); null when off. */
  every: string | null;
  /** When the next scheduled check falls due; null when off or before the first connect. */
  nextAt: string | null;
  /** About what checks cost on an XSMALL warehouse that is suspended between them. */
  xsmallCredits: { perCheck: number; per30Days: number };
}

/** The check event if it belongs to the last connect (ran after it), else undefined. */
export function sinceConnect(
  connect: AppEvent | undefined,
  check: AppEvent | undefined,
): AppEvent | undefined {
  return connect && check && check.at >= connect.at ? check : undefined;
}

export function proofOf(
  connect: AppEvent | undefined,
  lastPassed: AppEvent | undefined,
  now: Date,
  maxAgeSeconds: number,
): Proof {
  const at = sinceConnect(connect, lastPassed)?.at ?? null;
  if (!at)
    return {
      at: null,
      ageSeconds: null,
      maxAgeSeconds,
      fresh: false,
      text: connect ? 'not proven since the last connect' : 'nothing to prove yet',
    };
  const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(at)) / 1000));
  return withLimit({ at, ageSeconds, maxAgeSeconds, fresh: false, text: '' }, maxAgeSeconds);
}

/**
 * The same proof judged against another limit (`npm run status --max-age`); `limitWords` names it in the
 * text (default: `the 26 h limit`). A missing proof stays unproven whatever the limit.
 */
export function withLimit(proof: Proof, maxAgeSeconds: number, limitWords?: string): Proof {
  if (proof.at === null || proof.ageSeconds === null) return { ...proof, maxAgeSeconds };
  const fresh = proof.ageSeconds <= maxAgeSeconds;
  const ago = `last proven ${formatAgo(proof.ageSeconds)}`;
  const limit = limitWords ?? `the ${formatSpan(maxAgeSeconds)} limit`;
  return { ...proof, maxAgeSeconds, fresh, text: fresh ? ago : `${ago}, more than ${limit}` };
}

export function scheduleOf(
  intervalSeconds: number,
  connect: AppEvent | undefined,
  lastCheck: AppEvent | undefined,
  now: Date,
): ScheduleView {
  const check = sinceConnect(connect, lastCheck);
  const next =
    intervalSeconds > 0 && connect
      ? nextCheckDue(intervalSeconds * 1000, check ? Date.parse(check.at) : undefined, now.getTime())
      : undefined;
  return {
    intervalSeconds,
    every: intervalSeconds > 0 ? formatEvery(intervalSeconds) : null,
    nextAt: next === undefined ? null : new Date(next).toISOString(),
    xsmallCredits: { perCheck: xsmallCreditsPerCheck(), per30Days: xsmallCreditsPer30Days(intervalSeconds) },
  };
}

/**
 * A verdict judged against another age limit (`npm run status --max-age`): a proof older than it turns
 * `connected` into `unproven`, one within it turns an `unproven` (too old for the app's limit) back into
 * `connected`. Other verdicts stand: they do not depend on the proof's age.
 */
export function withinMaxAge(
  overall: Overall,
  proof: Proof,
  maxAgeSeconds: number,
  limitWords?: string,
): { overall: Overall; proof: Proof } {
  const judged = withLimit(proof, maxAgeSeconds, limitWords);
  if (overall !== 'connected' && overall !== 'unproven') return { overall, proof: judged };
  return { overall: judged.fresh ? 'connected' : 'unproven', proof: judged };
}
