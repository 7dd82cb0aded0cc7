// CREATE and ALTER FUNCTION (LANGUAGE PYTHON only), and the access check both make: the function's
// external access integrations must be usable by the role, and each of its secrets allowed by one of them.
import { fnDisplay, fnKey, qualify, type UserFunction } from '../catalog.js';
import {
  accountName,
  type Ctx,
  checkProps,
  compileError,
  pNameList,
  propError,
  pStrOrNull,
  require,
  requireCreateIn,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import { displayIdent } from '../lexer.js';
import type { FunctionDef } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import { base, type Change, type CreateStmt, existing, type InSchema } from './common.js';
import { resolveSecret } from './secret.js';

export function checkFunctionAccess(ctx: Ctx, def: FunctionDef): void {
  // The EAIs and secrets must be usable by the creating role, and each secret allowed by an EAI.
  const eaiKeys = def.eais.map((n) => {
    const name = accountName(n);
    const integ = ctx.cat.integrations.get(name);
    if (integ?.kind !== 'EXTERNAL_ACCESS' || !ctx.access.visible('INTEGRATION', qualify(name), integ.owner)) {
      throw notFound('INTEGRATION', qualify(name));
    }
    require(ctx, 'INTEGRATION', qualify(name), integ.owner, ['OWNERSHIP', 'USAGE'], qualify(name));
    return integ;
  });
  for (const sref of def.secrets) {
    const { key, secret } = resolveSecret(ctx, sref.name);
    require(ctx, 'SECRET', key, secret.owner, ['OWNERSHIP', 'USAGE', 'READ'], displayIdent(secret.name));
    sref.name = [secret.database, secret.schema, secret.name];
    if (!eaiKeys.some((e) => e.secrets.includes(key))) throw secretNotAllowed(key);
  }
  def.eais = eaiKeys.map((e) => [e.name]);
}

export function secretNotAllowed(key: string): ReturnType<typeof compileError> {
  return compileError(
    `Secret '${key}' is not allowed by any of the function's external access integrations (ALLOWED_AUTHENTICATION_SECRETS).`,
    '002003',
    '02000',
  );
}

export function createFunction(ctx: Ctx, s: CreateStmt, { sc, name: o }: InSchema): ResultSet {
  const def = s.fn!;
  requireCreateIn(ctx, sc, 'FUNCTION');
  if (def.language !== 'PYTHON') {
    throw compileError(
      `The sandbox runs only LANGUAGE PYTHON functions (got ${def.language}).`,
      '001003',
      '42000',
    );
  }
  if (!def.handler) throw compileError("missing required property 'HANDLER' for Python function.", '002029');
  if (!def.runtimeVersion) throw compileError("missing required property 'RUNTIME_VERSION'.", '002029');
  if (def.body === null) throw compileError('Python function needs a body (AS $$ … $$).', '002029');
  checkFunctionAccess(ctx, def);
  const argTypes = def.args.map((a) => a.type);
  const k = fnKey(o, argTypes);
  const key = fnDisplay(sc.database, sc.name, o, argTypes);
  const short = displayIdent(o);
  const early = existing(ctx, s, sc.functions.get(k), 'FUNCTION', key, short);
  if (early) return early;
  const fn: UserFunction = {
    ...base(ctx, o, def.comment),
    database: sc.database,
    schema: sc.name,
    def,
    argTypes,
  };
  sc.functions.set(k, fn);
  return status(`Function ${short} successfully created.`);
}

export function alterFunction(ctx: Ctx, fn: UserFunction, { props, unset }: Change): void {
  if (unset.length > 0) {
    for (const n of unset) {
      if (n === 'COMMENT') fn.comment = null;
      else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
    return;
  }
  checkProps(props, ['COMMENT', 'SECRETS', 'EXTERNAL_ACCESS_INTEGRATIONS']);
  const def: FunctionDef = structuredClone(fn.def);
  for (const p of props) {
    if (p.name === 'COMMENT') fn.comment = pStrOrNull(p);
    else if (p.name === 'EXTERNAL_ACCESS_INTEGRATIONS') def.eais = pNameList(p);
    else if (p.name === 'SECRETS') {
      if (p.value.t !== 'list') throw propError(p);
      def.secrets = p.value.v.map((x) => {
        if (x.t !== 'pair' || x.v.t !== 'id') throw propError(p);
        return { alias: x.k, name: x.v.v };
      });
    }
  }
  checkFunctionAccess(ctx, def);
  fn.def = def;
}
