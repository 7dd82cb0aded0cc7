// `npm run status`'s command line: each flag, each duration form, and a clear refusal of the rest.
import { describe, expect, it } from 'vitest';
import { parseDuration, parseStatusArgs } from '../../scripts/status-args.js';

const ok = (argv: string[]) => {
  const r = parseStatusArgs(argv);
  if (!r.ok) throw new Error(r.message);
  return r.args;
};
const refused = (argv: string[]) => {
  const r = parseStatusArgs(argv);
  if (r.ok) throw new Error(`accepted ${argv.join(' ')}`);
  return r.message;
};

describe('parseDuration', () => {
  it('reads seconds and s, m, h, d', () => {
    expect(parseDuration('93600')).toBe(93_600);
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('26h')).toBe(93_600);
    expect(parseDuration('2d')).toBe(172_800);
  });
  it('refuses anything else', () => {
    for (const t of ['', '0', '0h', '-5', '1.5h', '26 h', 'h', '26H', '26hours', '1w', '1e3', ' 26h'])
      expect(parseDuration(t), t).toBeUndefined();
  });
});

describe('parseStatusArgs', () => {
  it('no flags: check from here, text output, the app’s own limit', () => {
    expect(ok([])).toEqual({ help: false, json: false });
  });
  it('--url, --json and --max-age, with a space or =', () => {
    expect(ok(['--url', 'http://127.0.0.1:8787', '--json', '--max-age', '26h'])).toEqual({
      help: false,
      json: true,
      url: 'http://127.0.0.1:8787',
      maxAge: { seconds: 93_600, text: '26h' },
    });
    expect(ok(['--max-age=90m', '--url=http://x:1'])).toMatchObject({
      url: 'http://x:1',
      maxAge: { seconds: 5400, text: '90m' },
    });
  });
  it('help wins over anything else on the line', () => {
    expect(ok(['--bogus', '--help']).help).toBe(true);
    expect(ok(['-h']).help).toBe(true);
  });
  it('a flag without its value says what it needs', () => {
    expect(refused(['--url'])).toBe("--url needs the app's address.");
    expect(refused(['--url', '--json'])).toBe("--url needs the app's address.");
    expect(refused(['--max-age'])).toContain('--max-age needs a duration');
    expect(refused(['--max-age='])).toContain('--max-age needs a duration');
  });
  it('a malformed duration is named, with the forms it takes', () => {
    const m = refused(['--max-age', '26 hours']);
    expect(m).toContain('"26 hours" is not a duration');
    expect(m).toContain('26h');
    expect(refused(['--max-age', '-1'])).toContain('"-1" is not a duration');
  });
  it('an unknown option is called unknown; a stray word unexpected', () => {
    expect(refused(['--max_age', '26h'])).toBe('unknown option "--max_age".');
    expect(refused(['--url', 'http://x:1', '-v'])).toBe('unknown option "-v".');
    expect(refused(['--json=yes'])).toBe('--json takes no value.');
    expect(refused(['status'])).toBe('unexpected argument "status".');
  });
});
