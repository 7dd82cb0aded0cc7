// Token hygiene: every journey runs with debug logging, then all log output, every file in the data
// directory and the audit log (events.jsonl) are scanned for any token or secret value the stand-ins
// issued, the OAuth client secret, the Snowflake admin password and the app's private key.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../server/providers/index.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const heldId = (html: string) => /\/held\/([A-Za-z0-9_-]+)\/save/.exec(html)?.[1];
const cancelId = (html: string) => /\/held\/([A-Za-z0-9_-]+)\/cancel/.exec(html)?.[1];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every journey a user can take, successes and failures alike. */
async function everyJourney(h: Harness): Promise<string[]> {
  const a = h.agent;
  const pages: string[] = [];
  const keep = (t: string) => pages.push(t);
  keep((await a.get('/')).text);
  keep((await h.connectAndFollow()).text); // connect
  keep((await h.connect({ decision: 'deny' })).text); // deny
  keep((await a.get('/callback?code=stolen-code-value&state=nope')).text); // unknown state
  keep((await a.get('/callback?code=stolen-code-value')).text); // no state
  keep((await a.get('/callback?state=a&state=b')).text); // repeated
  const scopes = h.config.oauth.scopes.slice(0, 1);
  keep((await h.connect({ scopes })).text); // a scope unticked: token revoked
  await h.oauthControl('/sandbox/faults', { path: '/token', status: 500, count: 1 });
  keep((await h.connect()).text); // token endpoint failure
  const identityPath = h.config.provider === 'fitbit' ? '/1/user/-/profile.json' : '/v4/users/me/identity';
  await h.oauthControl('/sandbox/faults', { path: identityPath, status: 401, count: 1 });
  keep((await h.connect()).text); // identity failure (token disposed of)
  // Snowflake refuses the write: the token is held, then saved on "Retry saving".
  await h.snowflakeControl('/sandbox/faults', {
    statements: { count: 1, code: '003001', match: 'ALTER SECRET' },
  });
  const held = await h.connectAndFollow();
  keep(held.text);
  const id = heldId(held.text);
  expect(id, 'a held token offers Retry saving').toBeDefined();
  let csrf = await h.csrf();
  const saved = await a.post(`/held/${id}/save`).type('form').send({ _csrf: csrf });
  keep((await a.get(saved.headers.location as string)).text);
  // Another account: asked before writing, then cancelled (the new token is disposed of).
  const other = await h.connectAndFollow({ user: h.config.provider === 'fitbit' ? 'carol' : 'bob' });
  keep(other.text);
  const cid = cancelId(other.text);
  expect(cid, 'a different account is asked about').toBeDefined();
  csrf = await h.csrf();
  keep((await a.post(`/held/${cid}/cancel`).type('form').send({ _csrf: csrf })).text);
  // Re-authorize, status, the JSON status, an end-to-end check.
  const re = await h.connect({ via: 'reauthorize' });
  keep((await a.get(re.headers.location as string)).text);
  keep((await a.get('/status')).text);
  keep((await a.get('/status.json')).text);
  csrf = await h.csrf();
  await a.post('/check').type('form').send({ _csrf: csrf });
  keep((await a.get('/status')).text);
  return pages;
}

for (const provider of ['google-health', 'fitbit'] as ProviderId[]) {
  describe(`token hygiene across every journey (${provider})`, () => {
    let h: Harness;
    let pages: string[];
    let secrets: string[];
    beforeAll(async () => {
      h = await startHarness({ provider, logLevel: 'debug' });
      pages = await everyJourney(h);
      const key = h.config.snowflake.connection.privateKey ?? '';
      // The key's base64 lines, each long enough to be unmistakable.
      const keyLines = key.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
      expect(keyLines.length).toBeGreaterThan(10);
      secrets = [
        ...h.sandbox.sandbox.oauth.issuedSecrets(),
        h.config.oauth.clientSecret ?? '',
        ...keyLines,
      ].filter((s) => s.length >= 8);
    }, 120_000);
    afterAll(async () => h?.close());

    it('issued many tokens along the way (the scan has something to find)', () => {
      expect(secrets.length).toBeGreaterThan(15);
      expect(h.logs.join('').length).toBeGreaterThan(5000);
    });

    it('logs no token, code, client secret or private key, and never the callback URL with its code', () => {
      const all = h.logs.join('\n');
      for (const s of secrets) expect(all.includes(s), `a secret (${s.slice(0, 4)}…) was logged`).toBe(false);
      expect(all).not.toMatch(/[?&]code=/);
      expect(all).not.toMatch(/\/callback\?/);
      expect(all).not.toContain('stolen-code-value');
      expect(all).not.toContain('PRIVATE KEY');
      // The Snowflake admin password ("sandbox") is a common word here: check it never sits in a field.
      expect(all).not.toMatch(
        /"(password|passcode|privateKey|token|refresh_token|access_token|clientSecret|client_secret)":"(?!\[redacted\])/,
      );
    });

    it('writes no secret to any file in the data directory, including the audit log', () => {
      const files = filesUnder(h.dataDir);
      expect(files.some((f) => f.endsWith('events.jsonl'))).toBe(true);
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        for (const s of secrets) expect(text.includes(s), `${path.basename(f)} holds a secret`).toBe(false);
        expect(text, path.basename(f)).not.toContain('PRIVATE KEY');
      }
      const events = readFileSync(path.join(h.dataDir, 'events.jsonl'), 'utf8');
      expect(events.split('\n').filter(Boolean).length).toBeGreaterThan(5);
    });

    it('shows no secret on any page', () => {
      const all = pages.join('\n');
      for (const s of secrets)
        expect(all.includes(s), `a page showed a secret (${s.slice(0, 4)}…)`).toBe(false);
    });
  });
}
