import { describe, expect, it } from 'vitest';
import {
  checkTokenResponse,
  providerNumber,
  REFRESH_TOKEN_EXPIRES_IN,
} from '../../server/providers/numbers.js';

describe('providerNumber', () => {
  const rule = REFRESH_TOKEN_EXPIRES_IN;

  it.each([60, 3600, 604_800, 3599.5, 10 * 365 * 86_400])('accepts %s s', (v) => {
    expect(providerNumber(rule, v)).toEqual({ ok: true, value: v });
  });

  it('treats an absent or null field as not sent', () => {
    expect(providerNumber(rule, undefined)).toBeUndefined();
    expect(providerNumber(rule, null)).toBeUndefined();
  });

  it.each([
    [1e300, '1e+300'],
    [-3600, '-3600'],
    [0, '0'],
    [59, '59'],
    [1e11, '100000000000'],
    [10 * 365 * 86_400 + 1, '315360001'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NaN, 'NaN'],
  ])('refuses %s, showing it as %s', (v, shown) => {
    expect(providerNumber(rule, v)).toEqual({
      ok: false,
      field: 'refresh_token_expires_in',
      shown,
      claim: `the refresh token lives ${shown} s`,
      range: 'a believable lifetime is between a minute and ten years',
    });
  });

  it('refuses what is not a number without repeating it (it could be anything, a token included)', () => {
    const token = '1//0abcdefghijklmnopqrstuvwxyz0123456789';
    expect(providerNumber(rule, token)).toMatchObject({ ok: false, shown: 'a string' });
    expect(providerNumber(rule, [3600])).toMatchObject({ ok: false, shown: 'a list' });
    expect(providerNumber(rule, { s: 3600 })).toMatchObject({ ok: false, shown: 'an object' });
    expect(JSON.stringify(providerNumber(rule, token))).not.toContain(token);
  });
});

describe('checkTokenResponse', () => {
  it('takes refused numbers out of the response, so nothing downstream can use them', () => {
    const { response, refused } = checkTokenResponse({
      access_token: 'a',
      refresh_token: 'r',
      expires_in: 3599,
      refresh_token_expires_in: 1e300,
    });
    expect(response).toEqual({ access_token: 'a', refresh_token: 'r', expires_in: 3599 });
    expect(refused.map((r) => [r.field, r.shown])).toEqual([['refresh_token_expires_in', '1e+300']]);
  });

  it('keeps believable numbers', () => {
    const resp = { refresh_token_expires_in: 604_800 };
    expect(checkTokenResponse(resp)).toEqual({ response: resp, refused: [] });
  });
});
