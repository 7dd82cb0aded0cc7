// The catalog is the one source of every error's text: each code is documented, every code the server
// throws is in it, and nothing in server/ builds an AppError by hand.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderTroubleshooting } from '../../scripts/docs/troubleshooting.js';
import { accountErrors } from '../../server/errors/accounts.js';
import { appError, isAppError } from '../../server/errors/app-error.js';
import { catalog, errorDocs } from '../../server/errors/catalog.js';
import { custodyErrors } from '../../server/errors/custody.js';
import { guardErrors } from '../../server/errors/guards.js';
import { inviteErrors } from '../../server/errors/invites.js';
import { pipelineErrors } from '../../server/errors/pipeline.js';
import { providerErrors } from '../../server/errors/provider.js';
import { signInErrors } from '../../server/errors/sign-in.js';
import { snowflakeErrors } from '../../server/errors/snowflake.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const codes = Object.keys(catalog);

const serverSources = readdirSync(path.join(root, 'server'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({
    file: `server/${f.split(path.sep).join('/')}`,
    text: readFileSync(path.join(root, 'server', f), 'utf8'),
  }));

describe('error catalog', () => {
  it('no code is defined in two groups (the catalog merges them, a later one would win silently)', () => {
    const groups = [
      signInErrors,
      providerErrors,
      snowflakeErrors,
      guardErrors,
      custodyErrors,
      pipelineErrors,
      accountErrors,
      inviteErrors,
    ];
    expect(groups.reduce((n, g) => n + Object.keys(g).length, 0)).toBe(codes.length);
  });

  it('codes are stable identifiers (lower case and underscores, as pages and tests read them)', () => {
    for (const code of codes) expect(code).toMatch(/^[a-z][a-z_]*[a-z]$/);
  });

  it('documents every code: a heading, when it happens, and each situation without unfilled params', () => {
    const doc = renderTroubleshooting();
    for (const d of errorDocs()) {
      expect(doc, d.code).toContain(`### \`${d.code}\``);
      expect(d.when.trim().length, d.code).toBeGreaterThan(20);
      expect(d.situations.length, d.code).toBeGreaterThan(0);
      for (const s of d.situations) {
        for (const t of [s.title, s.why, s.fix, s.fixSql ?? ''])
          expect(t, d.code).not.toMatch(/undefined|\[object |NaN/);
        expect(s.title.length, d.code).toBeGreaterThan(0);
        expect(s.fix.length, d.code).toBeGreaterThan(0);
      }
    }
  });

  it('every code thrown in server/ is in the catalog', () => {
    const used = new Set<string>();
    for (const { file, text } of serverSources) {
      for (const m of text.matchAll(/\b(?:appError|AppError|super|errorText)\(\s*'([a-z_]+)'/g)) {
        expect(codes, `${file} uses '${m[1]}'`).toContain(m[1]);
        used.add(m[1]!);
      }
    }
    // The grep found the constructions at all (a renamed factory would make this test vacuous).
    expect(used.size).toBeGreaterThan(20);
  });

  it('no AppError is built by hand outside the factory', () => {
    const byHand = serverSources.filter(({ text }) => /new AppError\b/.test(text)).map(({ file }) => file);
    expect(byHand).toEqual(['server/errors/app-error.ts']);
  });

  it('the factory fills the texts from the catalog and keeps tokens out of why and upstream', () => {
    const token = 'ya29.A0ARrdaM8kQ2xYzVb7JqLp3RtUvWxYz0123456789';
    const e = appError(
      'token_unusable',
      { provider: 'Google Health API', detail: `invalid token ${token}` },
      { upstream: { source: 'Google Health API', code: '401', message: `bad ${token}` } },
    );
    expect(isAppError(e)).toBe(true);
    expect(e.status).toBe(502);
    expect(e.title).toBe('The new access token did not work');
    expect(e.retryConnect).toBe(true);
    expect(e.why).not.toContain(token);
    expect(e.upstream?.message).not.toContain(token);
  });
});
