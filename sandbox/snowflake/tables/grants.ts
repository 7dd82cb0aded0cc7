// GRANT / REVOKE on tables and views: ON TABLE | VIEW <name>, ON ALL TABLES | VIEWS IN SCHEMA | DATABASE,
// ON FUTURE TABLES | VIEWS IN SCHEMA | DATABASE, and GRANT OWNERSHIP; SHOW GRANTS ON TABLE | VIEW and SHOW
// FUTURE GRANTS IN SCHEMA | DATABASE. Grants on tables live in the catalog's grant list beside every other
// grant (so SHOW GRANTS TO ROLE lists them); future grants hang off their schema or database.
import { type Database, type Grant, type GrantOn, qualify, type Schema } from '../catalog.js';
import { type Ctx, compileError, reachDatabase, reachSchema, schemaPath } from '../context.js';
import { type ResultSet, SqlError } from '../contract.js';
import { displayIdent, type Token } from '../lexer.js';
import { Cursor } from '../parser.js';
import { insufficient, notFound } from '../privileges.js';
import { cols, rs, SHOW_GRANTS, status, ts } from '../results.js';
import {
  type Found,
  type FutureGrant,
  type FutureOn,
  futureGrantsOf,
  keyOf,
  mustFindRelation,
  type Relation,
  relationsOf,
} from './relations.js';
import { either } from './sqltree.js';

const VALID: Record<FutureOn, string[]> = {
  TABLE: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'REBUILD'],
  VIEW: ['SELECT', 'REFERENCES'],
};

type Target =
  | { k: 'one'; kind: FutureOn; name: string[] }
  | { k: 'all' | 'future'; kind: FutureOn; container: 'SCHEMA' | 'DATABASE'; name: string[] };

interface GrantStmt {
  revoke: boolean;
  privs: string[];
  target: Target;
  role: string;
  currentGrants: 'COPY' | 'REVOKE' | null;
}

/** Whether a GRANT / REVOKE names tables or views (the statement router asks). */
export function grantsOnTables(tokens: Token[]): boolean {
  const on = tokens.findIndex((t) => t.kind === 'ident' && t.value === 'ON');
  if (on < 0) return false;
  const w = (k: number) => tokens[on + k]?.value;
  if (w(1) === 'TABLE' || w(1) === 'VIEW') return true;
  return (w(1) === 'ALL' || w(1) === 'FUTURE') && (w(2) === 'TABLES' || w(2) === 'VIEWS');
}

function parseGrant(c: Cursor): GrantStmt {
  const revoke = c.next().value === 'REVOKE';
  const privs: string[] = [];
  for (;;) {
    const words: string[] = [];
    while (!c.isKw('ON') && !c.isP(',') && !c.atEnd()) words.push(c.ident());
    if (words.length === 0) throw c.fail();
    const p = words.join(' ');
    privs.push(p === 'ALL PRIVILEGES' ? 'ALL' : p);
    if (!c.acceptP(',')) break;
  }
  c.expectKw('ON');
  let target: Target;
  const kindOf = (plural: boolean): FutureOn => {
    if (c.acceptKw(plural ? 'TABLES' : 'TABLE')) return 'TABLE';
    c.expectKw(plural ? 'VIEWS' : 'VIEW');
    return 'VIEW';
  };
  if (c.isKw('ALL') || c.isKw('FUTURE')) {
    const k = c.next().value === 'ALL' ? 'all' : 'future';
    const kind = kindOf(true);
    c.expectKw('IN');
    const container = either(c, 'DATABASE', 'SCHEMA');
    target = { k, kind, container, name: c.name() };
  } else {
    const kind = kindOf(false);
    target = { k: 'one', kind, name: c.name() };
  }
  c.expectKw(revoke ? 'FROM' : 'TO');
  if (c.isKws('DATABASE', 'ROLE'))
    throw compileError('Database roles are not modelled by the sandbox.', '001003');
  if (c.acceptKw('USER')) {
    throw compileError(
      'The sandbox models privilege grants to roles only; grant a role to the user.',
      '001003',
    );
  }
  c.acceptKw('ROLE');
  const role = c.ident();
  let currentGrants: GrantStmt['currentGrants'] = null;
  if (c.acceptKw('COPY', 'CURRENT', 'GRANTS')) currentGrants = 'COPY';
  else if (c.acceptKw('REVOKE', 'CURRENT', 'GRANTS')) currentGrants = 'REVOKE';
  c.acceptKw('WITH', 'GRANT', 'OPTION');
  if (revoke) c.acceptKw('CASCADE') || c.acceptKw('RESTRICT');
  c.expectEnd();
  return { revoke, privs, target, role, currentGrants };
}

