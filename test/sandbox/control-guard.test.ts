// Who may use the stand-ins (sandbox/control-guard.ts), over real sockets: the control endpoints answer only
// a loopback Host on the stand-in's own port, refuse what a browser marks as coming from another site, and
// take JSON only; the provider endpoints check the Host too. Both stand-ins, the same rules.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseHostHeader } from '../../sandbox/control-guard.js';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { type SnowflakeSandbox, startSnowflakeSandbox } from '../../sandbox/snowflake/server.js';

interface Answer {
  status: number;
  text: string;
}

/** A request with exactly the headers given, Host included (fetch() would set its own). */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: opts.method ?? 'GET' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    for (const [k, v] of Object.entries(opts.headers ?? {})) req.setHeader(k, v);
    req.end(opts.body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('parseHostHeader', () => {
  it('reads a name or an address with an optional port', () => {
    expect(parseHostHeader('localhost:8790')).toEqual({ name: 'localhost', port: 8790 });
    expect(parseHostHeader('LocalHost')).toEqual({ name: 'localhost', port: undefined });
    expect(parseHostHeader('127.0.0.1:8791')).toEqual({ name: '127.0.0.1', port: 8791 });
    expect(parseHostHeader('[::1]:8790')).toEqual({ name: '[::1]', port: 8790 });
    expect(parseHostHeader('health.googleapis.com')).toEqual({
      name: 'health.googleapis.com',
      port: undefined,
    });
  });

  it('refuses what is not a Host: userinfo, text after an IPv6 address, a path, an empty or out-of-range port', () => {
    for (const bad of [
      '[::1]evil.example',
      '[::1]:8790evil.example',
      'localhost:9101@evil.example',
      'evil.example@localhost:9101',
      'localhost:9101/evil',
      'localhost:',
      'localhost:0',
      'localhost:99999',
      'localhost:8790:1',
      'local host',
      '',
      undefined,
    ]) {
      expect(parseHostHeader(bad), String(bad)).toBeUndefined();
    }
  });
});

// Each stand-in with a fault that a refused request must leave in place and a reset (as JSON) clears.
interface Target {
  name: string;
  url(): string;
  setFault(): Promise<void>;
  faultSet(): Promise<boolean>;
}

let sb: Sandbox;
const oauthTarget: Target = {
  name: 'OAuth stand-in',
  url: () => sb.oauth.url,
  async setFault() {
    const res = await fetch(`${sb.oauth.url}/sandbox/faults`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ path: '/token', status: 200, body: '{"access_token":"chosen"}' }),
    });
    expect(res.status).toBe(201);
  },
  async faultSet() {
    const { faults } = (await (await fetch(`${sb.oauth.url}/sandbox/faults`)).json()) as {
      faults: unknown[];
    };
    return faults.length > 0;
  },
};
const snowflakeTarget: Target = {
  name: 'Snowflake stand-in',
  url: () => sb.snowflake.url,
  async setFault() {
    const res = await fetch(`${sb.snowflake.url}/sandbox/faults`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ statementLatencyMs: 45_000 }),
    });
    expect(res.status).toBe(200);
  },
  async faultSet() {
    const faults = (await (await fetch(`${sb.snowflake.url}/sandbox/faults`)).json()) as {
      statementLatencyMs: number;
    };
    return faults.statementLatencyMs > 0;
  },
};

beforeAll(async () => {
  sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
});
afterAll(async () => {
  await sb?.close();
});

describe.each([oauthTarget, snowflakeTarget])('control endpoints of the $name', (t) => {
  const port = () => new URL(t.url()).port;
  const reset = (headers: Record<string, string>, body = '{}') =>
    raw(`${t.url()}/sandbox/reset`, { method: 'POST', headers, body });

  beforeEach(async () => {
    await t.setFault();
  });

  it(`refuses a Host that is not a loopback name with its own port (${t.name}): 421, nothing changes`, async () => {
    for (const host of [
      `evil.example:${port()}`,
      `127.0.0.1.nip.io:${port()}`,
      '[::1]evil.example',
      `localhost:${port()}@evil.example`,
      `localhost:${Number(port()) + 1}`,
      'localhost',
      'api.fitbit.com', // a provider host the OAuth stand-in plays: its provider endpoints only
    ]) {
      const res = await reset({ ...JSON_TYPE, host });
      expect(res.status, host).toBe(421);
      expect(JSON.parse(res.text), host).toMatchObject({ error: 'host_not_allowed' });
      const read = await raw(`${t.url()}/sandbox/faults`, { headers: { host } });
      expect(read.status, `GET with ${host}`).toBe(421);
    }
    expect(await t.faultSet()).toBe(true);
  });

  it(`answers localhost, 127.0.0.1 and [::1] on its own port (${t.name})`, async () => {
    for (const host of [
      `localhost:${port()}`,
      `127.0.0.1:${port()}`,
      `[::1]:${port()}`,
      `LOCALHOST:${port()}`,
    ]) {
      expect((await raw(`${t.url()}/sandbox/faults`, { headers: { host } })).status, host).toBe(200);
    }
  });

  it(`refuses a form, text/plain or a POST without Content-Type with 415 (${t.name}): nothing changes`, async () => {
    const bodies: [Record<string, string>, string][] = [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'sessions=true'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\n\r\n--x--\r\n'],
      [{ 'content-type': 'text/plain' }, '{}'],
      [{}, '{}'],
      [{}, ''],
    ];
    for (const [headers, body] of bodies) {
      const res = await reset(headers, body);
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect(JSON.parse(res.text)).toMatchObject({ error: 'json_only' });
      expect(res.text).toContain('application/json');
    }
    expect(await t.faultSet()).toBe(true);
  });

  it(`refuses what the browser marks cross-site or same-site with 403 (${t.name}): nothing changes`, async () => {
    for (const site of ['cross-site', 'same-site']) {
      for (const mode of ['navigate', 'no-cors', 'cors']) {
        const res = await reset({ ...JSON_TYPE, 'sec-fetch-site': site, 'sec-fetch-mode': mode });
        expect(res.status, `${site} ${mode}`).toBe(403);
        expect(JSON.parse(res.text)).toMatchObject({ error: 'cross_site' });
      }
      // A script on another site reading a log is refused too; following a link to it is not.
      const read = (mode: string, dest: string) =>
        raw(`${t.url()}/sandbox/faults`, {
          headers: { 'sec-fetch-site': site, 'sec-fetch-mode': mode, 'sec-fetch-dest': dest },
        });
      expect((await read('cors', 'empty')).status).toBe(403);
      expect((await read('no-cors', 'image')).status).toBe(403);
      expect((await read('navigate', 'iframe')).status).toBe(403);
      expect((await read('navigate', 'document')).status).toBe(200);
    }
    expect(await t.faultSet()).toBe(true);
  });

  it(`takes the same POST as JSON from a test client, typed-in or same-origin (${t.name})`, async () => {
    for (const site of [undefined, 'none', 'same-origin']) {
      await t.setFault();
      const res = await reset({ ...JSON_TYPE, ...(site ? { 'sec-fetch-site': site } : {}) });
      expect(res.status, String(site)).toBe(200);
      expect(await t.faultSet()).toBe(false);
    }
    // A DELETE needs no body (and a browser cannot send one cross-site without a preflight).
    const del = await raw(`${t.url()}/sandbox/faults`, { method: 'DELETE' });
    expect(del.status === 200 || del.status === 404).toBe(true);
  });
});

