// The check function: there, usable by the app's role, reading the secret the app writes, and able to
// reach the API through an external access integration.
import { type FunctionFacts, isUnreadable } from '../../snowflake/chain-reader.js';
import type { Seen } from '../describe.js';
import type { ChainNames, Finding } from './types.js';
import { unknownFinding } from './unknown.js';

const ID = 'check_function';
const TITLE = 'Check function';

export function functionCheck(input: {
  checkFunction: Seen<FunctionFacts> | undefined;
  names: ChainNames;
}): Finding[] {
  const { secret, checkFunction: fn, role, roleSql } = input.names;
  const facts = input.checkFunction;
  if (!facts) return [];
  const row = { id: ID, title: TITLE };
  const look = `DESCRIBE FUNCTION ${fn.sql}();`;
  if (facts.kind === 'odd') return [unknownFinding(row, facts.seen, `check function ${fn.display}()`, look)];
  if (facts.kind !== 'ok')
    return [
      {
        id: ID,
        title: TITLE,
        status: 'failed',
        detail: `Snowflake says check function ${fn.display}() does not exist or role ${role} may not use it, so the end-to-end check cannot run.`,
        fix: 'Create it with the setup script (Setup page), or grant the role USAGE on it. If the name is wrong, fix SNOWFLAKE_CHECK_FUNCTION.',
        fixSql: `GRANT USAGE ON FUNCTION ${fn.sql}() TO ROLE ${roleSql};`,
      },
    ];
  const f = facts.value;
  if (isUnreadable(f.secrets))
    return [unknownFinding(row, f.secrets.seen, `which secret ${fn.display}() reads`, look)];
  const eais = f.externalAccessIntegrations;
  if (isUnreadable(eais))
    return [unknownFinding(row, eais.seen, `how ${fn.display}() reaches the API`, look)];
  const bound = Object.values(f.secrets);
  if (!bound.some((b) => b.replace(/"/g, '').toUpperCase() === secret.display.toUpperCase()))
    return [
      {
        id: ID,
        title: TITLE,
        status: 'failed',
        detail: `${fn.display}() reads ${bound.length ? bound.join(', ') : 'no secret'}, not ${secret.display} (the secret the app writes), so its answer says nothing about this connection.`,
        fix: 'Re-create the check function with the setup script so its SECRETS clause names the app’s secret, or fix SNOWFLAKE_SECRET / SNOWFLAKE_CHECK_FUNCTION.',
      },
    ];
  if (eais.length === 0)
    return [
      {
        id: ID,
        title: TITLE,
        status: 'failed',
        detail: `${fn.display}() has no external access integration, so it cannot reach the API.`,
        fix: 'Re-create the check function with the setup script (it sets EXTERNAL_ACCESS_INTEGRATIONS).',
      },
    ];
  return [
    {
      id: ID,
      title: TITLE,
      status: 'ok',
      detail: `${fn.display}() reads ${secret.display} through ${eais.join(', ')}.`,
    },
  ];
}
