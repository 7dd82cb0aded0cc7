// Snowflake answering in shapes the stand-in never uses: the reader reads what it can, says what it saw
// for the rest, and the judge makes that one check "unknown" instead of failing the page. Ends with a
// property test: no shape of answer at all throws out of the reader and the judge.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChainReader,
  type IntegrationFacts,
  isUnreadable,
  toDate,
  UnexpectedAnswer,
  Unreadable,
} from '../../server/snowflake/chain-reader.js';
import type { SnowflakeSession } from '../../server/snowflake/session.js';
import { expiryView, judgeChain, type StatusCheck } from '../../server/status/checks/index.js';
import { readChain } from '../../server/status/describe.js';
import { config, facts, now, profile } from './status-fixtures.js';

type Answer = unknown;

/** A session whose statements answer whatever `answer` returns for their text (or throw what it throws). */
function session(answer: (sql: string) => Answer): SnowflakeSession {
  return {
    execute: async (sql: string) => answer(sql),
  } as unknown as SnowflakeSession;
}

const SECRET_ROW = {
  created_on: new Date('2026-11-01T00:00:00Z'),
  name: 'FITBIT_OAUTH_TOKEN',
  schema_name: 'PUBLIC',
  database_name: 'FITBIT',
  owner: 'APP_ROLE',
  comment: null,
  secret_type: 'OAUTH2',
  username: null,
  oauth_access_token_expiry_time: null,
  oauth_refresh_token_expiry_time: null,
  oauth_scopes: '[]',
  integration_name: 'FITBIT_OAUTH_INTEGRATION',
};

