// The cheap checks' judgement, rule by rule, on facts built by hand (no Snowflake): each failure has
// its fix, "can't see it" is a warning, and the expiry follows the app's clock.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors/index.js';
import { setupDefaults } from '../../server/setup/defaults.js';
import { parseList } from '../../server/snowflake/chain-reader.js';
import { nameSql } from '../../server/snowflake/sql.js';
import { judgeChain, type StatusCheck } from '../../server/status/checks/index.js';
import { exitCodeFor } from '../../server/status/service.js';
import { config, facts, now, profile, unseen } from './status-fixtures.js';

const get = (checks: StatusCheck[], id: string) => checks.find((c) => c.id === id);

describe('judgeChain', () => {
  it('everything right: all ok', () => {
    const checks = judgeChain({ config: config(), profile, facts: facts(), now });
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual([
      'config',
      'client_status',
      'snowflake_signin',
      'secret',
      'secret_owner',
      'secret_integration',
      'token_expiry',
      'check_function',
      'integration_enabled',
      'integration_client_id',
      'integration_endpoints',
      'integration_scopes',
      'eai_enabled',
      'eai_secret',
      'network_rule',
    ]);
  });

  it('sign-in failed: one failed item with the error’s fix, nothing else read', () => {
    const err = new AppError('snowflake_login_failed', {
      status: 502,
      title: 't',
      why: 'JWT refused',
      fix: 'Check the key',
    });
    const checks = judgeChain({
      config: config(),
      profile,
      facts: { session: { kind: 'error', error: err }, eais: [], rules: [] },
      now,
    });
    expect(get(checks, 'snowflake_signin')).toMatchObject({
      status: 'failed',
      detail: 'JWT refused',
      fix: 'Check the key',
    });
    expect(get(checks, 'secret')).toBeUndefined();
  });

  it('a check function reading another secret fails', () => {
    const f = facts({
      checkFunction: {
        kind: 'ok',
        value: { externalAccessIntegrations: ['FITBIT_EAI'], secrets: { cred: 'OTHER.PUBLIC.S' } },
      },
    });
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'check_function');
    expect(c?.status).toBe('failed');
    expect(c?.detail).toContain('OTHER.PUBLIC.S');
  });

  it('scopes not allowed by the integration: the fix sets exactly the scopes the app requests', () => {
    const f = facts();
    (f.integration!.seen as { value: Record<string, string> }).value.OAUTH_ALLOWED_SCOPES = 'https://x/y';
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'integration_scopes');
    expect(c?.status).toBe('failed');
    expect(c?.fixSql).toBe(
      `ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ALLOWED_SCOPES = (${profile.defaultScopes.map((s) => `'${s}'`).join(', ')});`,
    );
  });

  it('scopes the integration allows beyond the app’s: a warning (a refresh naming them would be refused)', () => {
    const f = facts();
    const allowed = [...profile.defaultScopes, 'https://x/extra'].map((s) => `'${s}'`).join(', ');
    (f.integration!.seen as { value: Record<string, string> }).value.OAUTH_ALLOWED_SCOPES = `[${allowed}]`;
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'integration_scopes');
    expect(c?.status).toBe('warning');
    expect(c?.detail).toContain('https://x/extra');
    expect(c?.detail).toContain('invalid_scope');
    expect(c?.fixSql).toBe(
      `ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_ALLOWED_SCOPES = (${profile.defaultScopes.map((s) => `'${s}'`).join(', ')});`,
    );
  });

  it('a client ID with a quote is quoted in the fix', () => {
    const c = get(
      judgeChain({ config: config({ clientId: "it's" }), profile, facts: facts(), now }),
      'integration_client_id',
    );
    expect(c?.fixSql).toContain("OAUTH_CLIENT_ID = 'it''s'");
  });

  it('an integration the app cannot see is a warning that says what to grant', () => {
    const f = facts({ integration: { name: 'FITBIT_OAUTH_INTEGRATION', seen: unseen() } });
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'security_integration');
    expect(c).toMatchObject({
      status: 'warning',
      unseen: true,
      fixSql: 'GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE APP_ROLE;',
    });
  });

  it('a network rule the app cannot read (OWNERSHIP needed) is a warning, not a failure', () => {
    const f = facts({ rules: [{ name: 'FITBIT.PUBLIC.FITBIT_API_RULE', seen: unseen() }] });
    const c = get(judgeChain({ config: config(), profile, facts: f, now }), 'network_rule');
    expect(c).toMatchObject({ status: 'warning', unseen: true });
    expect(c?.fixSql).toBe('DESC NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE;');
  });

  it('a rule the app cannot read is ok once an end-to-end check since the last connect passed', () => {
    const at = '2026-11-20T11:59:00.000Z';
    for (const f of [
      facts({ rules: [{ name: 'FITBIT.PUBLIC.FITBIT_API_RULE', seen: unseen() }] }),
      // The integration listing the rules is out of sight too.
      facts({ eais: [{ name: 'FITBIT_EAI', seen: unseen() }], rules: [] }),
    ]) {
      const c = get(judgeChain({ config: config(), profile, facts: f, now, provenAt: at }), 'network_rule');
      expect(c).toMatchObject({ status: 'ok', fix: null, fixSql: null });
      expect(c?.detail).toContain(`Proven by the end-to-end check at ${at}`);
      expect(c?.detail).toContain('health.googleapis.com');
      expect(get(judgeChain({ config: config(), profile, facts: f, now }), 'network_rule')?.status).toBe(
        'warning',
      );
    }
    // A rule the app can read and that is wrong stays failed, whatever a check said.
    const wrong = facts({
      rules: [
        {
          name: 'R',
          seen: { kind: 'ok', value: { owner: 'O', type: 'HOST_PORT', mode: 'EGRESS', values: ['x.com'] } },
        },
      ],
    });
    expect(
      get(judgeChain({ config: config(), profile, facts: wrong, now, provenAt: at }), 'network_rule')?.status,
    ).toBe('failed');
  });

  it('an ingress rule, or a host on another port, does not allow the API', () => {
    const mk = (mode: string, values: string[]) =>
      facts({
        rules: [{ name: 'R', seen: { kind: 'ok', value: { owner: 'O', type: 'HOST_PORT', mode, values } } }],
      });
    const ingress = get(
      judgeChain({ config: config(), profile, facts: mk('INGRESS', ['health.googleapis.com']), now }),
      'network_rule',
    );
    expect(ingress?.status).toBe('failed');
    // MODE cannot be altered, and a rule an integration uses is not replaced blind: a new rule beside it.
    expect(ingress?.fixSql).not.toContain('OR REPLACE');
    expect(ingress?.fixSql).toContain('CREATE NETWORK RULE IF NOT EXISTS R_EGRESS MODE = EGRESS');
    expect(ingress?.fixSql).toContain('SET ALLOWED_NETWORK_RULES = (R_EGRESS)');
    expect(
      get(
        judgeChain({ config: config(), profile, facts: mk('EGRESS', ['health.googleapis.com:8443']), now }),
        'network_rule',
      )?.status,
    ).toBe('failed');
    expect(
      get(
        judgeChain({ config: config(), profile, facts: mk('EGRESS', ['health.googleapis.com:443']), now }),
        'network_rule',
      )?.status,
    ).toBe('ok');
  });

  it('in live mode with a custom API URL the rule must allow that host', () => {
    const c = get(
      judgeChain({
        config: config({ healthApiUrl: 'https://proxy.example.com' }),
        profile,
        facts: facts(),
        now,
      }),
      'network_rule',
    );
    expect(c?.status).toBe('failed');
    expect(c?.fixSql).toContain("'proxy.example.com'");
  });

  it('in sandbox mode the objects name the real provider hosts, not the stand-ins', () => {
    const c = config({ tokenUrl: 'http://127.0.0.1:9/token', healthApiUrl: 'http://127.0.0.1:9' }, 'sandbox');
    expect(judgeChain({ config: c, profile, facts: facts(), now }).filter((x) => x.status !== 'ok')).toEqual(
      [],
    );
  });

  describe('expiry, on the app’s clock', () => {
    const withExpiry = (iso: string) =>
      facts({
        secret: {
          kind: 'ok',
          value: {
            owner: 'APP_ROLE',
            type: 'OAUTH2',
            integration: 'FITBIT_OAUTH_INTEGRATION',
            refreshTokenExpiry: new Date(iso),
            accessTokenExpiry: null,
          },
        },
      });
    it('ok more than a day ahead, a warning within a day, failed once passed', () => {
      const at = (iso: string) =>
        get(
          judgeChain({
            config: config(),
            profile,
            facts: withExpiry('2026-11-25T00:00:00Z'),
            now: new Date(iso),
          }),
          'token_expiry',
        )?.status;
      expect(at('2026-11-20T00:00:00Z')).toBe('ok');
      expect(at('2026-11-24T01:00:00Z')).toBe('warning');
      expect(at('2026-11-25T00:00:01Z')).toBe('failed');
    });
    it('with a connect in the event log, its expiry (or none) wins over a stale one in the secret', () => {
      const judge = (localHistory: boolean, knownExpiry?: Date) =>
        get(
          judgeChain({
            config: config(),
            profile,
            facts: withExpiry('2026-11-19T00:00:00Z'),
            now,
            knownExpiry,
            localHistory,
          }),
          'token_expiry',
        );
      expect(judge(false)?.status).toBe('failed');
      expect(judge(true)).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('No expiry is known'),
      });
      const known = judge(true, new Date('2026-11-20T11:00:00Z'));
      expect(known?.status).toBe('failed');
      expect(known?.detail).toContain('the provider’s token response');
    });
    it('falls back to the expiry learnt at connect, and explains a Testing client', () => {
      const c = get(
        judgeChain({
          config: config({ clientStatus: 'testing' }),
          profile,
          facts: facts(),
          now,
          knownExpiry: new Date('2026-11-20T11:00:00Z'),
        }),
        'token_expiry',
      );
      expect(c?.status).toBe('failed');
      expect(c?.detail).toContain('Testing-status');
      expect(
        get(
          judgeChain({ config: config({ clientStatus: 'testing' }), profile, facts: facts(), now }),
          'client_status',
        )?.status,
      ).toBe('warning');
    });
  });
});

