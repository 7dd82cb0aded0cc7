// Every way the app signs in to Snowflake, configured as a person would (environment variables through
// parseConfig, key files and connections.toml on disk) and run against the Snowflake stand-in with the
// real driver: the session must come up as the right user and role, and each refusal must become a
// snowflake_login_failed page carrying Snowflake's code and the fix for that way of signing in.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { ConfigError, parseConfig } from '../../server/config/index.js';
import { type AppError, isAppError } from '../../server/errors/index.js';
import { createLogger } from '../../server/log.js';
import { type SessionInfo, SnowflakeSession } from '../../server/snowflake/session.js';

type Env = Record<string, string | undefined>;

const ROLE = 'FITBIT_APP_ROLE';
const PASSWORD = 'Person-Password-7';
const PASSPHRASE = 'key-Passphrase-4';

let sb: Sandbox;
let dir: string;
let admin: SnowflakeSession;
const logs: string[] = [];
const log = createLogger(
  'debug',
  new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  }),
);
/** Every credential a test used: none may appear in a log line. */
const secrets: string[] = [PASSWORD, PASSPHRASE];
const files = { plain: '', encrypted: '', unregistered: '' };
let patSecret = '';

function keyPair(): { privateKey: import('node:crypto').KeyObject; body: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, body: pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '') };
}

