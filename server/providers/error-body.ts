import type { ProviderErrorBody } from './types.js';

/** An RFC 6749 error body (`{error, error_description}`), as both providers' token endpoints may send. */
export function rfcErrorBody(b: Record<string, unknown>): ProviderErrorBody | undefined {
  if (typeof b.error !== 'string') return undefined;
  return {
    error: b.error,
    error_description: typeof b.error_description === 'string' ? b.error_description : undefined,
  };
}
