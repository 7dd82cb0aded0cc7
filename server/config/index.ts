// Configuration is read from the environment (and an optional .env file) once, at start, and
// validated here; the rest of the app receives a typed, frozen AppConfig. With no OAuth or Snowflake
// settings at all the app runs in sandbox mode; with some but not all it refuses to start and names
// each missing setting. The settings themselves are listed once, in schema.ts.
import { randomBytes } from 'node:crypto';
import { describeMissing, getProfile, needsFor, scopeSetFor, unionOfNeeds } from '../providers/index.js';
import { parseQualifiedName, type QualifiedName, SqlValueError } from '../snowflake/sql.js';
import { defaultProofMaxAge, resolveCheckSchedule } from './check-schedule.js';
import { type Env, isSandboxRequested, readSettings } from './env.js';
import { ConfigError } from './error.js';
import { checkEndpoint, checkExposure, checkLaunchToken, checkRedirectUri } from './redirect.js';
import { SETTINGS, type Setting, type SettingValues } from './schema.js';
import { snowflakeConnection } from './snowflake-connection.js';
import type { AppConfig, BaseConfig, OAuthConfig } from './types.js';

export { readNamedConnection } from './connections-toml.js';
export { isSandboxRequested, loadDotEnv, readSetting, settingText } from './env.js';
export { ConfigError } from './error.js';
export { checkExposure, checkLaunchToken, isLoopbackHost } from './redirect.js';
export { LIVE_SETTINGS, SETTINGS } from './schema.js';
export type {
  AppConfig,
  Authenticator,
  BaseConfig,
  OAuthConfig,
  SnowflakeConnectionConfig,
} from './types.js';

const S = SETTINGS;

/** How long a started sign-in stays valid: as long as a provider's authorization code lives. */
export const FLOW_TTL_MS = 10 * 60 * 1000;

/** INVITE_TTL_HOURS' default, from the schema (for configs built without reading the settings, as in tests). */
const DEFAULT_INVITE_TTL_MS = (S.INVITE_TTL_HOURS.type.parse(undefined) as number) * 3_600_000;

function qualifiedName(
  setting: Setting,
  value: string | undefined,
  problems: string[],
  opts: { isFunction: boolean },
): QualifiedName | undefined {
  if (!value) return undefined;
  // Functions are often written as they are called; the name is what is meant.
  const v = opts.isFunction ? value.replace(/\(\s*\)$/, '') : value;
  try {
    return parseQualifiedName(v, 3);
  } catch (e) {
    problems.push(`${setting.name}: ${e instanceof SqlValueError ? e.message : String(e)}`);
    return undefined;
  }
}

function baseConfig(c: SettingValues, problems: string[], sandbox: boolean): BaseConfig {
  const profile = getProfile(c.PROVIDER);
  const redirectUri = c.OAUTH_REDIRECT_URI ?? `http://localhost:${c.PORT}/callback`;
  checkRedirectUri(redirectUri, problems);
  checkExposure(c.HOST, c.ADMIN_TOKEN, problems);
  checkLaunchToken(c.LAUNCH_TOKEN, c.ADMIN_TOKEN, c.PUBLIC_URL, problems);
  // One set: requested, required at consent and allowed on the integration, for the data kinds to land.
  // Adding is fine; dropping a scope a shipped function needs would connect an account whose data Snowflake
  // then cannot read.
  const dataKinds = c.PIPELINE_DATA_TYPES;
  const { scopes, missing } = scopeSetFor(profile, c.OAUTH_SCOPES?.split(/\s+/), dataKinds);
  const needed = unionOfNeeds(needsFor(profile, dataKinds)).join(' ');
  for (const m of missing) {
    problems.push(
      `${S.OAUTH_SCOPES.name} lacks ${describeMissing(m)}: add it, or leave ${S.OAUTH_SCOPES.name} unset (${needed}).`,
    );
  }
  return {
    host: c.HOST,
    port: c.PORT,
    provider: c.PROVIDER,
    redirectUri,
    scopes,
    dataKinds,
    clientStatus: c.OAUTH_CLIENT_STATUS,
    dataDir: c.DATA_DIR,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    heldTokenTtlMs: c.HELD_TOKEN_TTL_SECONDS * 1000,
    inviteTtlMs: c.INVITE_TTL_HOURS * 3_600_000,
    adminToken: c.ADMIN_TOKEN,
    launchToken: c.LAUNCH_TOKEN,
    openBrowser: c.OPEN_BROWSER ? c.OPEN_BROWSER === 'true' : !!process.stdout.isTTY,
    hstsIncludeSubDomains: c.HSTS_INCLUDE_SUBDOMAINS === 'true',
    publicUrl: c.PUBLIC_URL,
    ...resolveCheckSchedule(sandbox, { interval: c.CHECK_INTERVAL, maxAge: c.PROOF_MAX_AGE }, problems, {
      interval: S.CHECK_INTERVAL.name,
      maxAge: S.PROOF_MAX_AGE.name,
    }),
    timeouts: {
      oauthSeconds: c.OAUTH_TIMEOUT_SECONDS,
      snowflakeMs: c.SNOWFLAKE_TIMEOUT_SECONDS * 1000,
      stopMs: c.STOP_WAIT_SECONDS * 1000,
    },
    sandboxPorts: { oauth: c.SANDBOX_OAUTH_PORT, snowflake: c.SANDBOX_SNOWFLAKE_PORT },
    sandboxLatency: c.SANDBOX_LATENCY,
  };
}

