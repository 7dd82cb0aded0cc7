// The cheap checks: what the app's own Snowflake session can read about the chain (configuration,
// sign-in, secret, check function, security integration, external access integration, network rule),
// each turned into ok / warning / failed with one sentence of why and the exact fix. Reads run
// concurrently on the one warm session and use no warehouse. Shared by /status, /status.json, /setup
// and `npm run status`.
import type { AppConfig } from '../config/index.js';
import type { ProviderProfile } from '../providers/index.js';
import { quoteLiteral } from '../snowflake/sql.js';
import {
  type ChainReader,
  type FunctionFacts,
  type IntegrationFacts,
  type NetworkRuleFacts,
  nameSql,
  parseList,
  type SecretFacts,
  type Seen,
  type SessionFacts,
} from './describe.js';

export type CheckStatus = 'ok' | 'warning' | 'failed';

export interface StatusCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence: why this status. */
  detail: string;
  /** The fix: a setting to change or what to do; null when ok. */
  fix: string | null;
  /** The exact statement that fixes it, when SQL does. */
  fixSql: string | null;
  /** A "can't see it" warning: a passing end-to-end check proves what the app could not read. */
  unseen: boolean;
  at: string;
}

/** Everything the reads found, before it is judged. */
export interface ChainFacts {
  session: Seen<SessionFacts>;
  secret?: Seen<SecretFacts>;
  checkFunction?: Seen<FunctionFacts>;
  integration?: { name: string; seen: Seen<IntegrationFacts> };
  eais: { name: string; seen: Seen<IntegrationFacts> }[];
  rules: { name: string; seen: Seen<NetworkRuleFacts> }[];
}

/** Runs the reads: sign-in, secret and function together, then what they name, then the rules. */
export async function readChain(reader: ChainReader, config: AppConfig): Promise<ChainFacts> {
  const [session, secret, checkFunction] = await Promise.all([
    reader.sessionFacts(),
    reader.secret(config.snowflake.secret),
    reader.checkFunction(config.snowflake.checkFunction),
  ]);
  const facts: ChainFacts = { session, eais: [], rules: [] };
  // Signed out or unreachable: every other read would fail the same way.
  if (session.kind === 'error') return facts;
  facts.secret = secret;
  facts.checkFunction = checkFunction;
  const integrationName =
    secret.kind === 'ok' && secret.value.integration ? secret.value.integration : undefined;
  const eaiNames = checkFunction.kind === 'ok' ? checkFunction.value.externalAccessIntegrations : [];
  const [integration, ...eais] = await Promise.all([
    integrationName ? reader.integration(integrationName) : Promise.resolve(undefined),
    ...eaiNames.map((n) => reader.integration(n)),
  ]);
  if (integrationName && integration) facts.integration = { name: integrationName, seen: integration };
  facts.eais = eaiNames.map((name, i) => ({ name, seen: eais[i]! }));
  const ruleNames = [
    ...new Set(
      facts.eais.flatMap((e) => (e.seen.kind === 'ok' ? parseList(e.seen.value.ALLOWED_NETWORK_RULES) : [])),
    ),
  ];
  const rules = await Promise.all(ruleNames.map((n) => reader.networkRule(n)));
  facts.rules = ruleNames.map((name, i) => ({ name, seen: rules[i]! }));
  return facts;
}

/** What the chain should hold, from the app's configuration. */
export interface Expected {
  clientId: string;
  tokenEndpoints: string[];
  authorizationEndpoints: string[];
  apiHost: string;
  scopes: string[];
  /** The token endpoint to put in a fix (the provider's, or the configured one in live mode). */
  tokenEndpoint: string;
  authorizationEndpoint: string;
}

