// Structured logs with every token-bearing field redacted by path, and request logging that never
// includes a query string (the callback's carries the authorization code).
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'refresh_token',
  'refreshToken',
  'access_token',
  'accessToken',
  'id_token',
  'token',
  'code',
  'code_verifier',
  'verifier',
  'client_secret',
  'clientSecret',
  'password',
  'passcode',
  'privateKey',
  'privateKeyPass',
  'authorization',
  'cookie',
  'set-cookie',
  'adminToken',
  'state',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
];

export type LogFormat = 'pretty' | 'json';

/**
 * `destination` is for tests; without it the log goes to stdout, as JSON lines or, for a person at a
 * terminal, pretty-printed. Redaction happens in pino before either format sees a line.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  destination ??=
    format === 'pretty'
      ? pretty({
          colorize: process.stdout.isTTY,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,app',
          sync: true,
        })
      : undefined;
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'fitbit-snowflake-connect' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A request path without its query string or fragment: safe to log. */
export function safePath(url: string): string {
  const i = url.search(/[?#]/);
  return i === -1 ? url : url.slice(0, i);
}
