// The stand-ins run by default (`npm start` with no settings), so any page the user opens meanwhile can
// reach their ports. Both apply the app's own defences (server/security/host.ts, fetch-metadata.ts):
// - Host: a DNS-rebinding page reaches 127.0.0.1 but still names its own host. Control endpoints answer
//   only a loopback name with the stand-in's own port; the provider endpoints also the provider hosts
//   the OAuth stand-in plays (Snowflake's egress sends `Host: api.fitbit.com` to it).
// - Fetch Metadata: a browser marks a request from another site (or another port of this host) as
//   cross-site or same-site; the control API is for tests and local tools, never for a web page.
// - JSON only: a form or a no-cors fetch() can POST text/plain or a form, but `Content-Type:
//   application/json` needs a CORS preflight the stand-ins never grant, even in browsers without Fetch
//   Metadata.
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface StandInAddress {
  /** The port the stand-in listens on (known once it listens). */
  port(): number;
  /** The host it was bound to, answered like the loopback names unless it is a wildcard. */
  boundHost?: string | undefined;
  /** Provider hosts it plays on its provider endpoints, named with no port or 443/80. */
  playedHosts?: readonly string[];
}

export interface HostHeader {
  /** Lower case; an IPv6 address in brackets. */
  name: string;
  port: number | undefined;
}

/**
 * RFC 9110's `Host = uri-host [ ":" port ]`, parsed rather than pattern-matched: userinfo
 * (`localhost:9101@evil.example`), text after a bracketed address (`[::1]evil.example`), a path or an
 * empty or out-of-range port make the whole header invalid (undefined).
 */
export function parseHostHeader(value: string | undefined): HostHeader | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(value ?? '');
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return { name: m[1]!.toLowerCase(), port };
}

function ownNames(addr: StandInAddress): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const bound = addr.boundHost?.toLowerCase();
  if (bound && bound !== '0.0.0.0' && bound !== '::' && bound !== '[::]') {
    names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  }
  return names;
}

/** A loopback name (or the bound host) with the stand-in's own port; no port means 80. */
function isOwnHost(h: HostHeader, addr: StandInAddress): boolean {
  return ownNames(addr).has(h.name) && (h.port ?? 80) === addr.port();
}

function isPlayedHost(h: HostHeader, addr: StandInAddress): boolean {
  return (
    (addr.playedHosts ?? []).includes(h.name) && (h.port === undefined || h.port === 443 || h.port === 80)
  );
}

export interface Refusal {
  status: 403 | 415 | 421;
  error: 'host_not_allowed' | 'cross_site' | 'json_only';
  message: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function hostRefusal(req: IncomingMessage, addr: StandInAddress, what: string): Refusal {
  const shown = JSON.stringify((header(req, 'host') ?? '').slice(0, 100));
  return {
    status: 421,
    error: 'host_not_allowed',
    message: `Host ${shown} is not this stand-in: ${what} answer only at localhost, 127.0.0.1 or [::1] on port ${addr.port()}. A web page that rebinds its own name to this address still names its own host, so it is refused.`,
  };
}

/** Why a provider (non-control) request is refused, or undefined: only its Host is checked. */
export function providerRefusal(req: IncomingMessage, addr: StandInAddress): Refusal | undefined {
  const h = parseHostHeader(header(req, 'host'));
  if (h && (isOwnHost(h, addr) || isPlayedHost(h, addr))) return undefined;
  const played = addr.playedHosts?.length
    ? ` (and the provider hosts it plays: ${addr.playedHosts.join(', ')})`
    : '';
  return hostRefusal(req, addr, `its endpoints${played}`);
}

/** True for a request a web page on another site (or another port of this host) made the browser send. */
function fromAnotherSite(req: IncomingMessage): boolean {
  const site = header(req, 'sec-fetch-site')?.toLowerCase();
  if (site === undefined || site === 'same-origin' || site === 'none') return false;
  // A link followed to read the index or a log in a tab is harmless (GETs change nothing, and the page
  // that linked cannot read the answer); anything else from another site is refused.
  const mode = header(req, 'sec-fetch-mode')?.toLowerCase();
  const dest = header(req, 'sec-fetch-dest')?.toLowerCase();
  const read = req.method === 'GET' || req.method === 'HEAD';
  return !(read && mode === 'navigate' && (dest === undefined || dest === 'document'));
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function isJson(req: IncomingMessage): boolean {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Why a request to a control endpoint (/sandbox/…) is refused, or undefined: a Host that is not a loopback
 * name with the stand-in's own port (421), a request from another site (403), a POST (or any body) that is
 * not `Content-Type: application/json` (415).
 */
export function controlRefusal(req: IncomingMessage, addr: StandInAddress): Refusal | undefined {
  const h = parseHostHeader(header(req, 'host'));
  if (!h || !isOwnHost(h, addr)) return hostRefusal(req, addr, 'its control endpoints (/sandbox/…)');
  if (fromAnotherSite(req)) {
    return {
      status: 403,
      error: 'cross_site',
      message: `A request from another site (Sec-Fetch-Site: ${header(req, 'sec-fetch-site')}) was refused: the control endpoints are for tests and local tools, never for a web page.`,
    };
  }
  const write = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  if ((write || hasBody(req)) && !isJson(req)) {
    return {
      status: 415,
      error: 'json_only',
      message: `The control endpoints take JSON only: send Content-Type: application/json (e.g. curl -H 'content-type: application/json' -d '{}'), not ${JSON.stringify((header(req, 'content-type') ?? 'no Content-Type').slice(0, 100))}. A form post is refused so that no web page can drive the stand-in.`,
    };
  }
  return undefined;
}
