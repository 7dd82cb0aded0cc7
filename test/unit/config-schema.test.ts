// The settings schema is the one list of setting names: the sandbox switch derives from it, secret
// settings are never echoed, and the code names no setting that is not in it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSetting } from '../../server/config/env.js';
import { ConfigError, isSandboxRequested, LIVE_SETTINGS, parseConfig } from '../../server/config/index.js';
import { ALL_SETTINGS, SETTING_GROUPS, SETTINGS } from '../../server/config/schema.js';

type Env = Record<string, string | undefined>;
const ROOT = path.resolve(import.meta.dirname, '../..');
const NAMES = new Set<string>(ALL_SETTINGS.map((s) => s.name));

const LIVE: Env = {
  OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OAUTH_CLIENT_SECRET: 'client-secret-value',
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'FITBIT_APP',
  SNOWFLAKE_PASSWORD: 'pw-value',
  SNOWFLAKE_SECRET: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
  SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
};

function problems(env: Env): string {
  try {
    parseConfig(env);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.join('\n');
  }
}

describe('the settings schema', () => {
  it('gives every setting a group and a one-line description', () => {
    for (const s of ALL_SETTINGS) {
      expect(SETTING_GROUPS, s.name).toContain(s.group);
      expect(s.description, s.name).toMatch(/^\S.*\.$/);
      expect(s.description, s.name).not.toContain('\n');
    }
  });
  it('switches sandbox mode off with exactly the settings it marks live (as before the split)', () => {
    expect([...LIVE_SETTINGS].sort()).toEqual(
      [
        'OAUTH_CLIENT_ID',
        'OAUTH_ISSUER',
        'OAUTH_CLIENT_SECRET',
        'OAUTH_AUTHORIZATION_URL',
        'OAUTH_TOKEN_URL',
        'OAUTH_REVOCATION_URL',
        'HEALTH_API_URL',
        'SNOWFLAKE_DEFAULT_CONNECTION_NAME',
        'SNOWFLAKE_ACCOUNT',
        'SNOWFLAKE_USER',
        'SNOWFLAKE_AUTHENTICATOR',
        'SNOWFLAKE_PRIVATE_KEY_FILE',
        'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
        'SNOWFLAKE_PASSWORD',
        'SNOWFLAKE_PASSCODE',
        'SNOWFLAKE_TOKEN',
        'SNOWFLAKE_ACCESS_URL',
        'SNOWFLAKE_ROLE',
        'SNOWFLAKE_WAREHOUSE',
        'SNOWFLAKE_DATABASE',
        'SNOWFLAKE_SCHEMA',
        'SNOWFLAKE_SECRET',
        'SNOWFLAKE_CHECK_FUNCTION',
        'SNOWFLAKE_DATA_FUNCTION',
      ].sort(),
    );
    for (const s of ALL_SETTINGS) expect(isSandboxRequested({ [s.name]: 'x' }), s.name).toBe(!s.live);
  });
  it('reads the stand-ins’ ports, refusing a malformed one by name', () => {
    const r = parseConfig({});
    expect(r.base.sandboxPorts).toEqual({ oauth: 8790, snowflake: 8791 });
    expect(parseConfig({ SANDBOX_OAUTH_PORT: '0' }).base.sandboxPorts.oauth).toBe(0);
    expect(readSetting({}, SETTINGS.SANDBOX_SNOWFLAKE_PORT)).toBe(8791);
    expect(readSetting({ SANDBOX_SNOWFLAKE_PORT: '9001' }, SETTINGS.SANDBOX_SNOWFLAKE_PORT)).toBe(9001);
    expect(() => readSetting({ SANDBOX_OAUTH_PORT: 'abc' }, SETTINGS.SANDBOX_OAUTH_PORT)).toThrow(
      /SANDBOX_OAUTH_PORT/,
    );
    expect(problems({ SANDBOX_SNOWFLAKE_PORT: '70000' })).toMatch(/SANDBOX_SNOWFLAKE_PORT/);
  });
  it.each(ALL_SETTINGS.filter((s) => s.secret).map((s) => s.name))(
    'no message echoes the secret %s',
    (name) => {
      for (const value of ['Mk7marker', 'Mk7marker-long-enough-to-be-a-token']) {
        const broken: Env[] = [
          { ...LIVE, SNOWFLAKE_USER: undefined },
          { ...LIVE, PORT: 'abc' },
          { ...LIVE, HOST: '0.0.0.0' },
          { ...LIVE, SNOWFLAKE_PASSWORD: undefined, SNOWFLAKE_PRIVATE_KEY_FILE: '/nonexistent/rsa_key.p8' },
          { [name]: value },
        ];
        for (const env of broken) {
          const text = problems({ ...env, [name]: value });
          expect(text, JSON.stringify(Object.keys(env))).not.toContain(value);
        }
      }
    },
  );
});

/** Every .ts file under the given folders of the repository. */
function sources(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(p);
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return out;
}

const stripComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('setting names in the code', () => {
  // Environment variables the code touches that are not settings of this app.
  const NOT_SETTINGS = new Set([
    'NODE_ENV', // Node's and Express's convention (template caching)
    'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', // silences a warning inside snowflake-sdk
    'PYTHONDONTWRITEBYTECODE', // written into the Snowflake stand-in's Python children
    'PYTHONUNBUFFERED',
    'SNOWFLAKE_DISABLE_PLATFORM_DETECTION', // snowflake-sdk's switch for its cloud probes, set before loading it
    'PATH', // the bench's app process gets these two and its settings, nothing else
    'HOME',
    'BENCH_APP', // npm run bench: another checkout to measure
  ]);
  const files = sources('server', 'scripts', 'sandbox', 'bench');

  it('every env.X read names a setting in the schema', () => {
    const unknown: string[] = [];
    const read = /\benv(?:\?\.|\.)([A-Z][A-Z0-9_]*)\b|\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g;
    for (const file of files) {
      for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(read)) {
        const name = m[1] ?? m[2]!;
        if (!NAMES.has(name) && !NOT_SETTINGS.has(name))
          unknown.push(`${path.relative(ROOT, file)}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });
  it('every SETTINGS.X names a setting in the schema', () => {
    const unknown: string[] = [];
    for (const file of files) {
      for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(
        /\b(?:SETTINGS|S)\.([A-Z][A-Z0-9_]*)\b/g,
      )) {
        if (!NAMES.has(m[1]!)) unknown.push(`${path.relative(ROOT, file)}: ${m[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });
  it('the config code outside schema.ts spells no setting name: it uses the schema entry’s', () => {
    const spelled: string[] = [];
    const files = sources('server/config').filter((f) => path.basename(f) !== 'schema.ts');
    // A name counts as spelled unless it is a property read (SETTINGS.X, values.X).
    const word = new RegExp(`(?<![.\\w])(${[...NAMES].join('|')})(?!\\w)`, 'g');
    for (const file of files) {
      for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(word))
        spelled.push(`${path.relative(ROOT, file)}: ${m[1]}`);
    }
    expect(spelled).toEqual([]);
  });
});