/** Answers as the stand-in does, with `over` replacing the answer of statements starting with its key. */
function standIn(over: Record<string, Answer> = {}): (sql: string) => Answer {
  return (sql) => {
    for (const [start, a] of Object.entries(over)) if (sql.startsWith(start)) return a;
    if (sql.startsWith('SELECT CURRENT_USER')) return [{ U: 'APP', R: 'APP_ROLE', W: 'WH' }];
    if (sql.startsWith('DESCRIBE SECRET')) return [SECRET_ROW];
    if (sql.startsWith('DESCRIBE FUNCTION'))
      return [
        { property: 'external_access_integrations', value: '[FITBIT_EAI]' },
        { property: 'secrets', value: '{"cred":"FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN"}' },
      ];
    if (sql === 'DESCRIBE INTEGRATION FITBIT_EAI')
      return [
        { property: 'ENABLED', property_value: 'true' },
        { property: 'ALLOWED_AUTHENTICATION_SECRETS', property_value: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN' },
        { property: 'ALLOWED_NETWORK_RULES', property_value: 'FITBIT.PUBLIC.FITBIT_API_RULE' },
      ];
    if (sql.startsWith('DESCRIBE INTEGRATION'))
      return [
        ['ENABLED', 'true'],
        ['OAUTH_CLIENT_ID', 'my-client'],
        ['OAUTH_TOKEN_ENDPOINT', 'https://oauth2.googleapis.com/token'],
        ['OAUTH_AUTHORIZATION_ENDPOINT', 'https://accounts.google.com/o/oauth2/v2/auth'],
        ['OAUTH_ALLOWED_SCOPES', profile.defaultScopes.join(',')],
        ['OAUTH_REFRESH_TOKEN_VALIDITY', '7776000'],
        ['AUTH_TYPE', 'OAUTH2'],
      ].map(([property, property_value]) => ({ property, property_type: 'String', property_value }));
    if (sql.startsWith('DESCRIBE NETWORK RULE'))
      return [
        { owner: 'SYSADMIN', type: 'HOST_PORT', mode: 'EGRESS', value_list: "'health.googleapis.com'" },
      ];
    throw new Error(`unexpected statement ${sql}`);
  };
}

async function judged(over: Record<string, Answer> = {}) {
  const f = await readChain(new ChainReader(session(standIn(over))), config());
  return { facts: f, checks: judgeChain({ config: config(), profile, facts: f, now }) };
}
const get = (checks: StatusCheck[], id: string) => checks.find((c) => c.id === id);
const notOk = (checks: StatusCheck[]) => checks.filter((c) => c.status !== 'ok').map((c) => c.id);

describe('reading odd answers', () => {
  it('the stand-in’s shapes read as before: everything ok', async () => {
    expect(notOk((await judged()).checks)).toEqual([]);
  });

  it('DESCRIBE SECRET without integration_name: that row is unknown and says so; the rest is judged', async () => {
    const { integration_name: _, ...row } = SECRET_ROW;
    const { checks, facts: f } = await judged({ 'DESCRIBE SECRET': [row] });
    expect(get(checks, 'secret_integration')).toMatchObject({
      status: 'unknown',
      unseen: true,
      detail:
        'DESCRIBE SECRET answered without an integration_name column, so the secret’s security integration is not checked here.',
      fixSql: 'DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN;',
    });
    expect(get(checks, 'secret')?.status).toBe('ok');
    expect(get(checks, 'secret_owner')?.status).toBe('ok');
    expect(get(checks, 'check_function')?.status).toBe('ok');
    // Without a name there is no integration to describe: no guess at one.
    expect(f.integration).toBeUndefined();
  });

  it.each([
    ['an empty value', '', 'DESCRIBE SECRET answered an empty integration_name'],
    ['null', null, 'DESCRIBE SECRET answered integration_name as null'],
    ['no name', 'FITBIT..X', 'DESCRIBE SECRET answered integration_name as “FITBIT..X”, which is not a name'],
  ])(
    'DESCRIBE SECRET with %s for the integration: unknown, never a thrown SqlValueError',
    async (_, v, seen) => {
      const { checks } = await judged({ 'DESCRIBE SECRET': [{ ...SECRET_ROW, integration_name: v }] });
      expect(get(checks, 'secret_integration')?.status).toBe('unknown');
      expect(get(checks, 'secret_integration')?.detail).toContain(seen);
    },
  );

  it('DESCRIBE SECRET with no rows: the secret row is unknown, nothing else about it is guessed', async () => {
    const { checks } = await judged({ 'DESCRIBE SECRET': [] });
    expect(get(checks, 'secret')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('DESCRIBE SECRET answered no rows'),
    });
    expect(get(checks, 'secret_owner')).toBeUndefined();
  });

  it('upper-case columns, extra rows and a property/value shape all read as the row', async () => {
    const upper = Object.fromEntries(Object.entries(SECRET_ROW).map(([k, v]) => [k.toUpperCase(), v]));
    const asProps = Object.entries(SECRET_ROW).map(([property, value]) => ({ property, value }));
    for (const answer of [[upper], [SECRET_ROW, { owner: 'SOMEONE_ELSE' }], asProps]) {
      const { checks } = await judged({ 'DESCRIBE SECRET': answer });
      expect(notOk(checks)).toEqual([]);
    }
  });

  it('an answer that is no list of rows, or a statement that throws something odd, is unknown too', async () => {
    const { checks } = await judged({ 'DESCRIBE SECRET': { rows: 'not an array' } });
    expect(get(checks, 'secret')?.status).toBe('unknown');
    const f = await readChain(
      new ChainReader(
        session((sql) => {
          if (sql.startsWith('DESCRIBE FUNCTION')) throw new TypeError('Cannot read properties of undefined');
          return standIn()(sql);
        }),
      ),
      config(),
    );
    expect(f.checkFunction).toMatchObject({
      kind: 'odd',
      seen: expect.stringContaining('TypeError: Cannot read properties of undefined'),
    });
  });

  it('reads times in every form Snowflake or the driver may give, and says when it is none of them', async () => {
    const at = Date.UTC(2026, 11, 1, 10);
    for (const v of [
      new Date(at),
      `${at / 1000}.000000000`,
      '2026-12-01 10:00:00',
      '2026-12-01T10:00:00Z',
      at,
    ])
      expect(toDate(v)?.getTime(), String(v)).toBe(at);
    expect(toDate('2026-12-01 11:00:00 +0100')?.getTime()).toBe(at);
    for (const v of ['soon', {}, Number.NaN, '99999-01-01']) expect(toDate(v)).toBeUndefined();
    const { facts: f, checks } = await judged({
      'DESCRIBE SECRET': [{ ...SECRET_ROW, oauth_refresh_token_expiry_time: 'next Tuesday' }],
    });
    const sec = f.secret?.kind === 'ok' ? f.secret.value : undefined;
    expect(sec?.refreshTokenExpiry).toBeInstanceOf(Unreadable);
    expect(get(checks, 'token_expiry')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining(
        'answered oauth_refresh_token_expiry_time as “next Tuesday”, which is not a time',
      ),
    });
  });

  it('DESCRIBE FUNCTION: the secrets map as JSON or as key=value; anything else, or no property, is unknown', async () => {
    const fn = (secrets: unknown, eais: unknown = '[FITBIT_EAI]') => [
      { property: 'external_access_integrations', value: eais },
      ...(secrets === undefined ? [] : [{ property: 'secrets', value: secrets }]),
    ];
    for (const s of ['{cred=FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN}', { cred: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN' }])
      expect(get((await judged({ 'DESCRIBE FUNCTION': fn(s) })).checks, 'check_function')?.status).toBe('ok');
    for (const [s, seen] of [
      ['[1, 2]', 'answered secrets as “[1, 2]”, which is not a map'],
      [undefined, 'DESCRIBE FUNCTION answered without a secrets column'],
    ] as const)
      expect(get((await judged({ 'DESCRIBE FUNCTION': fn(s) })).checks, 'check_function')).toMatchObject({
        status: 'unknown',
        detail: expect.stringContaining(seen),
      });
    // An empty map is a function with no secret: that is a real failure, not a shape.
    expect(get((await judged({ 'DESCRIBE FUNCTION': fn('{}') })).checks, 'check_function')?.status).toBe(
      'failed',
    );
    // A list as a JSON array reads like Snowflake's [A, B].
    expect(notOk((await judged({ 'DESCRIBE FUNCTION': fn(undefined, '["FITBIT_EAI"]') })).checks)).toContain(
      'check_function',
    );
    expect(
      notOk(
        (
          await judged({
            'DESCRIBE FUNCTION': fn('{"cred":"FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN"}', '["FITBIT_EAI"]'),
          })
        ).checks,
      ),
    ).toEqual([]);
  });

  it('a name that is no identifier (an empty part) is not described: its integration is unknown', async () => {
    const { facts: f, checks } = await judged({
      'DESCRIBE FUNCTION': [
        { property: 'external_access_integrations', value: '[FITBIT..EAI]' },
        { property: 'secrets', value: '{"cred":"FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN"}' },
      ],
    });
    expect(f.eais[0]?.seen).toMatchObject({ kind: 'odd', seen: expect.stringContaining('“FITBIT..EAI”') });
    expect(get(checks, 'external_access_integration')).toMatchObject({
      status: 'unknown',
      fixSql: 'DESC INTEGRATION <name>;',
    });
  });

  it('DESCRIBE INTEGRATION: a property absent, empty or neither true nor false is unknown, not "disabled"', async () => {
    const integ = (drop: string, value?: string) =>
      (standIn()('DESCRIBE INTEGRATION X') as { property: string; property_value: string }[])
        .filter((r) => value !== undefined || r.property !== drop)
        .map((r) => (r.property === drop ? { ...r, property_value: value } : r));
    const cases: [string, string | undefined, string, string][] = [
      ['ENABLED', undefined, 'integration_enabled', 'answered without the ENABLED property'],
      ['ENABLED', '', 'integration_enabled', 'answered an empty ENABLED'],
      ['ENABLED', 'maybe', 'integration_enabled', 'answered ENABLED as “maybe”'],
      ['OAUTH_CLIENT_ID', undefined, 'integration_client_id', 'without the OAUTH_CLIENT_ID property'],
      [
        'OAUTH_TOKEN_ENDPOINT',
        undefined,
        'integration_endpoints',
        'without the OAUTH_TOKEN_ENDPOINT property',
      ],
      ['OAUTH_ALLOWED_SCOPES', undefined, 'integration_scopes', 'without the OAUTH_ALLOWED_SCOPES property'],
    ];
    for (const [prop, value, id, seen] of cases) {
      const { checks } = await judged({ 'DESCRIBE INTEGRATION FITBIT_OAUTH': integ(prop, value) });
      expect(get(checks, id), `${prop}=${value}`).toMatchObject({
        status: 'unknown',
        detail: expect.stringContaining(seen),
        fixSql: 'DESC INTEGRATION FITBIT_OAUTH_INTEGRATION;',
      });
      expect(notOk(checks), `${prop}=${value}`).toEqual([id]);
    }
    // Upper-case, typed or null values, and a one-row answer read column by column, read the same.
    const { checks } = await judged({
      'DESCRIBE INTEGRATION FITBIT_OAUTH': [
        {
          ENABLED: true,
          OAUTH_CLIENT_ID: 'my-client',
          OAUTH_TOKEN_ENDPOINT: 'https://oauth2.googleapis.com/token',
          OAUTH_ALLOWED_SCOPES: profile.defaultScopes,
          COMMENT: null,
        },
      ],
    });
    expect(notOk(checks)).toEqual([]);
    // Rows without a value column cannot be read at all.
    expect(
      get(
        (await judged({ 'DESCRIBE INTEGRATION FITBIT_OAUTH': [{ property: 'ENABLED' }] })).checks,
        'security_integration',
      ),
    ).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('without a property_value column'),
    });
  });

  it('an external access integration without its lists: unknown rows, and no invented "no network rule"', async () => {
    const { checks } = await judged({
      'DESCRIBE INTEGRATION FITBIT_EAI': [{ property: 'ENABLED', property_value: 'true' }],
    });
    expect(get(checks, 'eai_secret')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('without the ALLOWED_AUTHENTICATION_SECRETS property'),
    });
    expect(get(checks, 'network_rule')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('without the ALLOWED_NETWORK_RULES property'),
    });
    // A passing end-to-end check still proves the rule.
    const f = (
      await judged({ 'DESCRIBE INTEGRATION FITBIT_EAI': [{ property: 'ENABLED', property_value: 'true' }] })
    ).facts;
    const proven = judgeChain({ config: config(), profile, facts: f, now, provenAt: now.toISOString() });
    expect(get(proven, 'network_rule')?.status).toBe('ok');
  });

  it('a network rule without mode or hosts: unknown (proven by a passing check); a wrong one still fails', async () => {
    const { checks } = await judged({ 'DESCRIBE NETWORK RULE': [{ owner: 'SYSADMIN', type: 'HOST_PORT' }] });
    expect(get(checks, 'network_rule')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('DESCRIBE NETWORK RULE answered without a mode column'),
      fixSql: 'DESC NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE;',
    });
    const wrong = await judged({
      'DESCRIBE NETWORK RULE': [{ owner: 'O', type: 'HOST_PORT', mode: 'EGRESS', value_list: "'x.com'" }],
    });
    expect(get(wrong.checks, 'network_rule')?.status).toBe('failed');
  });

  it('the sign-in facts: an empty CURRENT_USER() is unknown, and the warehouse fix names the configured user', async () => {
    const { checks } = await judged({ 'SELECT CURRENT_USER': [{ U: '', R: 'APP_ROLE', W: null }] });
    expect(get(checks, 'snowflake_signin')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('CURRENT_USER() answered an empty name'),
    });
    expect(get(checks, 'warehouse')?.fixSql).toContain('ALTER USER APP SET DEFAULT_WAREHOUSE');
    // No rows at all: still judged, and the other objects are read.
    const none = await judged({ 'SELECT CURRENT_USER': [] });
    expect(get(none.checks, 'snowflake_signin')?.status).toBe('unknown');
    expect(get(none.checks, 'secret')?.status).toBe('ok');
  });

  it('names in fixes that cannot be SQL become placeholders, never a thrown error', () => {
    const f = facts();
    (f.eais[0]!.seen as { value: IntegrationFacts }).value.ALLOWED_AUTHENTICATION_SECRETS = 'A..B, X.';
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'eai_secret');
    expect(c?.status).toBe('failed');
    expect(c?.fixSql).toContain('(<name>, <name>, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN)');
  });

  it('a check module that throws on facts it did not foresee yields one unknown row', () => {
    const f = facts();
    const boom = new Proxy({} as IntegrationFacts, {
      get() {
        throw new RangeError('boom');
      },
    });
    f.integration = { name: 'FITBIT_OAUTH_INTEGRATION', seen: { kind: 'ok', value: boom } };
    const checks = judgeChain({ config: config(), profile, facts: f, now });
    expect(get(checks, 'security_integration')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('RangeError: boom'),
    });
    expect(get(checks, 'eai_enabled')?.status).toBe('ok');
  });
});

