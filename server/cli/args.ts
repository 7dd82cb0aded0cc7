// The command line of `npm run connect`: checked before anything is loaded, so a typo is a clear message
// and exit 2 rather than a sign-in of another kind.

export const CONNECT_USAGE =
  'usage: npm run connect [-- --no-browser] [--account <label>] [--verbose]\n' +
  '  --no-browser       print the sign-in address instead of opening a browser; after Allow, paste the\n' +
  '                     address the browser landed on (for an app on a server, a VM or a container)\n' +
  '  --account <label>  the account to connect (default: the built-in account, "default")\n' +
  '  --verbose          also print the app’s log lines (on stderr)\n' +
  'Without --no-browser it opens the browser here and receives the sign-in on the redirect URI itself.\n' +
  'Exit: 0 connected and Snowflake’s check passed; 1 written but the check failed or is pending;\n' +
  '      2 nothing written (refused, stopped, or bad usage).';

/** The options, for telling which of them npm took (scripts/npm-args.ts). */
export const CONNECT_FLAGS: readonly { flag: string; takesValue?: boolean }[] = [
  { flag: '--no-browser' },
  { flag: '--account', takesValue: true },
  { flag: '--verbose' },
];

export interface ConnectArgs {
  help: boolean;
  /** Paste-back: print the address, read the callback's address from the terminal. */
  noBrowser: boolean;
  account: string;
  verbose: boolean;
}

export function parseConnectArgs(
  argv: readonly string[],
): { ok: true; args: ConnectArgs } | { ok: false; message: string } {
  const args: ConnectArgs = { help: false, noBrowser: false, account: 'default', verbose: false };
  // Asking for help is never an error, whatever else is on the line.
  if (argv.includes('-h') || argv.includes('--help')) return { ok: true, args: { ...args, help: true } };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name === '--no-browser' || name === '--verbose') {
      if (eq > 0) return { ok: false, message: `${name} takes no value.` };
      if (name === '--no-browser') args.noBrowser = true;
      else args.verbose = true;
    } else if (name === '--account') {
      const next = argv[i + 1];
      const value = eq > 0 ? a.slice(eq + 1) : next !== undefined && !next.startsWith('-') ? next : undefined;
      if (eq <= 0 && value !== undefined) i++;
      if (!value) return { ok: false, message: '--account needs the account’s label, e.g. --account alice.' };
      args.account = value;
    } else if (a.startsWith('-')) return { ok: false, message: `unknown option ${JSON.stringify(name)}.` };
    else return { ok: false, message: `unexpected argument ${JSON.stringify(a)}.` };
  }
  return { ok: true, args };
}