export function expectedChain(config: AppConfig, profile: ProviderProfile): Expected {
  // In sandbox mode the app reaches local stand-ins, while Snowflake's objects name the real hosts
  // (the stand-in maps them): expect the provider's own endpoints there.
  const live = config.mode === 'live';
  const tokenEndpoint = live ? config.oauth.tokenUrl : profile.endpoints.token;
  const authorizationEndpoint = live ? config.oauth.authorizationUrl : profile.endpoints.authorization;
  const alsoAuth =
    profile.id === 'google-health' ? ['https://accounts.google.com/o/oauth2/auth'] : ([] as string[]);
  return {
    clientId: config.oauth.clientId,
    tokenEndpoint,
    authorizationEndpoint,
    tokenEndpoints: [...new Set([tokenEndpoint, profile.endpoints.token])],
    authorizationEndpoints: [
      ...new Set([authorizationEndpoint, profile.endpoints.authorization, ...alsoAuth]),
    ],
    apiHost: new URL(live ? config.oauth.healthApiUrl : profile.endpoints.api).hostname,
    scopes: config.oauth.scopes,
  };
}

export interface JudgeInput {
  config: AppConfig;
  profile: ProviderProfile;
  facts: ChainFacts;
  now: Date;
  /** Refresh-token expiry the app learned at the last connect (token response or Testing status). */
  knownExpiry?: Date;
  /**
   * The app's event log has a connect for this secret: its expiry (or none) wins over the secret's
   * OAUTH_REFRESH_TOKEN_EXPIRY_TIME, which a later write without an expiry leaves behind, stale.
   */
  localHistory?: boolean;
  /**
   * When the last end-to-end check since the last connect passed: Snowflake reached the API host,
   * which proves the network rules the app's role cannot read (DESC NETWORK RULE needs OWNERSHIP).
   */
  provenAt?: string;
  at?: string;
}

const DAY_MS = 24 * 3600 * 1000;
const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase();

