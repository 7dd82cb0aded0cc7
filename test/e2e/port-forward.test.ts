// The app on a server, the browser on a laptop, joined by `ssh -L 8787:localhost:8787 you@server`: the
// browser's `localhost:8787` is the forward's end, which pipes each connection to the app's port on the
// server. Simulated on one machine: the app (its own process, as `npm start` runs it) listens on
// 127.0.0.1:<port>; a TCP forwarder listens on 127.0.0.2 with the same port number and pipes to it; and
// Chromium resolves `localhost` to 127.0.0.2, so everything it sends the app goes through the forwarder.
// The journey must work unchanged: the link npm start printed, Connect, Allow, written, check passed.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { checkOutcome, type LaunchedBrowser, launchChromium, skipBrowser } from './chromium.js';

const FORWARD_HOST = '127.0.0.2';

interface Forwarder {
  /** Connections piped so far. */
  connections: number;
  close(): Promise<void>;
}

/** What `ssh -L` does, minus the encryption: each connection to host:port is piped to the app. */
async function forward(host: string, port: number, to: { host: string; port: number }): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const f = { connections: 0 } as Forwarder;
  const server: Server = createServer((inbound) => {
    f.connections++;
    const outbound = createConnection(to.port, to.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  f.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return f;
}

describe.skipIf(skipBrowser)('browser: the app through a port forward (ssh -L)', () => {
  let app: ChildApp;
  let fwd: Forwarder;
  let b: LaunchedBrowser;
  let port: number;
  beforeAll(async () => {
    app = await startChildApp();
    port = Number(new URL(app.url).port);
    fwd = await forward(FORWARD_HOST, port, { host: '127.0.0.1', port });
    b = await launchChromium([`--host-resolver-rules=MAP localhost ${FORWARD_HOST}`]);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await fwd?.close();
    await app?.close();
  });

  it('the printed link, Connect, Allow, written, check passed: every request to the app through the forward', async () => {
    const link = /http:\/\/localhost:\d+\/\?token=[A-Za-z0-9_-]+/.exec(app.stdout())?.[0];
    expect(link, 'the launch link npm start prints').toBeDefined();
    const page = await b.browser.newPage();
    const hosts = new Set<string>();
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    await page.goto(link!);
    expect(page.url()).toBe(`http://localhost:${port}/`);
    await page.click('text=Connect Fitbit');
    await page.waitForSelector('button[value="allow"]');
    await page.click('button[value="allow"]');
    await checkOutcome(page);
    expect(await page.locator('#result-title').textContent()).toContain('Connected');
    expect(await page.locator('#check-result').textContent()).toContain('passed');
    // The browser named only localhost (the forward's end) and the consent page's own address; the app's
    // own address never.
    expect([...hosts].sort()).toEqual([`localhost:${port}`, new URL(app.oauthUrl).host].sort());
    expect(fwd.connections).toBeGreaterThan(0);
    await page.close();
  });
});
