// The protocol layer driven by the real snowflake-sdk over real sockets, against a small fake engine.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../../sandbox/snowflake/server.js';
import { connect, destroy, exec, failure } from './driver.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

let sb: SnowflakeSandbox;
let engine: FakeEngine;

function keyPair(passphrase?: string) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase
      ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }
      : { type: 'pkcs8', format: 'pem' },
  });
  // As given to ALTER USER … SET RSA_PUBLIC_KEY: the PEM body without its header lines.
  const body = publicKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return { body, privateKey };
}

const plainKey = keyPair();
const encryptedKey = keyPair('correct horse');
const otherKey = keyPair();
const patSecret = randomBytes(24).toString('hex');
const restrictedPat = randomBytes(24).toString('hex');
const expiredPat = randomBytes(24).toString('hex');

function seedUsers() {
  engine.users.set('SVC', {
    name: 'SVC',
    type: 'SERVICE',
    password: null,
    rsaPublicKey: plainKey.body,
    rsaPublicKey2: encryptedKey.body,
    defaultRole: 'APP_ROLE',
    defaultWarehouse: null,
    defaultNamespace: null,
    disabled: false,
    pats: [
      { name: 'ANY', secret: patSecret, roleRestriction: null, expiresAt: Date.now() + 3_600_000 },
      {
        name: 'APP_ONLY',
        secret: restrictedPat,
        roleRestriction: 'APP_ROLE',
        expiresAt: Date.now() + 3_600_000,
      },
      { name: 'OLD', secret: expiredPat, roleRestriction: null, expiresAt: Date.now() - 1000 },
    ],
  });
  engine.grants.set('SVC', new Set(['APP_ROLE', 'PUBLIC']));
}

