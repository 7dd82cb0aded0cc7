import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { getProfile } from '../../server/providers/index.js';
import {
  publicKeyBody,
  type SetupInputs,
  scopeListLiteral,
  templateValues,
} from '../../server/setup/inputs.js';
import { renderScript, scriptVariables, TemplateError } from '../../server/setup/templates.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ACTIVITY = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly';

const google: SetupInputs = {
  provider: 'google-health',
  clientId: '123-abc.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-not-a-real-secret',
  scopes: [
    'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
    'https://www.googleapis.com/auth/googlehealth.sleep.readonly',
  ],
  // The data kinds whose scopes these are (PIPELINE_DATA_TYPES).
  dataKinds: ['steps', 'sleep'],
  snowflakeSecret: 'ANALYTICS.HEALTH.GOOGLE_TOKEN',
  checkFunction: 'ANALYTICS.HEALTH.HEALTH_CHECK()',
};

describe('templateValues', () => {
  it('maps the configuration onto the script variables', () => {
    expect(templateValues(google)).toEqual({
      client_id: '123-abc.apps.googleusercontent.com',
      client_secret: 'GOCSPX-not-a-real-secret',
      allowed_scopes:
        "'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'",
      database: 'ANALYTICS',
      schema: 'HEALTH',
      secret_name: 'GOOGLE_TOKEN',
      check_function: 'HEALTH_CHECK',
      // PIPELINE_DATA_TYPES, for the daily load (sql/pipeline-google-health.sql).
      data_kinds: 'steps,sleep',
    });
  });

  it('renders a script the app will then find its objects in', () => {
    const out = renderScript('setup-google-health', templateValues(google, 'setup-google-health'));
    expect(out).toContain('CREATE SECRET IF NOT EXISTS ANALYTICS.HEALTH.GOOGLE_TOKEN');
    expect(out).toContain('CREATE OR REPLACE FUNCTION ANALYTICS.HEALTH.HEALTH_CHECK()');
    expect(out).toContain("OAUTH_CLIENT_SECRET = 'GOCSPX-not-a-real-secret'");
    expect(out).toContain("googlehealth.sleep.readonly')");
  });

  it('keeps only the names a script takes, and refuses the other provider’s setup', () => {
    const teardown = templateValues(google, 'teardown');
    expect(teardown).not.toHaveProperty('client_secret');
    expect(teardown).toMatchObject({ database: 'ANALYTICS', secret_name: 'GOOGLE_TOKEN' });
    expect(() => renderScript('teardown', teardown)).not.toThrow();
    const fitbit = templateValues({ ...google, provider: 'fitbit' }, 'setup-fitbit');
    expect(fitbit).not.toHaveProperty('allowed_scopes');
    expect(() => templateValues(google, 'setup-fitbit')).toThrow(/configuration is for google-health/);
  });

  it('splits one- and two-part secret names, and lets explicit parts win', () => {
    expect(templateValues({ ...google, snowflakeSecret: 'TOK', checkFunction: undefined })).toMatchObject({
      secret_name: 'TOK',
    });
    expect(templateValues({ ...google, snowflakeSecret: 'S.TOK', checkFunction: undefined })).toMatchObject({
      schema: 'S',
      secret_name: 'TOK',
    });
    expect(templateValues({ ...google, database: 'OTHER', checkFunction: undefined })).toMatchObject({
      database: 'OTHER',
    });
  });

  it('refuses a check function outside the secret’s schema', () => {
    expect(() => templateValues({ ...google, checkFunction: 'ANALYTICS.OTHER.CHECK' })).toThrow(
      TemplateError,
    );
    expect(() => templateValues({ ...google, checkFunction: 'ELSEWHERE.HEALTH.CHECK' })).toThrow(
      /same database/,
    );
    expect(templateValues({ ...google, checkFunction: 'analytics.health.check' }).check_function).toBe(
      'CHECK',
    );
  });

  it('strips PEM armour from the public key', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\nkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n';
    expect(publicKeyBody(pem)).toBe('MIIBIjANBgkqhkiG9w0BAQEFAAOC');
    expect(templateValues({ ...google, appPublicKey: pem }).app_public_key).toBe(
      'MIIBIjANBgkqhkiG9w0BAQEFAAOC',
    );
  });

  it('leaves a scope with a quote for the renderer to refuse', () => {
    const values = templateValues(
      { ...google, dataKinds: ['steps'], scopes: [ACTIVITY, "https://x/it's"] },
      'setup-google-health',
    );
    expect(() => renderScript('setup-google-health', values)).toThrow(/allowed_scopes/);
  });
});

