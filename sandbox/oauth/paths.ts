import type { Profile } from './types.js';

/** The provider hosts this stand-in plays: startSandbox routes Snowflake's egress for them here. */
export const PROVIDER_HOSTS = [
  'oauth2.googleapis.com',
  'accounts.google.com',
  'health.googleapis.com',
  'api.fitbit.com',
  'www.fitbit.com',
] as const;

// Which provider a request path belongs to: drives the 410 switch, the request log and fault bodies.

export function profileOf(path: string): Profile | 'sandbox' | null {
  if (path === '/sandbox' || path.startsWith('/sandbox/')) return 'sandbox';
  if (path.startsWith('/oauth2/v3/')) return 'google-health';
  if (path.startsWith('/oauth2/') || path.startsWith('/1/') || path.startsWith('/1.1/')) return 'fitbit';
  if (
    path.startsWith('/o/oauth2/') ||
    path.startsWith('/v4/') ||
    path.startsWith('/.well-known/') ||
    ['/token', '/revoke', '/tokeninfo'].includes(path)
  ) {
    return 'google-health';
  }
  return null;
}
