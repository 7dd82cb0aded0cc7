// The app's RSA public key for the setup script's ALTER USER … SET RSA_PUBLIC_KEY, derived from the private
// key the app signs in with (SNOWFLAKE_PRIVATE_KEY_FILE, decrypted with its passphrase when encrypted; or the
// key pair sandbox mode made), so /setup shows the real key instead of a placeholder to paste over.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SnowflakeConnectionConfig } from '../config/index.js';

/**
 * The public key as Snowflake wants it: the base64 of the SPKI (DER) body, without PEM lines. Undefined when
 * the connection does not sign in with a key pair, or the key cannot be read (config.ts checked it at
 * start; the script then keeps its placeholder).
 */
type KeyConfig = Pick<SnowflakeConnectionConfig, 'privateKey' | 'privateKeyPath' | 'privateKeyPass'>;

/** Per connection config (parsed once at start): an RSA parse costs ~2 ms, and /setup asks on every load. */
const derived = new WeakMap<KeyConfig, string | undefined>();

export function appPublicKeyBody(conn: KeyConfig): string | undefined {
  if (derived.has(conn)) return derived.get(conn);
  const body = derive(conn);
  derived.set(conn, body);
  return body;
}

function derive(conn: KeyConfig): string | undefined {
  let pem: string | undefined;
  try {
    pem = conn.privateKey ?? (conn.privateKeyPath ? readFileSync(conn.privateKeyPath, 'utf8') : undefined);
    if (!pem) return undefined;
    const key = createPrivateKey({ key: pem, format: 'pem', passphrase: conn.privateKeyPass });
    return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch {
    return undefined;
  }
}
