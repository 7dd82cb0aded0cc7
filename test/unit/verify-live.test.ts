// verify-live's pieces that need no stand-in: the administrator's connection read from connections.toml
// with the app's own code (and none of the app's SNOWFLAKE_* settings), the temporary names and their
// DROP statements, the redactor, and the report's text and exit codes.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config/index.js';
import { parseQualifiedName } from '../../server/snowflake/sql.js';
import { adminConnection } from '../../server/verify/admin-connection.js';
import { Redactor } from '../../server/verify/redactor.js';
import { exitCode, type Report, renderText } from '../../server/verify/report.js';
import { allNames, dropStatements, PREFIX, scratchNames } from '../../server/verify/scratch.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'fsc-verify-unit-'));
  const toml = path.join(home, 'connections.toml');
  writeFileSync(
    toml,
    [
      '[fitbit_app]',
      'account = "myorg-myaccount"',
      'user = "FITBIT_CONNECT_APP"',
      'token = "app-pat-0123456789"',
      '[admin]',
      'account = "myorg-myaccount"',
      'user = "ME"',
      'password = "admin-password-123"',
      'role = "ACCOUNTADMIN"',
      'warehouse = "ADMIN_WH"',
      '[nowarehouse]',
      'account = "myorg-myaccount"',
      'user = "ME"',
      'password = "admin-password-123"',
      '',
    ].join('\n'),
  );
  chmodSync(toml, 0o600);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('adminConnection', () => {
  // The app's own sign-in, as a live .env would give it: none of it may reach the administrator's.
  const appEnv = {
    SNOWFLAKE_HOME: '',
    SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
    SNOWFLAKE_USER: 'FITBIT_CONNECT_APP',
    SNOWFLAKE_PRIVATE_KEY_FILE: '/nowhere/rsa_key.p8',
    SNOWFLAKE_ROLE: 'FITBIT_CONNECT_APP_ROLE',
    SNOWFLAKE_WAREHOUSE: 'FITBIT_WH',
    SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'fitbit_app',
  };

  it("reads only the named connection: the app's SNOWFLAKE_* settings describe the app's user", () => {
    const c = adminConnection('admin', { ...appEnv, SNOWFLAKE_HOME: home });
    expect(c).toMatchObject({
      account: 'myorg-myaccount',
      username: 'ME',
      authenticator: 'SNOWFLAKE',
      password: 'admin-password-123',
      role: 'ACCOUNTADMIN',
      warehouse: 'ADMIN_WH',
    });
    expect(c.privateKeyPath).toBeUndefined();
    expect(c.source).toMatch(/connections\.toml \[admin\] \(administrator\)$/);
  });

  it("keeps the Snowflake CLI's per-connection overrides and the access URL", () => {
    const c = adminConnection('admin', {
      SNOWFLAKE_HOME: home,
      SNOWFLAKE_CONNECTIONS_ADMIN_ROLE: 'SYSADMIN',
      SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:8791',
    });
    expect(c).toMatchObject({ role: 'SYSADMIN', accessUrl: 'http://127.0.0.1:8791' });
  });

  it('refuses a connection without a warehouse, or one that is not there, naming the flag', () => {
    const problems = (name: string) => {
      try {
        adminConnection(name, { SNOWFLAKE_HOME: home });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems.join('\n');
      }
      throw new Error('expected a ConfigError');
    };
    expect(problems('nowarehouse')).toMatch(
      /^--admin-connection nowarehouse: The \[nowarehouse\] connection names no warehouse: add warehouse = "…" to it \(or set SNOWFLAKE_CONNECTIONS_NOWAREHOUSE_WAREHOUSE\)/,
    );
    expect(problems('missing')).toMatch(/--admin-connection missing: .* has no \[missing\] connection/);
  });
});

