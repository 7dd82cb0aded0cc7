import { beforeEach, describe, expect, it } from 'vitest';
import type { FunctionInvocation, SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
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
let calls: FunctionInvocation[];
let udf: SessionState;
beforeEach(async () => {
  ({ engine, calls } = setupEngine((inv) =>
    inv.kind === 'table'
      ? { kind: 'table', rows: [[String(inv.args[0]), '1234']] }
      : { kind: 'scalar', value: '{"ok":true}' },
  ));
  await script(engine, admin(), SETUP);
  await one(
    engine,
    as('FITBIT_WRITER'),
    `ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN = '${TOKEN}'`,
  );
  udf = as('FITBIT_UDF', { warehouse: 'SANDBOX_WH' });
});

describe('calling a scalar function', () => {
  it('builds the invocation from the catalog and returns one variant column', async () => {
    const r = await one(engine, udf, 'SELECT fitbit.public.connection_check()');
    expect(r.usedWarehouse).toBe(true);
    expect(r.columns).toEqual([
      { name: 'FITBIT.PUBLIC.CONNECTION_CHECK()', type: 'variant', nullable: true },
    ]);
    expect(r.rows).toEqual([['{"ok":true}']]);
    const inv = calls[0]!;
    expect(inv).toMatchObject({
      functionName: 'FITBIT.PUBLIC.CONNECTION_CHECK',
      kind: 'scalar',
      handler: 'main',
      runtimeVersion: '3.11',
      packages: ['requests'],
      returnType: 'VARIANT',
      tableColumns: [],
      argTypes: [],
      args: [],
      allowedHosts: ['health.googleapis.com', 'oauth2.googleapis.com:443'], // the INGRESS rule is left out
    });
    expect(inv.body).toContain("get_oauth_access_token('cred');");
    expect(inv.secrets).toHaveLength(1);
    expect(inv.secrets[0]).toMatchObject({
      alias: 'cred',
      secretName: 'FITBIT.PUBLIC.GOOGLE_CRED',
      refreshToken: TOKEN,
      integration: {
        name: 'GOOGLE_OAUTH',
        enabled: true,
        clientId: 'client-id',
        clientSecret: CLIENT_SECRET,
        tokenEndpoint: 'https://oauth2.googleapis.com/token',
        clientAuthMethod: 'CLIENT_SECRET_POST',
        allowedScopes: ['scope.a', 'scope.b'],
      },
    });
  });

  it('setRefreshToken writes the rotated token into the catalog', async () => {
    await one(engine, udf, 'SELECT fitbit.public.connection_check()');
    calls[0]!.secrets[0]!.setRefreshToken('rotated-token');
    await one(engine, udf, 'SELECT fitbit.public.connection_check()');
    expect(calls[1]!.secrets[0]!.refreshToken).toBe('rotated-token');
  });

  it('resolves an unqualified name against the session, and honours an alias', async () => {
    const r = await one(
      engine,
      { ...udf, database: 'FITBIT', schema: 'PUBLIC' },
      'SELECT connection_check() AS result',
    );
    expect(r.columns[0]!.name).toBe('RESULT');
  });

  it('without a warehouse: 000606', async () => {
    const e = await fails(
      one(engine, { ...udf, warehouse: null }, 'SELECT fitbit.public.connection_check()'),
    );
    expect(e.code).toBe('000606');
    expect(e.sqlState).toBe('57P03');
    expect(e.message).toContain(
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    );
    expect(calls).toHaveLength(0);
  });

  it('without USAGE on the function: unknown user-defined function', async () => {
    await one(
      engine,
      admin(),
      'REVOKE USAGE ON FUNCTION fitbit.public.connection_check() FROM ROLE fitbit_udf',
    );
    const e = await fails(one(engine, udf, 'SELECT fitbit.public.connection_check()'));
    expect(e.code).toBe('002141');
    expect(e.message).toBe(
      'SQL compilation error:\nUnknown user-defined function FITBIT.PUBLIC.CONNECTION_CHECK.',
    );
    expect(calls).toHaveLength(0);
  });

  it('a secret no longer allowed by the EAI fails at call time', async () => {
    await one(
      engine,
      admin(),
      'ALTER EXTERNAL ACCESS INTEGRATION google_eai SET ALLOWED_AUTHENTICATION_SECRETS = ()',
    );
    const e = await fails(one(engine, udf, 'SELECT fitbit.public.connection_check()'));
    expect(e.message).toContain("Secret 'FITBIT.PUBLIC.GOOGLE_CRED' is not allowed");
    expect(calls).toHaveLength(0);
  });

  it('runner errors pass through as SqlErrors', async () => {
    const { engine: e2 } = setupEngine(() => {
      throw new Error('boom');
    });
    await script(e2, admin(), SETUP);
    const e = await fails(one(e2, udf, 'SELECT fitbit.public.connection_check()'));
    expect(e.code).toBe('100357');
    expect(e.message).toContain('boom');
  });
});

describe('CREATE FUNCTION checks', () => {
  it('refuses a secret not allowed by any of its EAIs', async () => {
    await one(
      engine,
      admin(),
      'CREATE SECRET fitbit.public.other TYPE = OAUTH2 API_AUTHENTICATION = google_oauth',
    );
    const e = await fails(
      one(
        engine,
        admin(),
        `CREATE FUNCTION fitbit.public.f2() RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'h'
         EXTERNAL_ACCESS_INTEGRATIONS = (google_eai) SECRETS = ('cred' = fitbit.public.other) AS 'def h(): return 1'`,
      ),
    );
    expect(e.message).toContain("Secret 'FITBIT.PUBLIC.OTHER' is not allowed");
  });

  it('accepts a single-quoted body, COMMENT and IMPORTS, and scalar VARCHAR/OBJECT returns', async () => {
    await one(
      engine,
      admin(),
      `CREATE OR REPLACE SECURE FUNCTION fitbit.public.echo(x VARCHAR, n NUMBER) RETURNS OBJECT LANGUAGE PYTHON
       RUNTIME_VERSION = '3.11' IMPORTS = ('@stage/x.py') HANDLER = 'h' COMMENT = 'echo' AS 'def h(x, n): return {}'`,
    );
    await one(
      engine,
      admin(),
      'GRANT USAGE ON FUNCTION fitbit.public.echo(VARCHAR, NUMBER) TO ROLE fitbit_udf',
    );
    const r = await one(engine, udf, "SELECT fitbit.public.echo('a', '42'::NUMBER)");
    expect(r.columns[0]!.type).toBe('variant');
    expect(calls[0]).toMatchObject({
      argTypes: ['VARCHAR', 'NUMBER'],
      args: ['a', 42],
      secrets: [],
      body: 'def h(x, n): return {}',
    });
  });
});

describe('table functions', () => {
  it('SELECT * FROM TABLE(f(…)) casts the arguments and returns the declared columns', async () => {
    const r = await one(
      engine,
      udf,
      "SELECT * FROM TABLE(fitbit.public.daily_steps('2026-11-01'::DATE, TO_DATE('2026-11-08')))",
    );
    expect(r.usedWarehouse).toBe(true);
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['DAY', 'date'],
      ['STEPS', 'fixed'],
    ]);
    expect(r.rows).toEqual([[String(Date.UTC(2026, 10, 1) / 86_400_000), '1234']]);
    expect(calls[0]).toMatchObject({
      kind: 'table',
      handler: 'DailySteps',
      argTypes: ['DATE', 'DATE'],
      args: ['2026-11-01', '2026-11-08'],
      tableColumns: [
        { name: 'DAY', type: 'date' },
        { name: 'STEPS', type: 'fixed' },
      ],
    });
  });

  it('casts CURRENT_DATE(), DATEADD, NULL and ? binds to the declared types', async () => {
    await one(
      engine,
      udf,
      'SELECT * FROM TABLE(fitbit.public.daily_steps(DATEADD(day, -30, CURRENT_DATE()), ?))',
      [{ type: 'TEXT', value: '2026-11-28' }],
    );
    await one(engine, udf, 'SELECT * FROM TABLE(fitbit.public.daily_steps(NULL, CURRENT_DATE))');
    expect(calls.map((c) => c.args)).toEqual([
      ['2026-10-29', '2026-11-28'],
      [null, '2026-11-28'],
    ]);
  });

  it('refuses a bad date, a scalar call in FROM and a table function in the SELECT list', async () => {
    expect(
      (await fails(one(engine, udf, "SELECT * FROM TABLE(fitbit.public.daily_steps('soon', NULL))"))).code,
    ).toBe('100040');
    await fails(one(engine, udf, 'SELECT * FROM TABLE(fitbit.public.connection_check())'));
    await fails(one(engine, udf, 'SELECT fitbit.public.daily_steps(NULL, NULL)'));
    expect(calls).toHaveLength(0);
  });

  it('SHOW FUNCTIONS reflects grants: FITBIT_UDF sees both, READER none', async () => {
    const names = objects(await one(engine, udf, 'SHOW FUNCTIONS IN SCHEMA fitbit.public')).map(
      (r) => r.name,
    );
    expect(names.sort()).toEqual(['CONNECTION_CHECK', 'DAILY_STEPS']);
  });
});
