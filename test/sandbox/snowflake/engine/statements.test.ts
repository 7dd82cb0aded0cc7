import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { admin, fails, objects, one, SETUP, script, setupEngine } from './helpers.js';

let engine: SqlEngine;
let s: SessionState;
beforeEach(async () => {
  ({ engine } = setupEngine());
  s = admin();
  await script(engine, s, SETUP);
});

const colNames = async (sql: string) => (await one(engine, s, sql)).columns.map((c) => c.name);

describe('SHOW / DESCRIBE column sets', () => {
  it('DESCRIBE SECRET', async () => {
    expect(await colNames('DESCRIBE SECRET fitbit.public.google_cred')).toEqual([
      'created_on',
      'name',
      'schema_name',
      'database_name',
      'owner',
      'comment',
      'secret_type',
      'username',
      'oauth_access_token_expiry_time',
      'oauth_refresh_token_expiry_time',
      'oauth_scopes',
      'integration_name',
    ]);
  });

  it('SHOW SECRETS, INTEGRATIONS, NETWORK RULES, GRANTS', async () => {
    expect(await colNames('SHOW SECRETS IN SCHEMA fitbit.public')).toEqual([
      'created_on',
      'name',
      'schema_name',
      'database_name',
      'owner',
      'comment',
      'secret_type',
      'oauth_scopes',
      'owner_role_type',
    ]);
    expect(await colNames('SHOW INTEGRATIONS')).toEqual([
      'name',
      'type',
      'category',
      'enabled',
      'comment',
      'created_on',
    ]);
    expect(await colNames('SHOW NETWORK RULES IN ACCOUNT')).toContain('entries_in_valuelist');
    expect(await colNames('DESC NETWORK RULE fitbit.public.google_rule')).toEqual([
      'created_on',
      'name',
      'database_name',
      'schema_name',
      'owner',
      'comment',
      'type',
      'mode',
      'value_list',
    ]);
    expect(await colNames('SHOW GRANTS ON SECRET fitbit.public.google_cred')).toEqual([
      'created_on',
      'privilege',
      'granted_on',
      'name',
      'granted_to',
      'grantee_name',
      'grant_option',
      'granted_by',
    ]);
    expect(await colNames('DESCRIBE INTEGRATION google_oauth')).toEqual([
      'property',
      'property_type',
      'property_value',
      'property_default',
    ]);
  });

  it('SHOW ROLES, USERS, DATABASES, SCHEMAS, WAREHOUSES, FUNCTIONS; DESCRIBE USER, FUNCTION', async () => {
    expect(await colNames('SHOW ROLES')).toEqual([
      'created_on',
      'name',
      'is_default',
      'is_current',
      'is_inherited',
      'assigned_to_users',
      'granted_to_roles',
      'granted_roles',
      'owner',
      'comment',
    ]);
    expect(await colNames('SHOW USERS')).toEqual(
      expect.arrayContaining(['name', 'login_name', 'has_rsa_public_key', 'type']),
    );
    expect(await colNames('SHOW DATABASES')).toEqual(
      expect.arrayContaining(['created_on', 'name', 'owner', 'retention_time']),
    );
    expect(await colNames('SHOW SCHEMAS IN DATABASE fitbit')).toEqual(
      expect.arrayContaining(['database_name', 'owner']),
    );
    expect(await colNames('SHOW WAREHOUSES')).toEqual(
      expect.arrayContaining(['name', 'state', 'size', 'owner']),
    );
    expect(await colNames('SHOW FUNCTIONS IN SCHEMA fitbit.public')).toEqual(
      expect.arrayContaining(['name', 'arguments', 'is_table_function', 'language']),
    );
    expect(await colNames('DESCRIBE USER sandbox_admin')).toEqual([
      'property',
      'value',
      'default',
      'description',
    ]);
    expect(await colNames('DESCRIBE FUNCTION fitbit.public.daily_steps(DATE, DATE)')).toEqual([
      'property',
      'value',
    ]);
  });

  it('DESCRIBE DATABASE | SCHEMA | WAREHOUSE: created_on, name, kind as Snowflake shows them', async () => {
    await one(engine, s, 'CREATE SCHEMA fitbit.extra');
    for (const sql of [
      'DESCRIBE DATABASE fitbit',
      'DESC SCHEMA fitbit.public',
      'DESCRIBE WAREHOUSE sandbox_wh',
    ]) {
      expect(await colNames(sql), sql).toEqual(['created_on', 'name', 'kind']);
    }
    const schemas = objects(await one(engine, s, 'DESCRIBE DATABASE fitbit'));
    expect(schemas.map((r) => [r.name, r.kind])).toEqual([
      ['EXTRA', 'SCHEMA'],
      ['INFORMATION_SCHEMA', 'SCHEMA'],
      ['PUBLIC', 'SCHEMA'],
    ]);
    expect(schemas[0]!.created_on).toMatch(/^\d+\.\d{9}$/);
    // No tables or views here, which is all DESCRIBE SCHEMA lists.
    expect((await one(engine, s, 'DESCRIBE SCHEMA fitbit.public')).rows).toEqual([]);
    const [wh] = objects(await one(engine, s, 'DESCRIBE WAREHOUSE sandbox_wh'));
    expect(wh).toMatchObject({ name: 'SANDBOX_WH', kind: 'WAREHOUSE' });
    // A role sees only the schemas it may use, and objects it cannot see do not exist for it.
    const writer = { ...s, role: 'FITBIT_WRITER' };
    const seen = objects(await one(engine, writer, 'DESCRIBE DATABASE fitbit')).map((r) => r.name);
    expect(seen).toEqual(['INFORMATION_SCHEMA', 'PUBLIC']);
    expect((await fails(one(engine, s, 'DESCRIBE DATABASE nope'))).code).toBe('002003');
    expect((await fails(one(engine, s, 'DESCRIBE WAREHOUSE nope'))).code).toBe('002003');
    expect((await fails(one(engine, writer, 'DESCRIBE SCHEMA fitbit.extra'))).code).toBe('002003');
  });

  it('timestamps are epoch seconds with 9 decimals', async () => {
    const [row] = objects(await one(engine, s, 'DESCRIBE SECRET fitbit.public.google_cred'));
    expect(row!.created_on).toBe('1795867200.000000000');
  });
});