describe('temporary names', () => {
  const inNewSchema = scratchNames({ database: 'FITBIT' }, 'AB12CD34');
  const inScratch = scratchNames({ schema: parseQualifiedName('SCRATCH.VERIFY', 2) }, 'AB12CD34');

  it('all carry the run id, and each has its DROP (newest first, the schema last)', () => {
    for (const n of [inNewSchema, inScratch]) {
      for (const name of allNames(n)) expect(name.split('.').pop()).toMatch(new RegExp(`^${PREFIX}AB12CD34`));
      const drops = dropStatements(n);
      expect(drops).toHaveLength(allNames(n).length);
      for (const name of allNames(n)) expect(drops.some((d) => d.includes(` ${name}`))).toBe(true);
      expect(drops[0]).toBe(`DROP FUNCTION IF EXISTS ${n.probe}(VARCHAR)`);
    }
    expect(dropStatements(inNewSchema).at(-1)).toBe(
      'DROP SCHEMA IF EXISTS FITBIT.FITBIT_CONNECT_VERIFY_AB12CD34',
    );
    expect(dropStatements(inScratch).some((d) => d.startsWith('DROP SCHEMA'))).toBe(false);
    expect(inScratch.secrets.cache).toBe('SCRATCH.VERIFY.FITBIT_CONNECT_VERIFY_AB12CD34_CACHE');
  });
});

describe('Redactor', () => {
  it('replaces every value it was given, longest first, and leaves short words alone', () => {
    const r = new Redactor();
    r.add('1//0abcdefghij');
    r.add('1//0abcdefghij-longer');
    r.add('sandbox');
    expect(r.scrub('a 1//0abcdefghij-longer b 1//0abcdefghij c sandbox')).toBe('a *** b *** c sandbox');
    expect(r.upstream("ALTER SECRET S SET OAUTH_REFRESH_TOKEN = 'x' ya29.A0ARrdaM9xYz12AbCdEfGhIjKlMn")).toBe(
      "ALTER SECRET S SET OAUTH_REFRESH_TOKEN = '***' [redacted]",
    );
  });
});

describe('the report', () => {
  const base: Report = {
    tool: 'fitbit-snowflake-connect verify-live',
    mode: 'live',
    versions: {
      date: '2026-12-01T00:00:00.000Z',
      app: '0.1.0',
      node: 'v20.20.2',
      driver: '3.3.0',
      snowflake: '9.40.1',
    },
    findings: [
      { id: 'a', question: 'Q a?', answer: 'yes', summary: 'Yes.', evidence: ['one'] },
      { id: 'b', question: 'Q b?', answer: 'not tested', summary: 'Skipped.', evidence: [] },
    ],
    objects: { created: ['x'], dropped: ['x'], leftBehind: [] },
    tokens: [],
  };

  it('exits 0 when every question was answered, 1 with an unknown, 2 on a setup error, 130 when interrupted', () => {
    expect(exitCode(base)).toBe(0);
    const unknown = {
      ...base,
      findings: [...base.findings, { ...base.findings[0]!, answer: 'unknown' as const }],
    };
    expect(exitCode(unknown)).toBe(1);
    expect(exitCode({ ...unknown, setupError: { what: 'w', why: 'y', fix: 'f' } })).toBe(2);
    expect(exitCode({ ...unknown, interrupted: true })).toBe(130);
  });

  it('prints the versions, each answer with its evidence, leftovers with their DROP, and how to attach it', () => {
    const text = renderText({
      ...base,
      objects: {
        created: ['x', 'y'],
        dropped: ['x'],
        leftBehind: [
          { object: 'y', dropSql: 'DROP SECRET IF EXISTS Y;', error: '003001 Insufficient privileges' },
        ],
      },
    });
    expect(text).toMatch(/Node\.js v20\.20\.2 · snowflake-sdk 3\.3\.0 · Snowflake 9\.40\.1/);
    expect(text).toMatch(/1\. Q a\?\n {3}YES: Yes\.\n {3}- one\n/);
    expect(text).toMatch(/2\. Q b\?\n {3}NOT TESTED: Skipped\./);
    expect(text).toMatch(
      /2 created, 1 dropped, 1 LEFT BEHIND[^\n]*\n {2}DROP SECRET IF EXISTS Y; {3}-- 003001/,
    );
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^Attach this report to an issue: /);
  });
});
