// sql/pipeline-google-health.sql as a template: it renders from the app's configuration (the data kinds of
// PIPELINE_DATA_TYPES, the secret's database and schema, the app's role and warehouse), every kind the
// procedure can load has its table in the script, and the script keeps the shape a safe re-run needs.
// Running it is test/integration/pipeline.test.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AppConfig, parseConfig } from '../../server/config/index.js';
import { DATA_KINDS } from '../../server/providers/index.js';
import { pipelineDefaults, pipelineTables } from '../../server/setup/defaults.js';
import { templateValues } from '../../server/setup/inputs.js';
import {
  pipelineAccountBlock,
  pipelineAccountSql,
  renderPipelineAccountSql,
} from '../../server/setup/pipeline-account-sql.js';
import {
  readScript,
  renderScript,
  renderTemplate,
  scriptNames,
  scriptVariables,
  splitStatements,
  TemplateError,
} from '../../server/setup/templates.js';
import { setupScripts } from '../../server/status/setup-scripts.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = 'pipeline-google-health';

const LIVE = {
  OAUTH_CLIENT_ID: 'client-id.apps.googleusercontent.com',
  OAUTH_CLIENT_SECRET: 'client-secret-value',
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'HEALTH_APP',
  SNOWFLAKE_ROLE: 'HEALTH_APP_ROLE',
  SNOWFLAKE_WAREHOUSE: 'HEALTH_WH',
  SNOWFLAKE_PASSWORD: 'pw-value',
  SNOWFLAKE_SECRET: 'analytics.health.google_token',
  SNOWFLAKE_CHECK_FUNCTION: 'ANALYTICS.HEALTH.HEALTH_CHECK',
};

function live(env: Record<string, string>): AppConfig {
  const r = parseConfig(env);
  if (r.sandbox) throw new Error('expected live mode');
  return r.config;
}

/** The statements of a rendered script, leading comments dropped, white space folded. */
const statements = (sql: string) =>
  splitStatements(sql).map((s) => s.replace(/^(--[^\n]*\n|\s)+/, '').replace(/\s+/g, ' '));

