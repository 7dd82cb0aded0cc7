// The cheap checks: what the app's own Snowflake session could read about the chain (status/describe.ts),
// judged object by object into ok / warning / failed / unknown with one sentence of why and the exact fix.
// Each module here judges one object and returns plain findings; this runs them in the order the page
// shows. Pure: no I/O, so each rule is unit-testable. Shared by /status, /status.json, /setup and
// `npm run status`. Never throws: a module that cannot judge its facts yields one unknown row.
import type { AppConfig } from '../../config/index.js';
import type { ProviderProfile } from '../../providers/index.js';
import { setupDefaults } from '../../setup/defaults.js';
import { isUnreadable } from '../../snowflake/chain-reader.js';
import type { ChainFacts } from '../describe.js';
import { configChecks } from './app-config.js';
import { eaiChecks } from './eai.js';
import { expectedChain } from './expected.js';
import { type ExpiryInput, type ExpiryView, judgeExpiry } from './expiry.js';
import { functionCheck } from './function.js';
import { integrationChecks } from './integration.js';
import { isolationCheck } from './isolation.js';
import { networkRuleCheck } from './network-rule.js';
import { refreshTokenValidity } from './properties.js';
import { secretChecks } from './secret.js';
import { signinChecks } from './signin.js';
import type { ChainNames, Finding, StatusCheck } from './types.js';
import { sqlName } from './unknown.js';

export type { ChainFacts } from '../describe.js';
export { type AccountObjects, accountObjectsReady } from './account-ready.js';
export { EXPIRY_WARNING_LEAD_MS, type ExpiryView } from './expiry.js';
export { judgePipeline, nextPhrase, type PipelineJudgement, type TaskRead } from './pipeline.js';
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
  /** When the last connect wrote the token (to tell Snowflake's own refresh-token expiry from a stale one). */
  lastWriteAt?: Date;
  at?: string;
}

/** A module that throws on facts it did not foresee gives one unknown row instead of failing the page. */
function guarded(row: { id: string; title: string }, judge: () => Finding[]): Finding[] {
  try {
    return judge();
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return [
      {
        ...row,
        status: 'unknown',
        detail: `The app could not judge what Snowflake answered (${what.slice(0, 200)}).`,
        fix: 'A passing end-to-end check since the last connect proves the chain works regardless. Please report this message.',
        unseen: true,
      },
    ];
  }
}

function expiryInput(input: JudgeInput): ExpiryInput {
  const { config, profile, facts } = input;
  const secret = facts.secret?.kind === 'ok' ? facts.secret.value : undefined;
  const integration = facts.integration?.seen.kind === 'ok' ? facts.integration.seen.value : undefined;
  return {
    now: input.now,
    // The last connect's expiry, or none it declared, when the history has one; else whatever was learnt.
    provider: input.localHistory ? (input.knownExpiry ?? null) : input.knownExpiry,
    history: input.localHistory ?? false,
    writtenAt: input.lastWriteAt,
    snowflake: secret && { refresh: secret.refreshTokenExpiry, access: secret.accessTokenExpiry },
    validity: integration ? refreshTokenValidity(integration) : undefined,
    integration: secret && !isUnreadable(secret.integration) ? secret.integration : facts.integration?.name,
    secretSql: config.snowflake.secret.sql,
    testingClient: config.oauth.clientStatus === 'testing',
    google: profile.hasPublishingStatus,
  };
}

/** Every party's view of when the tokens die (for /status.json and the page); never throws. */
export function expiryView(input: JudgeInput): ExpiryView | null {
  try {
    return judgeExpiry(expiryInput(input)).view;
  } catch {
    return null;
  }
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
      // An unknown is a "can't see it": a passing end-to-end check settles it.
      unseen: f.unseen ?? f.status === 'unknown',
      at,
    }));
  const defaults = setupDefaults(profile.id);
  const conn = config.snowflake.connection;
  const seenRole = facts.session.kind === 'ok' ? facts.session.value.role : undefined;
  const sessionRole = seenRole && !isUnreadable(seenRole) ? seenRole : undefined;
  const role = sessionRole || conn.role;
  const names: ChainNames = {
    secret: config.snowflake.secret,
    checkFunction: config.snowflake.checkFunction,
    role,
    roleSql: role ? sqlName(role, '<app role>') : '<app role>',
  };

  const out = [...configChecks(config, profile)];
  const signin = guarded({ id: 'snowflake_signin', title: 'Snowflake sign-in' }, () =>
    signinChecks({
      session: facts.session,
      conn,
      roleSql: names.roleSql,
      defaultWarehouse: defaults.warehouse,
    }),
  );
  out.push(...signin);
  // Not signed in: nothing else could be read. (An odd answer to the sign-in facts is no sign-out.)
  if (facts.session.kind === 'error' || facts.session.kind === 'unseen') return stamp(out);

  out.push(
    ...guarded({ id: 'secret', title: 'OAuth secret' }, () =>
      secretChecks({
        secret: facts.secret,
        names,
        appRoles: [sessionRole, conn.role],
        defaultIntegration: defaults.securityIntegration,
      }),
    ),
  );
  out.push(
    ...guarded({ id: 'token_expiry', title: 'Refresh token expiry' }, () => [
      judgeExpiry(expiryInput(input)).finding,
    ]),
  );
  out.push(
    ...guarded({ id: 'check_function', title: 'Check function' }, () =>
      functionCheck({ checkFunction: facts.checkFunction, names }),
    ),
  );
  out.push(...isolationCheck({ checkFunction: facts.checkFunction, names }));

  const expected = expectedChain(config, profile);
  out.push(
    ...guarded({ id: 'security_integration', title: 'Security integration' }, () =>
      integrationChecks({ integration: facts.integration, expected, names }),
    ),
  );
  for (const eai of facts.eais)
    out.push(
      ...guarded({ id: 'external_access_integration', title: 'External access integration' }, () =>
        eaiChecks({ eai, names }),
      ),
    );
  out.push(
    ...guarded({ id: 'network_rule', title: 'Network rule' }, () =>
      networkRuleCheck({
        eais: facts.eais,
        rules: facts.rules,
        expected,
        provenAt: input.provenAt,
        defaultRule: defaults.networkRule,
        defaultOwnerRole: defaults.ownerRole,
      }),
    ),
  );
  return stamp(out);
}
