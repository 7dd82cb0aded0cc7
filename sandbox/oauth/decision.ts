import type { Request } from 'express';
import { field } from './http.js';
import type { Interaction, Store } from './store.js';

// The consent form's answer, read the same way for both profiles.

export type Decision =
  | { error: string }
  | { denied: true }
  | { denied: false; userId: string; ticked: string[] };

/** Reads the consent form shared by both profiles. No scope ticked counts as a denial. */
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
  if (ticked.length === 0) return { denied: true };
  return { denied: false, userId, ticked: i.scopes.filter((s) => ticked.includes(s)) };
}
