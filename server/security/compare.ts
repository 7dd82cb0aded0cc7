import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Equality of a presented secret and the expected one in constant time; hashing first hides their lengths
 * too. Nothing presented (a missing header or field) never matches.
 */
export function constantTimeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
