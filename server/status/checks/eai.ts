// Each external access integration the check function uses: enabled, and allowing the app's secret.
import { type IntegrationFacts, parseList } from '../../snowflake/chain-reader.js';
import type { Seen } from '../describe.js';
import { enabledValue, missingProperty } from './properties.js';
import type { ChainNames, Finding } from './types.js';
import { sqlName, unknownFinding } from './unknown.js';

export function eaiChecks(input: {
  eai: { name: string; seen: Seen<IntegrationFacts> };
  names: ChainNames;
}): Finding[] {
  const { eai: e, names } = input;
  const { secret, roleSql } = names;
  const role = names.role ?? '';
  const title = 'External access integration';
  const name = sqlName(e.name);
  const look = `DESC INTEGRATION ${name};`;
  if (e.seen.kind === 'odd')
    return [
      unknownFinding(
        { id: 'external_access_integration', title },
        e.seen.seen,
        `external access integration ${e.name}`,
        look,
      ),
    ];
  if (e.seen.kind === 'unseen')
    return [
      {
        id: 'external_access_integration',
        title,
        status: 'warning',
        detail: `Role ${role} cannot see external access integration ${e.name} (DESCRIBE INTEGRATION needs USAGE), so whether it is enabled, allows the secret and which network rules it uses is not checked here.`,
        fix: 'To let the app check it, grant its role USAGE on the integration; or check it yourself with DESC INTEGRATION as an administrator.',
        fixSql: `GRANT USAGE ON INTEGRATION ${name} TO ROLE ${roleSql};`,
        unseen: true,
      },
    ];
  if (e.seen.kind === 'error') {
    const err = e.seen.error;
    return [
      {
        id: 'external_access_integration',
        title,
        status: 'failed',
        detail: err.why,
        fix: err.fix,
        fixSql: err.fixSql,
      },
    ];
  }
  const p = e.seen.value;
  const out: Finding[] = [];

  const enabled = { id: 'eai_enabled', title: 'External access integration enabled' };
  const on = enabledValue(p);
  if (on === undefined)
    out.push(unknownFinding(enabled, missingProperty(p, 'ENABLED'), `whether ${e.name} is enabled`, look));
  else if (!on)
    out.push({
      ...enabled,
      status: 'failed',
      detail: `External access integration ${e.name} is disabled, so the functions cannot reach the API.`,
      fix: 'Enable it.',
      fixSql: `ALTER EXTERNAL ACCESS INTEGRATION ${name} SET ENABLED = TRUE;`,
    });
  else out.push({ ...enabled, status: 'ok', detail: `${e.name} is enabled.` });

  const allows = { id: 'eai_secret', title: 'External access integration allows the secret' };
  const secrets = parseList(p.ALLOWED_AUTHENTICATION_SECRETS);
  if (p.ALLOWED_AUTHENTICATION_SECRETS === undefined)
    out.push(
      unknownFinding(
        allows,
        missingProperty(p, 'ALLOWED_AUTHENTICATION_SECRETS'),
        `which secrets ${e.name} allows`,
        look,
      ),
    );
  else if (!secrets.some((x) => x.replace(/"/g, '').toUpperCase() === secret.display.toUpperCase()))
    out.push({
      ...allows,
      status: 'failed',
      detail: `External access integration ${e.name} does not list ${secret.display} in ALLOWED_AUTHENTICATION_SECRETS, so functions may not use it.`,
      fix: 'Add the secret (SET replaces the list, so the statement keeps the ones already there).',
      fixSql: `ALTER EXTERNAL ACCESS INTEGRATION ${name} SET ALLOWED_AUTHENTICATION_SECRETS = (${[...secrets.map((x) => sqlName(x)), secret.sql].join(', ')});`,
    });
  else out.push({ ...allows, status: 'ok', detail: `${e.name} allows ${secret.display}.` });
  return out;
}
