import type { Response } from 'express';

// Google's error envelope for the Health API: {"error":{"code","message","status","details"}}.

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleApiErrorBody(code: number, message: string, status?: string, details?: unknown[]) {
  return {
    error: {
      code,
      message,
      status: status ?? STATUS_NAMES[code] ?? 'UNKNOWN',
      ...(details ? { details } : {}),
    },
  };
}

export function apiError(res: Response, code: number, message: string, status?: string, details?: unknown[]) {
  res.status(code).json(googleApiErrorBody(code, message, status, details));
}

export function errorInfo(reason: string, domain: string, metadata: Record<string, string>) {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, metadata };
}

/** A problem with one field of the request: 400 INVALID_ARGUMENT with a BadRequest field violation. */
export interface Problem {
  field: string;
  message: string;
  /** An ErrorInfo reason to add (e.g. INVALID_DATA_POINT_FILTER, which Google's filter guide names). */
  reason?: string;
}

export function badRequest(res: Response, p: Problem) {
  apiError(res, 400, p.message, 'INVALID_ARGUMENT', [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: p.field, description: p.message }],
    },
    ...(p.reason ? [errorInfo(p.reason, 'health.googleapis.com', { service: 'health.googleapis.com' })] : []),
  ]);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A page token: the offset into the answer, bound to the query it came from. */
export function encodePageToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url');
}

export function decodePageToken(t: string): { o: number; f: string } | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(t, 'base64url').toString('utf8'));
    if (
      isObject(v) &&
      typeof v.o === 'number' &&
      Number.isInteger(v.o) &&
      v.o >= 0 &&
      typeof v.f === 'string'
    ) {
      return { o: v.o, f: v.f };
    }
  } catch {
    // fall through: malformed
  }
  return undefined;
}
