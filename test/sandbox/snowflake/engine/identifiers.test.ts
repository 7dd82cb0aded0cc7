import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionState, SqlEngine } from '../../../../sandbox/snowflake/contract.js';
import { admin, fails, objects, one, script, setupEngine } from './helpers.js';

let engine: SqlEngine;
let s: SessionState;
beforeEach(async () => {
  ({ engine } = setupEngine());
  s = admin();
  await script(
    engine,
    s,
    `CREATE DATABASE db1; CREATE SCHEMA db1.sch; CREATE DATABASE "Db2"; CREATE SCHEMA "Db2"."My Schema";
     CREATE SECURITY INTEGRATION integ TYPE = API_AUTHENTICATION AUTH_TYPE = OAUTH2 ENABLED = TRUE;`,
  );
});

const secretNames = async (sql: string) =>
  objects(await one(engine, s, sql)).map((r) => [r.database_name, r.schema_name, r.name]);

describe('identifiers', () => {
  it('unquoted names fold to upper case; quoted ones keep case and are distinct', async () => {
    await one(engine, s, 'CREATE ROLE mixed');
    await one(engine, s, 'CREATE ROLE "Mixed"');
    await one(engine, s, 'CREATE ROLE "MIXED2"');
    const names = objects(await one(engine, s, "SHOW ROLES LIKE 'mixed%'")).map((r) => r.name);
    expect(names.sort()).toEqual(['MIXED', 'MIXED2', 'Mixed']);
    expect((await fails(one(engine, s, 'CREATE ROLE "MIXED"'))).code).toBe('002002'); // "MIXED" is mixed
    expect(engine.roleExists('mixed')).toBe(true);
  });

  it('"" escapes a quote inside a quoted identifier', async () => {
    await one(engine, s, 'CREATE SECRET db1.sch."say ""hi""" TYPE = OAUTH2 API_AUTHENTICATION = integ');
    expect(await secretNames('SHOW SECRETS IN SCHEMA db1.sch')).toEqual([['DB1', 'SCH', 'say "hi"']]);
    const e = await fails(one(engine, s, 'DESCRIBE SECRET db1.sch."say ""HI"""'));
    expect(e.message).toContain(`Secret 'DB1.SCH."say ""HI"""' does not exist or not authorized.`);
  });

  it('1-, 2- and 3-part names resolve against the session database and schema', async () => {
    await one(engine, s, 'USE SCHEMA db1.sch');
    await one(engine, s, 'CREATE SECRET one_part TYPE = OAUTH2 API_AUTHENTICATION = integ');
    await one(engine, s, 'CREATE SECRET public.two_part TYPE = OAUTH2 API_AUTHENTICATION = integ');
    await one(
      engine,
      s,
      'CREATE SECRET "Db2"."My Schema".three_part TYPE = OAUTH2 API_AUTHENTICATION = integ',
    );
    expect(await secretNames('SHOW SECRETS IN ACCOUNT')).toEqual([
      ['DB1', 'PUBLIC', 'TWO_PART'],
      ['DB1', 'SCH', 'ONE_PART'],
      ['Db2', 'My Schema', 'THREE_PART'],
    ]);
    await one(engine, s, 'DESCRIBE SECRET db1.sch.one_part');
    await one(engine, s, 'USE DATABASE "Db2"');
    expect(s.schema).toBe('PUBLIC');
    await one(engine, s, 'DESCRIBE SECRET "My Schema".three_part');
    expect((await fails(one(engine, s, 'DESCRIBE SECRET three_part'))).code).toBe('002003');
    expect((await fails(one(engine, s, 'DESCRIBE SECRET "Db2"."my schema".three_part'))).code).toBe('002003');
  });

  it('an unqualified name with no current database is refused', async () => {
    const fresh = admin();
    const e = await fails(one(engine, fresh, 'CREATE SECRET x TYPE = OAUTH2 API_AUTHENTICATION = integ'));
    expect(e.code).toBe('090105');
  });

  it('CREATE DATABASE / SCHEMA make the new container current', async () => {
    const fresh = admin();
    await one(engine, fresh, 'CREATE DATABASE db3');
    expect([fresh.database, fresh.schema]).toEqual(['DB3', 'PUBLIC']);
    await one(engine, fresh, 'CREATE SCHEMA "lower"');
    expect([fresh.database, fresh.schema]).toEqual(['DB3', 'lower']);
    const r = await one(engine, fresh, 'SELECT CURRENT_SCHEMA()');
    expect(r.rows).toEqual([['lower']]);
  });
});
