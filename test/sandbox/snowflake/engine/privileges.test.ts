import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { admin, as, fails, objects, one, SETUP, script, setupEngine } from './helpers.js';

let engine: SqlEngine;
beforeEach(async () => {
  ({ engine } = setupEngine());
  await script(engine, admin(), SETUP);
  await script(
    engine,
    admin(),
    `CREATE ROLE reader; CREATE ROLE nobody; GRANT ROLE reader TO USER sandbox_admin; GRANT ROLE nobody TO USER sandbox_admin;
     GRANT USAGE ON DATABASE fitbit TO ROLE reader; GRANT USAGE ON SCHEMA fitbit.public TO ROLE reader;
     GRANT USAGE ON DATABASE fitbit TO ROLE nobody; GRANT USAGE ON SCHEMA fitbit.public TO ROLE nobody;`,
  );
  // OWNERSHIP of the secret went to FITBIT_WRITER in SETUP; READ goes to READER from its owner.
  await one(engine, as('FITBIT_WRITER'), 'GRANT READ ON SECRET fitbit.public.google_cred TO ROLE reader');
});

const ALTER = "ALTER SECRET fitbit.public.google_cred SET OAUTH_REFRESH_TOKEN = 'new'";

describe('secret privileges', () => {
  it('the owner may ALTER the secret', async () => {
    await one(engine, as('FITBIT_WRITER'), ALTER);
  });

  it('READ without OWNERSHIP: DESCRIBE works, ALTER fails with 003001', async () => {
    const [d] = objects(await one(engine, as('READER'), 'DESCRIBE SECRET fitbit.public.google_cred'));
    expect(d!.name).toBe('GOOGLE_CRED');
    const e = await fails(one(engine, as('READER'), ALTER));
    expect(e.code).toBe('003001');
    expect(e.sqlState).toBe('42501');
    expect(e.message).toBe(
      "SQL access control error:\nInsufficient privileges to operate on secret 'GOOGLE_CRED'",
    );
  });

  it('no privilege at all: 002003 "does not exist or not authorized"', async () => {
    for (const sql of [
      ALTER,
      'DESCRIBE SECRET fitbit.public.google_cred',
      'DROP SECRET fitbit.public.google_cred',
    ]) {
      const e = await fails(one(engine, as('NOBODY'), sql));
      expect(e.code).toBe('002003');
      expect(e.sqlState).toBe('02000');
      expect(e.message).toBe(
        "SQL compilation error:\nSecret 'FITBIT.PUBLIC.GOOGLE_CRED' does not exist or not authorized.",
      );
    }
    expect(objects(await one(engine, as('NOBODY'), 'SHOW SECRETS IN SCHEMA fitbit.public'))).toEqual([]);
  });

  it('ACCOUNTADMIN sees the secret (MANAGE GRANTS) but does not own it: 003001', async () => {
    expect((await fails(one(engine, admin(), ALTER))).code).toBe('003001');
  });

  it('an unknown secret is 002003, and needs USAGE on its database', async () => {
    const e = await fails(
      one(engine, as('FITBIT_WRITER'), "ALTER SECRET fitbit.public.nope SET COMMENT = 'x'"),
    );
    expect(e.message).toContain("Secret 'FITBIT.PUBLIC.NOPE' does not exist or not authorized.");
    await one(engine, admin(), 'REVOKE USAGE ON DATABASE fitbit FROM ROLE fitbit_writer');
    const e2 = await fails(one(engine, as('FITBIT_WRITER'), ALTER));
    expect(e2.message).toContain("Database 'FITBIT' does not exist or not authorized.");
  });

  it('role hierarchy: a role inherits the privileges of roles granted to it', async () => {
    await one(engine, admin(), 'CREATE ROLE boss');
    await one(engine, admin(), 'GRANT ROLE boss TO USER sandbox_admin');
    expect((await fails(one(engine, as('BOSS'), ALTER))).code).toBe('002003');
    await one(engine, admin(), 'GRANT ROLE fitbit_writer TO ROLE boss');
    await one(engine, as('BOSS'), ALTER);
    await one(engine, admin(), 'REVOKE ROLE fitbit_writer FROM ROLE boss');
    expect((await fails(one(engine, as('BOSS'), ALTER))).code).toBe('002003');
  });

  it('GRANT needs the owner or MANAGE GRANTS', async () => {
    const e = await fails(
      one(engine, as('READER'), 'GRANT READ ON SECRET fitbit.public.google_cred TO ROLE nobody'),
    );
    expect(e.code).toBe('003001');
    await one(engine, as('SECURITYADMIN'), 'GRANT READ ON SECRET fitbit.public.google_cred TO ROLE nobody');
    await one(engine, as('NOBODY'), 'DESCRIBE SECRET fitbit.public.google_cred');
  });

  it('GRANT OWNERSHIP with and without a current-grants clause', async () => {
    const e = await fails(
      one(engine, admin(), 'GRANT OWNERSHIP ON SECRET fitbit.public.google_cred TO ROLE reader'),
    );
    expect(e.code).toBe('003111');
    await one(
      engine,
      admin(),
      'GRANT OWNERSHIP ON SECRET fitbit.public.google_cred TO ROLE reader REVOKE CURRENT GRANTS',
    );
    const grants = objects(await one(engine, admin(), 'SHOW GRANTS ON SECRET fitbit.public.google_cred'));
    expect(grants.map((g) => [g.privilege, g.grantee_name])).toEqual([['OWNERSHIP', 'READER']]);
    await one(engine, as('READER'), ALTER);
  });
});

