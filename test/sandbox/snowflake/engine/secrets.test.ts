import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { redact } from '../../../../sandbox/snowflake/engine.js';
import { tokenize } from '../../../../sandbox/snowflake/lexer.js';
import { quoteLiteral } from '../../../../server/snowflake/sql.js';
import {
  admin,
  as,
  CLIENT_SECRET,
  fails,
  objects,
  one,
  SETUP,
  script,
  setupEngine,
  TOKEN,
} from './helpers.js';

let engine: SqlEngine;
const writer = () => as('FITBIT_WRITER');
beforeAll(async () => {
  ({ engine } = setupEngine());
  await script(engine, admin(), SETUP);
  await one(engine, writer(), `ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN = '${TOKEN}'`);
  await script(
    engine,
    admin(),
    `CREATE USER pw_user PASSWORD = 'user-PASSWORD-9';
     CREATE SECRET fitbit.public.generic TYPE = GENERIC_STRING SECRET_STRING = 'generic-SECRET-0';`,
  );
});

// The app's own quoting (read-only import): these tests check the stand-in decodes what the app writes.
// quoteLiteral refuses NUL, which no provider's token holds, so the generators leave it out.
const quote = quoteLiteral;
const noNul = (s: string) => !s.includes('\0');

// Arbitrary unicode, plus strings dense in the characters that matter to a SQL lexer.
const tricky = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).filter(noNul),
  fc.string({
    unit: fc.constantFrom("'", '\\', '"', '$', ';', '-', '/', '*', 'n', 'x', 'u', '0', '4', '\n', ' ', 'é'),
    maxLength: 30,
  }),
);

