import type { Request } from 'express';
import { field } from './http.js';
import type { Interaction, Store } from './store.js';
import type { Profile } from './types.js';

// The consent form's answer, read the same way for both profiles.

const GOOGLE_SIGN_IN = new Set([
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
]);

/**
 * Scopes Google's consent screen grants with the sign-in itself, offering no checkbox for them: openid,
 * email, profile. (Fitbit's `profile` is a data scope with a checkbox.)
 */
export function isSignInScope(profile: Profile, scope: string): boolean {
  return profile === 'google-health' && GOOGLE_SIGN_IN.has(scope);
}

export type Decision =
  | { error: string }
  | { denied: true }
  | { denied: false; userId: string; ticked: string[] };

/**
 * Reads the consent form shared by both profiles. Sign-in scopes come with any Allow; no data scope ticked
 * (when some were asked for) counts as a denial.
 */
export function decide(store: Store, i: Interaction, req: Request): Decision {
  if (field(req, 'decision') === 'deny') return { denied: true };
  if (field(req, 'decision') !== 'allow') return { error: 'decision must be allow or deny' };
  const userId = field(req, 'user') ?? '';
  if (!store.usersFor(i.profile).some((u) => u.id === userId)) return { error: `Unknown user: ${userId}` };
  const raw: unknown = (req.body as Record<string, unknown>).scope;
  const ticked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (s): s is string => typeof s === 'string',
  );
  const extra = ticked.filter((s) => !i.scopes.includes(s));
  if (extra.length > 0) return { error: `Scopes that were not requested: ${extra.join(' ')}` };
  const boxes = i.scopes.filter((s) => !isSignInScope(i.profile, s));
  if (boxes.length > 0 && !boxes.some((s) => ticked.includes(s))) return { denied: true };
  return {
    denied: false,
    userId,
    ticked: i.scopes.filter((s) => ticked.includes(s) || isSignInScope(i.profile, s)),
  };
}
