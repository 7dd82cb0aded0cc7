// SHOW [USER] PROCEDURES and DESCRIBE PROCEDURE, in Snowflake's columns (as for functions, plus the
// procedure's secrets and external access integrations, and who its statements run as).
import { fnDisplay, qualify } from '../catalog.js';
import type { Ctx } from '../context.js';
import type { ResultSet } from '../contract.js';
import { mustFind } from '../ddl/lookup.js';
import { schemasInScope } from '../inspect.js';
import type { FunctionDef } from '../parser.js';
import { cols, likeMatcher, rs, ts } from '../results.js';
import type { ShowScope } from '../show-filter.js';
import type { ProcedureStmt } from './parse.js';

export const SHOW_PROCEDURES = cols(
  'created_on:timestamp_ltz name schema_name is_builtin is_aggregate is_ansi min_num_arguments:fixed ' +
    'max_num_arguments:fixed arguments description catalog_name is_table_function valid_for_clustering ' +
    'is_secure secrets external_access_integrations',
);
export const DESC_PROCEDURE = cols('property value');

function returns(def: FunctionDef): string {
  return def.returns.kind === 'table'
    ? `TABLE (${def.returns.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`
    : def.returns.type;
}

const secretsText = (def: FunctionDef) =>
  def.secrets.length === 0
    ? null
    : `{${def.secrets.map((x) => `"${x.alias}":"${qualify(...x.name)}"`).join(',')}}`;
const eaisText = (def: FunctionDef) =>
  def.eais.length === 0 ? null : `[${def.eais.map((e) => e.join('.')).join(',')}]`;

export function showProcedures(ctx: Ctx, s: { like: string | null; scope: ShowScope }): ResultSet {
  const like = likeMatcher(s.like);
  const rows = schemasInScope(ctx, s).flatMap((sc) =>
    [...sc.procedures.values()]
      .filter(
        (p) =>
          like(p.name) &&
          ctx.access.visible('PROCEDURE', fnDisplay(p.database, p.schema, p.name, p.argTypes), p.owner),
      )
      .map((p) => [
        ts(p.createdOn),
        p.name,
        p.schema,
        'N',
        'N',
        'N',
        String(p.argTypes.length),
        String(p.argTypes.length),
        `${p.name}(${p.argTypes.join(', ')}) RETURN ${returns(p.def)}`,
        p.comment ?? 'user-defined procedure',
        p.database,
        'N',
        'N',
        p.def.secure ? 'Y' : 'N',
        secretsText(p.def),
        eaisText(p.def),
      ]),
  );
  return rs(SHOW_PROCEDURES, rows);
}

type Describe = Extract<ProcedureStmt, { k: 'describeProcedure' }>;

export function describeProcedure(ctx: Ctx, s: Describe): ResultSet {
  const f = mustFind(ctx, s.ref);
  if (f.on !== 'PROCEDURE') throw new Error('lookup returned another kind');
  const p = f.obj;
  const d = p.def;
  return rs(DESC_PROCEDURE, [
    ['signature', `(${d.args.map((a) => `${a.name} ${a.type}`).join(', ')})`],
    ['returns', returns(d)],
    ['language', d.language],
    ['null handling', 'CALLED ON NULL INPUT'],
    ['volatility', 'VOLATILE'],
    ['body', d.body],
    ['execute as', p.executeAs],
    ['imports', '[]'],
    ['handler', d.handler],
    ['runtime_version', d.runtimeVersion],
    ['packages', `[${d.packages.map((x) => `'${x}'`).join(',')}]`],
    ['installed_packages', '[]'],
    ['external_access_integrations', `[${d.eais.map((e) => e.join('.')).join(',')}]`],
    ['secrets', `{${d.secrets.map((x) => `"${x.alias}":"${qualify(...x.name)}"`).join(',')}}`],
  ]);
}
