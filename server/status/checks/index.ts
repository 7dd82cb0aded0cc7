// The cheap checks: what the app's own Snowflake session could read about the chain (status/describe.ts),
// judged object by object into ok / warning / failed with one sentence of why and the exact fix. Each
// module here judges one object and returns plain findings; this runs them in the order the page shows.
// Pure: no I/O, so each rule is unit-testable. Shared by /status, /status.json, /setup and `npm run status`.
import type { AppConfig } from '../../config/index.js';
import type { ProviderProfile } from '../../providers/index.js';
import { setupDefaults } from '../../setup/defaults.js';
import { nameSql } from '../../snowflake/sql.js';
import type { ChainFacts } from '../describe.js';
import { configChecks } from './app-config.js';
import { eaiChecks } from './eai.js';
import { expectedChain } from './expected.js';
import { expiryCheck } from './expiry.js';
import { functionCheck } from './function.js';
import { integrationChecks } from './integration.js';
import { networkRuleCheck } from './network-rule.js';
import { secretChecks } from './secret.js';
import { signinChecks } from './signin.js';
import type { ChainNames, Finding, StatusCheck } from './types.js';

export type { ChainFacts } from '../describe.js';
export type { CheckStatus, StatusCheck } from './types.js';

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

/** Judges the facts, in the order the status page lists them. */
export function judgeChain(input: JudgeInput): StatusCheck[] {
  const { config, profile, facts, now } = input;
  const at = input.at ?? now.toISOString();
  const stamp = (findings: Finding[]): StatusCheck[] =>
    findings.map((f) => ({
      id: f.id,
      title: f.title,
      status: f.status,
      detail: f.detail,
      fix: f.fix ?? null,
      fixSql: f.fixSql ?? null,
      unseen: f.unseen ?? false,
      at,
    }));
  const defaults = setupDefaults(profile.id);
  const conn = config.snowflake.connection;
  const sessionRole = facts.session.kind === 'ok' ? facts.session.value.role : undefined;
  const role = sessionRole || conn.role;
  const names: ChainNames = {
    secret: config.snowflake.secret,
    checkFunction: config.snowflake.checkFunction,
    role,
    roleSql: role ? nameSql(role) : '<app role>',
  };

  const out = [...configChecks(config, profile)];
  const signin = signinChecks({
    session: facts.session,
    conn,
    roleSql: names.roleSql,
    defaultWarehouse: defaults.warehouse,
  });
  out.push(...signin);
  // Not signed in: nothing else could be read.
  if (facts.session.kind !== 'ok') return stamp(out);

  out.push(
    ...secretChecks({
      secret: facts.secret,
      names,
      appRoles: [sessionRole, conn.role],
      defaultIntegration: defaults.securityIntegration,
    }),
  );
  const fromSecret = input.localHistory
    ? null
    : facts.secret?.kind === 'ok'
      ? facts.secret.value.refreshTokenExpiry
      : null;
  out.push(
    expiryCheck({
      expiry: fromSecret ?? input.knownExpiry ?? null,
      now,
      fromSecret: !!fromSecret,
      testingClient: config.oauth.clientStatus === 'testing',
    }),
  );
  out.push(...functionCheck({ checkFunction: facts.checkFunction, names }));

  const expected = expectedChain(config, profile);
  out.push(...integrationChecks({ integration: facts.integration, expected, names }));
  for (const eai of facts.eais) out.push(...eaiChecks({ eai, names }));
  out.push(
    ...networkRuleCheck({
      eais: facts.eais,
      rules: facts.rules,
      expected,
      provenAt: input.provenAt,
      defaultRule: defaults.networkRule,
      defaultOwnerRole: defaults.ownerRole,
    }),
  );
  return stamp(out);
}