function writePrivate(file: string, text: string): string {
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

async function sql(text: string): Promise<Record<string, unknown>[]> {
  return admin.execute(text);
}

async function control(pathname: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.snowflake.url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function oauthToken(user: string, extra: Record<string, unknown> = {}): Promise<string> {
  const token = String((await control('/sandbox/oauth-tokens', { user, role: ROLE, ...extra })).access_token);
  secrets.push(token);
  return token;
}

/** The environment a person sets for live mode, with the Snowflake part given. */
function env(snowflake: Env): Env {
  return {
    OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
    OAUTH_CLIENT_SECRET: 'client-secret-value',
    SNOWFLAKE_SECRET: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
    SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
    SNOWFLAKE_ACCOUNT: 'sandbox',
    SNOWFLAKE_ACCESS_URL: sb.snowflake.url,
    ...snowflake,
  };
}

function connectionOf(e: Env) {
  const r = parseConfig(e);
  if (r.sandbox) throw new Error('expected live mode');
  return r.config.snowflake.connection;
}

/** Parses the config, opens a session, asks Snowflake who it is, closes the session. */
async function signIn(e: Env): Promise<SessionInfo & { authenticator: string }> {
  const connection = connectionOf(e);
  const session = new SnowflakeSession(connection, log, 20_000);
  try {
    return { ...(await session.info()), authenticator: connection.authenticator };
  } finally {
    await session.close();
  }
}

async function refusal(e: Env): Promise<AppError> {
  try {
    await signIn(e);
  } catch (err) {
    if (!isAppError(err)) throw err;
    return err;
  }
  throw new Error('expected the sign-in to fail');
}

function configProblems(e: Env): string {
  try {
    parseConfig(e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

async function lastLogin(): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.snowflake.url}/sandbox/logins`);
  const all = (await res.json()) as Record<string, unknown>[];
  return all.at(-1)!;
}

beforeAll(async () => {
  sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'fsc-signin-'));
  admin = new SnowflakeSession(
    {
      account: 'sandbox',
      username: 'SANDBOX_ADMIN',
      authenticator: 'SNOWFLAKE',
      password: 'sandbox',
      accessUrl: sb.snowflake.url,
      source: 'test',
    },
    log,
  );
  const plain = keyPair();
  const encrypted = keyPair();
  const unregistered = keyPair();
  files.plain = writePrivate(
    path.join(dir, 'plain.p8'),
    plain.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  files.encrypted = writePrivate(
    path.join(dir, 'encrypted.p8'),
    encrypted.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
      .toString(),
  );
  files.unregistered = writePrivate(
    path.join(dir, 'unregistered.p8'),
    unregistered.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );

  await sql(`CREATE ROLE ${ROLE}`);
  const service = async (name: string, extra = '') => {
    await sql(`CREATE USER ${name} TYPE = SERVICE DEFAULT_ROLE = ${ROLE} ${extra}`);
    await sql(`GRANT ROLE ${ROLE} TO USER ${name}`);
  };
  await service('KEY_APP', `RSA_PUBLIC_KEY = '${plain.body}'`);
  await service('ENC_APP', `RSA_PUBLIC_KEY = '${encrypted.body}'`);
  await service('PAT_APP');
  await service('OAUTH_APP');
  await sql(`CREATE USER PW_PERSON PASSWORD = '${PASSWORD}' DEFAULT_ROLE = ${ROLE}`);
  await sql(`GRANT ROLE ${ROLE} TO USER PW_PERSON`);
  await sql(`CREATE USER MFA_PERSON PASSWORD = '${PASSWORD}' DEFAULT_ROLE = ${ROLE}`);
  await sql(`GRANT ROLE ${ROLE} TO USER MFA_PERSON`);
  const [pat] = await sql(
    `ALTER USER PAT_APP ADD PROGRAMMATIC ACCESS TOKEN fitbit_connect ROLE_RESTRICTION = '${ROLE}'`,
  );
  patSecret = String(pat?.token_secret);
  secrets.push(patSecret);
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('key pair (SNOWFLAKE_JWT)', () => {
  it('signs in with a plain PKCS#8 file (the authenticator is inferred from the key file)', async () => {
    const who = await signIn(env({ SNOWFLAKE_USER: 'KEY_APP', SNOWFLAKE_PRIVATE_KEY_FILE: files.plain }));
    expect(who).toEqual({ user: 'KEY_APP', role: ROLE, authenticator: 'SNOWFLAKE_JWT' });
    expect(await lastLogin()).toMatchObject({ user: 'KEY_APP', authenticator: 'SNOWFLAKE_JWT', ok: true });
  });

  it('signs in with an encrypted PKCS#8 file and its passphrase', async () => {
    const who = await signIn(
      env({
        SNOWFLAKE_USER: 'ENC_APP',
        SNOWFLAKE_PRIVATE_KEY_FILE: files.encrypted,
        SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: PASSPHRASE,
      }),
    );
    expect(who).toEqual({ user: 'ENC_APP', role: ROLE, authenticator: 'SNOWFLAKE_JWT' });
  });

  it('a wrong or missing passphrase fails at start, naming SNOWFLAKE_PRIVATE_KEY_PASSPHRASE', () => {
    const base = { SNOWFLAKE_USER: 'ENC_APP', SNOWFLAKE_PRIVATE_KEY_FILE: files.encrypted };
    expect(configProblems(env({ ...base, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'wrong' }))).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_PASSPHRASE does not decrypt .*encrypted\.p8/,
    );
    expect(configProblems(env(base))).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is missing: .*encrypted\.p8 is an encrypted private key/,
    );
  });

  it('a key that is not registered for the user → 390144 and the key-pair fix', async () => {
    const err = await refusal(
      env({ SNOWFLAKE_USER: 'KEY_APP', SNOWFLAKE_PRIVATE_KEY_FILE: files.unregistered }),
    );
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.upstream?.code).toBe('390144');
    expect(err.why).toMatch(/Snowflake answered 390144: JWT token is invalid\./);
    expect(err.fix).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE is the private half of the key registered for KEY_APP/,
    );
    expect(err.fix).toContain('RSA_PUBLIC_KEY_FP');
  });
});

describe('programmatic access token', () => {
  it('signs in with a token from ALTER USER … ADD PROGRAMMATIC ACCESS TOKEN, in its restricted role', async () => {
    const who = await signIn(
      env({
        SNOWFLAKE_USER: 'PAT_APP',
        SNOWFLAKE_AUTHENTICATOR: 'PROGRAMMATIC_ACCESS_TOKEN',
        SNOWFLAKE_TOKEN: patSecret,
      }),
    );
    expect(who).toEqual({ user: 'PAT_APP', role: ROLE, authenticator: 'PROGRAMMATIC_ACCESS_TOKEN' });
  });

  it('a wrong token → 394400 and how to make a new one', async () => {
    const err = await refusal(
      env({ SNOWFLAKE_USER: 'PAT_APP', SNOWFLAKE_TOKEN: `${patSecret.slice(0, -4)}XXXX` }),
    );
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.why).toContain('394400');
    expect(err.fix).toContain('ALTER USER PAT_APP ADD PROGRAMMATIC ACCESS TOKEN');
  });

  it('a role outside the token’s restriction → 390189, naming the restriction', async () => {
    const err = await refusal(
      env({ SNOWFLAKE_USER: 'PAT_APP', SNOWFLAKE_TOKEN: patSecret, SNOWFLAKE_ROLE: 'PUBLIC' }),
    );
    expect(err.why).toContain('390189');
    expect(err.fix).toMatch(/SNOWFLAKE_ROLE=PUBLIC .*restricted to another role/);
  });
});

describe('OAuth access token', () => {
  it('signs in with a token issued for the user and role', async () => {
    const token = await oauthToken('OAUTH_APP');
    const who = await signIn(
      env({ SNOWFLAKE_USER: 'OAUTH_APP', SNOWFLAKE_AUTHENTICATOR: 'OAUTH', SNOWFLAKE_TOKEN: token }),
    );
    expect(who).toEqual({ user: 'OAUTH_APP', role: ROLE, authenticator: 'OAUTH' });
  });

  it('an expired token → 390318 and "get a fresh one"', async () => {
    const token = await oauthToken('OAUTH_APP', { expiresInSeconds: -1 });
    const err = await refusal(
      env({ SNOWFLAKE_USER: 'OAUTH_APP', SNOWFLAKE_AUTHENTICATOR: 'OAUTH', SNOWFLAKE_TOKEN: token }),
    );
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.why).toMatch(/390318: OAuth access token expired\./);
    expect(err.fix).toMatch(/has expired.*fresh one/);
  });

  it('a token of another user → 390309, naming SNOWFLAKE_USER', async () => {
    const token = await oauthToken('PAT_APP');
    const err = await refusal(
      env({ SNOWFLAKE_USER: 'OAUTH_APP', SNOWFLAKE_AUTHENTICATOR: 'oauth', SNOWFLAKE_TOKEN: token }),
    );
    expect(err.why).toContain('390309');
    expect(err.fix).toMatch(/another user than SNOWFLAKE_USER=OAUTH_APP/);
  });
});

describe('password, and password + MFA passcode (last resort)', () => {
  it('signs in with a password', async () => {
    const who = await signIn(env({ SNOWFLAKE_USER: 'PW_PERSON', SNOWFLAKE_PASSWORD: PASSWORD }));
    expect(who).toEqual({ user: 'PW_PERSON', role: ROLE, authenticator: 'SNOWFLAKE' });
  });

  it('a wrong password → 390100 and the password fix', async () => {
    const err = await refusal(env({ SNOWFLAKE_USER: 'PW_PERSON', SNOWFLAKE_PASSWORD: 'not-it' }));
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.why).toMatch(/390100: Incorrect username or password was specified\./);
    expect(err.fix).toMatch(/SNOWFLAKE_USER and SNOWFLAKE_PASSWORD/);
  });

  it('an MFA-enrolled user signs in with password + passcode; the passcode works once', async () => {
    await control('/sandbox/mfa', { user: 'MFA_PERSON', passcode: '493817' });
    const e = env({
      SNOWFLAKE_USER: 'MFA_PERSON',
      SNOWFLAKE_PASSWORD: PASSWORD,
      SNOWFLAKE_PASSCODE: '493817',
    });
    const who = await signIn(e);
    expect(who).toEqual({ user: 'MFA_PERSON', role: ROLE, authenticator: 'USERNAME_PASSWORD_MFA' });
    expect(await lastLogin()).toMatchObject({ authenticator: 'USERNAME_PASSWORD_MFA', ok: true });

    const again = await refusal(e);
    expect(again.why).toMatch(/390127: Incorrect passcode was specified\./);
    expect(again.fix).toMatch(/SNOWFLAKE_PASSCODE.*already used/);
  });

  it('an MFA-enrolled user without a passcode → 394508, asking for SNOWFLAKE_PASSCODE', async () => {
    await control('/sandbox/mfa', { user: 'MFA_PERSON', passcode: '222333' });
    const err = await refusal(env({ SNOWFLAKE_USER: 'MFA_PERSON', SNOWFLAKE_PASSWORD: PASSWORD }));
    expect(err.why).toContain('394508');
    expect(err.fix).toMatch(/set SNOWFLAKE_PASSCODE to the current code/);
    // The same with the MFA authenticator named and no passcode (the driver asks for a Duo push).
    const push = await refusal(
      env({
        SNOWFLAKE_USER: 'MFA_PERSON',
        SNOWFLAKE_PASSWORD: PASSWORD,
        SNOWFLAKE_AUTHENTICATOR: 'USERNAME_PASSWORD_MFA',
      }),
    );
    expect(push.why).toContain('394508');
  });
});

describe('named connection from connections.toml', () => {
  let home: string;
  beforeAll(() => {
    home = path.join(dir, 'snowflake-home');
    mkdirSync(home, { recursive: true });
    writePrivate(
      path.join(home, 'connections.toml'),
      [
        '[other]',
        'account = "sandbox"',
        'user = "PW_PERSON"',
        '',
        '[fitbit_app]',
        'account = "sandbox"',
        'user = "ENC_APP"',
        'authenticator = "SNOWFLAKE_JWT"',
        `private_key_file = ${JSON.stringify(files.encrypted)}`,
        `private_key_file_pwd = ${JSON.stringify(PASSPHRASE)}`,
        'role = "NOT_GRANTED_ROLE"',
        '',
      ].join('\n'),
    );
  });
  const named = (extra: Env = {}): Env => {
    const e = env({ SNOWFLAKE_HOME: home, SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'fitbit_app', ...extra });
    delete e.SNOWFLAKE_ACCOUNT;
    return e;
  };

  it('signs in with the section as written, with an environment variable overriding one field', async () => {
    const who = await signIn(named({ SNOWFLAKE_ROLE: ROLE }));
    expect(who).toEqual({ user: 'ENC_APP', role: ROLE, authenticator: 'SNOWFLAKE_JWT' });
  });

  it('SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> overrides a field too, as in the Snowflake CLI', async () => {
    const who = await signIn(named({ SNOWFLAKE_CONNECTIONS_FITBIT_APP_ROLE: ROLE }));
    expect(who.role).toBe(ROLE);
  });

  it('without the override the file’s role is used and refused: 390189, naming the file', async () => {
    const err = await refusal(named());
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.why).toContain('390189');
    // The temp directory's random mixed-case name is scrubbed as token-shaped; a home path is not.
    expect(err.why).toMatch(/settings from .* \[fitbit_app\]/);
    expect(err.fix).toMatch(/SNOWFLAKE_ROLE=NOT_GRANTED_ROLE is not granted to ENC_APP/);
  });

  it('a connections.toml others may write is refused at start', () => {
    const file = path.join(home, 'connections.toml');
    chmodSync(file, 0o664);
    try {
      expect(configProblems(named({ SNOWFLAKE_ROLE: ROLE }))).toMatch(
        /connections\.toml is writable by group or others .*chmod 0600/,
      );
    } finally {
      chmodSync(file, 0o600);
    }
  });
});

describe('logs', () => {
  it('no password, passphrase, token or passcode reached a log line', () => {
    const text = logs.join('');
    expect(text).toContain('snowflake session open');
    for (const s of [...secrets, '493817']) expect(text).not.toContain(s);
  });
});
