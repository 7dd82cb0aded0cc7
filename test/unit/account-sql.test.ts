// The several-accounts rendering (server/setup/account-sql.ts): the per-account blocks with an account's
// names, the integration's list with every account's secret, and the raw scripts unchanged for one account.
import { describe, expect, it } from 'vitest';
import {
  allowedSecrets,
  renderAccountSql,
  renderRemoveAccountSql,
  renderScriptForAccounts,
  templateBlocks,
} from '../../server/setup/account-sql.js';
import { templateValues } from '../../server/setup/inputs.js';
import { readScript, renderScript, splitStatements, TemplateError } from '../../server/setup/templates.js';

const inputs = { provider: 'google-health' as const, clientId: 'id', clientSecret: 'secret', scopes: [] };
const values = templateValues(inputs, 'setup-google-health');

describe('account SQL', () => {
  it('leaves a one-account setup exactly as the script renders it', () => {
    for (const script of ['setup-google-health', 'setup-fitbit', 'teardown'] as const) {
      const v = templateValues(
        { ...inputs, provider: script === 'setup-fitbit' ? 'fitbit' : 'google-health' },
        script,
      );
      expect(renderScriptForAccounts(script, v, ['default'])).toBe(renderScript(script, v));
    }
    expect(renderScript('setup-google-health', values)).toContain(
      'ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN)\n',
    );
  });

  it('marks the secret and the functions of each setup script, each block under a USE ROLE', () => {
    for (const script of ['setup-google-health', 'setup-fitbit'] as const) {
      const blocks = templateBlocks(readScript(script));
      expect(blocks.map((b) => b.kind)).toEqual(['per-account', 'all-accounts', 'per-account']);
      expect(blocks.map((b) => b.role)).toEqual([
        'USE ROLE <% owner_role | default("SYSADMIN") %>;',
        'USE ROLE ACCOUNTADMIN;',
        'USE ROLE <% owner_role | default("SYSADMIN") %>;',
      ]);
      // Each block is whole statements: it splits as SQL on its own.
      for (const b of blocks) expect(splitStatements(b.text).length).toBeGreaterThan(0);
    }
  });

  it('renders alice’s SQL with only her names, and the integration listing every account', () => {
    const sql = renderAccountSql({ provider: 'google-health', values, labels: ['default', 'bob'] }, 'alice');
    const statements = splitStatements(sql).map((s) => s.replace(/^(?:--[^\n]*\n|\s*\n)+/, ''));
    // The last USE ROLE is the daily load's part (the pipeline role's grant on her data function).
    expect(statements.filter((s) => s.startsWith('USE ROLE'))).toEqual([
      'USE ROLE SYSADMIN',
      'USE ROLE ACCOUNTADMIN',
      'USE ROLE SYSADMIN',
      'USE ROLE SYSADMIN',
    ]);
    expect(sql).toContain('GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA_ALICE');
    expect(statements).toContain(
      'GRANT READ ON SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE TO ROLE FITBIT_READER',
    );
    expect(sql).toContain(
      'ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE)',
    );
    const secrets = [...sql.matchAll(/SECRETS = \('cred' = ([^)]+)\)/g)].map((m) => m[1]);
    expect(secrets).toEqual(Array(3).fill('FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE'));
    // Bob's secret is made if missing (the integration may list only secrets that exist) and listed, but
    // never bound to one of her functions.
    const bob = sql.split('\n').filter((l) => l.includes('_BOB'));
    expect(
      bob.some((l) => l.startsWith('CREATE SECRET IF NOT EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB')),
    ).toBe(true);
    expect(
      bob.every(
        (l) =>
          l.startsWith('--') ||
          l.includes('ALLOWED_AUTHENTICATION_SECRETS') ||
          /^(CREATE SECRET IF NOT EXISTS|GRANT (OWNERSHIP|READ) ON SECRET) FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN_BOB\b/.test(
            l,
          ),
      ),
    ).toBe(true);
    expect(sql).not.toContain('CLIENT_SECRET =');
    expect(sql).not.toMatch(/FUNCTION FITBIT\.PUBLIC\.FITBIT_CONNECTION_CHECK\(/);
  });

  it('names quoted and lower-case settings by the same rule as the app', () => {
    const v = templateValues({ ...inputs, snowflakeSecret: 'db.sc."my token"' }, 'setup-google-health');
    expect(allowedSecrets('setup-google-health', v, ['alice'])).toEqual([
      'DB.SC."my token"',
      'DB.SC."my token_ALICE"',
    ]);
  });

  it('removes an account: functions, the list without it, then its secret', () => {
    const sql = renderRemoveAccountSql(
      { provider: 'google-health', values, labels: ['alice', 'bob'] },
      'bob',
    );
    const order = [
      'DROP FUNCTION IF EXISTS FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK_BOB()',
      'ALTER EXTERNAL ACCESS',
      'DROP SECRET IF EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_BOB',
    ];
    const at = order.map((s) => sql.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(sql).toContain(
      'ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE)',
    );
  });

  it('refuses a bad label and an other_secrets value that is not a list of names', () => {
    expect(() => renderAccountSql({ provider: 'google-health', values, labels: [] }, 'Alice')).toThrow(
      TemplateError,
    );
    expect(() => renderAccountSql({ provider: 'google-health', values, labels: [] }, 'default')).toThrow(
      TemplateError,
    );
    expect(() =>
      renderScript('setup-google-health', { ...values, other_secrets: ', A); DROP DATABASE X; --' }),
    ).toThrow(/list of Snowflake names/);
    expect(renderScript('setup-google-health', { ...values, other_secrets: ', A.B."c d"' })).toContain(
      '(FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN, A.B."c d")',
    );
  });
});
