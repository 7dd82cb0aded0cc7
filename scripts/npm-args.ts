// What npm did to the command line of `npm run <script>` before the script saw it.
//
// `npm run status --bogus` (no `--` before the script's options) hands --bogus to npm, not to the script:
// npm keeps it as a setting of its own, runs the script without it, and leaves only `npm_config_bogus=true`
// in the script's environment (npm 11 also warns "Unknown cli config"). `--url http://x` loses its name and
// passes `http://x` alone. The script would then do something other than asked, so it looks for those
// variables and says how to pass the options. And `npm run` without -s prints a banner on stdout, which
// ends up in whatever the script's output is piped into.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type Env = Record<string, string | undefined>;

export interface ScriptFlag {
  /** As typed, with the dashes: `--json`, `--max-age`, `--no-browser`. */
  flag: string;
  /** Takes a value (`--url <address>`): npm keeps the name and passes the value on as a bare word. */
  takesValue?: boolean;
}

export interface NpmArgsOptions {
  /** The package.json script this process is: only `npm run <script>` is looked at. */
  script: string;
  /** The script's own options: any of them npm took is reported, whatever its value. */
  flags: readonly ScriptFlag[];
  /** npm's own setting names (kebab-case); by default those of the npm that ran the script. */
  npmSettings?: ReadonlySet<string>;
}

const PREFIX = 'npm_config_';
/** Variables npm exports for every script, outside its list of settings. */
const ALWAYS_EXPORTED = new Set(['global_prefix', 'local_prefix', 'npm_version', 'node_gyp', 'user_agent']);

const envName = (setting: string) => setting.replace(/^--/, '').replace(/-/g, '_').toLowerCase();

/** True when npm (not yarn or pnpm) runs this process as `npm run <script>`. */
export function runByNpm(env: Env, script: string): boolean {
  return env.npm_lifecycle_event === script && (env.npm_config_user_agent ?? '').startsWith('npm/');
}

/**
 * The options npm took as its own from `npm run <script> --option`, as `--option`; empty when run any other
 * way. Never reads their values: a value may be a secret (`--client-secret=…`).
 */
export function flagsNpmTook(env: Env, options: NpmArgsOptions): string[] {
  if (!runByNpm(env, options.script)) return [];
  const fromFiles = npmrcKeys(env);
  const set = (name: string) => env[PREFIX + name] !== undefined && !fromFiles.has(name);
  const took: string[] = [];
  for (const { flag } of options.flags) {
    // npm reads `--no-browser` as browser=false, exported as an empty value.
    const negated = /^--no-/.test(flag) ? envName(flag.slice('--no-'.length)) : undefined;
    if (negated ? env[PREFIX + negated] === '' && set(negated) : set(envName(flag))) took.push(flag);
  }
  const npmSettings = options.npmSettings ?? npmOwnSettings(env);
  if (npmSettings) {
    const known = new Set([...npmSettings].map(envName));
    const own = new Set(options.flags.map((f) => envName(f.flag)));
    for (const key of Object.keys(env).sort()) {
      if (!key.startsWith(PREFIX)) continue;
      const name = key.slice(PREFIX.length);
      if (known.has(name) || ALWAYS_EXPORTED.has(name) || own.has(name) || !set(name)) continue;
      // Only what a bare flag leaves (true; '' for --no-x): a variable set by hand holds a real value.
      if (env[key] === 'true' || env[key] === '') took.push(`--${name.replace(/_/g, '-')}`);
    }
  }
  return took;
}

/** What to tell the user: which options npm took, and the command that passes them to the script. */
export function npmTookMessage(
  script: string,
  took: readonly string[],
  flags: readonly ScriptFlag[],
): string {
  const withValue = new Set(flags.filter((f) => f.takesValue).map((f) => f.flag));
  const example = took.map((f) => (withValue.has(f) ? `${f} …` : f)).join(' ');
  const them = took.length > 1 ? 'them' : 'it';
  const names = took.length > 1 ? `${took.slice(0, -1).join(', ')} and ${took.at(-1)}` : took[0];
  return (
    `npm took ${names} as ${took.length > 1 ? 'options' : 'an option'} of its own and ran the script without ${them}. ` +
    `Put the script's options after "--", which npm passes on as they are:\n  npm run ${script} -- ${example}`
  );
}

/** True when npm printed its `> package@version script` banner on this process's stdout (no -s). */
export function npmBannerOnStdout(env: Env, script: string): boolean {
  return runByNpm(env, script) && env.npm_config_loglevel !== 'silent';
}

/**
 * The setting names of the npm that ran the script, read from its own package (npm_execpath); undefined
 * when that cannot be done (another npm layout), and then only the script's own flags are looked for.
 */
function npmOwnSettings(env: Env): ReadonlySet<string> | undefined {
  if (!env.npm_execpath) return undefined;
  const require = createRequire(env.npm_execpath);
  for (const id of ['@npmcli/config/lib/definitions', '../lib/utils/config/index.js']) {
    try {
      const { definitions } = require(id) as { definitions?: Record<string, unknown> };
      if (definitions) return new Set(Object.keys(definitions));
    } catch {
      // not this layout
    }
  }
  return undefined;
}

/** Keys set in npm's config files: npm exports those too, and they were not typed on this command line. */
function npmrcKeys(env: Env): Set<string> {
  const files = [env.npm_config_userconfig, env.npm_config_globalconfig];
  if (env.npm_config_local_prefix) files.push(path.join(env.npm_config_local_prefix, '.npmrc'));
  if (env.npm_execpath) files.push(path.join(path.dirname(env.npm_execpath), '..', 'npmrc'));
  const keys = new Set<string>();
  for (const file of files) {
    if (!file) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([^\s;#=][^=]*?)\s*=/.exec(line);
      if (m) keys.add(envName(m[1]!.replace(/\[\]$/, '')));
    }
  }
  return keys;
}
