// `npm run connect`: its command line, and the checks of a pasted address before the sign-in sees it.
import { describe, expect, it } from 'vitest';
import { parseConnectArgs } from '../../server/cli/args.js';
import { checkCallbackAddress } from '../../server/cli/callback-address.js';
import { loopbackTarget } from '../../server/cli/loopback.js';
import { isAppError } from '../../server/errors/index.js';
import { CALLBACK_PARAMS } from '../../server/routes/connect.js';

const redirectUri = 'http://localhost:8787/callback';
const state = 'yLNiSlPRfKUmWq91nADpTc6l2WZMBLUg6OM5Hk005uA';
const issued = ['Q1o6jYxkT5vIpXzGZl9jGkq0QbXrCwHd8m2n3Z0aQeE', state];
const check = (text: string) => checkCallbackAddress(text, { redirectUri, issued, params: CALLBACK_PARAMS });
const good = `${redirectUri}?state=${state}&iss=https%3A%2F%2Faccounts.google.com&code=4%2F0Ab_x&scope=openid&authuser=0&prompt=consent`;
const refusal = (text: string) => {
  const r = check(text);
  if (r.ok) throw new Error(`accepted ${text}`);
  return r.error;
};

describe('a pasted address', () => {
  it('accepts the whole address, with what a copy brings along (quotes, spaces, paste markers, no scheme)', () => {
    for (const t of [
      good,
      ` ${good} `,
      `"${good}"`,
      `<${good}>`,
      `\x1b[200~${good}\x1b[201~`,
      good.slice(7),
    ]) {
      const r = check(t);
      expect(r.ok, t).toBe(true);
      if (r.ok) expect(r.query).toMatchObject({ state, code: '4/0Ab_x', iss: 'https://accounts.google.com' });
    }
    // Fitbit's '#_=_' is not part of the answer.
    expect(check(`${good}#_=_`).ok).toBe(true);
    // Parameters the callback route does not read are dropped, as there.
    const r = check(`${good}&extra=1`);
    expect(r.ok && 'extra' in r.query).toBe(false);
  });

  it('passes an error instead of a code on to the sign-in (Deny: the web’s message)', () => {
    const r = check(`${redirectUri}?error=access_denied&state=${state}`);
    expect(r.ok && r.query.error).toBe('access_denied');
  });

  it('cut off: no query, no state, a shorter state, no code, half the redirect URI', () => {
    const cases: [string, string][] = [
      [redirectUri, 'It ends before'],
      [`${redirectUri}?`, 'It ends before'],
      [`${redirectUri}?code=abc`, 'It has no “state=…”'],
      [`${redirectUri}?state=${state.slice(0, 20)}`, 'shorter than the one'],
      [`${redirectUri}?state=${state}`, 'It has no “code=…”'],
      ['http://localhost:87', 'only the beginning'],
      ['http://localhost:8787/call', 'only the beginning'],
    ];
    for (const [text, why] of cases) {
      const e = refusal(text);
      expect(e.code, text).toBe('cli_callback_cut_off');
      expect(e.title).toBe('The address looks cut off: copy the whole address bar');
      expect(e.why, text).toContain(why);
    }
  });

  it('another redirect URI names both, without the answer’s code', () => {
    const e = refusal(good.replace('localhost', '127.0.0.1'));
    expect(e.code).toBe('cli_callback_other_redirect');
    expect(e.why).toContain('goes to http://127.0.0.1:8787/callback');
    expect(e.why).toContain(`comes back to ${redirectUri}`);
    expect(e.why + e.fix).not.toContain('4%2F0Ab_x');
    expect(refusal(good.replace('/callback', '/callback/')).code).toBe('cli_callback_other_redirect');
    expect(refusal(good.replace('http:', 'https:')).code).toBe('cli_callback_other_redirect');
  });

  it('a state this run did not issue (as long as an issued one) is another attempt', () => {
    const other = 'A'.repeat(state.length);
    expect(refusal(good.replace(state, other)).code).toBe('cli_callback_other_attempt');
  });

  it('not an address, and a repeated parameter', () => {
    expect(refusal('hello there').code).toBe('cli_callback_not_an_address');
    expect(refusal('javascript:alert(1)').code).toBe('cli_callback_not_an_address');
    expect(refusal(`${good}&code=again`).code).toBe('bad_request');
  });
});

describe('parseConnectArgs', () => {
  const ok = (argv: string[]) => {
    const r = parseConnectArgs(argv);
    if (!r.ok) throw new Error(r.message);
    return r.args;
  };
  const refused = (argv: string[]) => {
    const r = parseConnectArgs(argv);
    if (r.ok) throw new Error(`accepted ${argv.join(' ')}`);
    return r.message;
  };
  it('reads each option', () => {
    expect(ok([])).toEqual({ help: false, noBrowser: false, account: 'default', verbose: false });
    expect(ok(['--no-browser', '--account', 'alice', '--verbose'])).toMatchObject({
      noBrowser: true,
      account: 'alice',
      verbose: true,
    });
    expect(ok(['--account=bob']).account).toBe('bob');
    expect(ok(['--bogus', '-h']).help).toBe(true);
  });
  it('refuses the rest, clearly', () => {
    expect(refused(['--no-browsr'])).toBe('unknown option "--no-browsr".');
    expect(refused(['now'])).toBe('unexpected argument "now".');
    expect(refused(['--account'])).toContain('--account needs the account’s label');
    expect(refused(['--account', '--no-browser'])).toContain('--account needs');
    expect(refused(['--no-browser=yes'])).toBe('--no-browser takes no value.');
  });
});

describe('the redirect URI the command listens on', () => {
  it('is refused when it is not on this computer (the browser could not come back to the command)', () => {
    const target = loopbackTarget('https://fitbit.example.org/callback');
    expect(isAppError(target) && target.code).toBe('cli_redirect_not_local');
    // localhost is listened on as 127.0.0.1 (the address the app binds).
    expect(loopbackTarget('http://localhost:8787/callback')).toEqual({
      host: '127.0.0.1',
      port: 8787,
      path: '/callback',
    });
  });
});