describe('DDL', () => {
  it('CREATE … IF NOT EXISTS, OR REPLACE, and duplicate names', async () => {
    const r = await one(engine, s, 'CREATE ROLE IF NOT EXISTS fitbit_writer');
    expect(r.rows[0]![0]).toContain('already exists');
    expect((await fails(one(engine, s, 'CREATE ROLE fitbit_writer'))).code).toBe('002002');
    await one(
      engine,
      s,
      "CREATE OR REPLACE NETWORK RULE fitbit.public.r2 MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('a')",
    );
    await one(
      engine,
      s,
      "CREATE OR REPLACE NETWORK RULE fitbit.public.r2 MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('b', 'c')",
    );
    const [rule] = objects(await one(engine, s, 'DESC NETWORK RULE fitbit.public.r2'));
    expect(rule!.value_list).toBe("'b','c'");
  });

  it('ALTER … SET / UNSET for integrations, rules, EAIs and secrets', async () => {
    await one(engine, s, 'ALTER SECURITY INTEGRATION google_oauth SET ENABLED = FALSE');
    await one(engine, s, "ALTER NETWORK RULE fitbit.public.google_rule SET VALUE_LIST = ('x.example.com')");
    await one(
      engine,
      s,
      'ALTER EXTERNAL ACCESS INTEGRATION google_eai SET ALLOWED_AUTHENTICATION_SECRETS = ()',
    );
    await one(engine, s, "ALTER INTEGRATION google_oauth SET COMMENT = 'c1'");
    await one(engine, s, 'ALTER INTEGRATION google_oauth UNSET COMMENT');
    const integ = Object.fromEntries(
      objects(await one(engine, s, 'DESC SECURITY INTEGRATION google_oauth')).map((r) => [
        r.property,
        r.property_value,
      ]),
    );
    expect(integ.ENABLED).toBe('false');
    expect(integ.COMMENT).toBe('');
    expect(integ.OAUTH_CLIENT_AUTH_METHOD).toBe('CLIENT_SECRET_POST');
    const eai = Object.fromEntries(
      objects(await one(engine, s, 'DESCRIBE EXTERNAL ACCESS INTEGRATION google_eai')).map((r) => [
        r.property,
        r.property_value,
      ]),
    );
    expect(eai.ALLOWED_AUTHENTICATION_SECRETS).toBe('');
    expect(eai.ALLOWED_NETWORK_RULES).toBe('FITBIT.PUBLIC.GOOGLE_RULE,FITBIT.PUBLIC.INGRESS_RULE');
    const [rule] = objects(await one(engine, s, 'DESC NETWORK RULE fitbit.public.google_rule'));
    expect(rule!.value_list).toBe("'x.example.com'");
  });

  it('ALTER SECRET SET accepts spaces, commas and new lines between properties', async () => {
    s.role = 'FITBIT_WRITER';
    await one(
      engine,
      s,
      "ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN = 't1'\n OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2026-12-01 10:00:00',COMMENT = 'c'",
    );
    const [d] = objects(await one(engine, s, 'DESCRIBE SECRET fitbit.public.google_cred'));
    expect(d!.oauth_refresh_token_expiry_time).toBe(`${String(Date.UTC(2026, 11, 1, 10) / 1000)}.000000000`);
    expect(d!.comment).toBe('c');
    expect(d!.integration_name).toBe('GOOGLE_OAUTH');
  });

  it('refuses an expiry that is not a UTC timestamp, and binds in DDL', async () => {
    s.role = 'FITBIT_WRITER';
    const e = await fails(
      one(
        engine,
        s,
        "ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN_EXPIRY_TIME = 'tomorrow'",
      ),
    );
    expect(e.message).toMatch(/^SQL compilation error/);
    await fails(
      one(
        engine,
        s,
        "ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2026-02-30 00:00:00'",
      ),
    );
    const b = await fails(
      one(engine, s, 'ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN = ?', [
        { type: 'TEXT', value: 'x' },
      ]),
    );
    expect(b.code).toBe('002049');
  });

  it('DROP … IF EXISTS and DROP FUNCTION by signature', async () => {
    await one(engine, s, 'DROP NETWORK RULE IF EXISTS fitbit.public.nope');
    expect((await fails(one(engine, s, 'DROP NETWORK RULE fitbit.public.nope'))).code).toBe('002003');
    await one(engine, s, 'DROP FUNCTION IF EXISTS fitbit.public.daily_steps(VARCHAR)');
    await one(engine, s, 'DROP FUNCTION fitbit.public.daily_steps(DATE, DATE)');
    const fns = objects(await one(engine, s, "SHOW FUNCTIONS LIKE 'daily%' IN SCHEMA fitbit.public"));
    expect(fns).toEqual([]);
  });

  it('SHOW FUNCTIONS and DESCRIBE FUNCTION describe the table function', async () => {
    const [f] = objects(await one(engine, s, "SHOW USER FUNCTIONS LIKE 'DAILY_STEPS'"));
    expect(f!.arguments).toBe('DAILY_STEPS(DATE, DATE) RETURN TABLE (DAY DATE, STEPS NUMBER)');
    expect(f!.is_table_function).toBe('Y');
    const d = Object.fromEntries(
      objects(await one(engine, s, 'DESC FUNCTION fitbit.public.daily_steps(DATE, DATE)')).map((r) => [
        r.property,
        r.value,
      ]),
    );
    expect(d.signature).toBe('(START_DATE DATE, END_DATE DATE)');
    expect(d.handler).toBe('DailySteps');
    expect(d.language).toBe('PYTHON');
  });

  it('SHOW … LIKE filters case-insensitively, SHOW DATABASES/SCHEMAS/WAREHOUSES list the seed and setup', async () => {
    expect(objects(await one(engine, s, "SHOW SECRETS LIKE '%CRED'")).map((r) => r.name)).toEqual([
      'GOOGLE_CRED',
    ]);
    expect(objects(await one(engine, s, "SHOW NETWORK RULES LIKE 'google%'")).map((r) => r.name)).toEqual([
      'GOOGLE_RULE',
    ]);
    expect(objects(await one(engine, s, 'SHOW SECURITY INTEGRATIONS')).map((r) => r.name)).toEqual([
      'GOOGLE_OAUTH',
    ]);
    expect(objects(await one(engine, s, 'SHOW EXTERNAL ACCESS INTEGRATIONS')).map((r) => r.name)).toEqual([
      'GOOGLE_EAI',
    ]);
    expect(objects(await one(engine, s, 'SHOW DATABASES')).map((r) => r.name)).toEqual(['FITBIT']);
    expect(objects(await one(engine, s, 'SHOW SCHEMAS')).map((r) => r.name)).toEqual(['PUBLIC']);
    expect(objects(await one(engine, s, 'SHOW WAREHOUSES')).map((r) => r.name)).toEqual(['SANDBOX_WH']);
    expect(objects(await one(engine, s, 'SHOW ROLES')).map((r) => r.name)).toEqual(
      expect.arrayContaining(['ACCOUNTADMIN', 'SYSADMIN', 'PUBLIC', 'FITBIT_WRITER']),
    );
  });

  it('SELECT of context functions and literals', async () => {
    s.warehouse = 'SANDBOX_WH';
    const r = await one(
      engine,
      s,
      'SELECT CURRENT_ROLE(), CURRENT_USER(), CURRENT_WAREHOUSE(), CURRENT_ACCOUNT(), CURRENT_DATABASE(), CURRENT_SCHEMA(), 1',
    );
    expect(r.columns.map((c) => c.name)).toEqual([
      'CURRENT_ROLE()',
      'CURRENT_USER()',
      'CURRENT_WAREHOUSE()',
      'CURRENT_ACCOUNT()',
      'CURRENT_DATABASE()',
      'CURRENT_SCHEMA()',
      '1',
    ]);
    expect(r.rows).toEqual([
      ['ACCOUNTADMIN', 'SANDBOX_ADMIN', 'SANDBOX_WH', 'SANDBOX', 'FITBIT', 'PUBLIC', '1'],
    ]);
    expect(r.usedWarehouse).toBe(false);
  });

  it('USE statements change the session; USE ROLE needs a granted role', async () => {
    await one(engine, s, 'USE ROLE fitbit_writer');
    await one(engine, s, 'USE DATABASE fitbit');
    await one(engine, s, 'USE SCHEMA public');
    await one(engine, s, 'USE WAREHOUSE sandbox_wh');
    expect(s).toMatchObject({
      role: 'FITBIT_WRITER',
      database: 'FITBIT',
      schema: 'PUBLIC',
      warehouse: 'SANDBOX_WH',
    });
    await one(engine, s, 'USE ROLE accountadmin');
    await one(engine, s, 'CREATE ROLE stranger');
    expect((await fails(one(engine, s, 'USE ROLE stranger'))).code).toBe('002003');
    expect((await fails(one(engine, s, 'USE ROLE no_such_role'))).code).toBe('002003');
  });
});

