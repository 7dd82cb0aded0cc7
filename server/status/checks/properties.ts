// Reading DESCRIBE INTEGRATION's properties for a verdict: a property the answer did not list, or a
// value that is neither true nor false, is something seen, not a "disabled".
import { type Field, type IntegrationFacts, Unreadable } from '../../snowflake/chain-reader.js';

/** ENABLED as true or false; undefined when absent, empty or anything else. */
export function enabledValue(p: IntegrationFacts): boolean | undefined {
  const v = p.ENABLED?.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** What DESCRIBE INTEGRATION said instead of a usable `property`, in words. */
export function missingProperty(p: IntegrationFacts, property: string): string {
  const v = p[property];
  if (v === undefined) return `DESCRIBE INTEGRATION answered without the ${property} property`;
  if (v.trim() === '') return `DESCRIBE INTEGRATION answered an empty ${property}`;
  const shown = v.length > 60 ? `${v.slice(0, 57)}…` : v;
  return `DESCRIBE INTEGRATION answered ${property} as “${shown}”`;
}

/** OAUTH_REFRESH_TOKEN_VALIDITY in seconds: null when not listed, what was seen when not a whole number. */
export function refreshTokenValidity(p: IntegrationFacts): Field<number | null> {
  const v = p.OAUTH_REFRESH_TOKEN_VALIDITY;
  if (v === undefined) return null;
  if (!/^\s*\d+\s*$/.test(v)) return new Unreadable(missingProperty(p, 'OAUTH_REFRESH_TOKEN_VALIDITY'));
  return Number(v);
}
