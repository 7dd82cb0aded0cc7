// The loopback-name redirect (server/security/host.ts) builds its Location from the request target: only
// a path may be carried to the app's own origin, never a target that would name another host.
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { canonicalLoopbackHost } from '../../server/security/host.js';

function run(target: string, host = '127.0.0.1:8787'): string | undefined {
  let location: string | undefined;
  const req = {
    method: 'GET',
    headers: { host },
    originalUrl: target,
    path: target.split('?')[0],
    accepts: () => 'html',
  } as unknown as Request;
  const res = {
    redirect: (_status: number, to: string) => {
      location = to;
    },
  } as unknown as Response;
  canonicalLoopbackHost('http://localhost:8787')(req, res, (() => {}) as NextFunction);
  return location;
}

describe('the loopback-name redirect', () => {
  it('carries a path and its query to the app’s own name', () => {
    expect(run('/status?account=default')).toBe('http://localhost:8787/status?account=default');
  });

  it('answers in place any target that is not a plain path (it could name another host)', () => {
    for (const target of [
      'http://evil.example/',
      '*@evil.example',
      '//evil.example/',
      '/\\evil.example',
      '*',
    ])
      expect(run(target), target).toBeUndefined();
  });

  it('leaves the app’s own name, and other ports, alone', () => {
    expect(run('/', 'localhost:8787')).toBeUndefined();
    expect(run('/', '127.0.0.1:9999')).toBeUndefined();
  });
});
