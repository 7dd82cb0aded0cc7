// The command line of `npm run status`: flags and durations, checked before anything is read, so a typo
// is a clear message and exit 2 rather than a check of something else.
import type { ScriptFlag } from './npm-args.js';

export const USAGE =
  'usage: npm run status [-- --url http://127.0.0.1:8787] [--json] [--max-age <duration>] [--account <label>]\n' +
  '  --url <address>       ask a running app (its /status.json) instead of checking from here\n' +
  '  --json                print the report as JSON\n' +
  '  --max-age <duration>  how old the last passing end-to-end check may be before exit 1\n' +
  '                        (seconds, or 90m, 26h, 2d; default: the app’s PROOF_MAX_AGE, CHECK_INTERVAL + 2 h)\n' +
  '  --timeout <duration>  with --url: how long to wait for the app (default 10s)\n' +
  '  --account <label>     the whole report of that account (default: the default account’s, and a line\n' +
  '                        for every other account; the exit code is the worst account’s)';

/** The options, for telling which of them npm took (scripts/npm-args.ts). */
export const STATUS_FLAGS: readonly ScriptFlag[] = [
  { flag: '--url', takesValue: true },
  { flag: '--json' },
  { flag: '--max-age', takesValue: true },
  { flag: '--timeout', takesValue: true },
  { flag: '--account', takesValue: true },
];

export interface StatusArgs {
  help: boolean;
  json: boolean;
  url?: string;
  /** --max-age: the seconds, and the text as given (for messages). */
  maxAge?: { seconds: number; text: string };
  /** --timeout: how long --url waits for the app, in seconds. */
  timeoutSeconds?: number;
  /** --account: whose whole report to print (the others get a line each). */
  account?: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds from `3600`, `45s`, `90m`, `26h` or `2d`; undefined for anything else (or 0). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  return seconds > 0 ? seconds : undefined;
}

export function parseStatusArgs(
  argv: string[],
): { ok: true; args: StatusArgs } | { ok: false; message: string } {
  const args: StatusArgs = { help: false, json: false };
  // Asking for help is never an error, whatever else is on the line.
  if (argv.includes('-h') || argv.includes('--help')) return { ok: true, args: { ...args, help: true } };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    // A flag's value: after `=`, or the next word unless that is another flag.
    const value = (): string | undefined => {
      if (eq > 0) return a.slice(eq + 1) || undefined;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      i++;
      return next;
    };
    if (name === '--json') {
      if (eq > 0) return { ok: false, message: '--json takes no value.' };
      args.json = true;
    } else if (name === '--url') {
      args.url = value();
      if (!args.url) return { ok: false, message: "--url needs the app's address." };
    } else if (name === '--max-age') {
      const text = value();
      if (!text) return { ok: false, message: '--max-age needs a duration, e.g. 26h.' };
      const seconds = parseDuration(text);
      if (seconds === undefined)
        return {
          ok: false,
          message: `--max-age ${JSON.stringify(text)} is not a duration: give seconds (93600) or a number with s, m, h or d (90m, 26h, 2d).`,
        };
      args.maxAge = { seconds, text };
    } else if (name === '--timeout') {
      const text = value();
      const seconds = text === undefined ? undefined : parseDuration(text);
      if (seconds === undefined)
        return {
          ok: false,
          message: '--timeout needs a duration: seconds (30) or a number with s or m (30s, 2m).',
        };
      args.timeoutSeconds = seconds;
    } else if (name === '--account') {
      args.account = value();
      if (!args.account) return { ok: false, message: '--account needs an account label, e.g. alice.' };
    } else if (a.startsWith('-')) return { ok: false, message: `unknown option ${JSON.stringify(name)}.` };
    else return { ok: false, message: `unexpected argument ${JSON.stringify(a)}.` };
  }
  return { ok: true, args };
}