/** Judges the facts. Pure: no I/O, so each rule is unit-testable. */
export function judgeChain(input: JudgeInput): StatusCheck[] {
  const { config, profile, facts, now } = input;
  const at = input.at ?? now.toISOString();
  const out: StatusCheck[] = [];
  const add = (
    id: string,
    title: string,
    status: CheckStatus,
    detail: string,
    fix: string | null = null,
    fixSql: string | null = null,
    unseen = false,
  ) => out.push({ id, title, status, detail, fix, fixSql, unseen, at });
  const exp = expectedChain(config, profile);
  const conn = config.snowflake.connection;
  const secret = config.snowflake.secret;
  const fn = config.snowflake.checkFunction;
  const role = facts.session.kind === 'ok' && facts.session.value.role ? facts.session.value.role : conn.role;
  const roleSql = role ? nameSql(role) : '<app role>';

  // --- configuration -------------------------------------------------------------------------------
  add(
    'config',
    'App configuration',
    'ok',
    `${profile.displayName}, client ID ${config.oauth.clientId}, redirect URI ${config.oauth.redirectUri}, secret ${secret.display}, check function ${fn.display} (${config.mode} mode).`,
  );
  if (profile.id === 'google-health') {
    if (config.oauth.clientStatus === 'testing')
      add(
        'client_status',
        'Google client publishing status',
        'warning',
        'The Google OAuth client is declared in Testing status (OAUTH_CLIENT_STATUS=testing), so Google makes every refresh token die 7 days after consent and the secret breaks weekly.',
        'Publish the client: Google Cloud console → Google Auth Platform → Audience → “Publish app” (status “In production”), then set OAUTH_CLIENT_STATUS=production and re-authorize once.',
      );
    else
      add(
        'client_status',
        'Google client publishing status',
        'ok',
        'Declared “In production” (OAUTH_CLIENT_STATUS=production): refresh tokens last until revoked.',
      );
  } else {
    add(
      'legacy_provider',
      'Legacy Fitbit Web API',
      'warning',
      'PROVIDER=fitbit uses the legacy Fitbit Web API, which Google turned off on 2026-11-02 (it answers 410 Gone).',
      'Switch to PROVIDER=google-health: create a Google OAuth client, run the google-health setup script (Setup page), and connect again; the Google Health identity’s legacyUserId links the new connection to data stored under the old Fitbit user ID.',
    );
  }

  // --- sign-in -------------------------------------------------------------------------------------
  if (facts.session.kind !== 'ok') {
    const e = facts.session.error;
    add('snowflake_signin', 'Snowflake sign-in', 'failed', e.why, e.fix, e.fixSql ?? null);
    return out;
  }
  const s = facts.session.value;
  if (conn.role && s.role && conn.role.toUpperCase() !== s.role.toUpperCase())
    add(
      'snowflake_signin',
      'Snowflake sign-in',
      'warning',
      `Signed in as ${s.user}, but with role ${s.role} instead of SNOWFLAKE_ROLE=${conn.role}.`,
      `Grant the role to the user, or change SNOWFLAKE_ROLE.`,
      `GRANT ROLE ${nameSql(conn.role)} TO USER ${nameSql(s.user)};`,
    );
  else
    add(
      'snowflake_signin',
      'Snowflake sign-in',
      'ok',
      `Signed in to ${conn.account} as ${s.user} with role ${s.role} (${conn.authenticator}, settings from ${conn.source}).`,
    );
  if (!s.warehouse)
    add(
      'warehouse',
      'Warehouse for the end-to-end check',
      'warning',
      'The session has no warehouse, so the end-to-end check and the steps chart cannot run (page loads need none).',
      'Set SNOWFLAKE_WAREHOUSE, or give the user a default warehouse and grant the role USAGE on it.',
      `GRANT USAGE ON WAREHOUSE FITBIT_WH TO ROLE ${roleSql};\nALTER USER ${nameSql(s.user)} SET DEFAULT_WAREHOUSE = FITBIT_WH;`,
    );

  // --- secret ----------------------------------------------------------------------------------------
  const grantOwnership = `-- run as the secret's owner or an administrator\nGRANT OWNERSHIP ON SECRET ${secret.sql} TO ROLE ${roleSql} COPY CURRENT GRANTS;`;
  let sec: SecretFacts | undefined;
  if (facts.secret?.kind === 'ok') sec = facts.secret.value;
  else if (facts.secret)
    add(
      'secret',
      'OAuth secret',
      'failed',
      `Snowflake says secret ${secret.display} does not exist or role ${role} has no privilege on it (it gives one answer for both), so the app cannot write the token.`,
      `If it exists, give ${role} ownership with the statement below; if not, run the setup script (Setup page). If the name is wrong, fix SNOWFLAKE_SECRET.`,
      grantOwnership,
    );
  if (sec) {
    if (sec.type.toUpperCase() !== 'OAUTH2')
      add(
        'secret',
        'OAuth secret',
        'failed',
        `Secret ${secret.display} has TYPE = ${sec.type}, but Snowflake only refreshes tokens held in a TYPE = OAUTH2 secret.`,
        'Re-create it as an OAuth secret bound to the security integration, then give the app’s role ownership and connect again.',
        `CREATE OR REPLACE SECRET ${secret.sql} TYPE = OAUTH2 API_AUTHENTICATION = ${sec.integration ? nameSql(sec.integration) : 'FITBIT_OAUTH_INTEGRATION'};\nGRANT OWNERSHIP ON SECRET ${secret.sql} TO ROLE ${roleSql} COPY CURRENT GRANTS;`,
      );
    else add('secret', 'OAuth secret', 'ok', `Secret ${secret.display} exists and has TYPE = OAUTH2.`);
    const ownerOk = [s.role, conn.role]
      .filter(Boolean)
      .some((r) => r!.toUpperCase() === sec!.owner.toUpperCase());
    if (ownerOk)
      add(
        'secret_owner',
        'Secret owner',
        'ok',
        `Owned by ${sec.owner}, the app’s role: it may write the token.`,
      );
    else
      add(
        'secret_owner',
        'Secret owner',
        'failed',
        `Secret ${secret.display} is owned by ${sec.owner}, not by the app’s role ${role}; ALTER SECRET needs OWNERSHIP, so writing the token would fail.`,
        `Transfer ownership to ${role} with the statement below (run it as ${sec.owner} or an administrator).`,
        grantOwnership,
      );
    if (!sec.integration)
      add(
        'secret_integration',
        'Secret’s security integration',
        'failed',
        `Secret ${secret.display} names no security integration, so Snowflake does not know where to refresh the token.`,
        'Re-create the secret with API_AUTHENTICATION set, then connect again.',
        `CREATE OR REPLACE SECRET ${secret.sql} TYPE = OAUTH2 API_AUTHENTICATION = FITBIT_OAUTH_INTEGRATION;`,
      );
    else
      add(
        'secret_integration',
        'Secret’s security integration',
        'ok',
        `Bound to security integration ${sec.integration} (API_AUTHENTICATION).`,
      );
  }
  const secretExpiry = input.localHistory ? null : (sec?.refreshTokenExpiry ?? null);
  judgeExpiry(add, secretExpiry ?? input.knownExpiry ?? null, now, config, !!secretExpiry);

  // --- check function ------------------------------------------------------------------------------
  const fnFacts = facts.checkFunction;
  if (fnFacts && fnFacts.kind !== 'ok') {
    add(
      'check_function',
      'Check function',
      'failed',
      `Snowflake says check function ${fn.display}() does not exist or role ${role} may not use it, so the end-to-end check cannot run.`,
      'Create it with the setup script (Setup page), or grant the role USAGE on it. If the name is wrong, fix SNOWFLAKE_CHECK_FUNCTION.',
      `GRANT USAGE ON FUNCTION ${fn.sql}() TO ROLE ${roleSql};`,
    );
  } else if (fnFacts) {
    const f = fnFacts.value;
    const bound = Object.values(f.secrets);
    if (!bound.some((b) => b.replace(/"/g, '').toUpperCase() === secret.display.toUpperCase()))
      add(
        'check_function',
        'Check function',
        'failed',
        `${fn.display}() reads ${bound.length ? bound.join(', ') : 'no secret'}, not ${secret.display} (the secret the app writes), so its answer says nothing about this connection.`,
        'Re-create the check function with the setup script so its SECRETS clause names the app’s secret, or fix SNOWFLAKE_SECRET / SNOWFLAKE_CHECK_FUNCTION.',
      );
    else if (f.externalAccessIntegrations.length === 0)
      add(
        'check_function',
        'Check function',
        'failed',
        `${fn.display}() has no external access integration, so it cannot reach the API.`,
        'Re-create the check function with the setup script (it sets EXTERNAL_ACCESS_INTEGRATIONS).',
      );
    else
      add(
        'check_function',
        'Check function',
        'ok',
        `${fn.display}() reads ${secret.display} through ${f.externalAccessIntegrations.join(', ')}.`,
      );
  }

  // --- security integration ------------------------------------------------------------------------
  if (facts.integration) judgeIntegration(add, facts.integration, exp, role ?? '', roleSql);

  // --- external access integration and network rule -------------------------------------------------
  for (const e of facts.eais) judgeEai(add, e, secret.display, secret.sql, roleSql, role ?? '');
  judgeRules(add, facts, exp, input.provenAt);
  return out;
}

type Add = (
  id: string,
  title: string,
  status: CheckStatus,
  detail: string,
  fix?: string | null,
  fixSql?: string | null,
  unseen?: boolean,
) => void;

function judgeExpiry(add: Add, expiry: Date | null, now: Date, config: AppConfig, fromSecret: boolean): void {
  const title = 'Refresh token expiry';
  const source = fromSecret
    ? 'the secret’s OAUTH_REFRESH_TOKEN_EXPIRY_TIME'
    : 'the provider’s token response';
  const testing = config.oauth.clientStatus === 'testing';
  const why = testing ? ' (a Testing-status Google client’s tokens die 7 days after consent)' : '';
  if (!expiry) {
    add(
      'token_expiry',
      title,
      'ok',
      'No expiry is known: the provider did not say the refresh token expires (it lasts until revoked).',
    );
    return;
  }
  const left = expiry.getTime() - now.getTime();
  if (left <= 0)
    add(
      'token_expiry',
      title,
      'failed',
      `The refresh token expired at ${expiry.toISOString()} (from ${source})${why}.`,
      `Re-authorize now${testing ? '; to stop the weekly expiry, publish the Google client to “In production”' : ''}.`,
    );
  else if (left <= DAY_MS)
    add(
      'token_expiry',
      title,
      'warning',
      `The refresh token expires at ${expiry.toISOString()}, in less than a day (from ${source})${why}.`,
      `Re-authorize before then${testing ? '; to stop the weekly expiry, publish the Google client to “In production”' : ''}.`,
    );
  else
    add(
      'token_expiry',
      title,
      'ok',
      `The refresh token expires at ${expiry.toISOString()} (from ${source})${why}.`,
    );
}

function judgeIntegration(
  add: Add,
  it: { name: string; seen: Seen<IntegrationFacts> },
  exp: Expected,
  role: string,
  roleSql: string,
): void {
  const title = 'Security integration';
  const name = nameSql(it.name);
  if (it.seen.kind === 'unseen') {
    add(
      'security_integration',
      title,
      'warning',
      `Role ${role} cannot see security integration ${it.name} (DESCRIBE INTEGRATION needs USAGE), so its client ID, endpoints and scopes are not checked here.`,
      'To let the app check it, grant its role USAGE on the integration (that lets it read the integration, not use the client secret); or check it yourself with DESC INTEGRATION as an administrator.',
      `GRANT USAGE ON INTEGRATION ${name} TO ROLE ${roleSql};`,
      true,
    );
    return;
  }
  if (it.seen.kind === 'error') {
    add(
      'security_integration',
      title,
      'failed',
      it.seen.error.why,
      it.seen.error.fix,
      it.seen.error.fixSql ?? null,
    );
    return;
  }
  const p = it.seen.value;
  const alter = `ALTER SECURITY INTEGRATION ${name} SET`;
  if ((p.ENABLED ?? '').toLowerCase() !== 'true')
    add(
      'integration_enabled',
      'Security integration enabled',
      'failed',
      `Security integration ${it.name} is disabled, so Snowflake cannot refresh the token.`,
      'Enable it.',
      `${alter} ENABLED = TRUE;`,
    );
  else add('integration_enabled', 'Security integration enabled', 'ok', `${it.name} is enabled.`);

  const clientId = p.OAUTH_CLIENT_ID ?? '';
  if (clientId !== exp.clientId)
    add(
      'integration_client_id',
      'Integration client ID',
      'failed',
      `Security integration ${it.name} has client ID ${clientId || '(none)'}, but the app signs in with ${exp.clientId}: the provider refuses a refresh token from another client.`,
      'Set the app’s client ID and its client secret in the integration (the Setup page renders the statement with the secret).',
      `${alter} OAUTH_CLIENT_ID = ${quoteLiteral(exp.clientId)} OAUTH_CLIENT_SECRET = '<the client secret of ${exp.clientId}>';`,
    );
  else add('integration_client_id', 'Integration client ID', 'ok', `Client ID ${clientId}, the app’s.`);

  const token = p.OAUTH_TOKEN_ENDPOINT ?? '';
  const auth = p.OAUTH_AUTHORIZATION_ENDPOINT ?? '';
  const authType = (p.AUTH_TYPE ?? 'OAUTH2').toUpperCase();
  if (authType !== 'OAUTH2')
    add(
      'integration_endpoints',
      'Integration endpoints',
      'failed',
      `Security integration ${it.name} has AUTH_TYPE = ${authType}, not OAUTH2.`,
      'Re-create it with the setup script.',
    );
  else if (!exp.tokenEndpoints.map(norm).includes(norm(token)))
    add(
      'integration_endpoints',
      'Integration endpoints',
      'failed',
      `Security integration ${it.name} refreshes tokens at ${token || '(no token endpoint)'}, not at the provider’s ${exp.tokenEndpoint}.`,
      'Point it at the provider’s token endpoint.',
      `${alter} OAUTH_TOKEN_ENDPOINT = ${quoteLiteral(exp.tokenEndpoint)};`,
    );
  else if (auth && !exp.authorizationEndpoints.map(norm).includes(norm(auth)))
    add(
      'integration_endpoints',
      'Integration endpoints',
      'warning',
      `Token endpoint ${token} is right, but the authorization endpoint is ${auth}, not the provider’s ${exp.authorizationEndpoint} (Snowflake does not use it to refresh, so this is cosmetic).`,
      'Set the provider’s authorization endpoint.',
      `${alter} OAUTH_AUTHORIZATION_ENDPOINT = ${quoteLiteral(exp.authorizationEndpoint)};`,
    );
  else
    add('integration_endpoints', 'Integration endpoints', 'ok', `Token endpoint ${token}, the provider’s.`);

  const allowed = parseList(p.OAUTH_ALLOWED_SCOPES);
  const missing = exp.scopes.filter((sc) => !allowed.includes(sc));
  if (allowed.length === 0)
    add('integration_scopes', 'Integration scopes', 'ok', 'OAUTH_ALLOWED_SCOPES is not set: no restriction.');
  else if (missing.length)
    add(
      'integration_scopes',
      'Integration scopes',
      'failed',
      `OAUTH_ALLOWED_SCOPES of ${it.name} lacks ${missing.join(', ')}, which the app requests.`,
      'Allow every scope the app requests.',
      `${alter} OAUTH_ALLOWED_SCOPES = (${[...new Set([...allowed, ...exp.scopes])].map(quoteLiteral).join(', ')});`,
    );
  else add('integration_scopes', 'Integration scopes', 'ok', 'Allows every scope the app requests.');
}

function judgeEai(
  add: Add,
  e: { name: string; seen: Seen<IntegrationFacts> },
  secretDisplay: string,
  secretSql: string,
  roleSql: string,
  role: string,
): void {
  const title = 'External access integration';
  const name = nameSql(e.name);
  if (e.seen.kind === 'unseen') {
    add(
      'external_access_integration',
      title,
      'warning',
      `Role ${role} cannot see external access integration ${e.name} (DESCRIBE INTEGRATION needs USAGE), so whether it is enabled, allows the secret and which network rules it uses is not checked here.`,
      'To let the app check it, grant its role USAGE on the integration; or check it yourself with DESC INTEGRATION as an administrator.',
      `GRANT USAGE ON INTEGRATION ${name} TO ROLE ${roleSql};`,
      true,
    );
    return;
  }
  if (e.seen.kind === 'error') {
    add(
      'external_access_integration',
      title,
      'failed',
      e.seen.error.why,
      e.seen.error.fix,
      e.seen.error.fixSql ?? null,
    );
    return;
  }
  const p = e.seen.value;
  if ((p.ENABLED ?? '').toLowerCase() !== 'true')
    add(
      'eai_enabled',
      'External access integration enabled',
      'failed',
      `External access integration ${e.name} is disabled, so the functions cannot reach the API.`,
      'Enable it.',
      `ALTER EXTERNAL ACCESS INTEGRATION ${name} SET ENABLED = TRUE;`,
    );
  else add('eai_enabled', 'External access integration enabled', 'ok', `${e.name} is enabled.`);
  const secrets = parseList(p.ALLOWED_AUTHENTICATION_SECRETS);
  if (!secrets.some((x) => x.replace(/"/g, '').toUpperCase() === secretDisplay.toUpperCase()))
    add(
      'eai_secret',
      'External access integration allows the secret',
      'failed',
      `External access integration ${e.name} does not list ${secretDisplay} in ALLOWED_AUTHENTICATION_SECRETS, so functions may not use it.`,
      'Add the secret (SET replaces the list, so the statement keeps the ones already there).',
      `ALTER EXTERNAL ACCESS INTEGRATION ${name} SET ALLOWED_AUTHENTICATION_SECRETS = (${[...secrets.map(nameSql), secretSql].join(', ')});`,
    );
  else
    add(
      'eai_secret',
      'External access integration allows the secret',
      'ok',
      `${e.name} allows ${secretDisplay}.`,
    );
}

function judgeRules(add: Add, facts: ChainFacts, exp: Expected, provenAt: string | undefined): void {
  const title = 'Network rule';
  const proven = () =>
    add(
      'network_rule',
      title,
      'ok',
      `Proven by the end-to-end check at ${provenAt}: Snowflake reached the API host (${exp.apiHost}) through it. (The app’s role cannot read the rule itself: DESCRIBE NETWORK RULE needs OWNERSHIP.)`,
    );
  const seenEais = facts.eais.filter((e) => e.seen.kind === 'ok');
  if (facts.eais.length > 0 && seenEais.length === 0) {
    if (provenAt) {
      proven();
      return;
    }
    add(
      'network_rule',
      title,
      'warning',
      `The network rules are listed by the external access integration, which the app’s role cannot see, so whether they allow ${exp.apiHost} is not checked here.`,
      `Check that the integration’s network rule has ${exp.apiHost} in its VALUE_LIST (DESC NETWORK RULE, as its owner).`,
      null,
      true,
    );
    return;
  }
  if (seenEais.length === 0) return;
  const eaiName = nameSql(seenEais[0]!.name);
  if (facts.rules.length === 0) {
    add(
      'network_rule',
      title,
      'failed',
      `External access integration ${seenEais[0]!.name} has no network rule, so functions can reach no host.`,
      `Create an egress rule for ${exp.apiHost} and add it to the integration.`,
      `CREATE NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${quoteLiteral(exp.apiHost)});\nALTER EXTERNAL ACCESS INTEGRATION ${eaiName} SET ALLOWED_NETWORK_RULES = (FITBIT.PUBLIC.FITBIT_API_RULE);`,
    );
    return;
  }
  const visible = facts.rules.filter((r) => r.seen.kind === 'ok') as {
    name: string;
    seen: { kind: 'ok'; value: NetworkRuleFacts };
  }[];
  const allows = (r: NetworkRuleFacts) =>
    r.mode.toUpperCase() === 'EGRESS' &&
    r.values.some((v) => {
      const [host, port] = v.toLowerCase().split(':');
      const hostOk = host === exp.apiHost || (host!.startsWith('*.') && exp.apiHost.endsWith(host!.slice(1)));
      return hostOk && (port === undefined || port === '443');
    });
  const ok = visible.find((r) => allows(r.seen.value));
  if (ok) {
    add('network_rule', title, 'ok', `${ok.name} allows egress to ${exp.apiHost}.`);
    return;
  }
  if (visible.length === 0) {
    if (provenAt) {
      proven();
      return;
    }
    const names = facts.rules.map((r) => r.name).join(', ');
    add(
      'network_rule',
      title,
      'warning',
      `The app’s role cannot read network rule ${names} (DESCRIBE NETWORK RULE needs OWNERSHIP, which the app should not have), so whether it allows ${exp.apiHost} is not checked here.`,
      `As the rule’s owner (SYSADMIN by default), check that VALUE_LIST includes '${exp.apiHost}'.`,
      facts.rules.map((r) => `DESC NETWORK RULE ${nameSql(r.name)};`).join('\n'),
      true,
    );
    return;
  }
  const r = visible[0]!;
  const mode = r.seen.value.mode.toUpperCase();
  add(
    'network_rule',
    title,
    'failed',
    mode !== 'EGRESS'
      ? `Network rule ${r.name} has MODE = ${mode}; functions need an EGRESS rule for ${exp.apiHost}.`
      : `Network rule ${r.name} allows ${r.seen.value.values.join(', ') || 'no host'}, not ${exp.apiHost}, so the functions cannot reach the API.`,
    mode !== 'EGRESS'
      ? 'Re-create it as an egress rule (the setup script does).'
      : `Add ${exp.apiHost} to the rule (SET replaces the list, so the statement keeps the hosts already there).`,
    mode !== 'EGRESS'
      ? `CREATE OR REPLACE NETWORK RULE ${nameSql(r.name)} MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = (${quoteLiteral(exp.apiHost)});`
      : `ALTER NETWORK RULE ${nameSql(r.name)} SET VALUE_LIST = (${[...r.seen.value.values, exp.apiHost].map(quoteLiteral).join(', ')});`,
  );
}
