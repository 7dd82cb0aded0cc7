// The command's own listener on the redirect URI, for a browser on this computer: it answers the
// provider's redirect with a plain "you can close this tab" page and hands the address to the command,
// which checks it like a pasted one. Nothing else is served; the page carries nothing of the sign-in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppError, appError } from '../errors/index.js';
import { hostnameOf, isLoopbackName } from '../security/host.js';

export interface RedirectListener {
  /** The port it listens on (the redirect URI's). */
  port: number;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>fitbit-snowflake-connect</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}</style>
<h1>Back in the terminal</h1>
<p>The sign-in reached <code>npm run connect</code>. You can close this tab: the terminal shows the result.</p>
`;

/** Where a redirect URI can be listened on by this command: plain http on a loopback name. */
export function loopbackTarget(redirectUri: string): { host: string; port: number; path: string } | AppError {
  const u = new URL(redirectUri);
  const name = u.hostname.toLowerCase();
  if (u.protocol !== 'http:' || !isLoopbackName(name))
    return appError('cli_redirect_not_local', { redirectUri });
  // localhost: where the app itself listens by default (HOST=127.0.0.1); browsers fall back to it.
  const host = name === 'localhost' ? '127.0.0.1' : name.replace(/^\[|\]$/g, '');
  return { host, port: Number(u.port || 80), path: u.pathname };
}

function answer(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, {
    'Content-Type': `${type}; charset=utf-8`,
    'Cache-Control': 'no-store',
    // The address carries the code: it must not travel on in a Referer.
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/**
 * Listens on the redirect URI's host and port. `onCallback` gets the whole address a browser asked for
 * (the redirect URI with its query). Rejects with cli_port_taken when another program has the port.
 */
export async function listenOnRedirect(
  redirectUri: string,
  onCallback: (address: string) => void,
): Promise<RedirectListener> {
  const where = loopbackTarget(redirectUri);
  if (!('host' in where)) throw where;
  const base = new URL(redirectUri);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // A page on another site that rebinds its name to this computer names its own host: not served.
    const name = hostnameOf(req.headers.host);
    if (!isLoopbackName(name) && name !== base.hostname) return answer(res, 421, 'Not served here.\n');
    const url = new URL(req.url ?? '/', base.origin);
    if (req.method !== 'GET' || url.pathname !== where.path) return answer(res, 404, 'Not found.\n');
    answer(res, 200, PAGE, 'text/html');
    onCallback(`${base.origin}${url.pathname}${url.search}`);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? appError('cli_port_taken', { redirectUri, port: where.port }) : e),
    );
    server.listen(where.port, where.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
