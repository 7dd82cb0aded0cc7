// Requests Node rejects before Express sees them (headers over Node's limit, unparsable HTTP): answer
// with a short plain page and a log line instead of Node's bare status and silence.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from './log.js';

export function answerClientErrors(server: Server, log: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    log.warn({ errorCode: err.code ?? 'client_error' }, 'request refused before routing');
    if (!socket.writable) return;
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const text = tooLarge
      ? 'The request headers are too large for this app (usually a cookie or a link gone wrong). Clear this site’s cookies, then open http://localhost:8787/ again.\n'
      : 'The request could not be read. Go back to the app’s page and try again.\n';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  });
}