/**
 * Parses and validates the environment. Returns a live config, or `sandbox: true` when sandbox mode is
 * requested (the caller then starts the stand-ins and builds the config with `configFromBase`).
 */
export function parseConfig(
  env: Env,
): { sandbox: true; base: BaseConfig } | { sandbox: false; base: BaseConfig; config: AppConfig } {
  const c = readSettings(env);
  const problems: string[] = [];
  const sandbox = isSandboxRequested(env);
  const base = baseConfig(c, problems, sandbox);
  if (problems.length) throw new ConfigError(problems);

  if (sandbox) return { sandbox: true, base };

  const profile = getProfile(c.PROVIDER);
  if (!c.OAUTH_CLIENT_ID)
    problems.push(`${S.OAUTH_CLIENT_ID.name} is missing (the OAuth client ID from the provider console).`);
  if (profile.clientSecretRequired && !c.OAUTH_CLIENT_SECRET)
    problems.push(
      `${S.OAUTH_CLIENT_SECRET.name} is missing (${profile.displayName} requires the client secret at its token endpoint, even with PKCE).`,
    );
  if (!c.SNOWFLAKE_SECRET)
    problems.push(
      `${S.SNOWFLAKE_SECRET.name} is missing (the fully qualified secret to write, e.g. FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN).`,
    );
  if (!c.SNOWFLAKE_CHECK_FUNCTION)
    problems.push(
      `${S.SNOWFLAKE_CHECK_FUNCTION.name} is missing (the function that proves the chain, e.g. FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK).`,
    );
  const secret = qualifiedName(S.SNOWFLAKE_SECRET, c.SNOWFLAKE_SECRET, problems, { isFunction: false });
  const checkFunction = qualifiedName(S.SNOWFLAKE_CHECK_FUNCTION, c.SNOWFLAKE_CHECK_FUNCTION, problems, {
    isFunction: true,
  });
  const dataFunction = qualifiedName(S.SNOWFLAKE_DATA_FUNCTION, c.SNOWFLAKE_DATA_FUNCTION, problems, {
    isFunction: true,
  });
  // An endpoint setting overrides the provider's (a proxy); a trailing slash is dropped.
  const endpoint = (setting: Setting, value: string | undefined, fallback: string) => {
    const v = value ?? fallback;
    checkEndpoint(setting, v, problems);
    return v.replace(/\/+$/, '');
  };
  const authorizationUrl = endpoint(
    S.OAUTH_AUTHORIZATION_URL,
    c.OAUTH_AUTHORIZATION_URL,
    profile.endpoints.authorization,
  );
  const tokenUrl = endpoint(S.OAUTH_TOKEN_URL, c.OAUTH_TOKEN_URL, profile.endpoints.token);
  const revocationUrl = endpoint(
    S.OAUTH_REVOCATION_URL,
    c.OAUTH_REVOCATION_URL,
    profile.endpoints.revocation,
  );
  const healthApiUrl = endpoint(S.HEALTH_API_URL, c.HEALTH_API_URL, profile.endpoints.api);
  const connection = snowflakeConnection(c, env, problems);
  if (problems.length || !secret || !checkFunction || !connection) throw new ConfigError(problems);

  return {
    sandbox: false,
    base,
    config: configFromBase(base, 'live', {
      oauth: {
        // The provider's issuer even behind a proxy of the authorization URL: the proxy passes the
        // provider's `iss` through (docs/going-live.md, "The iss rule").
        issuer: c.OAUTH_ISSUER ?? profile.endpoints.issuer,
        clientId: c.OAUTH_CLIENT_ID!,
        clientSecret: c.OAUTH_CLIENT_SECRET,
        authorizationUrl,
        tokenUrl,
        revocationUrl,
        healthApiUrl,
      },
      snowflake: { connection, secret, checkFunction, dataFunction },
    }),
  };
}

/** The full configuration from what is known at start plus the mode's own OAuth and Snowflake parts. */
export function configFromBase(
  base: BaseConfig,
  mode: AppConfig['mode'],
  parts: {
    oauth: Omit<OAuthConfig, 'redirectUri' | 'scopes' | 'clientStatus'>;
    snowflake: AppConfig['snowflake'];
    dataDir?: string;
  },
): AppConfig {
  return freezeConfig({
    mode,
    host: base.host,
    port: base.port,
    publicOrigin: base.publicUrl ? new URL(base.publicUrl).origin : new URL(base.redirectUri).origin,
    provider: base.provider,
    ...(base.dataKinds ? { dataKinds: base.dataKinds } : {}),
    oauth: {
      ...parts.oauth,
      redirectUri: base.redirectUri,
      scopes: base.scopes,
      clientStatus: base.clientStatus,
    },
    snowflake: parts.snowflake,
    dataDir: parts.dataDir ?? base.dataDir,
    logLevel: base.logLevel,
    heldTokenTtlMs: base.heldTokenTtlMs,
    flowTtlMs: FLOW_TTL_MS,
    inviteTtlMs: base.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS,
    adminToken: base.adminToken,
    // A new one at every start: a link printed by an earlier run opens nothing.
    launchToken:
      base.adminToken || base.launchToken === 'off' ? undefined : randomBytes(32).toString('base64url'),
    hstsIncludeSubDomains: base.hstsIncludeSubDomains ?? false,
    checkIntervalSeconds: base.checkIntervalSeconds,
    proofMaxAgeSeconds: base.proofMaxAgeSeconds ?? defaultProofMaxAge(base.checkIntervalSeconds),
    timeouts: base.timeouts,
  });
}

export function freezeConfig(c: AppConfig): AppConfig {
  return Object.freeze(c);
}
