import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppConfig, ConfigError, isLoopbackHost, parseConfig } from '../../server/config/index.js';
import { GOOGLE_HEALTH_SCOPE_PREFIX } from '../../server/providers/google-health.js';

type Env = Record<string, string | undefined>;
const ACTIVITY = `${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`;
const HEALTH_METRICS = `${GOOGLE_HEALTH_SCOPE_PREFIX}health_metrics_and_measurements.readonly`;
const SLEEP = `${GOOGLE_HEALTH_SCOPE_PREFIX}sleep.readonly`;

let dir: string;
let keyFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fsc-config-'));
  keyFile = path.join(dir, 'rsa_key.p8');
  writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIVE: Env = {
  OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OAUTH_CLIENT_SECRET: 'client-secret-value',
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'FITBIT_APP',
  SNOWFLAKE_PASSWORD: 'pw-value',
  SNOWFLAKE_SECRET: 'fitbit.public.fitbit_oauth_token',
  SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
};

function live(env: Env): AppConfig {
  const r = parseConfig(env);
  if (r.sandbox) throw new Error('expected live mode');
  return r.config;
}

function problems(env: Env): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig: sandbox', () => {
  it('an empty environment means sandbox mode, with defaults', () => {
    const r = parseConfig({});
    expect(r.sandbox).toBe(true);
    if (!r.sandbox) return;
    expect(r.base.port).toBe(8787);
    expect(r.base.host).toBe('127.0.0.1');
    expect(r.base.provider).toBe('google-health');
    expect(r.base.redirectUri).toBe('http://localhost:8787/callback');
    expect(r.base.heldTokenTtlMs).toBe(600_000);
  });
  it('blank live settings still mean sandbox', () => {
    expect(parseConfig({ OAUTH_CLIENT_ID: '  ', SNOWFLAKE_ACCOUNT: '' }).sandbox).toBe(true);
  });
  it('the redirect URI follows PORT', () => {
    const r = parseConfig({ PORT: '9999' });
    expect(r.sandbox && r.base.redirectUri).toBe('http://localhost:9999/callback');
  });
  it('refuses malformed common settings', () => {
    expect(problems({ PORT: 'abc' }).join('\n')).toMatch(/PORT/);
    expect(problems({ PROVIDER: 'strava' }).join('\n')).toMatch(/PROVIDER/);
  });
});