function expand(s: GrantStmt, kind: FutureOn): string[] {
  const privs = s.privs.flatMap((p) => (p === 'ALL' ? VALID[kind] : [p]));
  for (const p of privs) {
    if (p !== 'OWNERSHIP' && !VALID[kind].includes(p)) {
      throw compileError(`Invalid privilege ${p} on ${kind}.`, '003011', '42601');
    }
  }
  if (privs.includes('OWNERSHIP')) {
    if (s.revoke)
      throw compileError('OWNERSHIP cannot be revoked; transfer it with GRANT OWNERSHIP.', '003011');
    if (privs.length > 1) throw compileError('OWNERSHIP must be granted alone, on an object.', '003011');
  }
  return privs;
}

/** GRANT / REVOKE on one relation, as grants.ts does for the catalog's other objects. */
function onRelation(ctx: Ctx, s: GrantStmt, f: Found, privs: string[]): void {
  const cat = ctx.cat;
  const on: GrantOn = f.rel.kind;
  if (!ctx.access.owns(f.rel.owner) && !ctx.access.manageGrants)
    throw insufficient(on, displayIdent(f.rel.name));
  if (privs[0] === 'OWNERSHIP') {
    const others = cat.grants.filter((g) => g.on === on && g.key === f.key);
    if (s.currentGrants === 'REVOKE') cat.dropGrantsOn(on, f.key);
    else if (s.currentGrants === null && others.length > 0) {
      const g = others[0]!;
      throw new SqlError(
        '003111',
        '42501',
        `SQL execution error:\nDependent grant of privilege '${g.privilege}' on securable '${f.key}' to role '${g.grantee}' exists. ` +
          "It must be revoked first. To revoke all dependent grants while transferring ownership, use the 'REVOKE CURRENT GRANTS' clause, or keep them with 'COPY CURRENT GRANTS'.",
      );
    }
    f.rel.owner = s.role;
    return;
  }
  for (const privilege of privs) {
    const match = (g: Grant) =>
      g.on === on &&
      g.key === f.key &&
      g.privilege === privilege &&
      g.granteeKind === 'ROLE' &&
      g.grantee === s.role;
    if (s.revoke) cat.grants = cat.grants.filter((g) => !match(g));
    else if (!cat.grants.some(match)) {
      cat.grants.push({
        privilege,
        on,
        key: f.key,
        granteeKind: 'ROLE',
        grantee: s.role,
        grantedBy: ctx.session.role,
        createdOn: cat.clock(),
      });
    }
  }
}

function schemasOf(
  ctx: Ctx,
  t: Extract<Target, { k: 'all' | 'future' }>,
): { container: Schema | Database; schemas: Schema[] } {
  if (t.container === 'DATABASE') {
    if (t.name.length !== 1)
      throw compileError(`invalid identifier '${t.name.join('.')}'`, '000904', '42000');
    const db = reachDatabase(ctx, t.name[0]!);
    const schemas = [...db.schemas.values()].filter((sc) =>
      ctx.access.visible('SCHEMA', qualify(db.name, sc.name), sc.owner),
    );
    return { container: db, schemas };
  }
  const [d, s] = schemaPath(ctx, t.name);
  const sc = reachSchema(ctx, d, s);
  return { container: sc, schemas: [sc] };
}

