import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getProfile } from '../../server/providers/index.js';
import { scopeListLiteral } from '../../server/setup/inputs.js';
import {
  parseTemplate,
  readScript,
  renderScript,
  renderTemplate,
  type ScriptName,
  scriptNames,
  scriptVariables,
  splitStatements,
  TemplateError,
} from '../../server/setup/templates.js';

const SETUPS: ScriptName[] = ['setup-google-health', 'setup-fitbit'];
// The setup scripts give the OAuth client no default (teardown and the daily load take none).
const CLIENT = { client_id: 'cid-123', client_secret: 'csecret-456' };
const takesClient = (name: ScriptName) => SETUPS.includes(name);

/** A script rendered with the values it cannot do without, plus `values`. */
function render(name: ScriptName, values: Record<string, string> = {}): string {
  return renderScript(name, takesClient(name) ? { ...CLIENT, ...values } : values);
}

function pythonHas(module: string): boolean {
  const r = spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** The $$ … $$ bodies of a rendered script, in order. */
function pythonBodies(sql: string): string[] {
  return [...sql.matchAll(/AS \$\$\n([\s\S]*?)\$\$;/g)].map((m) => m[1]!);
}

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('scripts and their variables', () => {
  it('lists the four scripts and reads each', () => {
    expect(scriptNames()).toEqual([
      'setup-google-health',
      'setup-fitbit',
      'teardown',
      'pipeline-google-health',
    ]);
    for (const name of scriptNames()) expect(readScript(name)).toMatch(/^-- fitbit-snowflake-connect/);
    expect(() => readScript('nope' as ScriptName)).toThrow(/Unknown script "nope"/);
  });

  it('gives every variable the agreed default', () => {
    const expected: Record<string, string> = {
      database: 'FITBIT',
      schema: 'PUBLIC',
      warehouse: 'FITBIT_WH',
      owner_role: 'SYSADMIN',
      network_rule: 'FITBIT_API_RULE',
      security_integration: 'FITBIT_OAUTH_INTEGRATION',
      secret_name: 'FITBIT_OAUTH_TOKEN',
      external_access_integration: 'FITBIT_EAI',
      app_role: 'FITBIT_CONNECT_APP_ROLE',
      reader_role: 'FITBIT_READER',
      app_user: 'FITBIT_CONNECT_APP',
      check_function: 'FITBIT_CONNECTION_CHECK',
    };
    for (const name of scriptNames()) {
      const vars = new Map(scriptVariables(name).map((v) => [v.name, v]));
      for (const [k, v] of Object.entries(expected)) {
        // The daily load names only the setup objects it uses, with the same defaults.
        if (name.startsWith('pipeline-') && !vars.has(k)) continue;
        expect(vars.get(k)?.default, `${name}: ${k}`).toBe(v);
      }
      for (const v of vars.values()) {
        if (takesClient(name) && (v.name === 'client_id' || v.name === 'client_secret')) {
          // No made-up client: without a value snow sql (and renderScript) refuse to run.
          expect(v.default, `${name}: ${v.name}`).toBeUndefined();
        } else if (v.name === 'other_secrets') {
          // The other accounts' secrets: none unless the app renders them (server/setup/account-sql.ts).
          expect(v.default, `${name}: ${v.name}`).toBe('');
        } else expect(v.default, `${name}: ${v.name}`).toMatch(/./);
      }
    }
    const google = new Map(scriptVariables('setup-google-health').map((v) => [v.name, v]));
    expect(google.get('token_endpoint')?.default).toBe('https://oauth2.googleapis.com/token');
    expect(google.get('authorization_endpoint')?.default).toBe(
      'https://accounts.google.com/o/oauth2/v2/auth',
    );
    expect(google.get('api_host')?.default).toBe('health.googleapis.com');
    expect(google.get('steps_function')?.default).toBe('FITBIT_DAILY_STEPS');
    expect(google.get('data_function')?.default).toBe('FITBIT_DAILY_DATA');
    expect(google.get('allowed_scopes')?.default).toBe(
      "'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'",
    );
    expect(google.get('allowed_scopes')?.contexts).toEqual(['list']);
    const fitbit = new Map(scriptVariables('setup-fitbit').map((v) => [v.name, v]));
    expect(fitbit.get('token_endpoint')?.default).toBe('https://api.fitbit.com/oauth2/token');
    expect(fitbit.get('authorization_endpoint')?.default).toBe('https://www.fitbit.com/oauth2/authorize');
    expect(fitbit.get('api_host')?.default).toBe('api.fitbit.com');
    expect(fitbit.get('steps_month_function')?.default).toBe('FITBIT_STEPS_MONTH');
    expect(fitbit.has('allowed_scopes')).toBe(false);
  });

  it('marks the client secret as secret and knows where each variable goes', () => {
    const vars = new Map(scriptVariables('setup-google-health').map((v) => [v.name, v]));
    expect(vars.get('client_secret')).toMatchObject({ secret: true, contexts: ['literal'] });
    expect(vars.get('secret_name')).toMatchObject({ secret: false });
    expect(vars.get('secret_name')?.contexts.sort()).toEqual(['body', 'identifier']);
    expect(vars.get('api_host')?.contexts.sort()).toEqual(['body', 'literal']);
    expect(vars.get('app_public_key')?.contexts).toEqual(['literal']);
    expect(vars.get('warehouse')?.contexts).toEqual(['identifier']);
  });

  it.skipIf(!pythonHas('jinja2'))(
    'renders exactly as the Snowflake CLI would (Jinja2, <% %>, strict undefined)',
    () => {
      // The environment snowflake-cli builds in api/rendering/sql_templates.py: no logic blocks, strict undefined.
      // Every render runs in one python3 (starting it and importing jinja2 is the slow part); each
      // answers as its own run would: the output, or the traceback and a failing status.
      const program = `
import json, sys, traceback
from jinja2 import Environment, StrictUndefined, loaders
block = "___very___unique___block___to___disable___logic___blocks___"
env = Environment(variable_start_string="<%", variable_end_string="%>", loader=loaders.BaseLoader(),
                  block_start_string=block, block_end_string=block, keep_trailing_newline=True,
                  undefined=StrictUndefined)
out = []
for job in json.load(sys.stdin):
    try:
        out.append({"stdout": env.from_string(job["text"]).render(job["values"]), "stderr": "", "status": 0})
    except Exception:
        out.append({"stdout": "", "stderr": traceback.format_exc(), "status": 1})
sys.stdout.write(json.dumps(out))
`;
      const values: Record<string, Record<string, string>> = {
        'setup-google-health': {
          database: 'ANALYTICS',
          ...CLIENT,
          client_secret: 'GOCSPX-abc',
          api_host: 'localhost',
        },
        'setup-fitbit': { schema: 'RAW', ...CLIENT, client_id: '23ABCD' },
        teardown: { warehouse: '"My WH"', database: 'ANALYTICS' },
        'pipeline-google-health': { database: 'ANALYTICS', data_kinds: 'steps,sleep', history_days: '730' },
      };
      const renders: { name: ScriptName; v: Record<string, string>; missing?: string }[] = [];
      for (const name of scriptNames())
        for (const v of [takesClient(name) ? CLIENT : {}, values[name]!]) renders.push({ name, v });
      for (const name of SETUPS)
        for (const [v, missing] of [
          [{}, 'client_id'],
          [{ client_id: 'x' }, 'client_secret'],
        ] as const)
          renders.push({ name, v, missing });
      const run = spawnSync('python3', ['-c', program], {
        input: JSON.stringify(renders.map(({ name, v }) => ({ text: readScript(name), values: v }))),
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      const results = JSON.parse(run.stdout) as { stdout: string; stderr: string; status: number }[];
      expect(results).toHaveLength(renders.length);
      renders.forEach(({ name, v, missing }, i) => {
        const r = results[i]!;
        if (missing === undefined) {
          expect(r.stderr).toBe('');
          expect(renderScript(name, v)).toBe(r.stdout);
          return;
        }
        // A variable with no default and no value is an error naming it, in both.
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/UndefinedError/);
        expect(r.stderr).toContain(`'${missing}' is undefined`);
        expect(errorOf(() => renderScript(name, v))).toMatchObject({ variable: missing });
      });
    },
  );

  it('leaves no template marker behind and keeps Jinja comment and legacy markers out', () => {
    for (const name of scriptNames()) {
      const raw = readScript(name);
      expect(raw).not.toContain('{#');
      expect(raw).not.toContain('&{');
      const out = render(name);
      expect(out).not.toMatch(/<%|%>/);
    }
  });
});

describe('renderScript', () => {
  it('fills in every occurrence, and defaults the rest', () => {
    const out = render('setup-fitbit', { database: 'ANALYTICS', client_id: '23XYZ9' });
    const code = out
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n');
    expect(code).not.toMatch(/\bFITBIT\.PUBLIC\b/);
    expect(out).toContain('CREATE DATABASE IF NOT EXISTS ANALYTICS;');
    expect(out).toContain("SECRET = 'ANALYTICS.PUBLIC.FITBIT_OAUTH_TOKEN'");
    expect(out).toContain("OAUTH_CLIENT_ID = '23XYZ9'");
    expect(out).toContain("OAUTH_CLIENT_SECRET = 'csecret-456'");
  });

  it('refuses unknown names, naming them and the ones it takes', () => {
    const err = errorOf(() => renderScript('teardown', { client_secret: 'x', databse: 'X' }));
    expect(err.message).toMatch(/Unknown variables "client_secret", "databse" for teardown/);
    expect(err.message).toMatch(/it takes: .*database/);
  });

  it('accepts quoted identifiers where a name goes', () => {
    const out = renderScript('teardown', { database: '"My ""Fit"" DB"' });
    expect(out).toContain('DROP DATABASE IF EXISTS "My ""Fit"" DB";');
  });

  const refusals: [ScriptName, string, string, RegExp][] = [
    ['setup-google-health', 'client_secret', "abc'; DROP USER X; --", /client_secret.*quote/],
    ['setup-google-health', 'client_id', 'abc\\', /client_id.*backslash/],
    ['setup-google-health', 'warehouse', 'WH; DROP DATABASE FITBIT', /warehouse.*not a Snowflake identifier/],
    [
      'setup-google-health',
      'warehouse',
      '"WH"; DROP DATABASE FITBIT; --"',
      /warehouse.*not a Snowflake identifier/,
    ],
    ['setup-google-health', 'app_role', '1ROLE', /app_role.*not a Snowflake identifier/],
    ['setup-google-health', 'database', '"o\'neil"', /database.*Python string/],
    ['setup-google-health', 'secret_name', 'A$$B', /secret_name.*\$\$/],
    ['setup-google-health', 'api_host', 'x\nimport os', /api_host.*line break/],
    ['setup-google-health', 'allowed_scopes', 'https://a', /allowed_scopes.*comma-separated list/],
    ['setup-google-health', 'allowed_scopes', "'a'), ENABLED = FALSE, X = ('b'", /allowed_scopes/],
    ['setup-google-health', 'client_secret', 'abc<% database %>', /client_secret.*template marker/],
    ['teardown', 'database', 'FITBIT.PUBLIC', /database.*not a Snowflake identifier/],
  ];
  it.each(refusals)('%s refuses %s = %j', (script, name, value, why) => {
    const err = errorOf(() => renderScript(script, { [name]: value }));
    expect(err.message).toMatch(why);
    expect(err.variable).toBe(name);
    expect(err.message).not.toContain(value);
  });

  it('accepts a list of scopes and a public key body', () => {
    const out = render('setup-google-health', {
      allowed_scopes: "'https://www.googleapis.com/auth/googlehealth.sleep.readonly','https://x/y'",
      app_public_key: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA+/=',
    });
    expect(out).toContain(
      "OAUTH_ALLOWED_SCOPES = ('https://www.googleapis.com/auth/googlehealth.sleep.readonly','https://x/y')",
    );
    expect(out).toContain("RSA_PUBLIC_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA+/='");
  });

  it('never lets a literal value change the shape of the script (property)', () => {
    const baseline = splitStatements(render('setup-google-health')).length;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        let out: string;
        try {
          out = render('setup-google-health', { client_secret: value });
        } catch (err) {
          if (err instanceof TemplateError) return true;
          throw err;
        }
        const statements = splitStatements(out);
        expect(statements).toHaveLength(baseline);
        expect(statements.find((s) => s.includes('OAUTH_CLIENT_SECRET'))).toContain(
          `OAUTH_CLIENT_SECRET = '${value}'`,
        );
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('never lets an identifier value change the shape of the script (property)', () => {
    const baseline = splitStatements(renderScript('teardown', {}));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), (value) => {
        let out: string;
        try {
          out = renderScript('teardown', { database: value });
        } catch (err) {
          if (err instanceof TemplateError) return true;
          throw err;
        }
        // Without the comments before each (the per-account markers).
        const statements = splitStatements(out).map((s) => s.replace(/^(?:--[^\n]*\n)+/, ''));
        expect(statements).toHaveLength(baseline.length);
        expect(statements).toContain(`DROP SECRET IF EXISTS ${value}.PUBLIC.FITBIT_OAUTH_TOKEN`);
        // It is also in the commented-out opt-in drop, where it must stay one comment line.
        expect(out).toContain(`\n-- DROP DATABASE IF EXISTS ${value};\n`);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('template parsing', () => {
  it('takes a variable without a default, and refuses to render without its value, naming it', () => {
    const text = 'USE ROLE <% role %>; USE ROLE <% role %>; USE WAREHOUSE <% wh | default("W") %>;';
    expect(parseTemplate(text).variables.map((v) => [v.name, v.default])).toEqual([
      ['role', undefined],
      ['wh', 'W'],
    ]);
    expect(renderTemplate(text, { role: 'R' })).toBe('USE ROLE R; USE ROLE R; USE WAREHOUSE W;');
    const err = errorOf(() => renderTemplate(text, { wh: 'X' }, 'my-script'));
    expect(err.variable).toBe('role');
    expect(err.message).toBe(
      'my-script needs a value for "role": it has no default (with snow sql: -D "role=…").',
    );
    expect(() => parseTemplate('USE ROLE <% r %>;\nUSE ROLE <% r | default("A") %>;')).toThrow(
      /"r" has two different defaults, or a default in one place only \(line 2\)/,
    );
  });
  it('refuses two different defaults for one name', () => {
    expect(() => parseTemplate('USE ROLE <% r | default("A") %>;\nUSE ROLE <% r | default("B") %>;')).toThrow(
      /two different defaults/,
    );
  });
  it('refuses a variable inside a block comment or a quoted identifier', () => {
    expect(() => parseTemplate('/* <% r | default("A") %> */ SELECT 1;')).toThrow(/block_comment/);
    expect(() => parseTemplate('SELECT "<% r | default("A") %>";')).toThrow(/qident/);
  });
  it('fills in a variable in a -- comment (a commented-out statement) but never with a line break', () => {
    const text = '-- DROP DATABASE <% db | default("A") %>;\nSELECT 1;';
    expect(parseTemplate(text).variables[0]?.contexts).toEqual(['comment']);
    expect(renderTemplate(text, { db: '"My DB"' })).toBe('-- DROP DATABASE "My DB";\nSELECT 1;');
    expect(() => renderTemplate(text, { db: 'x\nDROP DATABASE B' })).toThrow(/must not contain a line break/);
    expect(() => renderTemplate(text, { db: 'x\rDROP DATABASE B' })).toThrow(/must not contain a line break/);
  });
  it('refuses Jinja comment and legacy markers, and expressions beyond name | default', () => {
    expect(() => parseTemplate('SELECT 1; -- {# x')).toThrow(/"\{#" at line 1/);
    expect(() => parseTemplate('SELECT &{ x };')).toThrow(/"&\{"/);
    expect(() => parseTemplate('USE ROLE <% r | upper %>;')).toThrow(/not "name \| default/);
  });
  it('refuses a default that is unsafe where it goes', () => {
    expect(() => parseTemplate("SELECT '<% x | default(\"it's\") %>';")).toThrow(/default of "x".*quote/);
  });
  it('renders single- and double-quoted defaults alike', () => {
    expect(renderTemplate('USE ROLE <% r | default(\'A\') %>; USE ROLE <% r | default("A") %>;', {})).toBe(
      'USE ROLE A; USE ROLE A;',
    );
  });
});

describe('splitStatements', () => {
  it('splits at semicolons and trims', () => {
    expect(splitStatements('USE ROLE A;\n  SELECT 1 ;\nSELECT 2')).toEqual([
      'USE ROLE A',
      'SELECT 1',
      'SELECT 2',
    ]);
  });
  it('ignores semicolons inside strings, with both escapes', () => {
    expect(splitStatements("SELECT 'a;b'; SELECT 'it''s; fine'; SELECT 'back\\';slash';")).toEqual([
      "SELECT 'a;b'",
      "SELECT 'it''s; fine'",
      "SELECT 'back\\';slash'",
    ]);
  });
  it('ignores semicolons inside quoted identifiers and $$ bodies', () => {
    expect(
      splitStatements('SELECT "a;""b"; CREATE FUNCTION f() RETURNS INT AS $$ x = 1; y = 2 $$; SELECT 3'),
    ).toEqual(['SELECT "a;""b"', 'CREATE FUNCTION f() RETURNS INT AS $$ x = 1; y = 2 $$', 'SELECT 3']);
  });
  it('does not take $$ inside an unquoted identifier for a body', () => {
    expect(splitStatements('DROP SECRET A$$B; SELECT 1;')).toEqual(['DROP SECRET A$$B', 'SELECT 1']);
  });
  it('ignores semicolons in comments, keeps leading comments and drops comment-only chunks', () => {
    expect(
      splitStatements(
        '-- header; still comment\nUSE ROLE A; // another ; comment\n/* block ; comment */\nSELECT 1;\n-- tail;',
      ),
    ).toEqual([
      '-- header; still comment\nUSE ROLE A',
      '// another ; comment\n/* block ; comment */\nSELECT 1',
    ]);
    expect(splitStatements('-- only; a comment\n;\n  ;')).toEqual([]);
  });
  it('keeps quotes inside comments from opening strings', () => {
    expect(splitStatements("-- don't\nSELECT 1; /* it's */ SELECT 2;")).toEqual([
      "-- don't\nSELECT 1",
      "/* it's */ SELECT 2",
    ]);
  });
  it('refuses a script that ends inside a string, identifier, body or comment', () => {
    expect(() => splitStatements("SELECT 'open;")).toThrow(/string literal/);
    expect(() => splitStatements('SELECT "open;')).toThrow(/quoted identifier/);
    expect(() => splitStatements('AS $$ open;')).toThrow(/\$\$/);
    expect(() => splitStatements('/* open;')).toThrow(/comment/);
  });
});

describe('the scripts themselves', () => {
  /** [role in effect, statement] for each statement of a rendered script. */
  function byRole(name: ScriptName): [string, string][] {
    let role = '';
    return splitStatements(render(name)).map((s) => {
      const bare = s.replace(/^(--[^\n]*\n|\s)+/, '');
      const use = /^USE ROLE (\w+)$/.exec(bare);
      if (use) role = use[1]!;
      return [role, bare];
    });
  }

  it.each(SETUPS)('%s creates account objects as ACCOUNTADMIN and the rest as the database owner', (name) => {
    const rows = byRole(name);
    expect(rows[0]).toEqual(['ACCOUNTADMIN', 'USE ROLE ACCOUNTADMIN']);
    const created = rows.filter(([, s]) => s.startsWith('CREATE'));
    const where = (re: RegExp) => created.filter(([, s]) => re.test(s)).map(([r]) => r);
    expect(where(/^CREATE (OR REPLACE )?(SECURITY|EXTERNAL ACCESS) INTEGRATION/)).toEqual([
      'ACCOUNTADMIN',
      'ACCOUNTADMIN',
    ]);
    expect(where(/^CREATE (ROLE|USER)/)).toEqual(['ACCOUNTADMIN', 'ACCOUNTADMIN', 'ACCOUNTADMIN']);
    const ownerKinds = /^CREATE (OR REPLACE )?(DATABASE|SCHEMA|WAREHOUSE|NETWORK RULE|SECRET|FUNCTION)/;
    expect(new Set(where(ownerKinds))).toEqual(new Set(['SYSADMIN']));
    // google-health ships a third function: daily data of each kind.
    const functions = name === 'setup-google-health' ? 3 : 2;
    expect(where(ownerKinds)).toHaveLength(5 + functions);
    expect(created).toHaveLength(10 + functions);
  });

  it.each(SETUPS)(
    '%s gives the app role OWNERSHIP of the secret and USAGE on the rest (integrations only to read them), nothing more',
    (name) => {
      const grants = byRole(name)
        .map(([, s]) => s.replace(/\s+/g, ' '))
        .filter((s) => /^GRANT .* TO ROLE FITBIT_CONNECT_APP_ROLE\b/.test(s));
      const dataFns =
        name === 'setup-google-health'
          ? [
              'FITBIT.PUBLIC.FITBIT_DAILY_STEPS(DATE, DATE)',
              'FITBIT.PUBLIC.FITBIT_DAILY_DATA(VARCHAR, DATE, DATE)',
            ]
          : ['FITBIT.PUBLIC.FITBIT_STEPS_MONTH()'];
      expect(grants.map((g) => g.replace(/ TO ROLE FITBIT_CONNECT_APP_ROLE.*$/, ''))).toEqual([
        'GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION',
        'GRANT OWNERSHIP ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
        'GRANT USAGE ON INTEGRATION FITBIT_EAI',
        'GRANT USAGE ON DATABASE FITBIT',
        'GRANT USAGE ON SCHEMA FITBIT.PUBLIC',
        'GRANT USAGE ON WAREHOUSE FITBIT_WH',
        'GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK()',
        ...dataFns.map((fn) => `GRANT USAGE ON FUNCTION ${fn}`),
      ]);
    },
  );

  it.each(SETUPS)('%s secures the integration for its provider', (name) => {
    const out = render(name);
    expect(out).toMatch(/MODE = EGRESS\s+TYPE = HOST_PORT/);
    expect(out).toMatch(
      /CREATE SECRET IF NOT EXISTS \S+\s+TYPE = OAUTH2\s+API_AUTHENTICATION = FITBIT_OAUTH_INTEGRATION/,
    );
    expect(out).toMatch(
      /CREATE USER IF NOT EXISTS FITBIT_CONNECT_APP\s+TYPE = SERVICE\s+DEFAULT_ROLE = FITBIT_CONNECT_APP_ROLE/,
    );
    expect(out).toMatch(
      /WAREHOUSE_SIZE = XSMALL\s+AUTO_SUSPEND = 60\s+AUTO_RESUME = TRUE\s+INITIALLY_SUSPENDED = TRUE/,
    );
    expect(out).not.toMatch(/OAUTH_REFRESH_TOKEN\s*=/);
    const method = name === 'setup-google-health' ? 'CLIENT_SECRET_POST' : 'CLIENT_SECRET_BASIC';
    expect(out).toContain(`OAUTH_CLIENT_AUTH_METHOD = ${method}`);
  });

  it('teardown drops, after the functions, every object a setup script creates', () => {
    const drops = byRole('teardown')
      .map(([role, s]) => [role, s] as const)
      .filter(([, s]) => s.startsWith('DROP'));
    // The database and warehouse are dropped only in the commented-out, opt-in last section.
    const optIn = [
      ...renderScript('teardown', {}).matchAll(/^-- DROP (?:DATABASE|WAREHOUSE) IF EXISTS (\w+);$/gm),
    ];
    const dropped = [
      ...drops.map(([, s]) => s.replace(/^DROP (\w+( \w+)?) IF EXISTS /, '')),
      ...optIn.map((m) => m[1]!),
    ];
    expect(optIn.map((m) => m[1])).toEqual(['FITBIT_WH', 'FITBIT']);
    for (const setup of SETUPS) {
      const created = splitStatements(render(setup))
        .map((s) => s.replace(/^(--[^\n]*\n|\s)+/, ''))
        .map(
          (s) =>
            /^CREATE (?:OR REPLACE )?(?:DATABASE|SCHEMA|WAREHOUSE|ROLE|USER|NETWORK RULE|SECURITY INTEGRATION|EXTERNAL ACCESS INTEGRATION|SECRET|FUNCTION) (?:IF NOT EXISTS )?([\w.]+(?:\([^)]*\))?)/.exec(
              s,
            )?.[1],
        )
        .filter((n): n is string => n !== undefined)
        // A function is dropped by its argument types alone: (kind VARCHAR, start_date DATE) → (VARCHAR, DATE).
        .map((n) =>
          n.replace(
            /\(([^)]+)\)/,
            (_, args: string) =>
              `(${args
                .split(',')
                .map((a) => a.trim().split(/\s+/).pop())
                .join(', ')})`,
          ),
        )
        .filter((n) => n !== 'FITBIT.PUBLIC'); // the schema goes with the database
      for (const n of created) expect(dropped, `${setup} creates ${n}`).toContain(n);
    }
    expect(drops[0]![1]).toMatch(/^DROP FUNCTION/);
    expect(drops.at(-1)![1]).toBe('DROP ROLE IF EXISTS FITBIT_READER');
  });

  it('teardown drops the database and warehouse only when the reader uncomments them (setup may not have created them)', () => {
    const out = renderScript('teardown', { database: 'ANALYTICS', warehouse: 'ANALYTICS_WH' });
    const live = splitStatements(out).map((s) => s.replace(/^(--[^\n]*\n|\s)+/, ''));
    expect(live.filter((s) => /^DROP (DATABASE|WAREHOUSE)/.test(s))).toEqual([]);
    // The opt-in section is last, with its CAUTION, ready to uncomment.
    const optional = out.slice(out.indexOf('-- 5. OPTIONAL'));
    expect(optional).toMatch(/CAUTION: .*IF NOT EXISTS/);
    expect(optional).toMatch(/Uncomment the three lines below only if the setup script created them/);
    expect(optional.trimEnd().split('\n').slice(-3)).toEqual([
      '-- USE ROLE SYSADMIN;',
      '-- DROP WAREHOUSE IF EXISTS ANALYTICS_WH;',
      '-- DROP DATABASE IF EXISTS ANALYTICS;',
    ]);
  });

  it('keeps the error-handling block identical in every Python handler', () => {
    const blocks = SETUPS.flatMap((name) =>
      pythonBodies(readScript(name)).map((body) => {
        const start = body.indexOf('# --- fitbit-snowflake-connect errors');
        const end = body.indexOf('# --- end of the shared block ---');
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeGreaterThan(start);
        return body.slice(start, end);
      }),
    );
    // Check and steps (google-health), check and month of steps (fitbit), daily data (google-health).
    expect(blocks).toHaveLength(5);
    for (const b of blocks) expect(b).toBe(blocks[0]);
    for (const code of [
      'token_revoked',
      'scope_missing',
      'account_not_linked',
      'rate_limited',
      'provider_gone',
      'api_error',
    ]) {
      expect(blocks[0]).toContain(`'${code}'`);
    }
  });

  it.skipIf(!pythonHas('ast'))('has Python handlers that compile', () => {
    const bodies = SETUPS.flatMap((name) => pythonBodies(render(name)));
    expect(bodies.length).toBeGreaterThan(0);
    // One python3 parses them all, reporting each body's error (if any) in order.
    const program = `
import ast, json, sys, traceback
out = []
for body in json.load(sys.stdin):
    try:
        ast.parse(body)
        out.append("")
    except SyntaxError:
        out.append(traceback.format_exc())
sys.stdout.write(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', program], { input: JSON.stringify(bodies), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(bodies.map(() => ''));
  });
});

describe('scopes: each function says what its calls need, and the provider profile says the same', () => {
  /**
   * Each shipped function: its template variable, the comment above it, its Python SCOPE constant, and for
   * the daily-data function the scope of each kind in its KINDS table.
   */
  function functionsOf(name: ScriptName) {
    const fns =
      /((?:^--[^\n]*\n)*)CREATE OR REPLACE FUNCTION [^\n]*?<% (\w+) \| default\("\w+"\) %>\(([\s\S]*?)\$\$;/gm;
    return [...readScript(name).matchAll(fns)].map((m) => {
      const body = m[3]!;
      const constants = Object.fromEntries(
        [...body.matchAll(/^(\w+) = '(https:[^']*)'$/gm)].map((c) => [c[1]!, c[2]!]),
      );
      const kindScopes = Object.fromEntries(
        [...body.matchAll(/^ {4}'(\w+)': \('[\w-]+', '\w+', (\w+), \d+\),$/gm)].map((k) => [
          k[1]!,
          constants[k[2]!],
        ]),
      );
      return {
        variable: m[2]!,
        comment: m[1]!.replace(/^-- ?/gm, '').replace(/\s+/g, ' '),
        scope: /^SCOPE = '([^']*)'$/m.exec(body)?.[1],
        kindScopes,
      };
    });
  }

  it.each(SETUPS)(
    '%s: every function names its scope in a comment and in its errors, as the profile does',
    (name) => {
      const profile = getProfile(name === 'setup-google-health' ? 'google-health' : 'fitbit');
      const fns = functionsOf(name);
      expect(fns.map((f) => f.variable).sort()).toEqual(
        [...new Set(profile.scopeNeeds.filter((n) => n.by !== 'app').map((n) => n.by))].sort(),
      );
      for (const fn of fns) {
        const needs = profile.scopeNeeds.filter((n) => n.by === fn.variable);
        for (const need of needs) {
          if (need.kind) {
            // One call and scope per data kind: listed under "Scopes:" and in the handler's KINDS table.
            expect(fn.comment, fn.variable).toContain('Scopes:');
            expect(fn.comment, fn.variable).toContain(`${need.kind}: ${need.call} needs ${need.scope}`);
            expect(fn.kindScopes[need.kind], `${fn.variable} ${need.kind}`).toBe(need.scope);
            continue;
          }
          expect(fn.scope, fn.variable).toBe(need.scope);
          expect(fn.comment, fn.variable).toContain(`Scopes: ${need.call}`);
          expect(fn.comment, fn.variable).toContain(need.scope);
        }
        const kinds = needs.flatMap((n) => (n.kind ? [n.kind] : []));
        expect(Object.keys(fn.kindScopes).sort(), fn.variable).toEqual([...kinds].sort());
      }
    },
  );

  it("the integration allows exactly the profile's set by default (requested = required = allowed)", () => {
    const google = scriptVariables('setup-google-health').find((v) => v.name === 'allowed_scopes');
    expect(google?.default).toBe(scopeListLiteral(getProfile('google-health').defaultScopes));
    expect(getProfile('google-health').defaultScopes).toEqual([
      'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
      'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly',
      'https://www.googleapis.com/auth/googlehealth.sleep.readonly',
    ]);
    expect(getProfile('fitbit').defaultScopes).toEqual(['activity', 'profile']);
  });
});

describe('re-running a setup script', () => {
  const statements = (name: ScriptName) =>
    splitStatements(render(name)).map((s) => s.replace(/^(--[^\n]*\n|\s)+/, '').replace(/\s+/g, ' '));

  it.each(SETUPS)(
    '%s replaces nothing but the functions, and sets what it creates with ALTER … SET',
    (name) => {
      const all = statements(name);
      const creates = all.filter((s) => s.startsWith('CREATE '));
      expect(creates.filter((s) => /^CREATE OR REPLACE /.test(s)).map((s) => s.split(' ')[3])).toEqual(
        Array(name === 'setup-google-health' ? 3 : 2).fill('FUNCTION'),
      );
      for (const s of creates.filter((c) => !/^CREATE OR REPLACE FUNCTION /.test(c))) {
        expect(s).toMatch(/^CREATE [A-Z ]+? IF NOT EXISTS /);
      }
      for (const [kind, objName] of [
        ['SECURITY INTEGRATION', 'FITBIT_OAUTH_INTEGRATION'],
        ['NETWORK RULE', 'FITBIT.PUBLIC.FITBIT_API_RULE'],
        ['EXTERNAL ACCESS INTEGRATION', 'FITBIT_EAI'],
      ] as const) {
        const create = all.findIndex((s) => s.startsWith(`CREATE ${kind} IF NOT EXISTS ${objName} `));
        const alter = all.findIndex((s) => s.startsWith(`ALTER ${kind} ${objName} SET `));
        expect(create, `${kind} created`).toBeGreaterThanOrEqual(0);
        expect(alter, `${kind} altered after its CREATE`).toBe(create + 1);
      }
      // Nothing in a re-run touches the token the app wrote.
      expect(all.filter((s) => /^ALTER SECRET|OAUTH_REFRESH_TOKEN =/.test(s))).toEqual([]);
    },
  );

  it.each(SETUPS)('%s sets OAUTH_REFRESH_TOKEN_VALIDITY explicitly, saying why', (name) => {
    const alter = statements(name).find((s) => s.startsWith('ALTER SECURITY INTEGRATION'))!;
    expect(alter).toContain('OAUTH_REFRESH_TOKEN_VALIDITY = 7776000');
    const raw = readScript(name);
    const why = raw.slice(0, raw.indexOf('ALTER SECURITY INTEGRATION'));
    expect(why).toMatch(/OAUTH_REFRESH_TOKEN_VALIDITY is set, not left to the default/);
    expect(why).toMatch(/ALTER SECRET is\s+(--\s+)?undocumented/);
  });

  it.each(scriptNames())('%s states the minimum Snowflake CLI version, as sql/README.md does', (name) => {
    const readme = readFileSync(new URL('../../sql/README.md', import.meta.url), 'utf8');
    const version = /Snowflake CLI (\d+\.\d+\.\d+) or later/.exec(readme)?.[1];
    expect(version).toBe('3.0.0');
    expect(readScript(name)).toContain(`Snowflake CLI ${version} or later`);
  });
});
