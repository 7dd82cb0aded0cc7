import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionInvocation, SecretBinding } from '../../../sandbox/snowflake/contract.js';
import { SqlError } from '../../../sandbox/snowflake/contract.js';
import { createPythonRunner, type PythonRunner } from '../../../sandbox/snowflake/runner.js';
import {
  AccessTokenCache,
  resolveEgress,
  SANDBOX_OAUTH_USER_AGENT,
} from '../../../sandbox/snowflake/runner-oauth.js';

// A fake provider: a token endpoint and the Health API identity call, on one local origin.
interface Seen {
  tokenRequests: { auth: string | undefined; ua: string | undefined; body: URLSearchParams }[];
  identityAuth: (string | undefined)[];
}
let server: Server;
let base: string;
const seen: Seen = { tokenRequests: [], identityAuth: [] };
let rotate = false;
const revoked = false;
let counter = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => {
      s += d.toString();
    });
    req.on('end', () => resolve(s));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      seen.tokenRequests.push({ auth: req.headers.authorization, ua: req.headers['user-agent'], body: form });
      if (revoked || form.get('refresh_token') === 'dead') {
        res.statusCode = 400;
        res.end(
          JSON.stringify({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
        );
        return;
      }
      counter += 1;
      const out: Record<string, unknown> = {
        access_token: `at-${counter}`,
        expires_in: 3600,
        token_type: 'Bearer',
      };
      if (rotate) out.refresh_token = `rt-${counter}`;
      res.end(JSON.stringify(out));
      return;
    }
    if (req.url === '/v4/users/me/identity') {
      seen.identityAuth.push(req.headers.authorization);
      res.end(JSON.stringify({ name: 'users/me/identity', healthUserId: 'h-1', legacyUserId: '2E4RVC' }));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function binding(over: Partial<SecretBinding> = {}, store: { token: string | null } = { token: 'rt-0' }) {
  const b: SecretBinding = {
    alias: 'cred',
    secretName: 'DB.PUBLIC.HEALTH_SECRET',
    get refreshToken() {
      return store.token;
    },
    integration: {
      name: 'HEALTH_OAUTH',
      enabled: true,
      clientId: 'cid',
      clientSecret: 'csecret',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      clientAuthMethod: 'CLIENT_SECRET_BASIC',
      allowedScopes: [],
    },
    setRefreshToken(t: string) {
      store.token = t;
    },
    ...over,
  };
  return b;
}

function inv(over: Partial<FunctionInvocation>): FunctionInvocation {
  return {
    functionName: 'DB.PUBLIC.CHECK_FN',
    kind: 'scalar',
    handler: 'run',
    body: 'def run():\n  return "ok"\n',
    runtimeVersion: '3.11',
    packages: [],
    returnType: 'VARCHAR',
    tableColumns: [],
    argTypes: [],
    args: [],
    secrets: [],
    allowedHosts: [],
    ...over,
  };
}

const identityViaRequests = `
import _snowflake
import requests

def run():
  token = _snowflake.get_oauth_access_token('cred')
  r = requests.get('https://health.googleapis.com/v4/users/me/identity',
                   headers={'Authorization': 'Bearer ' + token}, timeout=10)
  r.raise_for_status()
  return r.json()
`;

const identityViaUrllib = `
import _snowflake
import json
import urllib.request

def run():
  token = _snowflake.get_oauth_access_token('cred')
  req = urllib.request.Request('https://health.googleapis.com/v4/users/me/identity',
                               headers={'Authorization': 'Bearer ' + token})
  with urllib.request.urlopen(req, timeout=10) as resp:
    return json.loads(resp.read())['healthUserId']
`;

describe('python runner', () => {
  // Every runner made here is stopped at the end: its Python workers do not outlive the file.
  const made: PythonRunner[] = [];
  const track = (r: PythonRunner) => {
    made.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(made.map((r) => r.close()));
  });
  // One runner for most tests, so its warm workers serve call after call (as in a stand-in).
  let shared: PythonRunner | undefined;
  const runner = () =>
    (shared ??= track(
      createPythonRunner({
        egress: { 'health.googleapis.com': base, 'oauth2.googleapis.com': base },
        timeoutMs: 15_000,
      }),
    ));

  it('returns VARCHAR as is and VARIANT as JSON text', async () => {
    const r = runner();
    await expect(r.run(inv({}))).resolves.toEqual({ kind: 'scalar', value: 'ok' });
    const v = await r.run(inv({ returnType: 'VARIANT', body: 'def run():\n  return {"a": [1, 2]}\n' }));
    expect(v.kind === 'scalar' && JSON.parse(v.value ?? '')).toEqual({ a: [1, 2] });
  });

  it('converts DATE and NUMBER arguments to Python types', async () => {
    const body =
      'def run(d, n):\n  return f"{type(d).__name__}:{d.isoformat()}:{type(n).__name__}:{n + 1}"\n';
    const out = await runner().run(inv({ body, argTypes: ['DATE', 'NUMBER'], args: ['2026-11-01', 41] }));
    expect(out).toEqual({ kind: 'scalar', value: 'date:2026-11-01:int:42' });
  });

  it('turns a Python exception into SqlError 100357 carrying the message', async () => {
    const body = 'def run():\n  raise ValueError("the chain is broken: boom")\n';
    const err = await runner()
      .run(inv({ body }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    const e = err as SqlError;
    expect(e.code).toBe('100357');
    expect(e.sqlState).toBe('P0000');
    expect(e.message).toMatch(/^Python Interpreter Error:\nTraceback/);
    expect(e.message).toContain('File "');
    expect(e.message).toContain('ValueError: the chain is broken: boom');
    expect(e.message).toMatch(/in function CHECK_FN with handler run$/);
    expect(e.message).not.toContain('harness.py');
  });

  it('runs a table function: process() rows then end_partition(), converted per column', async () => {
    const body = `
import datetime
class Steps:
  def process(self, start):
    for i in range(2):
      yield (start + datetime.timedelta(days=i), 1000 * (i + 1), None)
  def end_partition(self):
    yield (datetime.date(2026, 12, 31), 7.5, 'last')
`;
    const out = await runner().run(
      inv({
        kind: 'table',
        handler: 'Steps',
        body,
        argTypes: ['DATE'],
        args: ['2026-11-01'],
        tableColumns: [
          { name: 'DAY', type: 'date' },
          { name: 'STEPS', type: 'fixed' },
          { name: 'NOTE', type: 'text' },
        ],
      }),
    );
    expect(out).toEqual({
      kind: 'table',
      rows: [
        ['2026-11-01', '1000', null],
        ['2026-11-02', '2000', null],
        ['2026-12-31', '7.5', 'last'],
      ],
    });
  });

  it('lets requests reach an allowed host through the stand-in, with a token Snowflake refreshed', async () => {
    seen.tokenRequests.length = 0;
    seen.identityAuth.length = 0;
    const out = await runner().run(
      inv({
        body: identityViaRequests,
        returnType: 'VARIANT',
        secrets: [binding()],
        allowedHosts: ['health.googleapis.com'],
      }),
    );
    expect(out.kind === 'scalar' && JSON.parse(out.value ?? '')).toMatchObject({ legacyUserId: '2E4RVC' });
    expect(seen.tokenRequests).toHaveLength(1);
    const t = seen.tokenRequests[0]!;
    expect(t.ua).toBe(SANDBOX_OAUTH_USER_AGENT);
    expect(t.auth).toBe(`Basic ${Buffer.from('cid:csecret').toString('base64')}`);
    expect(t.body.get('grant_type')).toBe('refresh_token');
    expect(t.body.get('refresh_token')).toBe('rt-0');
    expect(t.body.get('client_secret')).toBeNull();
    expect(seen.identityAuth.at(-1)).toMatch(/^Bearer at-\d+$/);
  });

  it('lets urllib.request reach an allowed host too, and sends the secret in the body for CLIENT_SECRET_POST', async () => {
    seen.tokenRequests.length = 0;
    const b = binding();
    b.integration = { ...b.integration, clientAuthMethod: 'CLIENT_SECRET_POST' };
    const out = await runner().run(
      inv({ body: identityViaUrllib, secrets: [b], allowedHosts: ['health.googleapis.com:443'] }),
    );
    expect(out).toEqual({ kind: 'scalar', value: 'h-1' });
    const t = seen.tokenRequests[0]!;
    expect(t.auth).toBeUndefined();
    expect(t.body.get('client_id')).toBe('cid');
    expect(t.body.get('client_secret')).toBe('csecret');
  });

  it('keeps the original https URL visible to urllib: geturl() and HTTPError say health.googleapis.com', async () => {
    const body = `
import json
import urllib.error
import urllib.request

def run():
  url = 'https://health.googleapis.com/v4/users/me/identity'
  with urllib.request.urlopen(url, timeout=10) as resp:
    ok = resp.geturl()
  try:
    urllib.request.urlopen('https://health.googleapis.com/v4/nowhere', timeout=10)
    err = None
  except urllib.error.HTTPError as e:
    err = [e.code, e.geturl(), str(e)]
  return json.dumps([ok, err])
`;
    const out = await runner().run(inv({ body, allowedHosts: ['health.googleapis.com'] }));
    const [ok, err] = JSON.parse(out.kind === 'scalar' ? (out.value ?? '') : '') as [string, unknown[]];
    expect(ok).toBe('https://health.googleapis.com/v4/users/me/identity');
    expect(err).toEqual([404, 'https://health.googleapis.com/v4/nowhere', 'HTTP Error 404: Not Found']);
    expect(out.kind === 'scalar' && out.value).not.toContain('127.0.0.1');
  });

  it('blocks hosts outside the network rules like a blocked egress, naming the host', async () => {
    for (const [body, lib] of [
      [identityViaRequests, 'requests'],
      [identityViaUrllib, 'urllib'],
    ] as const) {
      const err = await runner()
        .run(inv({ body, secrets: [binding()], allowedHosts: ['api.fitbit.com'] }))
        .catch((e: unknown) => e);
      expect(err, lib).toBeInstanceOf(SqlError);
      expect((err as Error).message, lib).toContain('health.googleapis.com');
      expect((err as Error).message, lib).toMatch(/blocked/);
    }
    // A port the rule does not name is blocked too (rules default to 443).
    const body =
      'import requests\ndef run():\n  return requests.get("http://health.googleapis.com/v4/users/me/identity", timeout=5).text\n';
    const err = await runner()
      .run(inv({ body, allowedHosts: ['health.googleapis.com'] }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('health.googleapis.com');
  });

  it('surfaces a failed exchange only when the handler asks for the token, with the provider error', async () => {
    const dead = binding({}, { token: 'dead' });
    await expect(runner().run(inv({ secrets: [dead] }))).resolves.toEqual({ kind: 'scalar', value: 'ok' });
    const err = await runner()
      .run(inv({ body: identityViaRequests, secrets: [dead], allowedHosts: ['health.googleapis.com'] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toContain('invalid_grant: Token has been expired or revoked.');
    expect((err as Error).message).not.toContain('dead'); // the refresh token is never echoed
  });

  it('applies the rotation policy to a rotated refresh token', async () => {
    rotate = true;
    try {
      for (const policy of ['persist', 'discard'] as const) {
        const store = { token: 'rt-0' as string | null };
        const r = track(
          createPythonRunner({
            egress: { 'oauth2.googleapis.com': base },
            rotationPolicy: () => policy,
          }),
        );
        const body = 'import _snowflake\ndef run():\n  return _snowflake.get_oauth_access_token("cred")\n';
        const out = await r.run(inv({ body, secrets: [binding({}, store)] }));
        expect(out.kind === 'scalar' && out.value).toMatch(/^at-\d+$/);
        if (policy === 'persist') expect(store.token).toMatch(/^rt-[1-9]\d*$/);
        else expect(store.token).toBe('rt-0');
      }
    } finally {
      rotate = false;
    }
  });

  it("caches access tokens only in 'until-expiry' mode, per refresh token, and never past expires_in", async () => {
    const body = 'import _snowflake\ndef run():\n  return _snowflake.get_oauth_access_token("cred")\n';
    let mode: 'none' | 'until-expiry' = 'until-expiry';
    const r = track(
      createPythonRunner({ egress: { 'oauth2.googleapis.com': base }, accessTokenCache: () => mode }),
    );
    const store = { token: 'rt-0' as string | null };
    const call = async () => {
      const out = await r.run(inv({ body, secrets: [binding({}, store)] }));
      return out.kind === 'scalar' ? out.value : null;
    };
    seen.tokenRequests.length = 0;
    const first = await call();
    expect(await call()).toBe(first);
    expect(seen.tokenRequests).toHaveLength(1);
    store.token = 'rt-new'; // a new ALTER SECRET: the old grant's access token is not reused
    expect(await call()).not.toBe(first);
    expect(seen.tokenRequests).toHaveLength(2);
    r.clearAccessTokens();
    await call();
    expect(seen.tokenRequests).toHaveLength(3);
    mode = 'none';
    await call();
    await call();
    expect(seen.tokenRequests).toHaveLength(5);
  });

  it('forgets a cached access token when its expires_in runs out', () => {
    let now = 1_000_000;
    const cache = new AccessTokenCache(() => now);
    const b = binding();
    cache.put(b, 'at-x', 10);
    now += 9_999;
    expect(cache.get(b)).toBe('at-x');
    now += 1;
    expect(cache.get(b)).toBeUndefined();
    cache.put(b, 'at-y', undefined); // no expires_in: not cached
    expect(cache.get(b)).toBeUndefined();
  });

  it('refuses an alias that is not in SECRETS', async () => {
    const body = 'import _snowflake\ndef run():\n  return _snowflake.get_oauth_access_token("other")\n';
    const err = await runner()
      .run(inv({ body, secrets: [binding()] }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain("Secret 'other' is not bound");
  });

  it('refuses GENERIC_STRING and PASSWORD secret reads clearly instead of returning None', async () => {
    for (const fn of ['get_generic_secret_string', 'get_username_password']) {
      const body = `import _snowflake\ndef run():\n  return str(_snowflake.${fn}("cred"))\n`;
      const err = await runner()
        .run(inv({ body, secrets: [binding()] }))
        .catch((e: unknown) => e);
      expect(err, fn).toBeInstanceOf(SqlError);
      expect((err as Error).message, fn).toContain(
        `NotImplementedError: _snowflake.${fn} is not supported by the sandbox (only OAUTH2 secrets)`,
      );
    }
  });

  it('kills a handler that runs past the time limit', async () => {
    const r = track(createPythonRunner({ timeoutMs: 700 }));
    const err = await r
      .run(inv({ body: 'import time\ndef run():\n  time.sleep(30)\n' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toContain('did not finish within 700 ms');
    // The next call gets a fresh Python and runs normally.
    await expect(r.run(inv({}))).resolves.toEqual({ kind: 'scalar', value: 'ok' });
  });

  it('runs each call in a fresh state: globals, files, secrets and network rules do not carry over', async () => {
    const r = runner();
    const leave = `
import json, os, sys, _snowflake, requests
def run():
  os.environ['LEFT_BEHIND'] = '1'
  json.LEFT_BEHIND = 1
  sys.modules['left_behind'] = json
  open('left-behind.txt', 'w').write('x')
  token = _snowflake.get_oauth_access_token('cred')
  return requests.get('https://health.googleapis.com/v4/users/me/identity',
                      headers={'Authorization': 'Bearer ' + token}, timeout=10).json()['healthUserId']
`;
    const first = inv({ body: leave, secrets: [binding()], allowedHosts: ['health.googleapis.com'] });
    await expect(r.run(first)).resolves.toEqual({ kind: 'scalar', value: 'h-1' });
    const look = `
import json, os, sys, _snowflake, requests
def run():
  seen = [k for k, v in [('environ', 'LEFT_BEHIND' in os.environ), ('module', hasattr(json, 'LEFT_BEHIND')),
          ('sys.modules', 'left_behind' in sys.modules), ('file', os.path.exists('left-behind.txt'))] if v]
  try:
    _snowflake.get_oauth_access_token('cred')
    seen.append('secret')
  except ValueError:
    pass
  try:
    requests.get('https://health.googleapis.com/v4/users/me/identity', timeout=5)
    seen.append('egress')
  except requests.exceptions.ConnectionError:
    pass
  return json.dumps(seen)
`;
    await expect(r.run(inv({ body: look }))).resolves.toEqual({ kind: 'scalar', value: '[]' });
  });

  it('runs concurrent calls side by side, each with its own answer', async () => {
    const body = 'import time\ndef run(n):\n  time.sleep(0.2)\n  return str(n * 2)\n';
    const r = runner();
    const out = await Promise.all(
      [1, 2, 3, 4].map((n) => r.run(inv({ body, argTypes: ['NUMBER'], args: [n] }))),
    );
    expect(out).toEqual(['2', '4', '6', '8'].map((value) => ({ kind: 'scalar', value })));
  });

  it('says so when the Python process ends without a result', async () => {
    const err = await runner()
      .run(inv({ body: 'import os\ndef run():\n  os._exit(3)\n' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toContain('the Python process ended (exit code 3) without a result');
    await expect(runner().run(inv({}))).resolves.toEqual({ kind: 'scalar', value: 'ok' });
  });

  it('close() stops its Python workers; later calls are refused', async () => {
    const r = createPythonRunner();
    await expect(r.run(inv({}))).resolves.toEqual({ kind: 'scalar', value: 'ok' });
    await r.close();
    const err = await r.run(inv({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toContain('stopped');
  });

  it('says clearly when python3 is missing', async () => {
    const r = track(createPythonRunner({ python: 'python3-definitely-not-here' }));
    const err = await r.run(inv({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toMatch(/'python3-definitely-not-here' was not found/);
  });

  it("gives the handler an allowlisted environment: none of the app's variables", async () => {
    const names = ['SNOWFLAKE_PASSWORD', 'ADMIN_TOKEN', 'APP_CANARY_SECRET', 'https_proxy', 'PYTHONPATH'];
    for (const n of names) process.env[n] = 'canary-value-7f3a';
    try {
      const body = 'import json, os\ndef run():\n  return json.dumps(dict(os.environ))\n';
      const out = await runner().run(inv({ body }));
      const env = JSON.parse(out.kind === 'scalar' ? (out.value ?? '') : '') as Record<string, string>;
      for (const n of names) expect(env, n).not.toHaveProperty(n);
      expect(JSON.stringify(env)).not.toContain('canary-value-7f3a');
      expect(env.PATH).toBeTruthy(); // a pyenv shim may prepend to it
      // Of the parent's variables only the allowlisted ones get through (a pyenv shell shim, if python3
      // is one, adds its own and sets PWD, SHLVL and _ itself).
      const inherited = Object.keys(env).filter(
        (k) => k in process.env && !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(k),
      );
      expect(inherited.length).toBeGreaterThan(0);
      for (const k of inherited) {
        expect(k).toMatch(
          /^(PATH|HOME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TMP|TEMP|PYENV\w*|VIRTUAL_ENV|LD_LIBRARY_PATH|DYLD_LIBRARY_PATH|PYTHONDONTWRITEBYTECODE|PYTHONUNBUFFERED)$/,
        );
      }
    } finally {
      for (const n of names) delete process.env[n];
    }
  });

  it('maps egress hosts to the stand-in, keeping path and query', () => {
    expect(resolveEgress('https://oauth2.googleapis.com/token?x=1', { 'oauth2.googleapis.com': base })).toBe(
      `${base}/token?x=1`,
    );
    expect(resolveEgress('http://127.0.0.1:9/token', { 'oauth2.googleapis.com': base })).toBe(
      'http://127.0.0.1:9/token',
    );
  });
});
