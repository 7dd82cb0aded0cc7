// The text scrubbers in security/redaction.ts (the log paths are exercised through the logger in log.test.ts).
import { describe, expect, it } from 'vitest';
import { scrubSqlSecrets } from '../../server/security/redaction.js';

describe('scrubSqlSecrets', () => {
  it.each([
    [
      "ALTER SECRET A.B.C SET OAUTH_REFRESH_TOKEN = '1//0gSECRET-_.~'",
      "ALTER SECRET A.B.C SET OAUTH_REFRESH_TOKEN = '***'",
    ],
    [
      "ALTER SECRET A.B.C SET OAUTH_REFRESH_TOKEN = 'SECRET' OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2026-11-15 12:00:00'",
      "ALTER SECRET A.B.C SET OAUTH_REFRESH_TOKEN = '***' OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2026-11-15 12:00:00'",
    ],
    [
      "create security integration x oauth_client_secret='SE''CRET' enabled=true",
      "create security integration x oauth_client_secret='***' enabled=true",
    ],
    ["Password = 'SE\\'CR''ET' next", "Password = '***' next"],
    ["PASSWORD='SE\\\\' tail", "PASSWORD='***' tail"],
    ["OAUTH_REFRESH_TOKEN = 'SECRET-unterminated", "OAUTH_REFRESH_TOKEN = '***'"],
    ["x TOKEN_SECRET = 'SECRET'", "x TOKEN_SECRET = '***'"],
    // A backslash before a line break is an escape like any other: the rest must not leak.
    ["PASSWORD = 'AB\\\nLEAK' tail", "PASSWORD = '***' tail"],
  ])('hides the literal in %j', (text, expected) => {
    expect(scrubSqlSecrets(text)).toBe(expected);
  });
  it('hides every occurrence and leaves other text alone', () => {
    const text =
      "oauth_refresh_token = 'SECRET1' and OAUTH_REFRESH_TOKEN='SECRET2'; SELECT 'visible' AS password_hint";
    const out = scrubSqlSecrets(text);
    expect(out).not.toContain('SECRET1');
    expect(out).not.toContain('SECRET2');
    expect(out).toContain("'visible'");
    expect(scrubSqlSecrets('no secrets here')).toBe('no secrets here');
  });
});