export function grantOnTables(ctx: Ctx, tokens: Token[], text: string): ResultSet {
  const s = parseGrant(new Cursor(tokens, text));
  if (!ctx.cat.roles.has(s.role)) throw notFound('ROLE', s.role);
  const t = s.target;
  const privs = expand(s, t.kind);
  if (t.k === 'one') {
    onRelation(ctx, s, mustFindRelation(ctx, t.name), privs);
    return status('Statement executed successfully.');
  }
  const { container, schemas } = schemasOf(ctx, t);
  if (t.k === 'all') {
    for (const sc of schemas) {
      for (const rel of relationsOf(sc).values()) {
        if (rel.kind === t.kind) onRelation(ctx, s, { rel, sc, key: keyOf(rel) }, privs);
      }
    }
    return status('Statement executed successfully.');
  }
  // Future grants need MANAGE GRANTS (the schema owner may only in a managed access schema, not modelled).
  if (!ctx.access.manageGrants) {
    throw insufficient(t.container, displayIdent(t.name[t.name.length - 1]!));
  }
  const future = futureGrantsOf(container);
  for (const privilege of privs) {
    const at = future.findIndex((g) => g.on === t.kind && g.privilege === privilege && g.grantee === s.role);
    if (s.revoke) {
      if (at >= 0) future.splice(at, 1);
    } else if (at < 0) {
      future.push({
        on: t.kind,
        privilege,
        grantee: s.role,
        grantedBy: ctx.session.role,
        createdOn: ctx.cat.clock(),
      });
    }
  }
  return status('Statement executed successfully.');
}

/**
 * The future grants a new table or view gets: its schema's for its kind or, when the schema has none for
 * that kind, its database's (Snowflake ignores database-level future grants when schema-level ones exist).
 */
export function applyFutureGrants(ctx: Ctx, db: Database, sc: Schema, rel: Relation): void {
  const schemaLevel = futureGrantsOf(sc).filter((g) => g.on === rel.kind);
  const list: FutureGrant[] =
    schemaLevel.length > 0 ? schemaLevel : futureGrantsOf(db).filter((g) => g.on === rel.kind);
  const key = keyOf(rel);
  for (const g of list) {
    if (g.privilege === 'OWNERSHIP') {
      rel.owner = g.grantee;
      continue;
    }
    ctx.cat.grants.push({
      privilege: g.privilege,
      on: rel.kind,
      key,
      granteeKind: 'ROLE',
      grantee: g.grantee,
      grantedBy: g.grantedBy,
      createdOn: ctx.cat.clock(),
    });
  }
}

/** SHOW GRANTS ON TABLE | VIEW <name>: who owns it and who holds what on it. */
export function showGrantsOnRelation(ctx: Ctx, tokens: Token[], text: string): ResultSet {
  const c = new Cursor(tokens, text);
  c.expectKw('SHOW', 'GRANTS', 'ON');
  if (!c.acceptKw('TABLE')) c.expectKw('VIEW');
  const f = mustFindRelation(ctx, c.name());
  c.expectEnd();
  const rows: (string | null)[][] = [
    [ts(f.rel.createdOn), 'OWNERSHIP', f.rel.kind, f.key, 'ROLE', f.rel.owner, 'true', f.rel.owner],
  ];
  for (const g of ctx.cat.grants) {
    if (g.on === f.rel.kind && g.key === f.key) {
      rows.push([ts(g.createdOn), g.privilege, g.on, g.key, g.granteeKind, g.grantee, 'false', g.grantedBy]);
    }
  }
  return rs(SHOW_GRANTS, rows);
}

const SHOW_FUTURE_GRANTS = cols(
  'created_on:timestamp_ltz privilege grant_on name grant_to grantee_name grant_option',
);

/** SHOW FUTURE GRANTS IN SCHEMA | DATABASE <name>: the table and view ones. */
export function showFutureGrants(ctx: Ctx, tokens: Token[], text: string): ResultSet {
  const c = new Cursor(tokens, text);
  c.expectKw('SHOW', 'FUTURE', 'GRANTS', 'IN');
  const container = either(c, 'DATABASE', 'SCHEMA');
  const name = c.name();
  c.expectEnd();
  const where = schemasOf(ctx, { k: 'future', kind: 'TABLE', container, name }).container;
  const prefix = container === 'DATABASE' ? qualify(name[0]!) : qualify(...schemaPath(ctx, name));
  return rs(
    SHOW_FUTURE_GRANTS,
    futureGrantsOf(where).map((g) => [
      ts(g.createdOn),
      g.privilege,
      g.on,
      `${prefix}.<${g.on}>`,
      'ROLE',
      g.grantee,
      'false',
    ]),
  );
}