describe('string literals round-trip', () => {
  it('ALTER SECRET … SET COMMENT = quote(s) reads back as s via DESCRIBE and SHOW', async () => {
    await fc.assert(
      fc.asyncProperty(tricky, async (s) => {
        await one(engine, writer(), `ALTER SECRET fitbit.public.google_cred SET COMMENT = ${quote(s)}`);
        const [d] = objects(await one(engine, writer(), 'DESCRIBE SECRET fitbit.public.google_cred'));
        expect(d!.comment).toBe(s);
        const shown = objects(
          await one(engine, writer(), "SHOW SECRETS LIKE 'GOOGLE_CRED' IN SCHEMA fitbit.public"),
        );
        expect(shown[0]!.comment).toBe(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tokens are never returned', () => {
  it('no SHOW or DESCRIBE result contains a token, client secret, password or secret string', async () => {
    const sensitive = [TOKEN, CLIENT_SECRET, 'user-PASSWORD-9', 'generic-SECRET-0', 'sandbox'];
    const statements = [
      'SHOW SECRETS IN ACCOUNT',
      'DESCRIBE SECRET fitbit.public.google_cred',
      'DESCRIBE SECRET fitbit.public.generic',
      'SHOW INTEGRATIONS',
      'DESCRIBE INTEGRATION google_oauth',
      'DESCRIBE INTEGRATION google_eai',
      'SHOW NETWORK RULES IN ACCOUNT',
      'SHOW GRANTS ON SECRET fitbit.public.google_cred',
      'SHOW GRANTS TO ROLE fitbit_writer',
      'SHOW USERS',
      'DESCRIBE USER pw_user',
      'DESCRIBE USER sandbox_admin',
      'SHOW FUNCTIONS IN ACCOUNT',
      'DESCRIBE FUNCTION fitbit.public.connection_check()',
      'SHOW ROLES',
      'SHOW DATABASES',
      'SHOW SCHEMAS',
      'SHOW WAREHOUSES',
    ];
    for (const sql of statements) {
      const text = JSON.stringify(await one(engine, admin(), sql));
      for (const v of sensitive) expect(text, sql).not.toContain(v);
    }
  });

  it('error messages do not echo a literal', async () => {
    const e = await fails(
      one(engine, writer(), `ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN '${TOKEN}'`),
    );
    expect(e.code).toBe('001003');
    expect(e.message).not.toContain(TOKEN);
  });
});

describe('redact', () => {
  it.each([
    ["ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 'abc'", "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***'"],
    [
      "alter secret s set oauth_refresh_token='a''b\\'c' comment = 'keep'",
      "alter secret s set oauth_refresh_token='***' comment = 'keep'",
    ],
    ['CREATE USER u PASSWORD = $$p;w$$', "CREATE USER u PASSWORD = '***'"],
    [
      "CREATE SECURITY INTEGRATION i OAUTH_CLIENT_SECRET = 'x' /* OAUTH_CLIENT_SECRET = 'y' */ OAUTH_CLIENT_ID = 'id'",
      "CREATE SECURITY INTEGRATION i OAUTH_CLIENT_SECRET = '***' OAUTH_CLIENT_ID = 'id'",
    ],
    // Unquoted, concatenated and called values are cut whole, up to the next property, ',' or ';'.
    [
      'ALTER SECRET s SET OAUTH_REFRESH_TOKEN = ya29.abcDEF-ghi',
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***'",
    ],
    [
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 'a' || 'b' COMMENT = 'c'",
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***' COMMENT = 'c'",
    ],
    [
      "CREATE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = CONCAT('p1', 'p2'), COMMENT = 'c'; SELECT 1",
      "CREATE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = '***', COMMENT = 'c'; SELECT 1",
    ],
    [
      'ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 1//0gAbC-dEf',
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***'",
    ],
    [
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 1//0gAbC\n  COMMENT = 'c'",
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***'\n  COMMENT = 'c'",
    ],
    [
      'ALTER SECRET s UNSET OAUTH_REFRESH_TOKEN, COMMENT',
      'ALTER SECRET s UNSET OAUTH_REFRESH_TOKEN, COMMENT',
    ],
    ["SELECT 'OAUTH_REFRESH_TOKEN = ' || x", "SELECT 'OAUTH_REFRESH_TOKEN = ' || x"],
    [
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 'unterminated",
      "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***'",
    ],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
    expect(engine.redact(input)).toBe(expected);
  });

  it('never lets the quoted value through, whatever the value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }).filter(noNul), (s) => {
        const out = redact(`ALTER SECRET s SET OAUTH_REFRESH_TOKEN = ${quote(`tok-${s}`)}`);
        expect(out).not.toContain(`tok-`);
      }),
    );
  });

  // Every piece of a value carries SEKRIT so its absence from the output can be checked, whatever
  // kind of token it lexes as.
  const piece = fc.oneof(
    fc
      .string({ maxLength: 12 })
      .filter(noNul)
      .map((s) => quote(`SEKRIT${s}`)),
    fc.stringMatching(/^[A-Za-z0-9_~+=.-]{0,12}$/).map((s) => `ya29.SEKRIT${s}`),
    fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/).map((s) => `1//0gSEKRIT${s}`),
    fc.stringMatching(/^[a-z0-9 ;,]{0,12}$/).map((s) => `$$SEKRIT${s}$$`),
    fc.stringMatching(/^[A-Za-z0-9]{0,8}$/).map((s) => `"SEKRIT${s}"`),
  );
  const value = fc.oneof(
    piece,
    fc.array(piece, { minLength: 2, maxLength: 4 }).map((ps) => ps.join(' || ')),
    fc.array(piece, { minLength: 1, maxLength: 3 }).map((ps) => `CONCAT(${ps.join(', ')})`),
  );
  const sensitiveName = fc.constantFrom(
    'OAUTH_REFRESH_TOKEN',
    'oauth_client_secret',
    'PASSWORD',
    'Secret_String',
  );
  const after = fc.constantFrom(
    '',
    " COMMENT = 'kept'",
    ", COMMENT = 'kept'",
    "; SELECT 'kept'",
    "\n COMMENT = 'kept'",
  );

  it('cuts the whole value, whatever its tokens, and keeps what follows the next property', () => {
    fc.assert(
      fc.property(sensitiveName, value, after, (name, v, tail) => {
        const out = redact(`ALTER SECRET s SET ${name} = ${v}${tail}`);
        expect(out.toUpperCase()).not.toContain('SEKRIT');
        expect(out.startsWith(`ALTER SECRET s SET ${name} = '***'`)).toBe(true);
        // A '1//…' or '…--…' piece comments out the rest of its line (and maybe a closing parenthesis),
        // and text the lexer refuses ('~') is cut from the first sensitive word on: over-redaction, fine.
        const lexes = (() => {
          try {
            tokenize(v);
            return true;
          } catch {
            return false;
          }
        })();
        if (tail && lexes && !/\/\/|--/.test(v)) expect(out).toContain(`'kept'`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('users: keys and programmatic access tokens', () => {
  it('DESCRIBE USER shows RSA_PUBLIC_KEY_FP as SHA256 of the DER key; findUser has the key body', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const s: SessionState = admin();
    await one(
      engine,
      s,
      `CREATE OR REPLACE USER key_user TYPE = SERVICE RSA_PUBLIC_KEY = '${body}' DEFAULT_ROLE = fitbit_writer`,
    );
    const props = Object.fromEntries(
      objects(await one(engine, s, 'DESC USER key_user')).map((r) => [r.property, r.value]),
    );
    expect(props.RSA_PUBLIC_KEY_FP).toBe(`SHA256:${createHash('sha256').update(der).digest('base64')}`);
    expect(props.TYPE).toBe('SERVICE');
    expect(props.RSA_PUBLIC_KEY_2_FP).toBe('null');
    expect(engine.findUser('key_user')?.rsaPublicKey).toBe(body);
    await one(engine, s, 'ALTER USER key_user UNSET RSA_PUBLIC_KEY');
    expect(engine.findUser('key_user')?.rsaPublicKey).toBeNull();
    await fails(one(engine, s, "ALTER USER key_user SET RSA_PUBLIC_KEY = 'not-a-key'"));
  });

  it('ALTER USER … ADD PROGRAMMATIC ACCESS TOKEN returns token_name and token_secret once', async () => {
    const s = admin();
    await one(engine, s, 'CREATE USER IF NOT EXISTS pat_user TYPE = SERVICE');
    await fails(one(engine, s, 'ALTER USER pat_user ADD PROGRAMMATIC ACCESS TOKEN t1')); // service users need a role restriction
    const r = await one(
      engine,
      s,
      "ALTER USER pat_user ADD PROGRAMMATIC ACCESS TOKEN t1 ROLE_RESTRICTION = 'fitbit_writer' DAYS_TO_EXPIRY = 7",
    );
    expect(r.columns.map((c) => c.name)).toEqual(['token_name', 'token_secret']);
    const [name, secret] = r.rows[0]!;
    expect(name).toBe('T1');
    const pat = engine.findUser('PAT_USER')!.pats[0]!;
    expect(pat).toMatchObject({ name: 'T1', secret, roleRestriction: 'FITBIT_WRITER' });
    expect(pat.expiresAt - new Date('2026-11-28T12:00:00Z').getTime()).toBe(7 * 86_400_000);
    expect(JSON.stringify(await one(engine, s, 'DESCRIBE USER pat_user'))).not.toContain(secret!);
  });
});