describe('allowed_scopes: the one scope set', () => {
  it("is the script's own default when nothing is configured: the scopes the provider profile declares", () => {
    const derived = scopeListLiteral(getProfile('google-health').defaultScopes);
    expect(templateValues({ ...google, scopes: [], dataKinds: undefined }).allowed_scopes).toBe(derived);
    const dflt = scriptVariables('setup-google-health').find((v) => v.name === 'allowed_scopes')?.default;
    expect(dflt).toBe(derived);
    // Every data kind's scope; profile.readonly is needed by nothing, so not allowed.
    expect(derived).toBe(
      `'${ACTIVITY}', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'`,
    );
    // Fewer data kinds, fewer scopes.
    expect(templateValues({ ...google, scopes: [], dataKinds: ['steps'] }).allowed_scopes).toBe(
      `'${ACTIVITY}'`,
    );
  });

  it('keeps scopes OAUTH_SCOPES adds, and refuses a set without a needed scope, naming it', () => {
    expect(templateValues(google).allowed_scopes).toContain('sleep.readonly');
    const sleepOnly = ['https://www.googleapis.com/auth/googlehealth.sleep.readonly'];
    expect(() => templateValues({ ...google, scopes: sleepOnly })).toThrow(TemplateError);
    expect(() => templateValues({ ...google, scopes: sleepOnly })).toThrow(
      `OAUTH_SCOPES lacks ${ACTIVITY}, which the app's own identity check (GET /v4/users/me/identity), the check function (GET /v4/users/me/identity), the daily-steps function (POST /v4/users/me/dataTypes/steps/dataPoints:dailyRollUp) and the daily-data function (POST /v4/users/me/dataTypes/steps/dataPoints:dailyRollUp for steps) need`,
    );
  });

  it('fitbit: its integration lists no scopes, so there is nothing to render or refuse', () => {
    const values = templateValues({ ...google, provider: 'fitbit', scopes: ['heartrate'] }, 'setup-fitbit');
    expect(values).not.toHaveProperty('allowed_scopes');
  });
});

describe('names from the configuration', () => {
  it('keeps quoted parts whole and folds unquoted ones', () => {
    expect(
      templateValues({ ...google, snowflakeSecret: '"My.DB".public."a ""b"""', checkFunction: undefined }),
    ).toMatchObject({ database: '"My.DB"', schema: 'PUBLIC', secret_name: '"a ""b"""' });
  });
  it('refuses malformed names, naming the setting', () => {
    expect(() => templateValues({ ...google, snowflakeSecret: 'A..B' })).toThrow(/^SNOWFLAKE_SECRET: /);
    expect(() => templateValues({ ...google, snowflakeSecret: 'A.B.C.D' })).toThrow(TemplateError);
    expect(() => templateValues({ ...google, snowflakeSecret: '"A.B' })).toThrow(/Unterminated/);
  });
});

