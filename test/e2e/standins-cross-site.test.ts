// In real Chromium: the stand-ins run by default (`npm start` with no settings), so a page on another
// site (http://localhost:<port>, while they are at http://127.0.0.1:<port>) or on another port of the same
// host (http://127.0.0.1:<port>, same-site) tries what a foreign page could do before they were guarded
// (sandbox/control-guard.ts): wipe the Snowflake catalog, make every statement fail, choose what the token
// endpoint returns, reset the OAuth stand-in. Every try is refused and nothing changes; the same requests
// sent as JSON by a test client still work.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { type Conn, connect, destroy, exec } from '../sandbox/snowflake/driver.js';
import { type LaunchedBrowser, launchChromium, skipBrowser } from './chromium.js';

/** An auto-submitting form; `fields` as [name, value], `enctype` as a browser would send it. */
function formPage(action: string, enctype: string, fields: [string, string][]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const inputs = fields.map(([n, v]) => `<input type="hidden" name="${esc(n)}" value="${esc(v)}">`).join('');
  return `<!doctype html><form id="f" method="post" enctype="${esc(enctype)}" action="${esc(action)}">${inputs}</form><script>document.getElementById('f').submit()</script>`;
}

const CLIENT = {
  profile: 'google-health',
  clientId: 'canary-client',
  clientSecret: 'canary-secret',
  name: 'Canary',
  redirectUris: ['http://localhost:8787/callback'],
};

describe.skipIf(skipBrowser)('browser: the stand-ins refuse other sites', () => {
  let sb: Sandbox;
  let b: LaunchedBrowser;
  let admin: Conn;
  let attacker: http.Server;
  // What the attacker's page at /form?case=N shows.
  const pages = new Map<string, string>();
  let crossSite = '';
  let sameSite = '';

  const json = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const canaryDatabase = async () => (await exec(admin, "SHOW DATABASES LIKE 'CANARY'")).length === 1;
  const oauthFaults = async () =>
    ((await (await fetch(`${sb.oauth.url}/sandbox/faults`)).json()) as { faults: unknown[] }).faults.length;
  const statementFault = async () =>
    Boolean(
      ((await (await fetch(`${sb.snowflake.url}/sandbox/faults`)).json()) as { statements?: unknown })
        .statements,
    );
  const clockMoved = async () =>
    ((await (await fetch(`${sb.snowflake.url}/sandbox/clock`)).json()) as { offsetMs: number }).offsetMs !==
    0;
  const canaryClient = async () =>
    (
      (await (await fetch(`${sb.oauth.url}/sandbox/clients`)).json()) as { clients: { clientId: string }[] }
    ).clients.some((c) => c.clientId === CLIENT.clientId);

  beforeAll(async () => {
    b = await launchChromium();
    sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
    admin = await connect(sb.snowflake.url, { password: 'sandbox' });
    await exec(admin, 'CREATE DATABASE CANARY');
    expect((await json(`${sb.oauth.url}/sandbox/clients`, CLIENT)).status).toBe(201);
    attacker = http.createServer((req, res) => {
      const page = pages.get(new URL(req.url ?? '/', 'http://x').searchParams.get('case') ?? '');
      res.setHeader('Content-Type', 'text/html');
      res.end(page ?? '<!doctype html><title>attacker</title>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    const port = (attacker.address() as AddressInfo).port;
    crossSite = `http://localhost:${port}`;
    sameSite = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => (attacker ? attacker.close(() => r()) : r()));
    if (admin) await destroy(admin);
    await sb?.close();
    await b?.close();
  });

  it('a cross-site or same-site form POST or fetch() cannot reset the Snowflake catalog, set a fault or reset the OAuth stand-in', async () => {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    const forms: { name: string; action: string; enctype: string; fields: [string, string][] }[] = [
      {
        name: 'choose what the token endpoint returns',
        action: `${sb.oauth.url}/sandbox/faults`,
        enctype: 'application/x-www-form-urlencoded',
        fields: [
          ['path', '/token'],
          ['body', '{"access_token":"ya29.chosen","token_type":"Bearer","expires_in":3599}'],
        ],
      },
      {
        name: 'reset the OAuth stand-in',
        action: `${sb.oauth.url}/sandbox/reset`,
        enctype: 'application/x-www-form-urlencoded',
        fields: [['x', '1']],
      },
      {
        // text/plain sends `name=value`: the "=" lands inside a free-text field, and the rest is JSON.
        name: 'make every Snowflake statement fail',
        action: `${sb.snowflake.url}/sandbox/faults`,
        enctype: 'text/plain',
        fields: [['{"statements":{"count":1000,"message":"', '"}}']],
      },
    ];
    for (const origin of [crossSite, sameSite]) {
      for (const [i, f] of forms.entries()) {
        const id = `${origin === crossSite ? 'x' : 's'}${i}`;
        pages.set(id, formPage(f.action, f.enctype, f.fields));
        const answered = page.waitForResponse((r) => r.url() === f.action);
        await page.goto(`${origin}/form?case=${id}`);
        const res = await answered;
        expect(res.status(), `${f.name} from ${origin}`).toBe(403);
        const sent = await res.request().allHeaders();
        expect(sent['sec-fetch-site']).toBe(origin === crossSite ? 'cross-site' : 'same-site');
      }
      // fetch() needs no form: a no-cors POST sends text/plain, which the Snowflake stand-in once parsed as
      // JSON: this wiped its catalog, and moved its clock a day on (tasks due by then run).
      await page.goto(`${origin}/blank`);
      for (const [target, body] of [
        [`${sb.snowflake.url}/sandbox/reset`, '{}'],
        [`${sb.snowflake.url}/sandbox/clock`, '{"advanceMs":86400000}'],
      ] as const) {
        const answered = page.waitForResponse((r) => r.url() === target);
        await page.evaluate(
          `fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(body)} }).then(() => 1, () => 0)`,
        );
        expect((await answered).status(), `fetch ${target} from ${origin}`).toBe(403);
      }
      // A fetch() that asks for JSON needs a CORS preflight, which the stand-ins never grant: it never arrives.
      const preflighted = await page.evaluate(
        `fetch(${JSON.stringify(`${sb.snowflake.url}/sandbox/reset`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(() => 'sent', () => 'blocked')`,
      );
      expect(preflighted).toBe('blocked');
    }
    expect({
      statementFault: await statementFault(),
      canaryDatabase: await canaryDatabase(),
      clockMoved: await clockMoved(),
      oauthFaults: await oauthFaults(),
      canaryClient: await canaryClient(),
    }).toEqual({
      statementFault: false,
      canaryDatabase: true,
      clockMoved: false,
      oauthFaults: 0,
      canaryClient: true,
    });
    await context.close();

    // The same requests as JSON from a test client (no browser, loopback Host) still work.
    expect((await json(`${sb.oauth.url}/sandbox/faults`, { path: '/token', body: '{}' })).status).toBe(201);
    expect(await oauthFaults()).toBe(1);
    expect((await json(`${sb.snowflake.url}/sandbox/faults`, { statements: { count: 1 } })).status).toBe(200);
    expect(await statementFault()).toBe(true);
    expect((await json(`${sb.oauth.url}/sandbox/reset`, {})).status).toBe(200);
    expect(await canaryClient()).toBe(false);
    expect((await json(`${sb.snowflake.url}/sandbox/reset`, {})).status).toBe(200);
    expect(await canaryDatabase()).toBe(false);
  }, 90_000);
});
