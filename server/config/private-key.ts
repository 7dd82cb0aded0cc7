// The key-pair file, checked at start rather than at the first login: a missing, public, or encrypted
// key whose passphrase is missing or wrong would otherwise surface only as a failed page later.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { settingLabel } from './connections-toml.js';
import { SETTINGS } from './schema.js';
import type { SnowflakeConnectionConfig } from './types.js';

/** Where docs/going-live.md puts the key: outside the repository, readable by its owner alone. */
const EXAMPLE_KEY = path.join(homedir(), '.snowflake', 'fitbit_connect_rsa_key.p8');

/** A plain key is only checked for its PEM header; its body is parsed by the driver at login. */
export function checkPrivateKey(
  conn: Partial<SnowflakeConnectionConfig>,
  source: string,
  problems: string[],
): void {
  const fileSetting = settingLabel(SETTINGS.SNOWFLAKE_PRIVATE_KEY_FILE, source);
  const passSetting = settingLabel(SETTINGS.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE, source);
  const file = conn.privateKeyPath!;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(
      code === 'ENOENT'
        ? `${fileSetting} "${file}" does not exist. Point it at the PKCS#8 private key by its full path (e.g. ${EXAMPLE_KEY}${file.startsWith('~') ? '; `~` is not expanded here' : ''}); docs/going-live.md, step 2, makes one.`
        : `${fileSetting} "${file}" cannot be read (${code ?? 'error'}). Make it readable by the user running the app.`,
    );
    return;
  }
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) {
    problems.push(
      `${fileSetting} "${file}" is a public key. Give the private key (the .p8 file, e.g. ${EXAMPLE_KEY}); the public half belongs in ALTER USER … SET RSA_PUBLIC_KEY.`,
    );
    return;
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    if (!conn.privateKeyPass) {
      problems.push(
        `${passSetting} is missing: ${file} is an encrypted private key. Set the passphrase it was encrypted with.`,
      );
      return;
    }
    try {
      createPrivateKey({ key: pem, format: 'pem', passphrase: conn.privateKeyPass });
    } catch {
      problems.push(
        `${passSetting} does not decrypt ${file} (wrong passphrase, or not the key it belongs to). Set the passphrase the key was encrypted with.`,
      );
    }
    return;
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    problems.push(
      `${fileSetting} "${file}" is not a PEM private key. Create one with \`openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out ~/.snowflake/fitbit_connect_rsa_key.p8\` (docs/going-live.md, step 2).`,
    );
  }
}
