// Structured logs with every token-bearing field redacted by path (the paths live in security/redaction.ts),
// and request logging that never includes a query string (the callback's carries the authorization code).
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import { REDACT_PATHS } from './security/redaction.js';

/** pino-pretty, loaded only for the pretty format: a JSON log (the default off a terminal) never pays for it. */
const pretty = (options: PinoPretty.PrettyOptions) =>
  (createRequire(import.meta.url)('pino-pretty') as { default: typeof PinoPretty }).default(options);

export type { Logger } from 'pino';

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

/**
 * A request path without its query string or fragment, and without an invite link's token (the path is
 * the credential there: a log reader must not be able to open the invite): safe to log.
 */
export function safePath(url: string): string {
  const i = url.search(/[?#]/);
  const p = i === -1 ? url : url.slice(0, i);
  // Routing ignores case (/Invite/<token> reaches the same page): so does the redaction.
  return p.replace(/^\/invite\/[^/]+/i, '/invite/[redacted]');
}
