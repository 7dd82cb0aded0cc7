// The network rules of the external access integrations: one must let functions reach the API host.
// The app's role usually cannot read a rule (DESCRIBE NETWORK RULE needs OWNERSHIP), so a passing
// end-to-end check since the last connect stands in as proof.
import { type IntegrationFacts, isUnreadable, type NetworkRuleFacts } from '../../snowflake/chain-reader.js';
import { quoteLiteral } from '../../snowflake/sql.js';
import type { Seen } from '../describe.js';
import type { Expected } from './expected.js';
import { missingProperty } from './properties.js';
import type { Finding } from './types.js';
import { sqlName, unknownFinding } from './unknown.js';

/** A rule whose mode and host list could be read. */
interface ReadableRule {
  mode: string;
  values: string[];
}

const ID = 'network_rule';
const TITLE = 'Network rule';

export function networkRuleCheck(input: {
  eais: { name: string; seen: Seen<IntegrationFacts> }[];
  rules: { name: string; seen: Seen<NetworkRuleFacts> }[];
  expected: Expected;
  /** When the last end-to-end check since the last connect passed. */
  provenAt: string | undefined;
  /** The rule and its owner as the setup script creates them, for the fixes. */
  defaultRule: string;
  defaultOwnerRole: string;
}): Finding[] {
  const { eais, rules, expected: exp, provenAt, defaultRule, defaultOwnerRole } = input;
  const proven = (): Finding[] => [
    {
      id: ID,
      title: TITLE,
      status: 'ok',
      detail: `Proven by the end-to-end check at ${provenAt}: Snowflake reached the API host (${exp.apiHost}) through it. (The app’s role cannot read the rule itself: DESCRIBE NETWORK RULE needs OWNERSHIP.)`,
    },
  ];
  const row = { id: ID, title: TITLE };
  const seenEais = eais.filter((e) => e.seen.kind === 'ok') as {
    name: string;
    seen: { kind: 'ok'; value: IntegrationFacts };
  }[];
  if (eais.length > 0 && seenEais.length === 0) {
    if (provenAt) return proven();
    if (!eais.some((e) => e.seen.kind === 'unseen'))
      return [
        unknownFinding(
          row,
          `the answers of external access integration ${eais.map((e) => e.name).join(', ')}, which list the network rules, could not be read`,
          `whether a rule allows ${exp.apiHost}`,
          null,
        ),
      ];
    return [
      {
        id: ID,
        title: TITLE,
        status: 'warning',
        detail: `The network rules are listed by the external access integration, which the app’s role cannot see, so whether they allow ${exp.apiHost} is not checked here.`,
        fix: `Check that the integration’s network rule has ${exp.apiHost} in its VALUE_LIST (DESC NETWORK RULE, as its owner).`,
        unseen: true,
      },
    ];
  }
  if (seenEais.length === 0) return [];
  const unlisted = seenEais.find((e) => e.seen.value.ALLOWED_NETWORK_RULES === undefined);
  if (rules.length === 0 && unlisted) {
    if (provenAt) return proven();
    return [
      unknownFinding(
        row,
        missingProperty(unlisted.seen.value, 'ALLOWED_NETWORK_RULES'),
        `whether a rule allows ${exp.apiHost}`,
        `DESC INTEGRATION ${sqlName(unlisted.name)};`,
      ),
    ];
  }
  if (rules.length === 0)
    return [
      {
        id: ID,
        title: TITLE,
        status: 'failed',
        detail: `External access integration ${seenEais[0]!.name} has no network rule, so functions can reach no host.`,
        fix: `Create an egress rule for ${exp.apiHost} and add it to the integration.`,
        fixSql: `CREATE NETWORK RULE ${defaultRule} MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${quoteLiteral(exp.apiHost)});\nALTER EXTERNAL ACCESS INTEGRATION ${sqlName(seenEais[0]!.name)} SET ALLOWED_NETWORK_RULES = (${defaultRule});`,
      },
    ];
  const visible = rules.filter((r) => r.seen.kind === 'ok') as {
    name: string;
    seen: { kind: 'ok'; value: NetworkRuleFacts };
  }[];
  // Rules whose mode and hosts could be read; the others can be neither passed nor failed.
  const readable: { name: string; rule: ReadableRule }[] = [];
  for (const r of visible) {
    const { mode, values } = r.seen.value;
    if (!isUnreadable(mode) && !isUnreadable(values)) readable.push({ name: r.name, rule: { mode, values } });
  }
  const allows = (r: ReadableRule) =>
    r.mode.toUpperCase() === 'EGRESS' &&
    r.values.some((v) => {
      const [host = '', port] = v.toLowerCase().split(':');
      const hostOk = host === exp.apiHost || (host.startsWith('*.') && exp.apiHost.endsWith(host.slice(1)));
      return hostOk && (port === undefined || port === '443');
    });
  const ok = readable.find((r) => allows(r.rule));
  if (ok)
    return [{ id: ID, title: TITLE, status: 'ok', detail: `${ok.name} allows egress to ${exp.apiHost}.` }];
  if (readable.length === 0) {
    if (provenAt) return proven();
    const odd = rules.find((r) => r.seen.kind === 'odd');
    const unreadable = visible
      .flatMap((r) => [r.seen.value.mode, r.seen.value.values].map((f) => ({ name: r.name, f })))
      .find((x) => isUnreadable(x.f));
    const seen =
      odd?.seen.kind === 'odd'
        ? { name: odd.name, text: odd.seen.seen }
        : unreadable && isUnreadable(unreadable.f)
          ? { name: unreadable.name, text: unreadable.f.seen }
          : undefined;
    if (seen)
      return [
        unknownFinding(
          row,
          seen.text,
          `whether network rule ${seen.name} allows ${exp.apiHost}`,
          `DESC NETWORK RULE ${sqlName(seen.name)};`,
        ),
      ];
    const names = rules.map((r) => r.name).join(', ');
    return [
      {
        id: ID,
        title: TITLE,
        status: 'warning',
        detail: `The app’s role cannot read network rule ${names} (DESCRIBE NETWORK RULE needs OWNERSHIP, which the app should not have), so whether it allows ${exp.apiHost} is not checked here.`,
        fix: `As the rule’s owner (${defaultOwnerRole} by default), check that VALUE_LIST includes '${exp.apiHost}'.`,
        fixSql: rules.map((r) => `DESC NETWORK RULE ${sqlName(r.name)};`).join('\n'),
        unseen: true,
      },
    ];
  }
  const r = readable[0]!;
  const mode = r.rule.mode.toUpperCase();
  if (mode !== 'EGRESS')
    return [
      {
        id: ID,
        title: TITLE,
        status: 'failed',
        detail: `Network rule ${r.name} has MODE = ${mode}; functions need an EGRESS rule for ${exp.apiHost}.`,
        // MODE cannot be altered, and replacing a rule an integration uses is not something to do blind:
        // create an egress rule beside it and point the integration at that one.
        fix: 'Create an egress rule beside it and point the external access integration at it (a rule’s MODE cannot be changed).',
        fixSql: `CREATE NETWORK RULE IF NOT EXISTS ${sqlName(`${r.name}_EGRESS`)} MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${quoteLiteral(exp.apiHost)});\nALTER EXTERNAL ACCESS INTEGRATION ${sqlName(seenEais[0]!.name)} SET ALLOWED_NETWORK_RULES = (${sqlName(`${r.name}_EGRESS`)});`,
      },
    ];
  return [
    {
      id: ID,
      title: TITLE,
      status: 'failed',
      detail: `Network rule ${r.name} allows ${r.rule.values.join(', ') || 'no host'}, not ${exp.apiHost}, so the functions cannot reach the API.`,
      fix: `Add ${exp.apiHost} to the rule (SET replaces the list, so the statement keeps the hosts already there).`,
      fixSql: `ALTER NETWORK RULE ${sqlName(r.name)} SET VALUE_LIST = (${[...r.rule.values, exp.apiHost].map(quoteLiteral).join(', ')});`,
    },
  ];
}
