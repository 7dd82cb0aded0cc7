import { describe, expect, it } from 'vitest';
import { createLogger, safePath } from '../../server/log.js';

function collect() {
  const lines: string[] = [];
  // pino accepts any object with write(); with a plain stream it writes synchronously.
  const stream = { write: (s: string) => void lines.push(s) };
  return { lines, logger: createLogger('debug', stream) };
}

describe('createLogger redaction', () => {
  it('never writes token, code or secret values', () => {
    const { lines, logger } = collect();
    logger.info(
      {
        refresh_token: 'XREFRESHX',
        nested: { access_token: 'YACCESSY' },
        code: 'ZCODEZ',
        client_secret: 'SCLIENTS',
        deeper: { inner: { password: 'PPASSWORDP' } },
        userId: 'visible-user',
      },
      'token exchange done',
    );
    logger.debug(
      { tokens: { refreshToken: 'R2REFRESH', accessToken: 'A2ACCESS' }, state: 'STATEVAL' },
      'more',
    );
    logger.warn(
      { req: { headers: { cookie: 'fsc_browser=COOKIEVAL', authorization: 'Bearer AUTHVAL' } } },
      'req',
    );
    const out = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of [
      'XREFRESHX',
      'YACCESSY',
      'ZCODEZ',
      'SCLIENTS',
      'PPASSWORDP',
      'R2REFRESH',
      'A2ACCESS',
      'STATEVAL',
      'COOKIEVAL',
      'AUTHVAL',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('visible-user');
    expect(out).toContain('[redacted]');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first.refresh_token).toBe('[redacted]');
    expect((first.nested as Record<string, unknown>).access_token).toBe('[redacted]');
    expect(first.msg).toBe('token exchange done');
    expect(first.app).toBe('fitbit-snowflake-connect');
  });
  it('honours the level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (s: string) => void lines.push(s) });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });
});

describe('safePath', () => {
  it.each([
    ['/callback?code=SECRET&state=S', '/callback'],
    ['/callback#_=_', '/callback'],
    ['/callback?code=X#_=_', '/callback'],
    ['/status', '/status'],
    ['/', '/'],
    ['?only=query', ''],
  ])('%s → %s', (url, expected) => {
    expect(safePath(url)).toBe(expected);
  });
});