describe('property: no shape of answer throws out of the reader and the judge', () => {
  const COLUMNS = [
    ...Object.keys(SECRET_ROW),
    'OWNER',
    'property',
    'PROPERTY',
    'property_value',
    'value',
    'type',
    'mode',
    'value_list',
    'U',
    'R',
    'W',
  ];
  const TEXTS = [
    'OAUTH2',
    'APP_ROLE',
    'FITBIT_OAUTH_INTEGRATION',
    'FITBIT..X',
    '"',
    '.',
    'true',
    'FALSE',
    'EGRESS',
    '[FITBIT_EAI, A..B]',
    "'health.googleapis.com:443','*.googleapis.com'",
    '{"cred":"FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN"}',
    '{cred=}',
    '2026-12-01 10:00:00',
    '1796119200.000000000',
    '7776000',
    'ENABLED',
    'ALLOWED_NETWORK_RULES',
    'ALLOWED_AUTHENTICATION_SECRETS',
    'external_access_integrations',
    'secrets',
    'OAUTH_REFRESH_TOKEN_VALIDITY',
    'OAUTH_CLIENT_ID',
  ];
  const cell = fc.oneof(
    fc.constantFrom(...TEXTS),
    fc.constant(null),
    fc.constant(''),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.date(),
    fc.anything(),
  );
  const row = fc.dictionary(fc.oneof(fc.constantFrom(...COLUMNS), fc.string()), cell, { maxKeys: 14 });
  const answer = fc.oneof(
    { weight: 6, arbitrary: fc.array(row, { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.constant('throw') },
  );
  const STATEMENTS = [
    'SELECT CURRENT_USER',
    'DESCRIBE SECRET',
    'DESCRIBE FUNCTION',
    'DESCRIBE INTEGRATION',
    'DESCRIBE NETWORK RULE',
  ];

  it('readChain, judgeChain and expiryView always answer, with a known status and a sentence per row', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(...STATEMENTS.map(() => answer)),
        fc.boolean(),
        fc.option(fc.date({ noInvalidDate: true })),
        fc.boolean(),
        async (answers, localHistory, knownExpiry, proven) => {
          const byStatement = (sql: string) => {
            const a = answers[STATEMENTS.findIndex((s) => sql.startsWith(s))];
            if (a === 'throw') throw new Error('odd failure');
            return a;
          };
          const f = await readChain(new ChainReader(session(byStatement)), config());
          const input = {
            config: config(),
            profile,
            facts: f,
            now,
            localHistory,
            knownExpiry: knownExpiry ?? undefined,
            lastWriteAt: localHistory ? new Date(now.getTime() - 3600_000) : undefined,
            provenAt: proven ? now.toISOString() : undefined,
          };
          const checks = judgeChain(input);
          for (const c of checks) {
            expect(['ok', 'warning', 'failed', 'unknown']).toContain(c.status);
            expect(typeof c.detail).toBe('string');
            expect(c.detail.length).toBeGreaterThan(0);
          }
          expect(() => JSON.stringify({ checks, expiries: expiryView(input) })).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the reader itself throws nothing but UnexpectedAnswer for a shape', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        const reader = new ChainReader(session(() => (a === 'throw' ? [] : a)));
        for (const read of [
          () => reader.sessionFacts(),
          () => reader.secret(config().snowflake.secret),
          () => reader.checkFunction(config().snowflake.checkFunction),
          () => reader.integration('FITBIT_EAI'),
          () => reader.networkRule('FITBIT.PUBLIC.FITBIT_API_RULE'),
        ]) {
          try {
            const v = await read();
            for (const x of Object.values(v)) if (isUnreadable(x)) expect(x.seen.length).toBeGreaterThan(0);
          } catch (e) {
            expect(e).toBeInstanceOf(UnexpectedAnswer);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
