// A browser, as little as the bench needs: one keep-alive connection pool, a cookie jar, and the redirect
// URI's host in every request (the app checks Host). node:http, so the client adds next to nothing to what
// is timed.
import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  location: string | undefined;
  body: string;
  /** From sending the request to the answer's last byte. */
  ms: number;
}

export class Browser {
  private readonly jar = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    private readonly port: number,
    /** The Host header: the redirect URI's host and port. */
    private readonly host: string,
  ) {}

  get(path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          agent: this.agent,
          headers: { Host: this.host, Accept: 'text/html', ...(cookie ? { Cookie: cookie } : {}) },
        },
        (res) => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const i = pair!.indexOf('=');
            if (i > 0) this.jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
          }
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              location: res.headers.location,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - started,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * Reads a Server-Sent Events stream until an event named `until` (or the stream's end); null when the
   * path does not answer 200 (an app without it).
   */
  events(path: string, until: string): Promise<{ body: string; ms: number } | null> {
    return new Promise((resolve, reject) => {
      const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          agent: this.agent,
          headers: { Host: this.host, Accept: 'text/event-stream', ...(cookie ? { Cookie: cookie } : {}) },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            resolve(null);
            return;
          }
          let body = '';
          const finish = () => resolve({ body, ms: performance.now() - started });
          res.on('data', (d: Buffer) => {
            body += String(d);
            if (body.includes(`event: ${until}\n`) && body.endsWith('\n\n')) {
              finish();
              res.destroy();
            }
          });
          res.on('end', finish);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
