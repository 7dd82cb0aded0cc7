// The OAuth security integration behind the secret: enabled, the app's client ID, the provider's token
// endpoint, and every scope the app requests allowed.
import { type IntegrationFacts, parseList } from '../../snowflake/chain-reader.js';
import { quoteLiteral } from '../../snowflake/sql.js';
import type { Seen } from '../describe.js';
import type { Expected } from './expected.js';
import { enabledValue, missingProperty } from './properties.js';
import type { ChainNames, Finding } from './types.js';
import { sqlName, unknownFinding } from './unknown.js';

const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase();

export function integrationChecks(input: {
  integration: { name: string; seen: Seen<IntegrationFacts> } | undefined;
  expected: Expected;
  names: ChainNames;
}): Finding[] {
  const { integration: it, expected: exp, names } = input;
  const role = names.role ?? '';
  const roleSql = names.roleSql;
  if (!it) return [];
  const title = 'Security integration';
  const name = sqlName(it.name);
  const look = `DESC INTEGRATION ${name};`;
  if (it.seen.kind === 'odd')
    return [
      unknownFinding(
        { id: 'security_integration', title },
        it.seen.seen,
        `security integration ${it.name}`,
        look,
      ),
    ];
  if (it.seen.kind === 'unseen')
    return [
      {
        id: 'security_integration',
        title,
        status: 'warning',
        detail: `Role ${role} cannot see security integration ${it.name} (DESCRIBE INTEGRATION needs USAGE), so its client ID, endpoints and scopes are not checked here.`,
        fix: 'To let the app check it, grant its role USAGE on the integration (that lets it read the integration, not use the client secret); or check it yourself with DESC INTEGRATION as an administrator.',
        fixSql: `GRANT USAGE ON INTEGRATION ${name} TO ROLE ${roleSql};`,
        unseen: true,
      },
    ];
  if (it.seen.kind === 'error') {
    const e = it.seen.error;
    return [
      { id: 'security_integration', title, status: 'failed', detail: e.why, fix: e.fix, fixSql: e.fixSql },
    ];
  }
  const p = it.seen.value;
  const alter = `ALTER SECURITY INTEGRATION ${name} SET`;
  const out: Finding[] = [];

  const odd = (row: { id: string; title: string }, property: string, what: string) =>
    unknownFinding(row, missingProperty(p, property), what, look);

  const enabled = { id: 'integration_enabled', title: 'Security integration enabled' };
  const on = enabledValue(p);
  if (on === undefined) out.push(odd(enabled, 'ENABLED', `whether ${it.name} is enabled`));
  else if (!on)
    out.push({
      ...enabled,
      status: 'failed',
      detail: `Security integration ${it.name} is disabled, so Snowflake cannot refresh the token.`,
      fix: 'Enable it.',
      fixSql: `${alter} ENABLED = TRUE;`,
    });
  else out.push({ ...enabled, status: 'ok', detail: `${it.name} is enabled.` });

  const client = { id: 'integration_client_id', title: 'Integration client ID' };
  const clientId = p.OAUTH_CLIENT_ID ?? '';
  if (p.OAUTH_CLIENT_ID === undefined)
    out.push(odd(client, 'OAUTH_CLIENT_ID', `the client ID of ${it.name}`));
  else if (clientId !== exp.clientId)
    out.push({
      ...client,
      status: 'failed',
      detail: `Security integration ${it.name} has client ID ${clientId || '(none)'}, but the app signs in with ${exp.clientId}: the provider refuses a refresh token from another client.`,
      fix: 'Set the app’s client ID and its client secret in the integration (the Setup page renders the statement with the secret).',
      fixSql: `${alter} OAUTH_CLIENT_ID = ${quoteLiteral(exp.clientId)} OAUTH_CLIENT_SECRET = '<the client secret of ${exp.clientId}>';`,
    });
  else out.push({ ...client, status: 'ok', detail: `Client ID ${clientId}, the app’s.` });

  const endpoints = { id: 'integration_endpoints', title: 'Integration endpoints' };
  const token = p.OAUTH_TOKEN_ENDPOINT ?? '';
  const auth = p.OAUTH_AUTHORIZATION_ENDPOINT ?? '';
  const authType = (p.AUTH_TYPE ?? 'OAUTH2').toUpperCase();
  if (p.OAUTH_TOKEN_ENDPOINT === undefined)
    out.push(odd(endpoints, 'OAUTH_TOKEN_ENDPOINT', `the token endpoint of ${it.name}`));
  else if (authType !== 'OAUTH2')
    out.push({
      ...endpoints,
      status: 'failed',
      detail: `Security integration ${it.name} has AUTH_TYPE = ${authType}, not OAUTH2.`,
      fix: 'AUTH_TYPE cannot be changed in place: drop the integration, run the setup script to create it again, then re-create the secret (a secret stays tied to the integration it was created with) and connect again.',
    });
  else if (!exp.tokenEndpoints.map(norm).includes(norm(token)))
    out.push({
      ...endpoints,
      status: 'failed',
      detail: `Security integration ${it.name} refreshes tokens at ${token || '(no token endpoint)'}, not at the provider’s ${exp.tokenEndpoint}.`,
      fix: 'Point it at the provider’s token endpoint.',
      fixSql: `${alter} OAUTH_TOKEN_ENDPOINT = ${quoteLiteral(exp.tokenEndpoint)};`,
    });
  else if (auth && !exp.authorizationEndpoints.map(norm).includes(norm(auth)))
    out.push({
      ...endpoints,
      status: 'warning',
      detail: `Token endpoint ${token} is right, but the authorization endpoint is ${auth}, not the provider’s ${exp.authorizationEndpoint} (Snowflake does not use it to refresh, so this is cosmetic).`,
      fix: 'Set the provider’s authorization endpoint.',
      fixSql: `${alter} OAUTH_AUTHORIZATION_ENDPOINT = ${quoteLiteral(exp.authorizationEndpoint)};`,
    });
  else out.push({ ...endpoints, status: 'ok', detail: `Token endpoint ${token}, the provider’s.` });

  const scopes = { id: 'integration_scopes', title: 'Integration scopes' };
  const allowed = parseList(p.OAUTH_ALLOWED_SCOPES);
  const missing = exp.scopes.filter((sc) => !allowed.includes(sc));
  const extra = allowed.filter((sc) => !exp.scopes.includes(sc));
  const setScopes = `${alter} OAUTH_ALLOWED_SCOPES = (${exp.scopes.map(quoteLiteral).join(', ')});`;
  if (p.OAUTH_ALLOWED_SCOPES === undefined)
    out.push(odd(scopes, 'OAUTH_ALLOWED_SCOPES', `which scopes ${it.name} allows`));
  else if (allowed.length === 0)
    out.push({ ...scopes, status: 'ok', detail: 'OAUTH_ALLOWED_SCOPES is not set: no restriction.' });
  else if (missing.length)
    out.push({
      ...scopes,
      status: 'failed',
      detail: `OAUTH_ALLOWED_SCOPES of ${it.name} lacks ${missing.join(', ')}, which the app requests.`,
      fix: 'Allow exactly the scopes the app requests.',
      fixSql: setScopes,
    });
  else if (extra.length)
    // Whether Snowflake names the allowed scopes when it refreshes is undocumented; if it does, Google
    // refuses a scope the user never granted (invalid_scope) and every call of the functions fails.
    out.push({
      ...scopes,
      status: 'warning',
      detail: `OAUTH_ALLOWED_SCOPES of ${it.name} also allows ${extra.join(', ')}, which the app does not request, so no token has them. If Snowflake names the allowed scopes when it refreshes (undocumented), Google refuses the refresh with invalid_scope.`,
      fix: 'Allow exactly the scopes the app requests (re-running the setup script does this).',
      fixSql: setScopes,
    });
  else out.push({ ...scopes, status: 'ok', detail: 'Allows exactly the scopes the app requests.' });
  return out;
}
