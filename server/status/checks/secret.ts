// The OAuth secret the app writes: there, TYPE = OAUTH2, owned by the app's role (ALTER SECRET needs
// OWNERSHIP), and bound to a security integration.
import { isUnreadable, type SecretFacts } from '../../snowflake/chain-reader.js';
import type { Seen } from '../describe.js';
import type { ChainNames, Finding } from './types.js';
import { sqlName, unknownFinding } from './unknown.js';

export function secretChecks(input: {
  secret: Seen<SecretFacts> | undefined;
  names: ChainNames;
  /** Roles that count as the app's: the session's and SNOWFLAKE_ROLE. */
  appRoles: (string | undefined)[];
  /** The security integration the setup script creates, for a fix that re-creates the secret. */
  defaultIntegration: string;
}): Finding[] {
  const { names, appRoles, defaultIntegration } = input;
  const { secret, role, roleSql } = names;
  const grantOwnership = `-- run as the secret's owner or an administrator\nGRANT OWNERSHIP ON SECRET ${secret.sql} TO ROLE ${roleSql} COPY CURRENT GRANTS;`;
  const look = `DESCRIBE SECRET ${secret.sql};`;
  const row = {
    secret: { id: 'secret', title: 'OAuth secret' },
    owner: { id: 'secret_owner', title: 'Secret owner' },
    integration: { id: 'secret_integration', title: 'Secret’s security integration' },
  };
  if (!input.secret) return [];
  if (input.secret.kind === 'odd')
    return [unknownFinding(row.secret, input.secret.seen, `secret ${secret.display}`, look)];
  if (input.secret.kind !== 'ok')
    return [
      {
        ...row.secret,
        status: 'failed',
        detail: `Snowflake says secret ${secret.display} does not exist or role ${role} has no privilege on it (it gives one answer for both), so the app cannot write the token.`,
        fix: `If it exists, give ${role} ownership with the statement below; if not, run the setup script (Setup page). If the name is wrong, fix SNOWFLAKE_SECRET.`,
        fixSql: grantOwnership,
      },
    ];
  const sec: SecretFacts = input.secret.value;
  const out: Finding[] = [];

  const integrationSql = isUnreadable(sec.integration) ? defaultIntegration : sqlName(sec.integration);
  if (isUnreadable(sec.type)) out.push(unknownFinding(row.secret, sec.type.seen, 'the secret’s type', look));
  else if (sec.type.toUpperCase() !== 'OAUTH2')
    out.push({
      ...row.secret,
      status: 'failed',
      detail: `Secret ${secret.display} has TYPE = ${sec.type}, but Snowflake only refreshes tokens held in a TYPE = OAUTH2 secret.`,
      fix: 'Re-create it as an OAuth secret bound to the security integration, then give the app’s role ownership and connect again.',
      fixSql: `CREATE OR REPLACE SECRET ${secret.sql} TYPE = OAUTH2 API_AUTHENTICATION = ${integrationSql};\nGRANT OWNERSHIP ON SECRET ${secret.sql} TO ROLE ${roleSql} COPY CURRENT GRANTS;`,
    });
  else
    out.push({
      ...row.secret,
      status: 'ok',
      detail: `Secret ${secret.display} exists and has TYPE = OAUTH2.`,
    });

  const owner = sec.owner;
  if (isUnreadable(owner)) out.push(unknownFinding(row.owner, owner.seen, 'who owns the secret', look));
  else if (appRoles.filter(Boolean).some((r) => r!.toUpperCase() === owner.toUpperCase()))
    out.push({
      ...row.owner,
      status: 'ok',
      detail: `Owned by ${owner}, the app’s role: it may write the token.`,
    });
  else
    out.push({
      ...row.owner,
      status: 'failed',
      detail: `Secret ${secret.display} is owned by ${owner}, not by the app’s role ${role}; ALTER SECRET needs OWNERSHIP, so writing the token would fail.`,
      fix: `Transfer ownership to ${role} with the statement below (run it as ${owner} or an administrator).`,
      fixSql: grantOwnership,
    });

  if (isUnreadable(sec.integration))
    out.push(
      unknownFinding(row.integration, sec.integration.seen, 'the secret’s security integration', look),
    );
  else
    out.push({
      ...row.integration,
      status: 'ok',
      detail: `Bound to security integration ${sec.integration} (API_AUTHENTICATION).`,
    });
  return out;
}
