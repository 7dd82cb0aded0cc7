// The transport floor of a callback on this machine: a process with no app logic at all that, for each
// request, makes the same number of round trips to a server in the bench's process (where the stand-ins
// run) over keep-alive connections, then answers with a redirect. What a callback takes beyond this floor
// and the stand-ins' own time is the app's; what this floor takes is the machine's (process wake-ups and
// loopback I/O between three processes on two cores), which no app code can remove.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser } from './client.js';
import { coveredMs, type UpstreamProbe } from './upstream.js';

const RELAY = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true });
const hop = (port) => new Promise((resolve, reject) => {
  const req = http.request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', agent }, (res) => {
    res.resume();
    res.on('end', resolve);
  });
  req.on('error', reject);
  req.end('code=x&state=y');
});
const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://relay');
  const port = Number(u.searchParams.get('port'));
  for (let i = 0; i < Number(u.searchParams.get('n')); i++) await hop(port);
  res.writeHead(303, { Location: '/result/x' });
  res.end();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export interface TransportFloor {
  /**
   * A relay of `trips` round trips: median wall time of the request that asked for them, less the echo's
   * own time for them (with a probe; else less the waits).
   */
  ms: number;
  trips: number;
  rounds: number;
}

/**
 * `latencyMs`: each hop is answered that much later, as the stand-ins do at L; the floor is then what the
 * relay took beyond those waits (waking after each wait costs more than a busy round trip). `probe`: what
 * the echo spent on each hop (its wait, its timer's lateness and its handling) is left out as measured, as
 * the stand-ins' own time is from a callback; without one, just the waits.
 */
export async function transportFloor(
  trips: number,
  rounds: number,
  latencyMs = 0,
  probe?: UpstreamProbe,
): Promise<TransportFloor> {
  const echo: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (latencyMs > 0) setTimeout(() => res.end('{}'), latencyMs);
      else res.end('{}');
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as AddressInfo).port;
  const child = spawn(process.execPath, ['-e', RELAY], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    });
    const b = new Browser(port, `127.0.0.1:${port}`);
    try {
      const times: number[] = [];
      // The first requests open the connections and warm the JIT, as the app's first sign-ins do.
      for (let i = 0; i < rounds + 3; i++) {
        const from = performance.now();
        const a = await b.get(`/callback?n=${trips}&port=${echoPort}`);
        const to = performance.now();
        if (a.status !== 303) throw new Error(`the relay answered ${a.status}`);
        const echoed = probe ? coveredMs(probe.within(from, to).filter((r) => r.port === echoPort)) : 0;
        if (i >= 3) times.push(a.ms - (probe ? echoed : trips * latencyMs));
      }
      const sorted = [...times].sort((x, y) => x - y);
      return { ms: sorted[Math.floor(sorted.length / 2)]!, trips, rounds };
    } finally {
      b.close();
    }
  } finally {
    child.kill();
    await new Promise<void>((r) => echo.close(() => r()));
  }
}