async function control(path: string, body?: unknown) {
  const res = await fetch(`${sb.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
}

beforeAll(async () => {
  sb = await startSnowflakeSandbox({
    port: 0,
    createEngine: (o) => {
      engine = createFakeEngine(o);
      return engine;
    },
  });
});

afterAll(async () => {
  await sb.close();
});

beforeEach(async () => {
  await control('/sandbox/reset', {});
  seedUsers();
});

describe('sign-in', () => {
  it('logs in SANDBOX_ADMIN by password with its default role and warehouse', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    expect(await exec(conn, 'SELECT 1')).toEqual([{ '1': 1 }]);
    expect(await exec(conn, 'SELECT CURRENT_ROLE()')).toEqual([{ 'CURRENT_ROLE()': 'ACCOUNTADMIN' }]);
    expect(await exec(conn, 'SELECT CURRENT_WAREHOUSE()')).toEqual([{ 'CURRENT_WAREHOUSE()': 'SANDBOX_WH' }]);
    await destroy(conn);
    const stats = (await control('/sandbox/stats')).json;
    expect(stats).toMatchObject({ statements: 3, logins: 1, failedLogins: 0, sessions: 0 });
  });

  it('refuses a wrong password, an unknown user and a disabled user with Snowflake codes', async () => {
    const wrong = await failure(connect(sb.url, { password: 'nope' }));
    expect(wrong.code).toBe('390100');
    expect(wrong.message).toBe('Incorrect username or password was specified.');
    const unknown = await failure(connect(sb.url, { username: 'NOBODY', password: 'sandbox' }));
    expect(unknown.code).toBe('390100');
    const off = await failure(connect(sb.url, { username: 'off_user', password: 'pw' }));
    expect(off.code).toBe('390102');
    const logins = (await control('/sandbox/logins')).json as unknown as { ok: boolean; reason: string }[];
    expect(logins.map((l) => l.reason)).toEqual(['wrong password', 'no such user', 'user disabled']);
  });

  it('logs in by key pair with a plain and an encrypted PKCS#8 key', async () => {
    const a = await connect(sb.url, {
      username: 'svc',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: plainKey.privateKey,
    });
    expect(await exec(a, 'SELECT CURRENT_ROLE()')).toEqual([{ 'CURRENT_ROLE()': 'APP_ROLE' }]);
    await destroy(a);
    const b = await connect(sb.url, {
      username: 'SVC',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: encryptedKey.privateKey,
      privateKeyPass: 'correct horse',
    });
    expect(await exec(b, 'SELECT 1')).toEqual([{ '1': 1 }]);
    await destroy(b);
  });

  it('refuses a key that is not registered on the user with 390144', async () => {
    const err = await failure(
      connect(sb.url, { username: 'SVC', authenticator: 'SNOWFLAKE_JWT', privateKey: otherKey.privateKey }),
    );
    expect(err.code).toBe('390144');
    expect(err.message).toMatch(/^JWT token is invalid\. \[[0-9a-f-]{36}\]$/);
    const logins = (await control('/sandbox/logins')).json as unknown as { reason: string }[];
    expect(logins[0]?.reason).toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
  });

  it('refuses a password for a SERVICE user', async () => {
    engine.users.get('SVC')!.password = 'pw';
    const err = await failure(connect(sb.url, { username: 'SVC', password: 'pw' }));
    expect(err.code).toBe('390100');
  });

  it('logs in by programmatic access token, honouring expiry and role restriction', async () => {
    const ok = await connect(sb.url, {
      username: 'SVC',
      authenticator: 'PROGRAMMATIC_ACCESS_TOKEN',
      token: patSecret,
    });
    expect(await exec(ok, 'SELECT CURRENT_ROLE()')).toEqual([{ 'CURRENT_ROLE()': 'APP_ROLE' }]);
    await destroy(ok);
    const bad = await failure(
      connect(sb.url, { username: 'SVC', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: 'not-a-token' }),
    );
    expect(bad.code).toBe('394400');
    expect(bad.message).toBe('Programmatic access token is invalid.');
    const old = await failure(
      connect(sb.url, { username: 'SVC', authenticator: 'PROGRAMMATIC_ACCESS_TOKEN', token: expiredPat }),
    );
    expect(old.code).toBe('394400');
    const restricted = await failure(
      connect(sb.url, {
        username: 'SVC',
        authenticator: 'PROGRAMMATIC_ACCESS_TOKEN',
        token: restrictedPat,
        role: 'PUBLIC',
      }),
    );
    expect(restricted.code).toBe('390189');
    expect(restricted.message).toContain("Role 'PUBLIC' specified in the connect string is not granted");
  });

  it('refuses a role the user was not granted with 390189', async () => {
    const err = await failure(connect(sb.url, { password: 'sandbox', role: 'app_role' }));
    expect(err.code).toBe('390189');
    expect(err.message).toMatch(
      /^Role 'APP_ROLE' specified in the connect string is not granted to this user\./,
    );
  });

  it('fails the next login with an injected code, then recovers', async () => {
    await control('/sandbox/faults', { login: { count: 1, code: '390100' } });
    const err = await failure(connect(sb.url, { password: 'sandbox' }));
    expect(err.code).toBe('390100');
    const conn = await connect(sb.url, { password: 'sandbox' });
    await destroy(conn);
  });
});

describe('sessions', () => {
  it('renews an expired session token with the master token, transparently to the driver', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    const expired = (await control('/sandbox/expire-sessions', {})).json;
    expect(expired.expired).toBe(1);
    expect(await exec(conn, 'SELECT 1')).toEqual([{ '1': 1 }]);
    expect((await control('/sandbox/stats')).json).toMatchObject({ renewals: 1, statements: 1 });
    await destroy(conn);
  });

  it('fails once the master token has expired too', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    await control('/sandbox/expire-sessions', { master: true });
    const err = await failure(exec(conn, 'SELECT 1'));
    // The renewal is refused (390114), so the driver gives the connection up.
    expect(String(err.code)).toBe('407002');
    expect(err.message).toMatch(/terminated connection/);
  });

  it('deletes the session on destroy: its token is gone afterwards', async () => {
    // Log in over raw HTTP to hold the token, with a gzipped body as the driver sends them.
    const body = gzipSync(
      JSON.stringify({ data: { ACCOUNT_NAME: 'sandbox', LOGIN_NAME: 'SANDBOX_ADMIN', PASSWORD: 'sandbox' } }),
    );
    const login = (await (
      await fetch(`${sb.url}/session/v1/login-request`, {
        method: 'POST',
        body,
        headers: { 'Content-Encoding': 'gzip' },
      })
    ).json()) as { success: boolean; data: { token: string } };
    expect(login.success).toBe(true);
    const auth = { Authorization: `Snowflake Token="${login.data.token}"` };
    const q = async () =>
      (await (
        await fetch(`${sb.url}/queries/v1/query-request?requestId=r1`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ sqlText: 'SELECT 1' }), // a plain body works too
        })
      ).json()) as { success: boolean; code: string | null; data: { rowset: string[][] } };
    expect((await q()).data.rowset).toEqual([['1']]);
    const del = await fetch(`${sb.url}/session?delete=true`, { method: 'POST', headers: auth, body: '{}' });
    expect(((await del.json()) as { success: boolean }).success).toBe(true);
    expect((await q()).code).toBe('390111');
  });
});

describe('queries', () => {
  it('sends binds positionally with their types', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    const rows = await exec(conn, 'SELECT ?, ?, ?', ["a'b", 42, null]);
    expect(rows).toEqual([{ B1_TEXT: "a'b", B2_FIXED: '42', B3_TEXT: null }]);
    await destroy(conn);
  });

  it('returns dates in the driver wire format', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    const [row] = await exec(conn, "SELECT TO_DATE('2026-11-02')");
    expect((row!.D as Date).toISOString().slice(0, 10)).toBe('2026-11-02');
    await destroy(conn);
  });

  it('reports SQL errors with code and SQL state', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    const err = await failure(exec(conn, 'FROBNICATE'));
    expect(err.code).toBe('001003');
    expect(err.sqlState).toBe('42000');
    expect(err.message).toContain('syntax error');
    await destroy(conn);
  });

  it('runs multi-statement requests only when MULTI_STATEMENT_COUNT allows it', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    const err = await failure(exec(conn, 'SELECT 1; SELECT CURRENT_ROLE()'));
    expect(err.code).toBe('000008');
    const rows = await exec(conn, 'SELECT 1; SELECT CURRENT_ROLE()', undefined, { MULTI_STATEMENT_COUNT: 2 });
    expect(rows).toEqual([{ '1': 1 }]);
    await destroy(conn);
  });

  it('records statements with secrets redacted', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    await exec(conn, "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = '1//very-secret'");
    const statements = (await control('/sandbox/statements')).json as unknown as Record<string, unknown>[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      user: 'SANDBOX_ADMIN',
      role: 'ACCOUNTADMIN',
      sqlText: "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = '***'",
      ok: true,
      usedWarehouse: false,
    });
    expect(JSON.stringify(statements)).not.toContain('very-secret');
    await destroy(conn);
  });

  it('keeps only the last 1000 statements and logins, while stats count them all', async () => {
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${sb.url}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Snowflake Token="${token}"` } : {}),
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { success: boolean; data: { token?: string } | null };
    };
    const login = (password: string) =>
      post('/session/v1/login-request', {
        data: { ACCOUNT_NAME: 'SANDBOX', LOGIN_NAME: 'SANDBOX_ADMIN', PASSWORD: password },
      });
    for (let i = 0; i < 1004; i++) expect((await login('wrong')).success).toBe(false);
    const ok = await login('sandbox');
    const token = ok.data?.token;
    expect(token).toBeTruthy();
    // The fake engine refuses these; a refused statement is logged all the same.
    for (let i = 0; i < 1003; i++) await post('/queries/v1/query-request', { sqlText: `SELECT ${i}` }, token);
    const statements = (await control('/sandbox/statements')).json as unknown as { sqlText: string }[];
    expect(statements).toHaveLength(1000);
    expect(statements[0]!.sqlText).toBe('SELECT 3');
    expect(statements.at(-1)!.sqlText).toBe('SELECT 1002');
    const logins = (await control('/sandbox/logins')).json as unknown as { ok: boolean }[];
    expect(logins).toHaveLength(1000);
    expect(logins.at(-1)!.ok).toBe(true);
    const stats = (await control('/sandbox/stats')).json;
    expect(stats).toMatchObject({ statements: 1003, logins: 1, failedLogins: 1004 });
  });

  it('counts warehouse statements, including a function call that failed', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    await exec(conn, 'SELECT PY(\'def run():\\n  return "hi"\')');
    const err = await failure(exec(conn, 'SELECT PY(\'def run():\\n  raise RuntimeError("nope")\')'));
    expect(err.code).toBe('100357');
    expect(err.message).toContain('RuntimeError: nope');
    await exec(conn, 'SELECT 1');
    expect(sb.warehouseStatements()).toBe(2);
    const stats = (await control('/sandbox/stats')).json;
    expect(stats).toMatchObject({ statements: 3, warehouseStatements: 2, functionCalls: 2 });
    await destroy(conn);
  });
});