describe('provider endpoints', () => {
  it('check the Host too: a loopback name on the own port, and the provider hosts the OAuth stand-in plays', async () => {
    const oauthPort = new URL(sb.oauth.url).port;
    const discovery = (host: string) =>
      raw(`${sb.oauth.url}/.well-known/openid-configuration`, { headers: { host } });
    expect((await discovery(`evil.example:${oauthPort}`)).status).toBe(421);
    expect((await discovery('[::1]evil.example')).status).toBe(421);
    expect((await discovery(`localhost:${oauthPort}@evil.example`)).status).toBe(421);
    expect((await discovery('health.googleapis.com:8443')).status).toBe(421);
    // What the app, the browser and Snowflake's egress send (urllib keeps the provider's own host).
    for (const host of [
      `127.0.0.1:${oauthPort}`,
      `localhost:${oauthPort}`,
      'api.fitbit.com',
      'oauth2.googleapis.com:443',
    ]) {
      expect((await discovery(host)).status, host).toBe(200);
    }

    const sfPort = new URL(sb.snowflake.url).port;
    const login = (host: string) =>
      raw(`${sb.snowflake.url}/session/v1/login-request`, {
        method: 'POST',
        headers: { ...JSON_TYPE, host },
        body: JSON.stringify({
          data: { ACCOUNT_NAME: 'sandbox', LOGIN_NAME: 'SANDBOX_ADMIN', PASSWORD: 'sandbox' },
        }),
      });
    const refused = await login(`evil.example:${sfPort}`);
    expect(refused.status).toBe(421);
    expect(refused.text).not.toContain('token');
    // Snowflake's stand-in plays no provider host.
    expect((await login('api.fitbit.com')).status).toBe(421);
    const ok = await login(`127.0.0.1:${sfPort}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ success: true });
  });
});

describe('a request body that cannot be read', () => {
  let sf: SnowflakeSandbox;
  const lines: string[] = [];
  beforeAll(async () => {
    sf = await startSnowflakeSandbox({ port: 0, warn: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await sf?.close();
  });

  it('Snowflake: a malformed gzip body is a 400 saying so, with one log line and no stack', async () => {
    const bad = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const path of ['/session/v1/login-request', '/queries/v1/query-request', '/session/token-request']) {
      lines.length = 0;
      const res = await raw(`${sf.url}${path}`, {
        method: 'POST',
        headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
        body: bad,
      });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({
        success: false,
        message: expect.stringContaining('not valid gzip'),
      });
      expect(lines, path).toHaveLength(1);
      expect(lines[0]).toContain(`POST ${path} answered 400`);
      expect(lines[0]).not.toMatch(/\n|\s at /);
    }
    // And the control endpoints say the same, as JSON.
    const control = await raw(`${sf.url}/sandbox/faults`, { method: 'POST', headers: JSON_TYPE, body: bad });
    expect(control.status).toBe(400);
    expect(control.text).toContain('not valid gzip');
    // Still answering.
    expect((await fetch(`${sf.url}/sandbox/stats`)).status).toBe(200);
  });

  it('Snowflake: a gzip body that inflates past 16 MiB is a 413, not a process out of memory', async () => {
    lines.length = 0;
    const bomb = gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100_000);
    const res = await raw(`${sf.url}/session/v1/login-request`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(lines).toHaveLength(1);
  });

  it('OAuth: a malformed gzip body at the token endpoint is a 400 saying the body could not be read', async () => {
    const res = await raw(`${sb.oauth.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('could not be read'),
    });
  });
});
