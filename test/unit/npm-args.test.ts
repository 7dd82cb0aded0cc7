// What npm leaves in a script's environment when it took an option meant for the script (scripts/npm-args.ts):
// which variables count, which never do (npm's own settings, its config files, a variable set by hand).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagsNpmTook, npmBannerOnStdout, npmTookMessage, runByNpm } from '../../scripts/npm-args.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fsc-npm-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment `npm run status …` gives its script, as npm 11 sets it, plus what a test adds. */
function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    npm_lifecycle_event: 'status',
    npm_command: 'run',
    npm_config_user_agent: 'npm/11.0.0 node/v20.20.2 linux x64 workspaces/false',
    npm_config_cache: '/home/u/.npm',
    npm_config_global_prefix: '/usr',
    npm_config_local_prefix: dir,
    npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    npm_config_npm_version: '11.0.0',
    npm_config_noproxy: '',
    npm_config_userconfig: path.join(dir, 'user-npmrc'),
    npm_config_globalconfig: path.join(dir, 'global-npmrc'),
    ...extra,
  };
}
const NPM_SETTINGS = new Set([
  'cache',
  'noproxy',
  'userconfig',
  'globalconfig',
  'loglevel',
  'json',
  'browser',
]);
const FLAGS = [{ flag: '--url', takesValue: true }, { flag: '--json' }, { flag: '--no-browser' }];
const took = (env: Record<string, string>) =>
  flagsNpmTook(env, { script: 'status', flags: FLAGS, npmSettings: NPM_SETTINGS });

describe('flagsNpmTook', () => {
  it('finds an unknown option npm kept (bare: "true"), and the script’s own options whatever their value', () => {
    expect(took(npmEnv())).toEqual([]);
    expect(took(npmEnv({ npm_config_bogus: 'true' }))).toEqual(['--bogus']);
    expect(took(npmEnv({ npm_config_dry_run_now: 'true' }))).toEqual(['--dry-run-now']);
    // `--url http://x`: npm keeps the name (true) and passes the value as a bare word; `--url=x` keeps it all.
    expect(took(npmEnv({ npm_config_url: 'true' }))).toEqual(['--url']);
    expect(took(npmEnv({ npm_config_url: 'http://127.0.0.1:8787' }))).toEqual(['--url']);
    // --json is also npm's own setting, but the script has one too: that is what was meant.
    expect(took(npmEnv({ npm_config_json: 'true' }))).toEqual(['--json']);
    // npm reads --no-browser as browser=false, exported empty.
    expect(took(npmEnv({ npm_config_browser: '' }))).toEqual(['--no-browser']);
  });

  it('ignores npm’s own settings, what npm’s config files set, and variables set by hand', () => {
    expect(took(npmEnv({ npm_config_loglevel: 'silent' }))).toEqual([]);
    writeFileSync(path.join(dir, 'user-npmrc'), '; mine\npython = /usr/bin/python3\nstrict-thing=true\n');
    writeFileSync(path.join(dir, '.npmrc'), 'json=true\n');
    expect(
      took(
        npmEnv({
          npm_config_python: '/usr/bin/python3',
          npm_config_strict_thing: 'true',
          npm_config_json: 'true',
        }),
      ),
    ).toEqual([]);
    // Set by hand in the shell, with a real value: not a bare flag.
    expect(took(npmEnv({ npm_config_registry_mirror: 'https://mirror.example' }))).toEqual([]);
  });

  it('looks only at `npm run <this script>` by npm: not another script, not yarn or pnpm, not a plain run', () => {
    expect(took({ ...npmEnv({ npm_config_bogus: 'true' }), npm_lifecycle_event: 'test' })).toEqual([]);
    expect(
      took({ ...npmEnv({ npm_config_bogus: 'true' }), npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20' }),
    ).toEqual([]);
    expect(took({ npm_config_bogus: 'true' })).toEqual([]);
    expect(runByNpm(npmEnv(), 'status')).toBe(true);
  });

  it('never reports a value, only names (a value may be a secret)', () => {
    const message = npmTookMessage('sql', took(npmEnv({ npm_config_bogus: 'true' })), []);
    expect(message).toBe(
      'npm took --bogus as an option of its own and ran the script without it. Put the script\'s options after "--", which npm passes on as they are:\n  npm run sql -- --bogus',
    );
    expect(npmTookMessage('status', ['--url', '--json'], FLAGS)).toContain(
      'npm run status -- --url … --json',
    );
  });

  it('reads npm’s own setting names from the npm that ran the script', () => {
    let execpath: string;
    try {
      execpath = realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim());
    } catch {
      return; // no npm on PATH: nothing to read
    }
    const env = npmEnv({ npm_execpath: execpath, npm_config_loglevel: 'silent', npm_config_bogus: 'true' });
    expect(flagsNpmTook(env, { script: 'status', flags: [] })).toEqual(['--bogus']);
  });
});

describe('npmBannerOnStdout', () => {
  it('is true for `npm run sql` unless npm is silent (-s, --silent, --loglevel silent)', () => {
    const env = { ...npmEnv(), npm_lifecycle_event: 'sql' };
    expect(npmBannerOnStdout(env, 'sql')).toBe(true);
    expect(npmBannerOnStdout({ ...env, npm_config_loglevel: 'silent' }, 'sql')).toBe(false);
    expect(npmBannerOnStdout({}, 'sql')).toBe(false);
  });
});
