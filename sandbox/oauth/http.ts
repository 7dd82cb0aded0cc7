import type { Request } from 'express';

// Small request helpers shared by both profiles.

export interface BasicCredentials {
  id: string;
  secret: string;
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before base64. */
export function basicAuth(req: Request): BasicCredentials | null | 'malformed' {
  const h = req.get('authorization');
  if (!h) return null;
  const m = /^Basic\s+(\S+)$/i.exec(h);
  if (!m?.[1]) return /^Basic\b/i.test(h) ? 'malformed' : null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

export function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

/** A single string parameter from the parsed form/JSON body; arrays and objects count as absent. */
export function field(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

export function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' ? v : undefined;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** PKCE verifier per RFC 7636 §4.1: 43–128 unreserved characters. */
export function validVerifier(v: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(v);
}
