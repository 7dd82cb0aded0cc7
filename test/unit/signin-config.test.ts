// Sign-in settings: each incomplete or wrong combination is refused at start with the setting's name
// and the fix; connections.toml is read as the Snowflake CLI reads it; EXTERNALBROWSER is checked up
// to the driver call (a real browser sign-in cannot run in a test).
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import snowflake from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type SnowflakeConnectionConfig } from '../../server/config/index.js';
import { snowflakeError } from '../../server/snowflake/errors.js';
import { driverOptions } from '../../server/snowflake/session.js';

type Env = Record<string, string | undefined>;

const PASSPHRASE = 'unit-passphrase';
let dir: string;
const keys = { plain: '', encrypted: '', publicKey: '', notPem: '' };

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fsc-signin-config-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  keys.plain = write('plain.p8', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  keys.encrypted = write(
    'encrypted.p8',
    privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
      .toString(),
  );
  keys.publicKey = write('rsa_key.pub', publicKey.export({ type: 'spki', format: 'pem' }).toString());
  keys.notPem = write('notes.txt', 'this is not a key\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP: Env = {
  OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OAUTH_CLIENT_SECRET: 'client-secret-value',
  SNOWFLAKE_SECRET: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
  SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'FITBIT_CONNECT_APP',
};

function connection(env: Env): SnowflakeConnectionConfig {
  const r = parseConfig({ ...APP, ...env });
  if (r.sandbox) throw new Error('expected live mode');
  return r.config.snowflake.connection;
}

function problems(env: Env): string {
  try {
    parseConfig({ ...APP, ...env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('key pair settings', () => {
  it('a plain key needs no passphrase; an encrypted one with the right passphrase is accepted', () => {
    expect(connection({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.plain }).authenticator).toBe('SNOWFLAKE_JWT');
    const c = connection({
      SNOWFLAKE_PRIVATE_KEY_FILE: keys.encrypted,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: PASSPHRASE,
    });
    expect(c).toMatchObject({ authenticator: 'SNOWFLAKE_JWT', privateKeyPass: PASSPHRASE });
  });
  it('the Snowflake CLI’s PRIVATE_KEY_PASSPHRASE is used when SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is not set', () => {
    const c = connection({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.encrypted, PRIVATE_KEY_PASSPHRASE: PASSPHRASE });
    expect(c.privateKeyPass).toBe(PASSPHRASE);
  });
  it('an encrypted key without its passphrase, or with a wrong one, is refused naming the passphrase setting', () => {
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.encrypted })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is missing: .* is an encrypted private key\. Set the passphrase/,
    );
    expect(
      problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.encrypted, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'nope' }),
    ).toMatch(/SNOWFLAKE_PRIVATE_KEY_PASSPHRASE does not decrypt .*encrypted\.p8/);
  });
  it('a public key, a file that is no key, and a missing file are each named with the fix', () => {
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.publicKey })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE .* is a public key\. Give the private key/,
    );
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.notPem })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE .* is not a PEM private key\. Create one with `openssl genrsa/,
    );
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: path.join(dir, 'gone.p8') })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE .*gone\.p8" does not exist\. Point it at the PKCS#8 private key/,
    );
  });
  it('SNOWFLAKE_JWT without a key file names SNOWFLAKE_PRIVATE_KEY_FILE', () => {
    expect(problems({ SNOWFLAKE_AUTHENTICATOR: 'SNOWFLAKE_JWT' })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE is missing \(key-pair sign-in needs the PKCS#8 private key file\)/,
    );
  });
  it('a key the driver cannot parse becomes a login failure naming the key settings', () => {
    const conn = connection({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.plain });
    const err = snowflakeError(new Error('error:1E08010C:DECODER routines::unsupported'), conn);
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.fix).toMatch(/SNOWFLAKE_PRIVATE_KEY_FILE .* SNOWFLAKE_PRIVATE_KEY_PASSPHRASE/);
  });
});

describe('token, password and MFA settings', () => {
  it.each([
    [
      'PROGRAMMATIC_ACCESS_TOKEN',
      /SNOWFLAKE_TOKEN is missing \(programmatic access token .*ADD PROGRAMMATIC ACCESS TOKEN/,
    ],
    ['OAUTH', /SNOWFLAKE_TOKEN is missing \(OAUTH sign-in needs an OAuth access token/],
    ['SNOWFLAKE', /SNOWFLAKE_PASSWORD is missing \(or choose key-pair sign-in/],
    ['USERNAME_PASSWORD_MFA', /SNOWFLAKE_PASSWORD is missing/],
  ])('%s without its credential is refused', (authenticator, message) => {
    expect(problems({ SNOWFLAKE_AUTHENTICATOR: authenticator })).toMatch(message);
  });
  it('a passcode with a password means USERNAME_PASSWORD_MFA; the driver gets both', () => {
    const c = connection({ SNOWFLAKE_PASSWORD: 'pw', SNOWFLAKE_PASSCODE: '123456' });
    expect(c.authenticator).toBe('USERNAME_PASSWORD_MFA');
    expect(driverOptions(c, 1)).toMatchObject({ password: 'pw', passcode: '123456' });
  });
  it('USERNAME_PASSWORD_MFA without a passcode is allowed (Snowflake then sends a Duo push)', () => {
    expect(
      connection({ SNOWFLAKE_AUTHENTICATOR: 'USERNAME_PASSWORD_MFA', SNOWFLAKE_PASSWORD: 'pw' }).passcode,
    ).toBeUndefined();
  });
  it('a passcode that is not digits, or with a sign-in way that takes none, is refused', () => {
    expect(problems({ SNOWFLAKE_PASSWORD: 'pw', SNOWFLAKE_PASSCODE: 'abc' })).toMatch(
      /SNOWFLAKE_PASSCODE must be the 6 to 8 digits/,
    );
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.plain, SNOWFLAKE_PASSCODE: '123456' })).toMatch(
      /SNOWFLAKE_PASSCODE is only used with password sign-in .*SNOWFLAKE_JWT does not take one/,
    );
  });
  it('two credentials without SNOWFLAKE_AUTHENTICATOR are ambiguous; naming the authenticator settles it', () => {
    expect(problems({ SNOWFLAKE_PRIVATE_KEY_FILE: keys.plain, SNOWFLAKE_PASSWORD: 'pw' })).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE and SNOWFLAKE_PASSWORD are all set.*Set SNOWFLAKE_AUTHENTICATOR/,
    );
    expect(
      connection({
        SNOWFLAKE_PRIVATE_KEY_FILE: keys.plain,
        SNOWFLAKE_PASSWORD: 'pw',
        SNOWFLAKE_AUTHENTICATOR: 'snowflake_jwt',
      }).authenticator,
    ).toBe('SNOWFLAKE_JWT');
  });
  it('an account given as a URL, and a missing user, are named', () => {
    expect(
      problems({
        SNOWFLAKE_PASSWORD: 'pw',
        SNOWFLAKE_ACCOUNT: 'https://myorg-myaccount.snowflakecomputing.com',
      }),
    ).toMatch(/SNOWFLAKE_ACCOUNT ".*" looks like a URL\. Use the account identifier only/);
    expect(problems({ SNOWFLAKE_PASSWORD: 'pw', SNOWFLAKE_USER: undefined })).toMatch(
      /SNOWFLAKE_USER is missing/,
    );
  });
  it('a passcode alone switches sandbox mode off and asks for the rest', () => {
    expect(() => parseConfig({ SNOWFLAKE_PASSCODE: '123456' })).toThrow(ConfigError);
  });
});

describe('EXTERNALBROWSER (up to the driver call)', () => {
  const env: Env = { SNOWFLAKE_AUTHENTICATOR: 'externalbrowser', SNOWFLAKE_ROLE: 'FITBIT_CONNECT_APP_ROLE' };
  it('needs no password, key or token', () => {
    const c = connection(env);
    expect(c).toMatchObject({ authenticator: 'EXTERNALBROWSER', username: 'FITBIT_CONNECT_APP' });
  });
  it('gives the driver the browser authenticator and the user, and no secret even if one is set', () => {
    const o = driverOptions(connection({ ...env, SNOWFLAKE_PASSWORD: 'left-over' }), 5000) as Record<
      string,
      unknown
    >;
    expect(o).toMatchObject({
      authenticator: 'EXTERNALBROWSER',
      account: 'myorg-myaccount',
      username: 'FITBIT_CONNECT_APP',
      role: 'FITBIT_CONNECT_APP_ROLE',
    });
    for (const k of ['password', 'passcode', 'token', 'privateKey', 'privateKeyPath'])
      expect(o).not.toHaveProperty(k);
  });
  it('the real driver accepts those options (it would open the browser on connect)', () => {
    snowflake.configure({ logLevel: 'OFF' });
    const conn = snowflake.createConnection(driverOptions(connection(env), 5000));
    expect(conn.isUp()).toBe(false);
    expect(typeof conn.getId()).toBe('string');
  });
  it('a browser sign-in refusal names the identity to pick', () => {
    const err = snowflakeError(
      Object.assign(new Error('SAML Identity Provider account parameter is not set'), { code: '390190' }),
      connection(env),
    );
    expect(err.code).toBe('snowflake_login_failed');
    expect(err.fix).toMatch(/Sign in as FITBIT_CONNECT_APP in the browser window/);
  });
});

describe('connections.toml', () => {
  let home: string;
  const write = (text: string, mode = 0o600) => {
    const file = path.join(home, 'connections.toml');
    writeFileSync(file, text);
    chmodSync(file, mode);
  };
  const named = (name: string, extra: Env = {}): Env => ({
    SNOWFLAKE_ACCOUNT: undefined,
    SNOWFLAKE_USER: undefined,
    SNOWFLAKE_HOME: home,
    SNOWFLAKE_DEFAULT_CONNECTION_NAME: name,
    ...extra,
  });
  beforeAll(() => {
    home = path.join(dir, 'home');
    mkdirSync(home, { recursive: true });
  });

  it('reads the Snowflake CLI’s key names: private_key_path, private_key_file_pwd, token, passcode', () => {
    write(
      [
        '[cli_keys]',
        'account = "myorg-myaccount"',
        'user = "FITBIT_CONNECT_APP"',
        `private_key_path = ${JSON.stringify(keys.encrypted)}`,
        `private_key_file_pwd = ${JSON.stringify(PASSPHRASE)}`,
        '[pat]',
        'account = "myorg-myaccount"',
        'user = "FITBIT_CONNECT_APP"',
        'authenticator = "programmatic_access_token"',
        'token = "pat-from-file"',
        '[mfa]',
        'account = "myorg-myaccount"',
        'user = "A_PERSON"',
        'password = "pw"',
        'passcode = "654321"',
        '',
      ].join('\n'),
    );
    expect(connection(named('cli_keys'))).toMatchObject({
      authenticator: 'SNOWFLAKE_JWT',
      privateKeyPath: keys.encrypted,
      privateKeyPass: PASSPHRASE,
    });
    expect(connection(named('pat'))).toMatchObject({
      authenticator: 'PROGRAMMATIC_ACCESS_TOKEN',
      token: 'pat-from-file',
    });
    expect(connection(named('mfa'))).toMatchObject({
      authenticator: 'USERNAME_PASSWORD_MFA',
      passcode: '654321',
    });
  });

  it('SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> overrides the file, and problems name the file’s key', () => {
    write(
      [
        '[app]',
        'account = "myorg-myaccount"',
        'user = "FITBIT_CONNECT_APP"',
        'authenticator = "SNOWFLAKE_JWT"',
        'role = "FILE_ROLE"',
        '',
      ].join('\n'),
    );
    expect(problems(named('app'))).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_FILE \(or private_key_file in .*connections\.toml \[app\]\) is missing/,
    );
    const c = connection(
      named('app', {
        SNOWFLAKE_CONNECTIONS_APP_PRIVATE_KEY_FILE: keys.plain,
        SNOWFLAKE_CONNECTIONS_APP_ROLE: 'R2',
      }),
    );
    expect(c).toMatchObject({ privateKeyPath: keys.plain, role: 'R2' });
  });

  it('refuses a file others may write (as the CLI and driver do), accepts owner-only and world-readable', () => {
    const text = '[app]\naccount = "myorg-myaccount"\nuser = "U"\npassword = "pw"\n';
    for (const mode of [0o620, 0o602, 0o666]) {
      write(text, mode);
      expect(problems(named('app'))).toMatch(
        new RegExp(`writable by group or others \\(mode 0${mode.toString(8)}\\).*Fix: chmod 0600`),
      );
    }
    write(text, 0o600);
    expect(connection(named('app')).password).toBe('pw');
    // Readable by others: the driver only warns, so the app accepts it (the README says chmod 0600).
    write(text, 0o644);
    expect(connection(named('app')).password).toBe('pw');
  });
});
