// Several accounts: an account's check function must list only that account's secret in SECRETS. One that
// lists another secret too could hand another person's token to whoever calls it, so it is a failure even
// though the check itself works (server/accounts/names.ts, "Isolation"). Reported only when broken: a
// function reading just its own secret is what the check function row already says.
import { type FunctionFacts, isUnreadable } from '../../snowflake/chain-reader.js';
import type { Seen } from '../describe.js';
import type { ChainNames, Finding } from './types.js';

export const ISOLATION_ID = 'function_isolation';

const same = (a: string, b: string) =>
  a.replace(/"/g, '').toUpperCase() === b.replace(/"/g, '').toUpperCase();

export function isolationCheck(input: {
  checkFunction: Seen<FunctionFacts> | undefined;
  names: ChainNames;
}): Finding[] {
  const { secret, checkFunction: fn } = input.names;
  const facts = input.checkFunction;
  if (facts?.kind !== 'ok' || isUnreadable(facts.value.secrets)) return [];
  const bound = Object.values(facts.value.secrets);
  const others = bound.filter((b) => !same(b, secret.display));
  // Not reading its own secret at all is the check function row's failure.
  if (others.length === 0 || others.length === bound.length) return [];
  return [
    {
      id: ISOLATION_ID,
      title: 'Check function reads only this account’s secret',
      status: 'failed',
      detail: `${fn.display}() lists ${others.join(', ')} in SECRETS besides ${secret.display}: a call could use another account’s token, so accounts are not kept apart.`,
      fix: 'Re-create the function from this account’s SQL on the Setup page (npm run sql -- add-account account=<label>): each account’s functions list only its own secret.',
    },
  ];
}