describe('parseConfig: partial live settings', () => {
  it.each(['OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET', 'SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_SECRET'])(
    '%s alone names every missing setting',
    (key) => {
      const text = problems({ [key]: LIVE[key] }).join('\n');
      for (const missing of [
        'OAUTH_CLIENT_ID',
        'OAUTH_CLIENT_SECRET',
        'SNOWFLAKE_SECRET',
        'SNOWFLAKE_CHECK_FUNCTION',
        'SNOWFLAKE_ACCOUNT',
        'SNOWFLAKE_USER',
        'SNOWFLAKE_PASSWORD',
      ]) {
        if (missing === key) expect(text).not.toMatch(new RegExp(`${missing} is missing`));
        else expect(text).toMatch(new RegExp(`${missing} is missing`));
      }
    },
  );
  it('the ConfigError message lists every problem', () => {
    try {
      parseConfig({ OAUTH_CLIENT_ID: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/SNOWFLAKE_USER is missing/);
      expect((e as Error).message).toMatch(/OAUTH_CLIENT_SECRET is missing/);
    }
  });
  it('never echoes a secret value in the problems', () => {
    const text = problems({ ...LIVE, SNOWFLAKE_USER: undefined }).join('\n');
    expect(text).not.toContain(LIVE.OAUTH_CLIENT_SECRET);
    expect(text).not.toContain(LIVE.SNOWFLAKE_PASSWORD);
  });
});

describe('parseConfig: live google-health', () => {
  it('a full environment gives a live config with provider defaults', () => {
    const c = live(LIVE);
    expect(c.mode).toBe('live');
    expect(c.provider).toBe('google-health');
    expect(c.publicOrigin).toBe('http://localhost:8787');
    expect(c.oauth.clientId).toBe(LIVE.OAUTH_CLIENT_ID);
    expect(c.oauth.clientSecret).toBe(LIVE.OAUTH_CLIENT_SECRET);
    expect(c.oauth.redirectUri).toBe('http://localhost:8787/callback');
    expect(c.oauth.scopes.length).toBeGreaterThan(0);
    for (const s of c.oauth.scopes) expect(s.startsWith(GOOGLE_HEALTH_SCOPE_PREFIX)).toBe(true);
    expect(GOOGLE_HEALTH_SCOPE_PREFIX).toBe('https://www.googleapis.com/auth/googlehealth.');
    expect(c.oauth.scopes).toContain(`${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`);
    expect(c.oauth.authorizationUrl).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(c.oauth.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(c.oauth.revocationUrl).toBe('https://oauth2.googleapis.com/revoke');
    expect(c.oauth.healthApiUrl).toBe('https://health.googleapis.com');
    expect(c.oauth.clientStatus).toBe('production');
    expect(c.snowflake.secret.parts).toEqual(['FITBIT', 'PUBLIC', 'FITBIT_OAUTH_TOKEN']);
    expect(c.snowflake.checkFunction.sql).toBe('FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK');
    expect(c.snowflake.dataFunction).toBeUndefined();
    expect(c.snowflake.connection).toMatchObject({
      account: 'myorg-myaccount',
      username: 'FITBIT_APP',
      authenticator: 'SNOWFLAKE',
      password: 'pw-value',
      source: 'environment',
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('explicit scopes, endpoints (trailing slash dropped) and publishing status win', () => {
    const c = live({
      ...LIVE,
      PIPELINE_DATA_TYPES: 'steps',
      OAUTH_SCOPES: ` ${ACTIVITY}  b `,
      OAUTH_TOKEN_URL: 'https://proxy.example/token/',
      OAUTH_CLIENT_STATUS: 'testing',
      PUBLIC_URL: 'https://fitbit.example.org/some/path',
      SNOWFLAKE_DATA_FUNCTION: 'a.b."Steps"',
    });
    expect(c.oauth.scopes).toEqual([ACTIVITY, 'b']);
    expect(c.oauth.tokenUrl).toBe('https://proxy.example/token');
    expect(c.oauth.clientStatus).toBe('testing');
    expect(c.publicOrigin).toBe('https://fitbit.example.org');
    expect(c.snowflake.dataFunction?.parts).toEqual(['A', 'B', 'Steps']);
  });
  it('refuses an invalid SNOWFLAKE_SECRET name', () => {
    expect(problems({ ...LIVE, SNOWFLAKE_SECRET: 'FITBIT.PUBLIC' }).join('\n')).toMatch(
      /SNOWFLAKE_SECRET: .*fully qualified/,
    );
    expect(problems({ ...LIVE, SNOWFLAKE_SECRET: 'A.B."C' }).join('\n')).toMatch(/SNOWFLAKE_SECRET/);
    expect(problems({ ...LIVE, SNOWFLAKE_CHECK_FUNCTION: 'A.B.C.D' }).join('\n')).toMatch(
      /SNOWFLAKE_CHECK_FUNCTION/,
    );
  });
});

describe('parseConfig: OAUTH_SCOPES, the one scope set', () => {
  it('defaults to what the shipped functions need for every data kind: activity, health metrics and sleep, not profile', () => {
    expect(live(LIVE).oauth.scopes).toEqual([ACTIVITY, HEALTH_METRICS, SLEEP]);
    expect(live({ ...LIVE, PROVIDER: 'fitbit' }).oauth.scopes).toEqual(['activity', 'profile']);
  });
  it('may add scopes (repeats dropped), in sandbox mode too', () => {
    const sleep = SLEEP;
    const kinds = { PIPELINE_DATA_TYPES: 'steps,sleep' };
    expect(live({ ...LIVE, ...kinds, OAUTH_SCOPES: `${sleep} ${ACTIVITY} ${sleep}` }).oauth.scopes).toEqual([
      sleep,
      ACTIVITY,
    ]);
    const r = parseConfig({ ...kinds, OAUTH_SCOPES: `${ACTIVITY} ${sleep}` });
    expect(r.sandbox && r.base.scopes).toEqual([ACTIVITY, sleep]);
  });
  it('refuses to start without a needed scope, naming it and what needs it', () => {
    const p = problems({
      ...LIVE,
      PIPELINE_DATA_TYPES: 'steps',
      OAUTH_SCOPES: `${GOOGLE_HEALTH_SCOPE_PREFIX}profile.readonly`,
    });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^OAUTH_SCOPES lacks ${ACTIVITY.replace(/\./g, '\\.')}, which `));
    expect(p[0]).toContain(
      'the daily-steps function (POST /v4/users/me/dataTypes/steps/dataPoints:dailyRollUp)',
    );
    expect(p[0]).toContain(`leave OAUTH_SCOPES unset (${ACTIVITY})`);
    expect(problems({ OAUTH_SCOPES: 'https://x/y' })[0]).toMatch(/^OAUTH_SCOPES lacks /); // sandbox too
    const fitbit = problems({ ...LIVE, PROVIDER: 'fitbit', OAUTH_SCOPES: 'activity' });
    expect(fitbit).toEqual([
      "OAUTH_SCOPES lacks profile, which the app's own identity check (GET /1/user/-/profile.json) and the check function (GET /1/user/-/profile.json) need: add it, or leave OAUTH_SCOPES unset (activity profile).",
    ]);
  });
});

describe('parseConfig: PIPELINE_DATA_TYPES, the data kinds that decide the scope set', () => {
  it('defaults to every kind; takes commas or spaces, any case, in a fixed order, repeats dropped', () => {
    const all = ['steps', 'distance', 'calories', 'active_minutes', 'resting_heart_rate', 'sleep'];
    expect(live(LIVE).dataKinds).toEqual(all);
    expect(live({ ...LIVE, PIPELINE_DATA_TYPES: '  ' }).dataKinds).toEqual(all);
    expect(live({ ...LIVE, PIPELINE_DATA_TYPES: 'Sleep, steps sleep' }).dataKinds).toEqual([
      'steps',
      'sleep',
    ]);
    const r = parseConfig({ PIPELINE_DATA_TYPES: 'resting_heart_rate' });
    expect(r.sandbox && r.base.dataKinds).toEqual(['resting_heart_rate']);
  });
  it('sets the scope set: the kinds it lists add their scopes, activity always (identity, daily steps)', () => {
    const scopes = (kinds: string) => live({ ...LIVE, PIPELINE_DATA_TYPES: kinds }).oauth.scopes;
    expect(scopes('steps,distance,calories,active_minutes')).toEqual([ACTIVITY]);
    expect(scopes('sleep')).toEqual([ACTIVITY, SLEEP]);
    expect(scopes('resting_heart_rate steps')).toEqual([ACTIVITY, HEALTH_METRICS]);
  });
  it('refuses an unknown kind, naming the kinds it takes; and OAUTH_SCOPES without a listed kind’s scope', () => {
    const p = problems({ ...LIVE, PIPELINE_DATA_TYPES: 'steps, heart_rate' });
    expect(p).toEqual([
      'PIPELINE_DATA_TYPES: unknown data type "heart_rate": use any of steps, distance, calories, active_minutes, resting_heart_rate, sleep',
    ]);
    const lacking = problems({ ...LIVE, PIPELINE_DATA_TYPES: 'steps,sleep', OAUTH_SCOPES: ACTIVITY });
    expect(lacking).toEqual([
      `OAUTH_SCOPES lacks ${SLEEP}, which the daily-data function (GET /v4/users/me/dataTypes/sleep/dataPoints for sleep) needs: add it, or leave OAUTH_SCOPES unset (${ACTIVITY} ${SLEEP}).`,
    ]);
  });
});

describe('parseConfig: fitbit', () => {
  it('the client secret is optional and the fitbit endpoints are the defaults', () => {
    const c = live({ ...LIVE, PROVIDER: 'fitbit', OAUTH_CLIENT_SECRET: undefined });
    expect(c.provider).toBe('fitbit');
    expect(c.oauth.clientSecret).toBeUndefined();
    expect(c.oauth.scopes).toEqual(['activity', 'profile']);
    expect(c.oauth.authorizationUrl).toBe('https://www.fitbit.com/oauth2/authorize');
    expect(c.oauth.tokenUrl).toBe('https://api.fitbit.com/oauth2/token');
    expect(c.oauth.revocationUrl).toBe('https://api.fitbit.com/oauth2/revoke');
    expect(c.oauth.healthApiUrl).toBe('https://api.fitbit.com');
  });
});

describe('parseConfig: redirect URI', () => {
  it.each([
    ['http://LOCALHOST:8787/callback', /normal form/],
    ['http://localhost:8787/callback/', /must end in \/callback/],
    ['http://localhost:8787/callback?x=1', /query string/],
    ['http://localhost:8787/callback#frag', /query string or fragment/],
    ['http://localhost:80/callback', /normal form/],
    ['http://localhost:8787/oauth', /must end in \/callback/],
    ['localhost:8787/callback', /./],
    ['not a url', /not a URL/],
  ])('refuses %s', (uri, message) => {
    const text = problems({ ...LIVE, OAUTH_REDIRECT_URI: uri }).join('\n');
    expect(text).toMatch(/OAUTH_REDIRECT_URI/);
    expect(text).toMatch(message);
  });
  it('refuses a bad redirect URI in sandbox mode too', () => {
    expect(() => parseConfig({ OAUTH_REDIRECT_URI: 'http://LOCALHOST:8787/callback' })).toThrow(ConfigError);
  });
  it('accepts a normal-form URI on another host and port', () => {
    expect(live({ ...LIVE, OAUTH_REDIRECT_URI: 'http://127.0.0.1:9000/callback' }).oauth.redirectUri).toBe(
      'http://127.0.0.1:9000/callback',
    );
    expect(live({ ...LIVE, OAUTH_REDIRECT_URI: 'https://app.example/callback' }).publicOrigin).toBe(
      'https://app.example',
    );
  });
});

describe('parseConfig: endpoints', () => {
  it.each(['OAUTH_AUTHORIZATION_URL', 'OAUTH_TOKEN_URL', 'OAUTH_REVOCATION_URL', 'HEALTH_API_URL'])(
    '%s over http on a non-loopback host is refused',
    (key) => {
      expect(problems({ ...LIVE, [key]: 'http://proxy.example/x' }).join('\n')).toMatch(
        new RegExp(`${key} must use https`),
      );
    },
  );
  it.each(['http://127.0.0.1:9000/token', 'http://localhost:9000/token', 'http://[::1]:9000/token'])(
    'http on loopback is allowed: %s',
    (url) => {
      expect(live({ ...LIVE, OAUTH_TOKEN_URL: url }).oauth.tokenUrl).toBe(url);
    },
  );
  it('the expected issuer stays the provider’s behind a proxied authorization URL (the one iss rule)', () => {
    const proxied = live({ ...LIVE, OAUTH_AUTHORIZATION_URL: 'https://auth-proxy.example/o/oauth2/v2/auth' });
    expect(proxied.oauth.authorizationUrl).toBe('https://auth-proxy.example/o/oauth2/v2/auth');
    expect(proxied.oauth.issuer).toBe('https://accounts.google.com');
    expect(live({ ...LIVE, OAUTH_ISSUER: 'https://issuer.example' }).oauth.issuer).toBe(
      'https://issuer.example',
    );
  });
  it('a value that is not a URL is refused', () => {
    expect(problems({ ...LIVE, HEALTH_API_URL: 'health api' }).join('\n')).toMatch(
      /HEALTH_API_URL .* is not a URL/,
    );
  });
});

describe('parseConfig: Snowflake sign-in', () => {
  const noPw = { ...LIVE, SNOWFLAKE_PASSWORD: undefined };
  it('a private key file means SNOWFLAKE_JWT', () => {
    const c = live({ ...noPw, SNOWFLAKE_PRIVATE_KEY_FILE: keyFile, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pp' });
    expect(c.snowflake.connection.authenticator).toBe('SNOWFLAKE_JWT');
    expect(c.snowflake.connection.privateKeyPath).toBe(keyFile);
    expect(c.snowflake.connection.privateKeyPass).toBe('pp');
  });
  it('a token means PROGRAMMATIC_ACCESS_TOKEN', () => {
    const c = live({ ...noPw, SNOWFLAKE_TOKEN: 'pat-value' });
    expect(c.snowflake.connection.authenticator).toBe('PROGRAMMATIC_ACCESS_TOKEN');
    expect(c.snowflake.connection.token).toBe('pat-value');
  });
  it('otherwise SNOWFLAKE (password), which needs a password', () => {
    expect(live(LIVE).snowflake.connection.authenticator).toBe('SNOWFLAKE');
    expect(problems(noPw).join('\n')).toMatch(/SNOWFLAKE_PASSWORD is missing/);
  });
  it('a key file that does not exist is refused', () => {
    const missing = path.join(dir, 'nope.p8');
    expect(problems({ ...noPw, SNOWFLAKE_PRIVATE_KEY_FILE: missing }).join('\n')).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE .* does not exist/,
    );
  });
  it('an explicit authenticator wins, is case-insensitive, and is checked', () => {
    expect(
      live({ ...noPw, SNOWFLAKE_AUTHENTICATOR: 'externalbrowser' }).snowflake.connection.authenticator,
    ).toBe('EXTERNALBROWSER');
    expect(problems({ ...LIVE, SNOWFLAKE_AUTHENTICATOR: 'OAUTH' }).join('\n')).toMatch(
      /SNOWFLAKE_TOKEN is missing/,
    );
    expect(problems({ ...LIVE, SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE_JWT' }).join('\n')).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE is missing/,
    );
    expect(problems({ ...LIVE, SNOWFLAKE_AUTHENTICATOR: 'KERBEROS' }).join('\n')).toMatch(
      /SNOWFLAKE_AUTHENTICATOR "KERBEROS" is not supported/,
    );
  });
  it('accessUrl passes through', () => {
    expect(
      live({ ...LIVE, SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:4000' }).snowflake.connection.accessUrl,
    ).toBe('http://127.0.0.1:4000');
  });
});

describe('parseConfig: connections.toml', () => {
  let home: string;
  const oauthOnly: Env = {
    OAUTH_CLIENT_ID: LIVE.OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET: LIVE.OAUTH_CLIENT_SECRET,
    SNOWFLAKE_SECRET: LIVE.SNOWFLAKE_SECRET,
    SNOWFLAKE_CHECK_FUNCTION: LIVE.SNOWFLAKE_CHECK_FUNCTION,
  };
  beforeAll(() => {
    home = path.join(dir, 'snowflake-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(
      path.join(home, 'connections.toml'),
      [
        '[default]',
        'account = "other-account"',
        'user = "OTHER"',
        'password = "other-pw"',
        '',
        '[fitbit_app]',
        'account = "myorg-myaccount"',
        'user = "FITBIT_APP"',
        `private_key_file = ${JSON.stringify(keyFile)}`,
        'role = "FITBIT_APP_ROLE"',
        'warehouse = "FITBIT_WH"',
        '',
      ].join('\n'),
    );
  });

  it('reads the named section with snake_case keys', () => {
    const c = live({ ...oauthOnly, SNOWFLAKE_HOME: home, SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'fitbit_app' });
    expect(c.snowflake.connection).toMatchObject({
      account: 'myorg-myaccount',
      username: 'FITBIT_APP',
      privateKeyPath: keyFile,
      role: 'FITBIT_APP_ROLE',
      warehouse: 'FITBIT_WH',
      authenticator: 'SNOWFLAKE_JWT',
    });
    expect(c.snowflake.connection.source).toContain('[fitbit_app]');
    expect(c.snowflake.connection.source).toContain(path.join(home, 'connections.toml'));
  });
  it('environment variables override the named connection', () => {
    const c = live({
      ...oauthOnly,
      SNOWFLAKE_HOME: home,
      SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'fitbit_app',
      SNOWFLAKE_ROLE: 'ENV_ROLE',
      SNOWFLAKE_USER: 'ENV_USER',
    });
    expect(c.snowflake.connection.role).toBe('ENV_ROLE');
    expect(c.snowflake.connection.username).toBe('ENV_USER');
    expect(c.snowflake.connection.warehouse).toBe('FITBIT_WH');
  });
  it('a missing section is named, with the sections found', () => {
    const text = problems({
      ...oauthOnly,
      SNOWFLAKE_HOME: home,
      SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'nope',
    }).join('\n');
    expect(text).toMatch(/no \[nope\] connection/);
    expect(text).toMatch(/default, fitbit_app/);
  });
  it('a missing file is named', () => {
    const empty = path.join(dir, 'empty-home');
    expect(
      problems({ ...oauthOnly, SNOWFLAKE_HOME: empty, SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'fitbit_app' }).join(
        '\n',
      ),
    ).toMatch(/connections\.toml does not exist/);
  });
  it('invalid TOML is reported', () => {
    const bad = path.join(dir, 'bad-home');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, 'connections.toml'), '[x\naccount = ');
    expect(
      problems({ ...oauthOnly, SNOWFLAKE_HOME: bad, SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'x' }).join('\n'),
    ).toMatch(/not valid TOML/);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])('%s is loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each([
    'example.com',
    'localhost.example.com',
    '127.0.0.1.example.com',
    '0.0.0.0',
    '10.0.0.1',
    '128.0.0.1',
    '::',
    '',
  ])('%s is not loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('parseConfig: the scheduled end-to-end check and how old its proof may get', () => {
  it('live mode: a check every day by default, and a proof may be 26 h old', () => {
    const c = live(LIVE);
    expect(c.checkIntervalSeconds).toBe(86_400);
    expect(c.proofMaxAgeSeconds).toBe(93_600);
  });
  it('sandbox mode: off by default (blank counts as unset), the limit still 26 h', () => {
    for (const env of [{}, { CHECK_INTERVAL: '' }, { CHECK_INTERVAL: '  ' }]) {
      const r = parseConfig(env);
      expect(r.sandbox).toBe(true);
      expect(r.base.checkIntervalSeconds).toBe(0);
      expect(r.base.proofMaxAgeSeconds).toBe(93_600);
    }
    expect(parseConfig({ CHECK_INTERVAL: '3600' }).base.checkIntervalSeconds).toBe(3600);
  });
  it('CHECK_INTERVAL=0 turns it off in live mode; a blank one keeps the daily default', () => {
    expect(live({ ...LIVE, CHECK_INTERVAL: '0' }).checkIntervalSeconds).toBe(0);
    expect(live({ ...LIVE, CHECK_INTERVAL: '' }).checkIntervalSeconds).toBe(86_400);
  });
  it('the limit follows the interval (plus 2 h) unless set', () => {
    expect(live({ ...LIVE, CHECK_INTERVAL: '21600' }).proofMaxAgeSeconds).toBe(28_800);
    expect(live({ ...LIVE, CHECK_INTERVAL: '0' }).proofMaxAgeSeconds).toBe(93_600);
    expect(live({ ...LIVE, PROOF_MAX_AGE: '172800' }).proofMaxAgeSeconds).toBe(172_800);
  });
  it('refuses a limit within the interval (every proof would go stale), and malformed values by name', () => {
    expect(problems({ ...LIVE, PROOF_MAX_AGE: '3600' }).join('\n')).toContain(
      'PROOF_MAX_AGE (3600 s) must be longer than CHECK_INTERVAL (86400 s, the default)',
    );
    expect(problems({ CHECK_INTERVAL: '600', PROOF_MAX_AGE: '600' }).join('\n')).toMatch(/PROOF_MAX_AGE/);
    expect(problems({ ...LIVE, CHECK_INTERVAL: 'daily' }).join('\n')).toMatch(/^CHECK_INTERVAL:/);
    expect(problems({ ...LIVE, CHECK_INTERVAL: '-1' }).join('\n')).toMatch(/^CHECK_INTERVAL:/);
    expect(problems({ ...LIVE, PROOF_MAX_AGE: '10' }).join('\n')).toMatch(/^PROOF_MAX_AGE:/);
  });
});
