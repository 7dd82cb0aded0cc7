// CREATE, ALTER and DROP PROCEDURE (LANGUAGE PYTHON, handlers in the body, as the stand-in runs them).
// The access rules are a function's: its external access integrations usable by the creating role, each
// of its secrets allowed by one of them.
import { fnDisplay, fnKey } from '../catalog.js';
import {
  type Ctx,
  checkProps,
  compileError,
  pNameList,
  propError,
  pStrOrNull,
  reachSchema,
  require,
  requireCreateIn,
  schemaObjPath,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import { base, existing } from '../ddl/common.js';
import { checkFunctionAccess } from '../ddl/function.js';
import { lookup, missingKey } from '../ddl/lookup.js';
import { displayIdent } from '../lexer.js';
import type { FunctionDef } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import type { StoredProcedure } from './model.js';
import type { ProcedureStmt } from './parse.js';

/** Snowflake runs a Python procedure with Snowpark, which PACKAGES must name. */
export const SNOWPARK_PACKAGE = 'snowflake-snowpark-python';

function checkDefinition(def: FunctionDef): void {
  if (def.language !== 'PYTHON') {
    throw compileError(
      `The sandbox runs only LANGUAGE PYTHON procedures (got ${def.language}).`,
      '001003',
      '42000',
    );
  }
  if (!def.handler) throw compileError("missing required property 'HANDLER' for Python procedure.", '002029');
  if (!def.runtimeVersion) throw compileError("missing required property 'RUNTIME_VERSION'.", '002029');
  if (def.body === null) throw compileError('Python procedure needs a body (AS $$ … $$).', '002029');
  if (
    !def.packages.some(
      (p) =>
        p
          .trim()
          .toLowerCase()
          .split(/[=<>!~ ]/)[0] === SNOWPARK_PACKAGE,
    )
  ) {
    // Snowflake's wording is not documented; the requirement is (Python handlers for procedures).
    throw compileError(
      `A Python procedure needs the '${SNOWPARK_PACKAGE}' package: add it to PACKAGES.`,
      '002029',
    );
  }
  if (def.returns.kind === 'table') {
    throw compileError('RETURNS TABLE procedures are not modelled by the sandbox.', '001003', '42000');
  }
}

type Create = Extract<ProcedureStmt, { k: 'createProcedure' }>;

export function createProcedure(ctx: Ctx, s: Create): ResultSet {
  const [db, schema, name] = schemaObjPath(ctx, s.name);
  const sc = reachSchema(ctx, db, schema);
  requireCreateIn(ctx, sc, 'PROCEDURE');
  const def = s.def;
  checkDefinition(def);
  checkFunctionAccess(ctx, def);
  const argTypes = def.args.map((a) => a.type);
  const k = fnKey(name, argTypes);
  const short = displayIdent(name);
  const early = existing(
    ctx,
    s,
    sc.procedures.get(k),
    'PROCEDURE',
    fnDisplay(db, schema, name, argTypes),
    short,
  );
  if (early) return early;
  const proc: StoredProcedure = {
    ...base(ctx, name, def.comment),
    database: db,
    schema,
    def,
    argTypes,
    executeAs: s.executeAs,
  };
  sc.procedures.set(k, proc);
  // As for a function: Snowflake's status line for a procedure says "Function" too (unverified).
  return status(`Function ${short} successfully created.`);
}

type Alter = Extract<ProcedureStmt, { k: 'alterProcedure' }>;

export function alterProcedure(ctx: Ctx, s: Alter): ResultSet {
  const f = lookup(ctx, s.ref);
  if (f?.on !== 'PROCEDURE') {
    if (s.ifExists) return status('Statement executed successfully.');
    const m = missingKey(ctx, s.ref);
    throw notFound(m.on, m.key);
  }
  require(ctx, f.on, f.key, f.obj.owner, ['OWNERSHIP'], f.short);
  const proc = f.obj;
  if (s.executeAs) proc.executeAs = s.executeAs;
  for (const n of s.unset) {
    if (n !== 'COMMENT') throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    proc.comment = null;
  }
  if (s.set.length > 0) {
    checkProps(s.set, ['COMMENT', 'SECRETS', 'EXTERNAL_ACCESS_INTEGRATIONS']);
    const def: FunctionDef = structuredClone(proc.def);
    for (const p of s.set) {
      if (p.name === 'COMMENT') proc.comment = pStrOrNull(p);
      else if (p.name === 'EXTERNAL_ACCESS_INTEGRATIONS') def.eais = pNameList(p);
      else {
        if (p.value.t !== 'list') throw propError(p);
        def.secrets = p.value.v.map((x) => {
          if (x.t !== 'pair' || x.v.t !== 'id') throw propError(p);
          return { alias: x.k, name: x.v.v };
        });
      }
    }
    checkFunctionAccess(ctx, def);
    proc.def = def;
  }
  return status('Statement executed successfully.');
}

type Drop = Extract<ProcedureStmt, { k: 'dropProcedure' }>;

export function dropProcedure(ctx: Ctx, s: Drop): ResultSet {
  const f = lookup(ctx, s.ref);
  if (f?.on !== 'PROCEDURE') {
    const m = missingKey(ctx, s.ref);
    if (s.ifExists)
      return status(
        `Drop statement executed successfully (${displayIdent(s.ref.name.at(-1)!)} already dropped).`,
      );
    throw notFound(m.on, m.key);
  }
  require(ctx, f.on, f.key, f.obj.owner, ['OWNERSHIP'], f.short);
  f.sc.procedures.delete(f.fkey);
  ctx.cat.dropGrantsOn('PROCEDURE', f.key);
  return status(`${f.short} successfully dropped.`);
}
