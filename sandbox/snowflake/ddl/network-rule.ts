// CREATE and ALTER NETWORK RULE (TYPE and MODE are fixed at creation), and resolving a rule by name for
// an external access integration's ALLOWED_NETWORK_RULES.
import { type NetworkRule, qualify } from '../catalog.js';
import {
  type Ctx,
  checkProps,
  compileError,
  propError,
  pStrList,
  pStrOrNull,
  pWord,
  reachSchema,
  requireCreateIn,
  schemaObjPath,
} from '../context.js';
import type { ResultSet } from '../contract.js';
import { displayIdent } from '../lexer.js';
import type { Name, Prop } from '../parser.js';
import { notFound } from '../privileges.js';
import { status } from '../results.js';
import { base, type Change, type CreateStmt, existing, type InSchema } from './common.js';

function applyRuleProps(rule: NetworkRule, props: Prop[]): void {
  checkProps(props, ['TYPE', 'MODE', 'VALUE_LIST', 'COMMENT']);
  for (const p of props) {
    if (p.name === 'TYPE') {
      rule.type = pWord(p);
      if (
        !['IPV4', 'IPV6', 'HOST_PORT', 'PRIVATE_HOST_PORT', 'AWSVPCEID', 'AZURELINKID'].includes(rule.type)
      ) {
        throw propError(p);
      }
    } else if (p.name === 'MODE') {
      rule.mode = pWord(p);
      if (
        !['INGRESS', 'INTERNAL_STAGE', 'EGRESS', 'POSTGRES_INGRESS', 'POSTGRES_EGRESS'].includes(rule.mode)
      ) {
        throw propError(p);
      }
    } else if (p.name === 'VALUE_LIST') rule.values = pStrList(p);
    else if (p.name === 'COMMENT') rule.comment = pStrOrNull(p);
  }
}

export function createNetworkRule(ctx: Ctx, s: CreateStmt, at: InSchema): ResultSet {
  const { db: d, schema: sn, name: o, sc } = at;
  const short = displayIdent(o);
  requireCreateIn(ctx, sc, 'NETWORK RULE');
  const key = qualify(d, sn, o);
  const early = existing(ctx, s, sc.rules.get(o), 'NETWORK_RULE', key, short);
  if (early) return early;
  const rule: NetworkRule = {
    ...base(ctx, o),
    database: d,
    schema: sn,
    type: 'IPV4',
    mode: 'INGRESS',
    values: [],
  };
  applyRuleProps(rule, s.props);
  sc.rules.set(o, rule);
  return status(`Network rule ${short} successfully created.`);
}

export function alterNetworkRule(rule: NetworkRule, { props, unset }: Change): void {
  const copy = { ...rule };
  if (unset.length > 0) {
    for (const n of unset) {
      if (n === 'COMMENT') copy.comment = null;
      else if (n === 'VALUE_LIST') copy.values = [];
      else throw compileError(`invalid property '${n}' for UNSET.`, '001003', '42000');
    }
  } else {
    const bad = props.find((p) => p.name === 'TYPE' || p.name === 'MODE');
    if (bad) throw propError(bad);
    applyRuleProps(copy, props);
  }
  Object.assign(rule, copy);
}

/** Resolves a network rule's name to its fully qualified display name, checking it exists and is visible. */
export function resolveRule(ctx: Ctx, n: Name): string {
  const [d, s, o] = schemaObjPath(ctx, n);
  const sc = reachSchema(ctx, d, s);
  const r = sc.rules.get(o);
  const key = qualify(d, s, o);
  if (!r || !ctx.access.visible('NETWORK_RULE', key, r.owner)) throw notFound('NETWORK_RULE', key);
  return key;
}