/** The columns a CREATE TABLE statement declares. */
function columnsOf(sql: string, table: string): string[] {
  const create = statements(sql).find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${table} (`));
  expect(create, table).toBeDefined();
  return [...create!.matchAll(/[(,] (\w+) (?:VARCHAR|DATE|NUMBER|FLOAT|TIMESTAMP_NTZ|VARIANT)\b/g)].map(
    (m) => m[1]!,
  );
}

describe('pipeline-google-health.sql', () => {
  it('renders from the app’s configuration, on the /setup page between setup and teardown', () => {
    const config = live({ ...LIVE, PIPELINE_DATA_TYPES: 'sleep steps' });
    const scripts = setupScripts(config);
    expect(scripts.map((s) => s.name)).toEqual(['setup-google-health', SCRIPT, 'teardown']);
    const pipeline = scripts.find((s) => s.name === SCRIPT)!;
    expect(pipeline.error).toBeUndefined();
    expect(pipeline.parts).toHaveLength(1); // no client secret in it: nothing to mask
    const sql = pipeline.parts[0]!;
    // PIPELINE_DATA_TYPES, in the app's order; the secret's database and schema; the app's role and warehouse.
    expect(sql).toContain("CONFIGURED = 'steps,sleep'");
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS ANALYTICS.HEALTH.FITBIT_STEPS (');
    // The load calls each account's data function only (no check function: the rows are keyed by the label).
    expect(sql).toContain("DATA_FUNCTION = 'FITBIT_DAILY_DATA'");
    expect(sql).not.toMatch(/HEALTH_CHECK|CHECK_FUNCTION/);
    expect(sql).toContain('GRANT USAGE ON WAREHOUSE HEALTH_WH TO ROLE FITBIT_PIPELINE_ROLE;');
    expect(sql).toMatch(
      /CREATE TASK IF NOT EXISTS ANALYTICS\.HEALTH\.FITBIT_DAILY_LOAD\s+WAREHOUSE = HEALTH_WH/,
    );
    expect(sql).toContain(
      'GRANT MONITOR, OPERATE ON TASK ANALYTICS.HEALTH.FITBIT_DAILY_LOAD TO ROLE HEALTH_APP_ROLE;',
    );
    expect(sql).toContain('GRANT SELECT ON TABLE ANALYTICS.HEALTH.FITBIT_LOAD_RUNS TO ROLE HEALTH_APP_ROLE;');
    expect(sql).not.toMatch(/<%|%>/);
    // Without PIPELINE_DATA_TYPES every kind loads.
    const all = setupScripts(live(LIVE)).find((s) => s.name === SCRIPT)!.parts[0]!;
    expect(all).toContain(`CONFIGURED = '${DATA_KINDS.join(',')}'`);
  });

  it('has a table for every kind the app can configure, with the columns its MERGE writes', () => {
    const setup = readScript('setup-google-health');
    // What FITBIT_DAILY_DATA returns (the setup script's second table function), upper-cased as Snowflake does.
    const returned = [...setup.matchAll(/RETURNS TABLE\s*\(([^)]*)\)/g)].at(-1)![1]!.toUpperCase();
    expect(returned).toMatch(/^ACCOUNT VARCHAR, DAY DATE, STEPS NUMBER/);
    const raw = readScript(SCRIPT);
    const tables = pipelineTables(raw);
    expect(Object.keys(tables).sort()).toEqual([...DATA_KINDS].sort());
    for (const kinds of [[...DATA_KINDS], ['sleep'], ['steps', 'calories']] as const) {
      const sql = renderScript(
        SCRIPT,
        templateValues(
          { provider: 'google-health', clientId: '', clientSecret: '', scopes: [], dataKinds: [...kinds] },
          SCRIPT,
        ),
      );
      expect(sql).toContain(`CONFIGURED = '${kinds.join(',')}'`);
      // Every table is created, loaded or not: the dashboard and readers find all six.
      for (const kind of DATA_KINDS) {
        const columns = columnsOf(sql, `FITBIT.PUBLIC.${tables[kind]}`);
        expect(columns.slice(0, 2)).toEqual(['ACCOUNT', 'DAY']);
        expect(columns.slice(-2)).toEqual(['LOADED_AT', 'HEALTH_USER_ID']);
        // The procedure's KINDS entry: (table column, function column) pairs, each real on both sides.
        const entry = new RegExp(
          `^ {4}'${kind}': \\('${tables[kind]}', (\\d+), \\(([\\s\\S]*?)\\)\\),?$`,
          'm',
        ).exec(sql);
        expect(entry, kind).not.toBeNull();
        expect(entry![1]).toBe(kind === 'calories' ? '14' : '90'); // the API's window for the kind
        const pairs = [...entry![2]!.matchAll(/\('(\w+)', '(\w+)'\)/g)].map((m) => [m[1]!, m[2]!]);
        expect(pairs.length).toBeGreaterThan(0);
        expect(pairs.map(([column]) => column)).toEqual(columns.slice(2, -2));
        for (const [, source] of pairs)
          expect(returned, `${kind}: ${source}`).toMatch(new RegExp(`\\b${source}\\b`));
      }
    }
    expect(columnsOf(renderScript(SCRIPT, {}), 'FITBIT.PUBLIC.FITBIT_LOAD_RUNS')).toEqual([
      'RUN_ID',
      'ACCOUNT',
      'STARTED_AT',
      'FINISHED_AT',
      'OUTCOME',
      'ROWS_CHANGED',
      'LATEST_DAY',
      'ERROR_CODE',
      'ERROR_MESSAGE',
      'DETAIL',
    ]);
  });

  it('runs as ACCOUNTADMIN, then the database owner, then the pipeline role, and re-runs without loss', () => {
    let role = '';
    const byRole = statements(renderScript(SCRIPT, {})).map((s) => {
      const use = /^USE ROLE (\w+)$/.exec(s);
      if (use) role = use[1]!;
      return [role, s] as const;
    });
    const where = (re: RegExp) => byRole.filter(([, s]) => re.test(s)).map(([r]) => r);
    expect(byRole[0]).toEqual(['ACCOUNTADMIN', 'USE ROLE ACCOUNTADMIN']);
    expect(where(/^CREATE ROLE IF NOT EXISTS FITBIT_PIPELINE_ROLE /)).toEqual(['ACCOUNTADMIN']);
    expect(where(/^GRANT EXECUTE TASK ON ACCOUNT TO ROLE FITBIT_PIPELINE_ROLE$/)).toEqual(['ACCOUNTADMIN']);
    expect(new Set(where(/^GRANT .* TO ROLE FITBIT_PIPELINE_ROLE$/).slice(2))).toEqual(new Set(['SYSADMIN']));
    expect(new Set(where(/^(CREATE|ALTER TASK)/).slice(1))).toEqual(new Set(['FITBIT_PIPELINE_ROLE']));
    // Only the procedure is replaced; the task is created if missing, suspended, set, and resumed last.
    const creates = byRole.map(([, s]) => s).filter((s) => s.startsWith('CREATE '));
    expect(creates.filter((s) => s.startsWith('CREATE OR REPLACE')).map((s) => s.split(' ')[3])).toEqual([
      'PROCEDURE',
    ]);
    for (const s of creates.filter((c) => !c.startsWith('CREATE OR REPLACE'))) {
      expect(s).toMatch(/^CREATE (ROLE|TABLE|TASK) IF NOT EXISTS /);
    }
    const task = byRole.map(([, s]) => s).filter((s) => s.includes('FITBIT.PUBLIC.FITBIT_DAILY_LOAD'));
    expect(
      task.map(
        (s) => s.split(' ').slice(0, 2).join(' ') + (/ (SUSPEND|SET|MODIFY AS|RESUME)\b/.exec(s)?.[0] ?? ''),
      ),
    ).toEqual([
      'CREATE TASK',
      'ALTER TASK SUSPEND',
      'ALTER TASK SET',
      'ALTER TASK MODIFY AS',
      'GRANT MONITOR,',
      'ALTER TASK RESUME',
    ]);
    expect(byRole.at(-1)![1]).toBe('ALTER TASK FITBIT.PUBLIC.FITBIT_DAILY_LOAD RESUME');
    expect(task[0]).toMatch(
      /SCHEDULE = 'USING CRON 0 7 \* \* \* UTC' .* AS CALL FITBIT\.PUBLIC\.FITBIT_LOAD\(NULL, 365\)$/,
    );
  });

  it('takes a history in days and a schedule, refusing values that would break out of their place', () => {
    const sql = renderScript(SCRIPT, {
      history_days: '730',
      schedule: 'USING CRON 30 5 * * * Europe/Berlin',
    });
    expect(sql).toContain('MODIFY AS CALL FITBIT.PUBLIC.FITBIT_LOAD(NULL, 730);');
    expect(sql).toContain("SCHEDULE = 'USING CRON 30 5 * * * Europe/Berlin'");
    for (const [name, value] of [
      ['history_days', '365); DROP TABLE X; --'],
      ['history_days', '-1'],
      ['schedule', "x'; DROP TABLE X; --"],
      ['data_kinds', "steps'\nimport os"],
    ] as const) {
      expect(() => renderScript(SCRIPT, { [name]: value }), `${name}=${value}`).toThrow(TemplateError);
    }
    expect(scriptVariables(SCRIPT).find((v) => v.name === 'history_days')?.contexts).toEqual(['number']);
  });

  it.skipIf(spawnSync('python3', ['-c', 'import ast']).status !== 0)(
    'has a procedure body that compiles',
    () => {
      const body = /AS \$\$\n([\s\S]*?)\$\$;/.exec(renderScript(SCRIPT, {}))![1]!;
      expect(body).toMatch(/^def run\(session, account, history_days\):$/m);
      const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
        input: body,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('names its objects for the app: pipelineDefaults()', () => {
    expect(pipelineDefaults('google-health')).toMatchObject({
      pipelineRole: 'FITBIT_PIPELINE_ROLE',
      loadProcedure: 'FITBIT.PUBLIC.FITBIT_LOAD',
      loadTask: 'FITBIT.PUBLIC.FITBIT_DAILY_LOAD',
      runsTable: 'FITBIT.PUBLIC.FITBIT_LOAD_RUNS',
      historyDays: 365,
      schedule: 'USING CRON 0 7 * * * UTC',
      tables: { steps: 'FITBIT.PUBLIC.FITBIT_STEPS', sleep: 'FITBIT.PUBLIC.FITBIT_SLEEP' },
    });
    expect(pipelineDefaults('fitbit')).toBeUndefined();
  });

  it('is for google-health only: the legacy provider has no daily-data function', () => {
    expect(setupScripts(live({ ...LIVE, PROVIDER: 'fitbit' })).map((s) => s.name)).toEqual([
      'setup-fitbit',
      'teardown',
    ]);
    expect(() =>
      templateValues({ provider: 'fitbit', clientId: 'x', clientSecret: 'y', scopes: [] }, SCRIPT),
    ).toThrow(/pipeline-google-health is for google-health: the configuration is for fitbit/);
  });

  it('is undone by teardown: every object it creates is dropped', () => {
    const drops = statements(renderScript('teardown', {})).filter((s) => s.startsWith('DROP '));
    const created = statements(renderScript(SCRIPT, {}))
      .map((s) => /^CREATE (?:OR REPLACE )?(ROLE|TABLE|PROCEDURE|TASK) (?:IF NOT EXISTS )?([\w.]+)/.exec(s))
      .filter((m) => m !== null)
      .map((m) => `DROP ${m[1]} IF EXISTS ${m[2]}${m[1] === 'PROCEDURE' ? '(VARCHAR, NUMBER)' : ''}`);
    expect(created).toHaveLength(1 + 7 + 1 + 1);
    for (const drop of created) expect(drops).toContain(drop);
    // The task goes before what it calls.
    expect(drops.findIndex((s) => s.startsWith('DROP TASK'))).toBeLessThan(
      drops.findIndex((s) => s.startsWith('DROP PROCEDURE')),
    );
  });
});

describe('renderPipelineAccountSql: what another account needs', () => {
  it('is the script’s "per account" block with the account’s data function: one grant, as the database owner', () => {
    expect(renderPipelineAccountSql('alice')).toBe(
      [
        "-- The daily load: the pipeline role may call alice's data function, so the next run loads alice too.",
        'USE ROLE SYSADMIN;',
        'GRANT USAGE ON FUNCTION FITBIT.PUBLIC.FITBIT_DAILY_DATA_ALICE(VARCHAR, DATE, DATE) TO ROLE FITBIT_PIPELINE_ROLE;',
        '',
      ].join('\n'),
    );
    // The script runs the same block for the default account: not a copy that could drift.
    const block = pipelineAccountBlock(SCRIPT);
    const rendered = statements(renderScript(SCRIPT, {}));
    for (const statement of statements(renderTemplate(block, {}))) expect(rendered).toContain(statement);
    expect(block).toMatch(
      /^USE ROLE .*\nGRANT USAGE ON FUNCTION .*data_function.*\(VARCHAR, DATE, DATE\) TO ROLE /,
    );
  });

  it('follows the app’s configuration: database, schema, owner role, and the account’s label', () => {
    const config = live({ ...LIVE, PIPELINE_DATA_TYPES: 'steps' });
    expect(pipelineAccountSql(config, 'p07')).toContain(
      'GRANT USAGE ON FUNCTION ANALYTICS.HEALTH.FITBIT_DAILY_DATA_P07(VARCHAR, DATE, DATE) TO ROLE FITBIT_PIPELINE_ROLE;',
    );
    expect(pipelineAccountSql(config, 'default')).toBeUndefined();
    expect(pipelineAccountSql(live({ ...LIVE, PROVIDER: 'fitbit' }), 'p07')).toBeUndefined();
  });

  it('refuses what is not a label the naming rule allows', () => {
    for (const bad of ['default', 'Alice', "x'; DROP TABLE T; --", 'a'.repeat(25), '7up', ''])
      expect(() => renderPipelineAccountSql(bad), bad).toThrow(/Not an account label/);
  });
});

describe('npm run sql -- pipeline-google-health', () => {
  function run(args: string[], env: Record<string, string> = {}) {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(OAUTH_|SNOWFLAKE_|PIPELINE_|PROVIDER$)/.test(k)),
    );
    return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/sql.ts', ...args], {
      cwd: ROOT,
      env: { ...clean, ...env },
      encoding: 'utf8',
    });
  }

  it('is listed, renders PIPELINE_DATA_TYPES and SNOWFLAKE_SECRET, and refuses PROVIDER=fitbit', () => {
    expect(scriptNames()).toContain(SCRIPT);
    const r = run([SCRIPT, 'history_days=90'], {
      PIPELINE_DATA_TYPES: 'steps,resting_heart_rate',
      SNOWFLAKE_SECRET: 'ANALYTICS.HEALTH.GOOGLE_TOKEN',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("CONFIGURED = 'steps,resting_heart_rate'");
    expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS ANALYTICS.HEALTH.FITBIT_RESTING_HEART_RATE (');
    expect(r.stdout).toContain('AS CALL ANALYTICS.HEALTH.FITBIT_LOAD(NULL, 90);');
    const fitbit = run([SCRIPT], { PROVIDER: 'fitbit' });
    expect(fitbit.status).toBe(2);
    expect(fitbit.stderr).toMatch(
      /PROVIDER is fitbit but pipeline-google-health is for google-health: fitbit has no pipeline script/,
    );
  }, 20_000);
});