describe('faults', () => {
  it('fails matching statements with the injected code, leaving others alone', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    await control('/sandbox/faults', {
      statements: {
        count: 1,
        code: '003001',
        message: 'Insufficient privileges.',
        match: 'alter secret',
      },
    });
    expect(await exec(conn, 'SELECT 1')).toEqual([{ '1': 1 }]);
    const err = await failure(exec(conn, "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = 'x'"));
    expect(err.code).toBe('003001');
    expect(err.sqlState).toBe('42501');
    expect(err.message).toBe('Insufficient privileges.');
    await exec(conn, "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = 'x'");
    await destroy(conn);
  });

  it('adds latency to every statement', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    await control('/sandbox/faults', { statementLatencyMs: 300 });
    const t0 = Date.now();
    await exec(conn, 'SELECT 1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await destroy(conn);
  });

  it('drops the connection; the driver retries and the statement runs once', async () => {
    const conn = await connect(sb.url, { password: 'sandbox' });
    for (const when of ['before', 'after'] as const) {
      await control('/sandbox/reset', {});
      await control('/sandbox/faults', { drop: { count: 1, match: 'ALTER SECRET', when } });
      await exec(conn, "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = 'x'");
      const statements = (await control('/sandbox/statements')).json as unknown[];
      expect(statements, when).toHaveLength(1);
    }
    await destroy(conn);
  });

  it('switches the access-token cache mode: until-expiry by default (the cautious answer), none on request, 400 otherwise', async () => {
    expect((await control('/sandbox/token-cache')).json).toEqual({ mode: 'until-expiry' });
    expect((await control('/sandbox/token-cache', { mode: 'none' })).json).toEqual({ mode: 'none' });
    expect((await control('/sandbox/token-cache')).json).toEqual({ mode: 'none' });
    expect((await control('/sandbox/token-cache', { mode: 'forever' })).status).toBe(400);
    sb.setAccessTokenCache('until-expiry');
    expect((await control('/sandbox/token-cache')).json).toEqual({ mode: 'until-expiry' });
  });

  it('serves the control index at /sandbox and /sandbox/', async () => {
    for (const path of ['/sandbox', '/sandbox/']) {
      const { status, json } = await control(path);
      expect(status, path).toBe(200);
      expect(Object.keys((json as unknown as { endpoints: object }).endpoints), path).toContain(
        'GET /sandbox/statements',
      );
    }
  });

  it('rejects a malformed fault body with 400', async () => {
    const res = await control('/sandbox/faults', { statements: { count: 'many' } });
    expect(res.status).toBe(400);
    const unknown = await control('/sandbox/faults', { explode: true });
    expect(unknown.status).toBe(400);
  });
});
