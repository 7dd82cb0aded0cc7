// /setup fills in the app's RSA public key from the private key it signs in with, as Snowflake wants it
// (the base64 of the SPKI body, no PEM lines): encrypted keys are decrypted with the passphrase.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppConfig, parseConfig } from '../../server/config/index.js';
import { appPublicKeyBody } from '../../server/setup/public-key.js';
import { setupScripts } from '../../server/status/setup-scripts.js';

let dir: string;
let plainFile: string;
let encryptedFile: string;
let expected: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fsc-pubkey-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  expected = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  plainFile = path.join(dir, 'plain.p8');
  encryptedFile = path.join(dir, 'encrypted.p8');
  writeFileSync(plainFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(
    encryptedFile,
    privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIVE = {
  OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OAUTH_CLIENT_SECRET: 'client-secret-value',
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'FITBIT_CONNECT_APP',
  SNOWFLAKE_SECRET: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
  SNOWFLAKE_CHECK_FUNCTION: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
};

function live(env: Record<string, string>): AppConfig {
  const r = parseConfig(env);
  if (r.sandbox) throw new Error('expected live mode');
  return r.config;
}

describe('the app’s RSA public key', () => {
  it('from a plain or an encrypted PKCS#8 file, as the base64 SPKI body', () => {
    expect(appPublicKeyBody({ privateKeyPath: plainFile })).toBe(expected);
    expect(appPublicKeyBody({ privateKeyPath: encryptedFile, privateKeyPass: 'correct horse' })).toBe(
      expected,
    );
    expect(expected).toMatch(/^MIIBIjAN[A-Za-z0-9+/]+=*$/);
  });

  it('none without a key pair, or when the key cannot be read (the script keeps its placeholder)', () => {
    expect(appPublicKeyBody({})).toBeUndefined();
    expect(appPublicKeyBody({ privateKeyPath: encryptedFile, privateKeyPass: 'wrong' })).toBeUndefined();
    expect(appPublicKeyBody({ privateKeyPath: path.join(dir, 'missing.p8') })).toBeUndefined();
  });

  it('live mode: the setup script on /setup sets the key of SNOWFLAKE_PRIVATE_KEY_FILE on the app’s user', () => {
    const config = live({
      ...LIVE,
      SNOWFLAKE_PRIVATE_KEY_FILE: encryptedFile,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'correct horse',
    });
    expect(config.mode).toBe('live');
    const setup = setupScripts(config).find((s) => s.name === 'setup-google-health')!;
    const text = setup.parts.join('<secret>');
    expect(text).toContain(`ALTER USER FITBIT_CONNECT_APP SET\n  RSA_PUBLIC_KEY = '${expected}';`);
    expect(text).not.toContain('PASTE_THE_APP_RSA_PUBLIC_KEY_HERE');
    // The private key never reaches the page.
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('live mode with a password: the placeholder stays, to be replaced by hand', () => {
    const setup = setupScripts(live({ ...LIVE, SNOWFLAKE_PASSWORD: 'pw' })).find(
      (s) => s.name === 'setup-google-health',
    )!;
    expect(setup.parts.join('')).toContain("RSA_PUBLIC_KEY = 'PASTE_THE_APP_RSA_PUBLIC_KEY_HERE';");
  });
});
