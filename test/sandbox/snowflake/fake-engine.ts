// A tiny SqlEngine for testing the protocol layer on its own: a handful of statements, fixed users.
import type {
  Bind,
  FunctionRunner,
  ResultSet,
  SandboxUser,
  SessionState,
  SqlEngine,
} from '../../../sandbox/snowflake/contract.js';
import { SqlError } from '../../../sandbox/snowflake/contract.js';

export const FAKE_WAREHOUSE = 'SANDBOX_WH';

function user(name: string, over: Partial<SandboxUser> = {}): SandboxUser {
  return {
    name,
    type: 'PERSON',
    password: null,
    rsaPublicKey: null,
    rsaPublicKey2: null,
    defaultRole: null,
    defaultWarehouse: null,
    defaultNamespace: null,
    disabled: false,
    pats: [],
    ...over,
  };
}

export interface FakeEngine extends SqlEngine {
  users: Map<string, SandboxUser>;
  grants: Map<string, Set<string>>;
  executed: string[];
}

export function createFakeEngine(opts: { runner: FunctionRunner }): FakeEngine {
  const users = new Map<string, SandboxUser>();
  const grants = new Map<string, Set<string>>();
  const executed: string[] = [];
  const seed = () => {
    users.clear();
    grants.clear();
    users.set(
      'SANDBOX_ADMIN',
      user('SANDBOX_ADMIN', {
        password: 'sandbox',
        defaultRole: 'ACCOUNTADMIN',
        defaultWarehouse: FAKE_WAREHOUSE,
      }),
    );
    grants.set('SANDBOX_ADMIN', new Set(['ACCOUNTADMIN', 'PUBLIC']));
    users.set('OFF_USER', user('OFF_USER', { password: 'pw', disabled: true }));
    grants.set('OFF_USER', new Set(['PUBLIC']));
  };
  seed();
  const one = (
    name: string,
    type: ResultSet['columns'][number]['type'],
    value: string | null,
  ): ResultSet => ({
    columns: [{ name, type }],
    rows: [[value]],
    usedWarehouse: false,
  });

  async function statement(s: SessionState, sql: string, binds: Bind[]): Promise<ResultSet> {
    executed.push(sql);
    const t = sql.trim().replace(/;$/, '');
    if (/^SELECT 1$/i.test(t)) return one('1', 'fixed', '1');
    if (/^SELECT CURRENT_ROLE\(\)$/i.test(t)) return one('CURRENT_ROLE()', 'text', s.role);
    if (/^SELECT CURRENT_WAREHOUSE\(\)$/i.test(t)) return one('CURRENT_WAREHOUSE()', 'text', s.warehouse);
    if (/^SELECT TO_DATE\('2026-11-02'\)$/i.test(t)) return one('D', 'date', '2026-11-02');
    if (/^SELECT \?(, \?)*$/i.test(t)) {
      return {
        columns: binds.map((b, i) => ({ name: `B${i + 1}_${b.type}`, type: 'text' as const })),
        rows: [binds.map((b) => b.value)],
        usedWarehouse: false,
      };
    }
    const use = /^USE WAREHOUSE "?(\w+)"?$/i.exec(t);
    if (use) {
      if (use[1]!.toUpperCase() !== FAKE_WAREHOUSE) {
        throw new SqlError(
          '002043',
          '02000',
          'SQL compilation error:\nObject does not exist, or operation cannot be performed.',
        );
      }
      s.warehouse = FAKE_WAREHOUSE;
      return one('status', 'text', 'Statement executed successfully.');
    }
    const py = /^SELECT PY\('(.*)'\)$/is.exec(t);
    if (py) {
      if (!s.warehouse)
        throw new SqlError(
          '000606',
          '57P03',
          "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n",
        );
      const out = await opts.runner.run({
        functionName: 'DB.PUBLIC.PY',
        kind: 'scalar',
        handler: 'run',
        body: py[1]!.replace(/\\n/g, '\n'),
        runtimeVersion: '3.11',
        packages: [],
        returnType: 'VARCHAR',
        tableColumns: [],
        argTypes: [],
        args: [],
        secrets: [],
        allowedHosts: [],
      });
      return { ...one('PY', 'text', out.kind === 'scalar' ? out.value : null), usedWarehouse: true };
    }
    if (/^ALTER SECRET /i.test(t)) return one('status', 'text', 'Statement executed successfully.');
    throw new SqlError(
      '001003',
      '42000',
      `SQL compilation error:\nsyntax error line 1 at position 0 unexpected '${t.split(/\s/)[0]}'.`,
    );
  }

  return {
    users,
    grants,
    executed,
    async execute(s, sqlText, binds = [], allowMulti = false) {
      const parts = sqlText.split(';').filter((p) => p.trim());
      if (parts.length > 1 && !allowMulti) {
        throw new SqlError(
          '000008',
          '0A000',
          `Actual statement count ${parts.length} did not match the desired statement count 1.`,
        );
      }
      const out: ResultSet[] = [];
      for (const p of parts) out.push(await statement(s, p, binds));
      return out;
    },
    findUser: (name) => users.get(name),
    userCanUseRole: (u, r) => grants.get(u)?.has(r) ?? false,
    roleExists: (r) => ['ACCOUNTADMIN', 'PUBLIC', 'APP_ROLE'].includes(r),
    reset: seed,
    redact: (sql) =>
      sql.replace(
        /(OAUTH_REFRESH_TOKEN|OAUTH_CLIENT_SECRET|PASSWORD)(\s*=\s*)'(?:[^'\\]|\\.|'')*'/gi,
        "$1$2'***'",
      ),
  };
}