describe('npm run sql', () => {
  // A folder of its own, as the working directory and HOME: the script reads .env there, never the checkout's.
  const cwd = mkdtempSync(path.join(tmpdir(), 'fsc-sql-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string> = {}) {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(OAUTH_|SNOWFLAKE_|PROVIDER$|PIPELINE_|npm_)/.test(k)),
    );
    return spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'scripts/sql.ts'), ...args], {
      cwd,
      env: { ...clean, HOME: cwd, ...env },
      encoding: 'utf8',
    });
  }
  function writeDotEnv(text: string | undefined) {
    if (text === undefined) rmSync(path.join(cwd, '.env'), { force: true });
    else writeFileSync(path.join(cwd, '.env'), text, { mode: 0o600 });
  }

  it('prints a script filled in from the environment, command line first', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\nkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n';
    const r = run(
      ['setup-google-health', 'warehouse=HEALTH_WH', 'client_id=from-cli', `app_public_key=${pem}`],
      {
        OAUTH_CLIENT_ID: 'from-env',
        OAUTH_CLIENT_SECRET: 'env-secret',
        OAUTH_SCOPES: 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
        PIPELINE_DATA_TYPES: 'steps,distance',
        SNOWFLAKE_SECRET: 'ANALYTICS.HEALTH.GOOGLE_TOKEN',
        SNOWFLAKE_CHECK_FUNCTION: 'HEALTH_CHECK',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("OAUTH_CLIENT_ID = 'from-cli'");
    expect(r.stdout).toContain("OAUTH_CLIENT_SECRET = 'env-secret'");
    expect(r.stdout).toContain('CREATE WAREHOUSE IF NOT EXISTS HEALTH_WH');
    expect(r.stdout).toContain("RSA_PUBLIC_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOC'");
    expect(r.stdout).toContain('CREATE OR REPLACE FUNCTION ANALYTICS.HEALTH.HEALTH_CHECK()');
    expect(r.stdout).toContain(
      "OAUTH_ALLOWED_SCOPES = ('https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly')",
    );
  }, 20_000);

  it('reads .env in the working directory as the app does (the environment wins)', () => {
    writeDotEnv(
      'OAUTH_CLIENT_ID=dotenv-id\nOAUTH_CLIENT_SECRET=dotenv-secret\nPIPELINE_DATA_TYPES=sleep\nSNOWFLAKE_SECRET=HEALTH.PUBLIC.TOKEN\n',
    );
    try {
      const r = run(['setup-google-health'], { OAUTH_CLIENT_ID: 'env-id' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("OAUTH_CLIENT_ID = 'env-id'");
      expect(r.stdout).toContain("OAUTH_CLIENT_SECRET = 'dotenv-secret'");
      expect(r.stdout).toContain('CREATE SECRET IF NOT EXISTS HEALTH.PUBLIC.TOKEN');
      expect(r.stdout).toContain("'https://www.googleapis.com/auth/googlehealth.sleep.readonly'");
    } finally {
      writeDotEnv(undefined);
    }
  }, 20_000);

  it('refuses client_secret on the command line, without echoing it, naming OAUTH_CLIENT_SECRET (exit 2)', () => {
    const r = run(['setup-google-health', 'client_id=x', 'client_secret=s3cret-on-the-line']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^client_secret is not taken from the command line/);
    expect(r.stderr).toContain('set OAUTH_CLIENT_SECRET in .env (chmod 600 .env) or in the environment');
    expect(r.stderr).not.toContain('s3cret-on-the-line');
  }, 20_000);

  it('app_public_key_file: reads the .pub (~/ is HOME); refuses a private key without printing it', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    mkdirSync(path.join(cwd, '.snowflake'), { recursive: true });
    writeFileSync(path.join(cwd, '.snowflake', 'fitbit_connect_rsa_key.pub'), pub);
    writeFileSync(path.join(cwd, '.snowflake', 'fitbit_connect_rsa_key.p8'), priv, { mode: 0o600 });
    const client = { OAUTH_CLIENT_ID: 'id', OAUTH_CLIENT_SECRET: 'secret' };

    const ok = run(
      ['setup-google-health', 'app_public_key_file=~/.snowflake/fitbit_connect_rsa_key.pub'],
      client,
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`RSA_PUBLIC_KEY = '${publicKeyBody(pub)}'`);

    for (const args of [
      ['app_public_key_file=~/.snowflake/fitbit_connect_rsa_key.p8'],
      [`app_public_key=${priv}`],
    ]) {
      const r = run(['setup-google-health', ...args], client);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/is a private key\. Give the public key \(the \.pub file next to it\)/);
      expect(r.stderr).not.toContain(publicKeyBody(priv).slice(0, 40));
    }

    const missing = run(['setup-google-health', 'app_public_key_file=~/nowhere.pub'], client);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      `app_public_key_file: ${path.join(cwd, 'nowhere.pub')} does not exist. Make the key pair as docs/going-live.md, step 2, says.\n`,
    );
  }, 30_000);

  it('refuses OAUTH_SCOPES without a scope the functions need, naming it (exit 1)', () => {
    const r = run(['setup-google-health', 'client_id=x'], {
      OAUTH_CLIENT_SECRET: 'y',
      OAUTH_SCOPES: 'https://www.googleapis.com/auth/googlehealth.profile.readonly',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^OAUTH_SCOPES lacks ${ACTIVITY.replace(/\./g, '\\.')}, which`));
  }, 20_000);

  it('takes the data kinds from PIPELINE_DATA_TYPES: their scopes are allowed; an unknown kind exits 2', () => {
    const client = ['setup-google-health', 'client_id=x'];
    const sleep = run(client, { OAUTH_CLIENT_SECRET: 'y', PIPELINE_DATA_TYPES: 'sleep' });
    expect(sleep.status).toBe(0);
    expect(sleep.stdout).toContain(
      `OAUTH_ALLOWED_SCOPES = ('${ACTIVITY}', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly')`,
    );
    const bad = run(client, { OAUTH_CLIENT_SECRET: 'y', PIPELINE_DATA_TYPES: 'steps heartbeat' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^PIPELINE_DATA_TYPES: unknown data type "heartbeat": use any of steps, /);
  }, 20_000);

  it('lists the scripts and exits 2 for an unknown one', () => {
    const r = run(['setup-strava']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Unknown script "setup-strava"/);
    expect(r.stderr).toMatch(/setup-google-health, setup-fitbit, teardown/);
  }, 20_000);

  it('refuses a setup script for the other provider than PROVIDER, and unsafe values, without echoing them', () => {
    const mixed = run(['setup-google-health'], { PROVIDER: 'fitbit' });
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/PROVIDER is fitbit/);
    const unknown = run(['setup-google-health'], { PROVIDER: 'strava' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^PROVIDER: /);
    const unsafe = run(['setup-fitbit'], { OAUTH_CLIENT_SECRET: "s3cr'et" });
    expect(unsafe.status).toBe(1);
    expect(unsafe.stderr).toMatch(/client_secret/);
    expect(unsafe.stderr).not.toContain("s3cr'et");
  }, 20_000);

  it('refuses to make up an OAuth client: with nothing set it names OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET and .env', () => {
    const none = run(['setup-google-health']);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `setup-google-health needs client_id and client_secret, which have no default: set OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET in a .env file in ${cwd} (there is none yet) or in the environment (client_id=… on the command line works too).\n`,
    );
    writeDotEnv('OAUTH_CLIENT_ID=23ABCD\n');
    try {
      const noSecret = run(['setup-fitbit']);
      expect(noSecret.status).toBe(2);
      expect(noSecret.stderr).toBe(
        `setup-fitbit needs client_secret, which has no default: set OAUTH_CLIENT_SECRET in .env (${path.join(cwd, '.env')}) or in the environment.\n`,
      );
    } finally {
      writeDotEnv(undefined);
    }
    const teardown = run(['teardown']);
    expect(teardown.status).toBe(0);
    expect(teardown.stdout).toContain('DROP SECRET IF EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN;');
  }, 20_000);
});
