// What the stand-ins spend on each request, seen at their own HTTP servers. The stand-ins run in the
// bench's process and the app in its own, so every request a server in this process answers is upstream
// of the app (or nested inside it: a Python function's call to the OAuth stand-in). Timed with
// node:diagnostics_channel from the request's arrival to its answer's last byte; control calls
// (/sandbox/…) are the bench's own and left out.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamRequest {
  /** Which stand-in: its port. */
  port: number;
  method: string;
  path: string;
  start: number;
  end: number;
}

interface ServerMessage {
  request: IncomingMessage;
  server: Server;
}

export class UpstreamProbe {
  private readonly open = new WeakMap<IncomingMessage, number>();
  private done: UpstreamRequest[] = [];

  constructor() {
    subscribe('http.server.request.start', (m) => {
      this.open.set((m as ServerMessage).request, performance.now());
    });
    subscribe('http.server.response.finish', (m) => {
      const { request, server } = m as ServerMessage;
      const start = this.open.get(request);
      if (start === undefined) return;
      const path = (request.url ?? '/').split('?')[0]!;
      if (path.startsWith('/sandbox/')) return;
      this.done.push({
        port: (server.address() as AddressInfo | null)?.port ?? 0,
        method: request.method ?? 'GET',
        path,
        start,
        end: performance.now(),
      });
      // A long run (10,000 requests) must not keep every record.
      if (this.done.length > 5000) this.done.splice(0, 2500);
    });
  }

  /** Requests that began and ended within [from, to] (performance.now() times). */
  within(from: number, to: number): UpstreamRequest[] {
    return this.done.filter((r) => r.start >= from && r.end <= to);
  }
}

/** The time covered by at least one of the requests: concurrent and nested ones count once. */
export function coveredMs(requests: UpstreamRequest[]): number {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const r of sorted) {
    if (r.start > to) {
      if (to > from) total += to - from;
      from = r.start;
      to = r.end;
    } else to = Math.max(to, r.end);
  }
  if (to > from) total += to - from;
  return total;
}

/** The app's own round trips: requests not inside another one (a function's calls are inside its statement). */
export function roundTrips(requests: UpstreamRequest[]): UpstreamRequest[] {
  return requests.filter(
    (r) => !requests.some((o) => o !== r && o.start <= r.start && o.end >= r.end && o.port !== r.port),
  );
}
