import { createHash, timingSafeEqual } from 'node:crypto';

/** Equality of two secrets in constant time; hashing first hides their lengths too. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