describe('helpers', () => {
  it('parseList reads the list shapes Snowflake prints', () => {
    expect(parseList('[FITBIT_EAI]')).toEqual(['FITBIT_EAI']);
    expect(parseList("'a.com','b.com'")).toEqual(['a.com', 'b.com']);
    expect(parseList('')).toEqual([]);
    expect(parseList(null)).toEqual([]);
  });
  it('nameSql quotes only parts that need it', () => {
    expect(nameSql('FITBIT.PUBLIC.RULE')).toBe('FITBIT.PUBLIC.RULE');
    expect(nameSql('FITBIT.PUBLIC.my rule')).toBe('FITBIT.PUBLIC."my rule"');
  });
  it.each(['google-health', 'fitbit'] as const)(
    'the default object names in fixes are the %s setup script’s',
    (provider) => {
      expect(setupDefaults(provider)).toMatchObject({
        warehouse: 'FITBIT_WH',
        ownerRole: 'SYSADMIN',
        appRole: 'FITBIT_CONNECT_APP_ROLE',
        appUser: 'FITBIT_CONNECT_APP',
        securityIntegration: 'FITBIT_OAUTH_INTEGRATION',
        networkRule: 'FITBIT.PUBLIC.FITBIT_API_RULE',
        secret: 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
        checkFunction: 'FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK',
      });
      // Only the Google Health script creates the daily-steps function the status chart reads.
      expect(setupDefaults(provider).dataFunction).toBe(
        provider === 'google-health' ? 'FITBIT.PUBLIC.FITBIT_DAILY_STEPS' : undefined,
      );
    },
  );
  it('exit codes: 0 connected, 1 needs attention, 2 broken', () => {
    expect(exitCodeFor('connected')).toBe(0);
    expect(exitCodeFor('warning')).toBe(1);
    expect(exitCodeFor('needs_reauth')).toBe(1);
    expect(exitCodeFor('not_connected')).toBe(1);
    expect(exitCodeFor('misconfigured')).toBe(2);
    expect(exitCodeFor('error')).toBe(2);
  });
});
