// SQL quoting, property-tested through the real snowflake-sdk against the Snowflake stand-in: random
// strings (quotes, backslashes, $$, unicode, newlines, NUL) either read back exactly as written or are
// refused before any SQL exists, with a clear message.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alterSecretSql,
  assertTokenShape,
  quoteIdentifierPart,
  quoteLiteral,
  SqlValueError,
} from '../../server/snowflake/sql.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const SECRET = 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN';
const NASTY = [
  "'",
  "''",
  '\\',
  "\\'",
  '$$',
  '\n',
  '\r\n',
  '\t',
  '\0',
  '"',
  ';',
  '--',
  '/*',
  '\u2028',
  'é',
  '😀',
  '\u202e',
];

/** Random text biased towards everything that has meaning inside SQL, in well-formed UTF-16. */
const nastyString = (maxParts: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 6 })), {
      maxLength: maxParts,
    })
    .map((parts) => parts.join(''))
    .filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s);

const lower = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));

describe('SQL quoting through the real driver and the stand-in', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => h?.close());

  it('quoteLiteral: COMMENT = <literal> reads back exactly through DESCRIBE SECRET, or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(nastyString(12), async (s) => {
        let literal: string;
        try {
          literal = quoteLiteral(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SqlValueError);
          expect((e as Error).message).toBe('A string value cannot contain a NUL character.');
          expect(s).toContain('\0');
          return;
        }
        await h.admin(`ALTER SECRET ${SECRET} SET COMMENT = ${literal}`);
        const rows = (await h.admin(`DESCRIBE SECRET ${SECRET}`)).map(lower);
        expect(rows).toHaveLength(1);
        expect(rows[0]!.comment ?? '').toBe(s);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('quoteIdentifierPart: CREATE SECRET <quoted name>, then SHOW SECRETS lists the exact name', async () => {
    const name = nastyString(8).filter((s) => s.length > 0 && s.length <= 200);
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        let quoted: string;
        try {
          quoted = quoteIdentifierPart(n);
        } catch (e) {
          expect(e).toBeInstanceOf(SqlValueError);
          expect((e as Error).message).toBe('An identifier cannot contain a NUL character.');
          return;
        }
        const fq = `FITBIT.PUBLIC.${quoted}`;
        await h.admin(`CREATE OR REPLACE SECRET ${fq} TYPE = GENERIC_STRING SECRET_STRING = 'x'`);
        try {
          const rows = (await h.admin('SHOW SECRETS IN SCHEMA FITBIT.PUBLIC')).map(lower);
          expect(rows.map((r) => r.name)).toContain(n);
        } finally {
          await h.admin(`DROP SECRET ${fq}`);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('alterSecretSql: a random "token" is refused with a clear message, or written by the app without error', async () => {
    const token = fc.oneof(nastyString(10), fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,80}$/));
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        let sql: string;
        try {
          sql = alterSecretSql(h.config.snowflake.secret, t);
        } catch (e) {
          expect(e).toBeInstanceOf(SqlValueError);
          expect((e as Error).message).toBe(
            'The refresh token has characters no supported provider issues; it was not written.',
          );
          expect(() => assertTokenShape(t)).toThrow(SqlValueError);
          return;
        }
        // Only token characters got through: nothing in the literal can end it or escape.
        expect(t).toMatch(/^[A-Za-z0-9._~+/=-]{8,}$/);
        expect(sql).toBe(`ALTER SECRET ${SECRET} SET OAUTH_REFRESH_TOKEN = '${t}'`);
        await h.services.writer.write(t);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('the value written is exactly what Snowflake later exchanges: a real token passes the check', async () => {
    // After the random tokens above, a real connect writes an issued token through the same code, and
    // the stand-in's function runner can only refresh with it if every byte arrived.
    const page = await h.connectAndFollow();
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    const rows = await h.admin('SELECT FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() AS R');
    const r = rows[0]?.R as unknown;
    expect(typeof r === 'string' ? JSON.parse(r) : r).toMatchObject({ legacyUserId: '2E4RVC' });
  }, 60_000);
});
