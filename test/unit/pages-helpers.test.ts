// The helpers behind every page: times people read (local time with the zone, how long ago on the app's
// clock, ISO 8601 on hover), accounts named by email, long names that wrap at their dots, and the one
// scope set with the sign-in scopes riding along only on the authorization request.
import { describe, expect, it } from 'vitest';
import { accountText, getProfile, requestedScopes } from '../../server/providers/index.js';
import { breakable } from '../../server/routes/view-helpers.js';
import { formatRelative, timeFormat } from '../../server/time-format.js';

const NOW = Date.parse('2026-12-01T17:44:16.783Z');

describe('time format', () => {
  const berlin = timeFormat(() => NOW, 'Europe/Berlin');
  const utc = timeFormat(() => NOW, 'UTC');

  it('local time in the given zone, with the zone named', () => {
    expect(utc.local('2026-12-01T17:44:16.783Z')).toBe('1 Dec 2026, 17:44 UTC');
    expect(berlin.local('2026-12-01T17:44:16.783Z')).toBe('1 Dec 2026, 18:44 CET');
    expect(berlin.local(new Date('2026-07-01T12:00:00Z'))).toBe('1 Jul 2026, 14:00 CEST');
    expect(utc.local('not a time')).toBe('not a time');
  });

  it('how long ago, or how long until, on the app’s clock', () => {
    expect(utc.relative('2026-12-01T17:44:00.000Z')).toBe('just now');
    expect(utc.relative('2026-12-01T17:41:00.000Z')).toBe('3 min ago');
    expect(utc.relative('2026-11-28T17:44:00.000Z')).toBe('3 days ago');
    expect(utc.relative('2026-12-01T18:44:16.783Z')).toBe('in 1 h');
    expect(formatRelative(NOW + 30_000, NOW)).toBe('in under a minute');
  });

  it('a <time> with the ISO 8601 in datetime and title', () => {
    expect(utc.html('2026-12-01T17:41:00Z')).toBe(
      '<time datetime="2026-12-01T17:41:00.000Z" title="2026-12-01T17:41:00.000Z">1 Dec 2026, 17:41 UTC</time> <span class="ago">(3 min ago)</span>',
    );
    expect(utc.html('2026-12-01T17:41:00Z', { relative: false })).not.toContain('ago');
  });

  it('a sentence: escaped, with every ISO time in it shown as a <time>', () => {
    const html = utc.text('Wait until 2026-12-01T18:44:16.783Z, then <run> the check');
    expect(html).toBe(
      'Wait until <time datetime="2026-12-01T18:44:16.783Z" title="2026-12-01T18:44:16.783Z">1 Dec 2026, 18:44 UTC</time> <span class="ago">(in 1 h)</span>, then &lt;run&gt; the check',
    );
    expect(utc.text('checked at 2026-12-01T17:44:16+01:00')).toContain('datetime="2026-12-01T16:44:16.000Z"');
    expect(utc.text(null)).toBe('');
  });
});

describe('accounts and long names', () => {
  it('the email first, the ID as secondary detail; the ID alone when no email is known', () => {
    expect(accountText({ userId: '4815162342', email: 'alice@example.com' })).toBe(
      'alice@example.com (ID 4815162342)',
    );
    expect(accountText({ userId: '2E4RVC' })).toBe('2E4RVC');
    expect(accountText({})).toBe('an unknown account');
  });

  it('scope URLs get line-break opportunities after slashes and dots, and are escaped', () => {
    expect(breakable('https://www.googleapis.com/auth/googlehealth.sleep.readonly')).toBe(
      'https://<wbr>www.<wbr>googleapis.<wbr>com/<wbr>auth/<wbr>googlehealth.<wbr>sleep.<wbr>readonly',
    );
    expect(breakable('<b>')).toBe('&lt;b&gt;');
  });
});

describe('the sign-in scopes', () => {
  it('google-health asks for openid email on top of the scope set; they are not part of the set', () => {
    const google = getProfile('google-health');
    expect(requestedScopes(google, google.defaultScopes)).toEqual([
      'openid',
      'email',
      ...google.defaultScopes,
    ]);
    expect(google.defaultScopes).not.toContain('openid');
    expect(google.defaultScopes).not.toContain('email');
    expect(requestedScopes(google, ['openid', 'x'])).toEqual(['openid', 'email', 'x']);
  });

  it('the legacy Fitbit API has no OpenID Connect: its request is the scope set alone', () => {
    const fitbit = getProfile('fitbit');
    expect(requestedScopes(fitbit, fitbit.defaultScopes)).toEqual(fitbit.defaultScopes);
  });
});
