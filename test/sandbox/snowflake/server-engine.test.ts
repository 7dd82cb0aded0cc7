// The protocol server with the real SQL engine: users, keys and tokens made with SQL, then used to sign in.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { type Conn, connect, destroy, exec, failure } from './driver.js';

let sb: SnowflakeSandbox;
let admin: Conn;

const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' },
});
const keyBody = publicKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

beforeAll(async () => {
  sb = await startSnowflakeSandbox({ port: 0 });
  admin = await connect(sb.url, { password: 'sandbox' });
});

afterAll(async () => {
  if (admin) await destroy(admin);
  await sb?.close();
});

describe('sign-in with objects made in SQL', () => {
  let patSecret = '';

  beforeAll(async () => {
    await exec(admin, 'CREATE ROLE IF NOT EXISTS APP_ROLE');
    await exec(admin, 'CREATE USER IF NOT EXISTS SVC TYPE = SERVICE DEFAULT_ROLE = APP_ROLE');
    await exec(admin, `ALTER USER SVC SET RSA_PUBLIC_KEY = '${keyBody}'`);
    await exec(admin, 'GRANT ROLE APP_ROLE TO USER SVC');
    const [pat] = await exec(
      admin,
      "ALTER USER SVC ADD PROGRAMMATIC ACCESS TOKEN T1 ROLE_RESTRICTION = 'APP_ROLE'",
    );
    patSecret = String(pat?.token_secret ?? '');
    expect(patSecret).not.toBe('');
  });

  it('signs in SVC by key pair (encrypted PKCS#8) into its default role', async () => {
    const conn = await connect(sb.url, {
      username: 'svc',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey,
      privateKeyPass: 'pw',
    });
    const [row] = await exec(conn, 'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R');
    expect(row).toEqual({ U: 'SVC', R: 'APP_ROLE' });
    await destroy(conn);
  });

  it('signs in SVC by programmatic access token, and refuses it after removal', async () => {
    const conn = await connect(sb.url, {
      username: 'SVC',
      authenticator: 'PROGRAMMATIC_ACCESS_TOKEN',
      token: patSecret,
    });
    const [row] = await exec(conn, 'SELECT CURRENT_ROLE() AS R');
    expect(row).toEqual({ R: 'APP_ROLE' });
    await destroy(conn);
    await exec(admin, 'ALTER USER SVC REMOVE PROGRAMMATIC ACCESS TOKEN T1');
    const err = await failure(
      connect(sb.url, { username: 'SVC', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: patSecret }),
    );
    expect(err.code).toBe('394400');
  });

  it('refuses a SERVICE user password sign-in and an ungranted role', async () => {
    const pw = await failure(connect(sb.url, { username: 'SVC', password: 'anything' }));
    expect(pw.code).toBe('390100');
    const role = await failure(connect(sb.url, { password: 'sandbox', role: 'NO_SUCH_ROLE' }));
    expect(role.code).toBe('390189');
  });

  it('passes the engine’s SQL errors through with their codes', async () => {
    const err = await failure(exec(admin, 'DESCRIBE SECRET NOPE.PUBLIC.NOPE'));
    expect(err.code).toBe('002003');
    expect(err.sqlState).toBe('02000');
  });
});

describe('without python3', () => {
  it('says so at start and on every function call', async () => {
    const lines: string[] = [];
    const bare = await startSnowflakeSandbox({
      port: 0,
      python: 'python3-missing-here',
      warn: (l) => lines.push(l),
    });
    try {
      expect(bare.python).toBeNull();
      expect(lines.join('\n')).toMatch(/'python3-missing-here' was not found/);
      const conn = await connect(bare.url, { password: 'sandbox' });
      await exec(conn, 'CREATE DATABASE IF NOT EXISTS PY');
      await exec(
        conn,
        "CREATE OR REPLACE FUNCTION PY.PUBLIC.F() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'run' AS $$\ndef run():\n    return 'x'\n$$",
      );
      const err = await failure(exec(conn, 'SELECT PY.PUBLIC.F()'));
      expect(err.code).toBe('100357');
      expect(err.message).toContain("'python3-missing-here' was not found");
      expect(bare.warehouseStatements()).toBe(1);
      await destroy(conn);
    } finally {
      await bare.close();
    }
  });
});

describe('with a python3 that cannot import requests', () => {
  it('warns once at start naming python3-requests, and a handler importing it fails saying so', async () => {
    // python3 -S leaves site-packages off sys.path: the standard library only, no requests.
    const dir = await mkdtemp(join(tmpdir(), 'no-requests-'));
    const python = join(dir, 'python3-no-site');
    await writeFile(python, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
    const lines: string[] = [];
    const bare = await startSnowflakeSandbox({ port: 0, python, warn: (l) => lines.push(l) });
    try {
      expect(bare.python).toMatch(/^Python 3\./);
      expect(bare.pythonRequests).toBe(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('\n');
      expect(lines[0]).toContain("cannot import 'requests'");
      expect(lines[0]).toContain('python3-requests');
      const conn = await connect(bare.url, { password: 'sandbox' });
      await exec(conn, 'CREATE DATABASE IF NOT EXISTS PY');
      await exec(
        conn,
        "CREATE OR REPLACE FUNCTION PY.PUBLIC.F() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' PACKAGES = ('requests') HANDLER = 'run' AS $$\nimport requests\ndef run():\n    return 'x'\n$$",
      );
      const err = await failure(exec(conn, 'SELECT PY.PUBLIC.F()'));
      expect(err.code).toBe('100357');
      expect(err.message).toContain("No module named 'requests'");
      expect(err.message).toContain('python3-requests');
      await destroy(conn);
    } finally {
      await bare.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not warn when requests is there', async () => {
    const lines: string[] = [];
    const ok = await startSnowflakeSandbox({ port: 0, warn: (l) => lines.push(l) });
    try {
      expect(ok.pythonRequests).toBe(true);
      expect(lines).toEqual([]);
    } finally {
      await ok.close();
    }
  });
});