describe('account-level privileges', () => {
  it('creating an integration needs ACCOUNTADMIN (CREATE INTEGRATION)', async () => {
    for (const role of ['SYSADMIN', 'SECURITYADMIN', 'FITBIT_WRITER']) {
      const e = await fails(
        one(
          engine,
          as(role),
          'CREATE SECURITY INTEGRATION i2 TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2 ENABLED = TRUE',
        ),
      );
      expect(e.code).toBe('003001');
      expect(e.message).toBe(
        "SQL access control error:\nInsufficient privileges to operate on account 'SANDBOX'",
      );
      await fails(one(engine, as(role), 'CREATE EXTERNAL ACCESS INTEGRATION e2 ENABLED = TRUE'));
    }
    await one(engine, admin(), 'GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE sysadmin');
    await one(engine, as('SYSADMIN'), 'CREATE EXTERNAL ACCESS INTEGRATION e2 ENABLED = FALSE');
  });

  it('CREATE ROLE / USER need USERADMIN or higher', async () => {
    expect((await fails(one(engine, as('SYSADMIN'), 'CREATE ROLE r9'))).code).toBe('003001');
    await one(engine, as('USERADMIN'), 'CREATE ROLE r9');
    await one(engine, as('SECURITYADMIN'), 'CREATE USER u9');
  });

  it('creating in a schema needs ownership or CREATE <kind> on it', async () => {
    const sql = 'CREATE SECRET fitbit.public.s2 TYPE = OAUTH2 API_AUTHENTICATION = google_oauth';
    expect((await fails(one(engine, as('READER'), sql))).code).toBe('003001');
    await one(engine, admin(), 'GRANT CREATE SECRET ON SCHEMA fitbit.public TO ROLE reader');
    await one(engine, admin(), 'GRANT USAGE ON INTEGRATION google_oauth TO ROLE reader');
    await one(engine, as('READER'), sql);
    const [d] = objects(await one(engine, as('READER'), 'DESC SECRET fitbit.public.s2'));
    expect(d!.owner).toBe('READER');
  });
});

describe('SHOW GRANTS', () => {
  it('TO ROLE lists ownerships, privileges and inherited roles; TO USER lists roles; OF ROLE lists grantees', async () => {
    const toRole = objects(await one(engine, admin(), 'SHOW GRANTS TO ROLE fitbit_writer'));
    expect(toRole).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          privilege: 'OWNERSHIP',
          granted_on: 'SECRET',
          name: 'FITBIT.PUBLIC.GOOGLE_CRED',
        }),
        expect.objectContaining({ privilege: 'USAGE', granted_on: 'DATABASE', name: 'FITBIT' }),
      ]),
    );
    const toUser = objects(await one(engine, admin(), 'SHOW GRANTS TO USER sandbox_admin'));
    expect(toUser.map((g) => g.role)).toEqual(expect.arrayContaining(['ACCOUNTADMIN', 'FITBIT_WRITER']));
    const of = objects(await one(engine, admin(), 'SHOW GRANTS OF ROLE reader'));
    expect(of.map((g) => [g.granted_to, g.grantee_name])).toEqual([['USER', 'SANDBOX_ADMIN']]);
    const onFn = objects(
      await one(engine, admin(), 'SHOW GRANTS ON FUNCTION fitbit.public.daily_steps(DATE, DATE)'),
    );
    expect(onFn.map((g) => [g.privilege, g.grantee_name, g.name])).toEqual([
      ['OWNERSHIP', 'ACCOUNTADMIN', 'FITBIT.PUBLIC.DAILY_STEPS(DATE, DATE)'],
      ['USAGE', 'FITBIT_UDF', 'FITBIT.PUBLIC.DAILY_STEPS(DATE, DATE)'],
    ]);
  });
});

describe('users', () => {
  it('roles granted to a user gate USE ROLE and the login check', async () => {
    const s: SessionState = admin();
    await script(
      engine,
      s,
      'CREATE USER svc TYPE = SERVICE DEFAULT_ROLE = fitbit_writer; GRANT ROLE fitbit_writer TO USER svc;',
    );
    expect(engine.userCanUseRole('svc', 'fitbit_writer')).toBe(true);
    expect(engine.userCanUseRole('svc', 'ACCOUNTADMIN')).toBe(false);
    expect(engine.userCanUseRole('svc', 'PUBLIC')).toBe(true);
    expect(engine.findUser('SVC')).toMatchObject({
      type: 'SERVICE',
      defaultRole: 'FITBIT_WRITER',
      password: null,
    });
    await fails(one(engine, s, "CREATE USER svc2 TYPE = SERVICE PASSWORD = 'pw'"));
  });
});
