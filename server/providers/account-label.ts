// Who an account is, in words a person can judge: its email when the app learnt one (google-health's ID
// token), with the provider's ID as the secondary detail that tells accounts apart for certain.

export interface AccountRef {
  userId?: string | null;
  email?: string | null;
}

/** `alice@example.com (ID 4815162342)`, or the ID alone when no email is known. */
export function accountText(a: AccountRef): string {
  if (!a.userId) return a.email || 'an unknown account';
  return a.email ? `${a.email} (ID ${a.userId})` : a.userId;
}
