// The Fetch Metadata policy's decision, header by header.
import { describe, expect, it } from 'vitest';
import { allowedByFetchMetadata } from '../../server/security/fetch-metadata.js';

const req = (method: string, h: Record<string, string>) => ({ method, headers: h });
const nav = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

describe('allowedByFetchMetadata', () => {
  it('allows requests without Fetch Metadata, same-origin ones, and typed-in addresses', () => {
    expect(allowedByFetchMetadata(req('GET', {}))).toBe(true);
    expect(allowedByFetchMetadata(req('POST', { 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(
      allowedByFetchMetadata(req('GET', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' })),
    ).toBe(true);
  });
  it('allows a top-level GET navigation from another site (a link, the provider’s redirect)', () => {
    expect(allowedByFetchMetadata(req('GET', nav))).toBe(true);
    expect(allowedByFetchMetadata(req('GET', { ...nav, 'sec-fetch-site': 'Cross-Site' }))).toBe(true);
  });
  it('refuses anything else from another site or another port of this host', () => {
    for (const site of ['cross-site', 'same-site']) {
      expect(allowedByFetchMetadata(req('POST', { ...nav, 'sec-fetch-site': site })), site).toBe(false);
      expect(allowedByFetchMetadata(req('HEAD', { ...nav, 'sec-fetch-site': site })), site).toBe(false);
      for (const [mode, dest] of [
        ['no-cors', 'image'],
        ['cors', 'empty'],
        ['navigate', 'iframe'],
        ['no-cors', 'script'],
      ])
        expect(
          allowedByFetchMetadata(
            req('GET', { 'sec-fetch-site': site, 'sec-fetch-mode': mode!, 'sec-fetch-dest': dest! }),
          ),
          `${site} ${mode} ${dest}`,
        ).toBe(false);
    }
  });
});