describe('statements it does not understand', () => {
  it.each([
    ['FROBNICATE THE DATABASE', 'FROBNICATE', 1, 0],
    ['CREATE STAGE st', 'STAGE', 1, 7],
    ['SELECT 1 FROM', '<EOF>', 1, 13],
    ['ALTER SECRET s\n  RESET FOO', 'RESET', 2, 2],
    ["CREATE ROLE r WIBBLE = 'x'", 'WIBBLE', 1, 14],
  ])('%s → 001003', async (sql, near, line, pos) => {
    const e = await fails(one(engine, s, sql));
    expect(e.code).toBe('001003');
    expect(e.sqlState).toBe('42000');
    expect(e.message).toBe(
      `SQL compilation error:\nsyntax error line ${line} at position ${pos} unexpected '${near}'.`,
    );
  });

  it('GRANT … ON FUTURE is refused with a compilation error', async () => {
    const e = await fails(
      one(engine, s, 'GRANT USAGE ON FUTURE SCHEMAS IN DATABASE fitbit TO ROLE fitbit_udf'),
    );
    expect(e.message).toMatch(/^SQL compilation error:\n.*FUTURE/);
  });
});

describe('scripts', () => {
  it('runs a whole script with comments and $$ bodies containing semicolons, one result per statement', async () => {
    const { engine: fresh } = setupEngine();
    const rs = await script(fresh, admin(), SETUP);
    expect(rs.length).toBe(
      SETUP.split('\n').filter((l) => /;\s*(\/\*.*\*\/)?\s*$/.test(l) && !l.includes('_snowflake')).length,
    );
    expect(
      objects(await one(fresh, admin(), 'SHOW FUNCTIONS IN ACCOUNT'))
        .map((r) => r.name)
        .sort(),
    ).toEqual(['CONNECTION_CHECK', 'DAILY_STEPS']);
  });

  it('refuses several statements unless allowMulti, and empty text', async () => {
    expect((await fails(engine.execute(s, 'SELECT 1; SELECT 2'))).code).toBe('000008');
    expect((await fails(engine.execute(s, '  -- nothing\n'))).code).toBe('000900');
  });
});

describe('reset and the login seams', () => {
  it('restores the seed', async () => {
    expect(engine.roleExists('fitbit_writer')).toBe(true);
    engine.reset();
    expect(engine.roleExists('FITBIT_WRITER')).toBe(false);
    expect(engine.findUser('sandbox_admin')).toMatchObject({
      password: 'sandbox',
      defaultRole: 'ACCOUNTADMIN',
    });
    expect(engine.userCanUseRole('SANDBOX_ADMIN', 'SYSADMIN')).toBe(true);
    expect(engine.userCanUseRole('SANDBOX_ADMIN', 'NOPE')).toBe(false);
    expect(objects(await one(engine, admin(), 'SHOW DATABASES'))).toEqual([]);
  });
});
