// Configuration is read from the environment (and an optional .env file) once, at start, and
// validated here; the rest of the app receives a typed, frozen AppConfig. With no OAuth or Snowflake
// settings at all the app runs in sandbox mode; with some but not all it refuses to start and names
// each missing setting.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { getProfile, PROVIDER_IDS, type ProviderId } from './providers/index.js';
import { parseQualifiedName, type QualifiedName, SqlValueError } from './snowflake/sql.js';

export type Authenticator =
  | 'SNOWFLAKE'
  | 'SNOWFLAKE_JWT'
  | 'PROGRAMMATIC_ACCESS_TOKEN'
  | 'OAUTH'
  | 'EXTERNALBROWSER'
  | 'USERNAME_PASSWORD_MFA';

/** Driver connection options, before secrets are loaded into them. */
export interface SnowflakeConnectionConfig {
  account: string;
  username: string;
  authenticator: Authenticator;
  password?: string;
  passcode?: string;
  privateKey?: string; // PEM
  privateKeyPath?: string;
  privateKeyPass?: string;
  token?: string;
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  accessUrl?: string;
  host?: string;
  /** Where the settings came from, for the page: 'environment' or 'connections.toml [name]'. */
  source: string;
}

export interface OAuthConfig {
  /** Expected `iss` in the authorization response (mix-up defence); Google sends it. */
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  scopes: string[];
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  healthApiUrl: string;
  /** Google client publishing status; 'testing' means refresh tokens die after 7 days. */
  clientStatus: 'production' | 'testing';
}

export interface AppConfig {
  mode: 'sandbox' | 'live';
  host: string;
  port: number;
  /** Origin users reach the app at (the redirect URI's origin by default). */
  publicOrigin: string;
  provider: ProviderId;
  oauth: OAuthConfig;
  snowflake: {
    connection: SnowflakeConnectionConfig;
    secret: QualifiedName;
    checkFunction: QualifiedName;
    /** Optional data function for the status page's chart. */
    dataFunction?: QualifiedName;
  };
  dataDir: string;
  logLevel: string;
  /** How long an undelivered token is held in memory for "Retry saving". */
  heldTokenTtlMs: number;
  /** How long a started sign-in stays valid. */
  flowTtlMs: number;
  adminToken?: string;
  /** Scheduled end-to-end check, in seconds; 0 = off. */
  checkIntervalSeconds: number;
  timeouts: { oauthSeconds: number; snowflakeMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Settings whose presence means "live": any one of them switches sandbox mode off (and then the others
 * that are required must be there too). PROVIDER, OAUTH_REDIRECT_URI, OAUTH_SCOPES and
 * OAUTH_CLIENT_STATUS are not among them: they also shape sandbox mode.
 */
export const LIVE_SETTINGS = [
  'OAUTH_CLIENT_ID',
  'OAUTH_ISSUER',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_AUTHORIZATION_URL',
  'OAUTH_TOKEN_URL',
  'OAUTH_REVOCATION_URL',
  'HEALTH_API_URL',
  'SNOWFLAKE_DEFAULT_CONNECTION_NAME',
  'SNOWFLAKE_ACCOUNT',
  'SNOWFLAKE_USER',
  'SNOWFLAKE_AUTHENTICATOR',
  'SNOWFLAKE_PRIVATE_KEY_FILE',
  'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
  'SNOWFLAKE_PASSWORD',
  'SNOWFLAKE_PASSCODE',
  'SNOWFLAKE_TOKEN',
  'SNOWFLAKE_ACCESS_URL',
  'SNOWFLAKE_ROLE',
  'SNOWFLAKE_WAREHOUSE',
  'SNOWFLAKE_DATABASE',
  'SNOWFLAKE_SCHEMA',
  'SNOWFLAKE_SECRET',
  'SNOWFLAKE_CHECK_FUNCTION',
  'SNOWFLAKE_DATA_FUNCTION',
] as const;

const AUTHENTICATORS: Authenticator[] = [
  'SNOWFLAKE',
  'SNOWFLAKE_JWT',
  'PROGRAMMATIC_ACCESS_TOKEN',
  'OAUTH',
  'EXTERNALBROWSER',
  'USERNAME_PASSWORD_MFA',
];

const common = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  PROVIDER: z.enum(PROVIDER_IDS).default('google-health'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  HELD_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(600),
  CHECK_INTERVAL: z.coerce.number().int().min(0).default(0),
  OAUTH_CLIENT_STATUS: z.enum(['production', 'testing']).default('production'),
  ADMIN_TOKEN: z.string().min(16).optional(),
  PUBLIC_URL: z.url().optional(),
  OAUTH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
  SNOWFLAKE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
});

function present(env: Env, name: string): boolean {
  const v = env[name];
  return v !== undefined && v.trim() !== '';
}

/** Loads `.env` from the working directory into process.env (existing variables win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function isSandboxRequested(env: Env): boolean {
  return !LIVE_SETTINGS.some((n) => present(env, n));
}

function checkRedirectUri(uri: string, problems: string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    problems.push(`OAUTH_REDIRECT_URI "${uri}" is not a URL. Use e.g. http://localhost:8787/callback.`);
    return;
  }
  // openid-client rebuilds the token request's redirect_uri from a URL object; only a URI already in
  // normal form survives that byte for byte, so insist on it here rather than fail at the provider.
  if (parsed.href !== uri) {
    problems.push(`OAUTH_REDIRECT_URI must be written in normal form: "${parsed.href}" instead of "${uri}".`);
  }
  if (parsed.search || parsed.hash)
    problems.push('OAUTH_REDIRECT_URI must not have a query string or fragment.');
  if (parsed.pathname !== '/callback') {
    problems.push(
      `OAUTH_REDIRECT_URI must end in /callback (this app serves the callback there), got "${uri}".`,
    );
  }
}

/**
 * A non-loopback bind means other people can reach the pages: refuse to start without ADMIN_TOKEN.
 * (A PUBLIC_URL behind a reverse proxy is not checked here: see SECURITY.md, "Not covered".)
 */
export function checkExposure(host: string, adminToken: string | undefined, problems: string[]): void {
  if (adminToken || isLoopbackHost(host)) return;
  problems.push(
    `HOST=${host} makes the app reachable from other computers, so ADMIN_TOKEN is required (at least 16 random characters, e.g. \`openssl rand -base64 32\`). Or bind to 127.0.0.1.`,
  );
}

function name(env: Env, key: string, problems: string[]): QualifiedName | undefined {
  let v = env[key]?.trim();
  if (!v) return undefined;
  // Functions are often written as they are called; the name is what is meant.
  if (key.endsWith('_FUNCTION')) v = v.replace(/\(\s*\)$/, '');
  try {
    return parseQualifiedName(v, 3);
  } catch (e) {
    problems.push(`${key}: ${e instanceof SqlValueError ? e.message : String(e)}`);
    return undefined;
  }
}

/** Reads a named connection from connections.toml the way the Snowflake CLI does. */
export function readNamedConnection(
  connectionName: string,
  env: Env,
  problems: string[],
): Partial<SnowflakeConnectionConfig> | undefined {
  const home = env.SNOWFLAKE_HOME || path.join(homedir(), '.snowflake');
  const file = path.join(home, 'connections.toml');
  if (!existsSync(file)) {
    problems.push(
      `SNOWFLAKE_DEFAULT_CONNECTION_NAME=${connectionName} but ${file} does not exist. Create it with \`snow connection add\` or set SNOWFLAKE_ACCOUNT and friends instead.`,
    );
    return undefined;
  }
  // The Snowflake CLI and the driver refuse a connections.toml others may write: whoever can edit it
  // can point the app at their own account and collect the refresh token. So does the app.
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && mode & 0o022) {
    problems.push(
      `${file} is writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); the Snowflake CLI and driver refuse it, and so does the app. Fix: chmod 0600 ${file}`,
    );
    return undefined;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    problems.push(`${file} is not valid TOML: ${(e as Error).message}`);
    return undefined;
  }
  const section = doc[connectionName];
  if (!section || typeof section !== 'object') {
    problems.push(
      `${file} has no [${connectionName}] connection (found: ${Object.keys(doc).join(', ') || 'none'}).`,
    );
    return undefined;
  }
  // SNOWFLAKE_CONNECTIONS_<NAME>_<KEY> overrides one key of the named connection, as in the CLI.
  const prefix = `SNOWFLAKE_CONNECTIONS_${connectionName.toUpperCase()}_`;
  const s: Record<string, unknown> = { ...(section as Record<string, unknown>) };
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(prefix) && v !== undefined && v.trim() !== '')
      s[k.slice(prefix.length).toLowerCase()] = v;
  }
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  return {
    account: str('account'),
    username: str('user') ?? str('username'),
    authenticator: str('authenticator')?.toUpperCase() as Authenticator | undefined,
    password: str('password'),
    passcode: str('passcode'),
    privateKeyPath: str('private_key_file') ?? str('private_key_path'),
    privateKeyPass: str('private_key_file_pwd') ?? str('private_key_passphrase'),
    token: str('token'),
    role: str('role'),
    warehouse: str('warehouse'),
    database: str('database'),
    schema: str('schema'),
    host: str('host'),
    source: `${file} [${connectionName}]`,
  };
}

/** A setting's name for a message: the variable, and the connections.toml key when one is in use. */
function settingName(envName: string, tomlKey: string, source: string): string {
  return source === 'environment' ? envName : `${envName} (or ${tomlKey} in ${source})`;
}

/**
 * Checks the key-pair file now rather than at the first login: a missing, public, or encrypted key
 * whose passphrase is missing or wrong would otherwise surface only as a failed page later.
 * A plain key is only checked for its PEM header; its body is parsed by the driver at login.
 */
function checkPrivateKey(conn: Partial<SnowflakeConnectionConfig>, source: string, problems: string[]): void {
  const fileSetting = settingName('SNOWFLAKE_PRIVATE_KEY_FILE', 'private_key_file', source);
  const passSetting = settingName('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE', 'private_key_file_pwd', source);
  const file = conn.privateKeyPath!;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(
      code === 'ENOENT'
        ? `${fileSetting} "${file}" does not exist. Point it at the PKCS#8 private key (e.g. rsa_key.p8).`
        : `${fileSetting} "${file}" cannot be read (${code ?? 'error'}). Make it readable by the user running the app.`,
    );
    return;
  }
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) {
    problems.push(
      `${fileSetting} "${file}" is a public key. Give the private key (rsa_key.p8); the public half belongs in ALTER USER … SET RSA_PUBLIC_KEY.`,
    );
    return;
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem)) {
    if (!conn.privateKeyPass) {
      problems.push(
        `${passSetting} is missing: ${file} is an encrypted private key. Set the passphrase it was encrypted with.`,
      );
      return;
    }
    try {
      createPrivateKey({ key: pem, format: 'pem', passphrase: conn.privateKeyPass });
    } catch {
      problems.push(
        `${passSetting} does not decrypt ${file} (wrong passphrase, or not the key it belongs to). Set the passphrase the key was encrypted with.`,
      );
    }
    return;
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    problems.push(
      `${fileSetting} "${file}" is not a PEM private key. Create one with \`openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 aes-256-cbc -out rsa_key.p8\` (see the README).`,
    );
  }
}

function snowflakeConnection(env: Env, problems: string[]): SnowflakeConnectionConfig | undefined {
  let base: Partial<SnowflakeConnectionConfig> = { source: 'environment' };
  if (present(env, 'SNOWFLAKE_DEFAULT_CONNECTION_NAME')) {
    const named = readNamedConnection(env.SNOWFLAKE_DEFAULT_CONNECTION_NAME!, env, problems);
    if (!named) return undefined;
    base = named;
  }
  const source = base.source ?? 'environment';
  // Environment variables override the named connection's fields.
  const pick = (k: string) => (present(env, k) ? env[k] : undefined);
  const conn: Partial<SnowflakeConnectionConfig> = {
    ...base,
    account: pick('SNOWFLAKE_ACCOUNT') ?? base.account,
    username: pick('SNOWFLAKE_USER') ?? base.username,
    password: pick('SNOWFLAKE_PASSWORD') ?? base.password,
    passcode: pick('SNOWFLAKE_PASSCODE') ?? base.passcode,
    privateKeyPath: pick('SNOWFLAKE_PRIVATE_KEY_FILE') ?? base.privateKeyPath,
    // PRIVATE_KEY_PASSPHRASE is where the Snowflake CLI reads an encrypted key's passphrase from.
    privateKeyPass:
      pick('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE') ?? base.privateKeyPass ?? pick('PRIVATE_KEY_PASSPHRASE'),
    token: pick('SNOWFLAKE_TOKEN') ?? base.token,
    role: pick('SNOWFLAKE_ROLE') ?? base.role,
    warehouse: pick('SNOWFLAKE_WAREHOUSE') ?? base.warehouse,
    database: pick('SNOWFLAKE_DATABASE') ?? base.database,
    schema: pick('SNOWFLAKE_SCHEMA') ?? base.schema,
    accessUrl: pick('SNOWFLAKE_ACCESS_URL'),
  };
  const name = (envName: string, tomlKey: string) => settingName(envName, tomlKey, source);
  const rawAuth = (pick('SNOWFLAKE_AUTHENTICATOR') ?? base.authenticator ?? '').toUpperCase();
  let authenticator: Authenticator;
  if (rawAuth) {
    if (!AUTHENTICATORS.includes(rawAuth as Authenticator)) {
      problems.push(
        `${name('SNOWFLAKE_AUTHENTICATOR', 'authenticator')} "${rawAuth}" is not supported. Use one of: ${AUTHENTICATORS.join(', ')}.`,
      );
      return undefined;
    }
    authenticator = rawAuth as Authenticator;
  } else {
    // Guessing between two credentials would sign in a way the person did not choose.
    const given = [
      conn.privateKeyPath && 'SNOWFLAKE_PRIVATE_KEY_FILE',
      conn.token && 'SNOWFLAKE_TOKEN',
      conn.password && 'SNOWFLAKE_PASSWORD',
    ].filter((x): x is string => !!x);
    if (given.length > 1) {
      problems.push(
        `${given.join(' and ')} are all set, so the sign-in way is ambiguous. Set SNOWFLAKE_AUTHENTICATOR (SNOWFLAKE_JWT for the key, PROGRAMMATIC_ACCESS_TOKEN or OAUTH for the token, SNOWFLAKE for the password) or remove the ones you do not use.`,
      );
      return undefined;
    }
    if (conn.privateKeyPath) authenticator = 'SNOWFLAKE_JWT';
    else if (conn.token) authenticator = 'PROGRAMMATIC_ACCESS_TOKEN';
    else if (conn.passcode) authenticator = 'USERNAME_PASSWORD_MFA';
    else authenticator = 'SNOWFLAKE';
  }

  if (!conn.account)
    problems.push(
      `${name('SNOWFLAKE_ACCOUNT', 'account')} is missing (your account identifier, e.g. myorg-myaccount).`,
    );
  else if (/[/:]|snowflakecomputing\.com$/i.test(conn.account) || /\s/.test(conn.account))
    problems.push(
      `${name('SNOWFLAKE_ACCOUNT', 'account')} "${conn.account}" looks like a URL. Use the account identifier only, e.g. myorg-myaccount (the part before .snowflakecomputing.com).`,
    );
  if (!conn.username)
    problems.push(`${name('SNOWFLAKE_USER', 'user')} is missing (the user the app signs in as).`);
  switch (authenticator) {
    case 'SNOWFLAKE_JWT':
      if (!conn.privateKeyPath)
        problems.push(
          `${name('SNOWFLAKE_PRIVATE_KEY_FILE', 'private_key_file')} is missing (key-pair sign-in needs the PKCS#8 private key file).`,
        );
      else checkPrivateKey(conn, source, problems);
      break;
    case 'PROGRAMMATIC_ACCESS_TOKEN':
      if (!conn.token)
        problems.push(
          `${name('SNOWFLAKE_TOKEN', 'token')} is missing (programmatic access token sign-in needs the token: ALTER USER ${conn.username ?? '<user>'} ADD PROGRAMMATIC ACCESS TOKEN fitbit_connect; shows it once).`,
        );
      break;
    case 'OAUTH':
      if (!conn.token)
        problems.push(
          `${name('SNOWFLAKE_TOKEN', 'token')} is missing (OAUTH sign-in needs an OAuth access token issued for ${conn.username ?? 'the user'}).`,
        );
      break;
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA':
      if (!conn.password)
        problems.push(
          `${name('SNOWFLAKE_PASSWORD', 'password')} is missing (or choose key-pair sign-in: SNOWFLAKE_PRIVATE_KEY_FILE).`,
        );
      break;
    case 'EXTERNALBROWSER':
      break;
  }
  if (conn.passcode && !/^\d{6,8}$/.test(conn.passcode))
    problems.push(
      `${name('SNOWFLAKE_PASSCODE', 'passcode')} must be the 6 to 8 digits your authenticator app shows.`,
    );
  if (conn.passcode && authenticator !== 'SNOWFLAKE' && authenticator !== 'USERNAME_PASSWORD_MFA')
    problems.push(
      `${name('SNOWFLAKE_PASSCODE', 'passcode')} is only used with password sign-in (USERNAME_PASSWORD_MFA); ${authenticator} does not take one. Remove it.`,
    );
  if (problems.length) return undefined;
  return { ...(conn as SnowflakeConnectionConfig), authenticator };
}

/**
 * Parses and validates the environment. Returns a live config, or `undefined` when sandbox mode is
 * requested (the caller then starts the stand-ins and builds the config with `sandboxConfig`).
 */
export function parseConfig(
  env: Env,
): { sandbox: true; base: BaseConfig } | { sandbox: false; base: BaseConfig; config: AppConfig } {
  const problems: string[] = [];
  const parsed = common.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const profile = getProfile(c.PROVIDER);
  const redirectUri = env.OAUTH_REDIRECT_URI?.trim() || `http://localhost:${c.PORT}/callback`;
  checkRedirectUri(redirectUri, problems);
  checkExposure(c.HOST, c.ADMIN_TOKEN, problems);
  const scopes = (
    env.OAUTH_SCOPES?.trim() ? env.OAUTH_SCOPES.trim().split(/\s+/) : profile.defaultScopes
  ).slice();
  const base: BaseConfig = {
    host: c.HOST,
    port: c.PORT,
    provider: c.PROVIDER,
    redirectUri,
    scopes,
    clientStatus: c.OAUTH_CLIENT_STATUS,
    dataDir: c.DATA_DIR,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    heldTokenTtlMs: c.HELD_TOKEN_TTL_SECONDS * 1000,
    adminToken: c.ADMIN_TOKEN,
    publicUrl: c.PUBLIC_URL,
    checkIntervalSeconds: c.CHECK_INTERVAL,
    timeouts: { oauthSeconds: c.OAUTH_TIMEOUT_SECONDS, snowflakeMs: c.SNOWFLAKE_TIMEOUT_SECONDS * 1000 },
  };
  if (problems.length) throw new ConfigError(problems);

  if (isSandboxRequested(env)) return { sandbox: true, base };

  if (!present(env, 'OAUTH_CLIENT_ID'))
    problems.push('OAUTH_CLIENT_ID is missing (the OAuth client ID from the provider console).');
  if (profile.clientSecretRequired && !present(env, 'OAUTH_CLIENT_SECRET'))
    problems.push(
      `OAUTH_CLIENT_SECRET is missing (${profile.displayName} requires the client secret at its token endpoint, even with PKCE).`,
    );
  if (!present(env, 'SNOWFLAKE_SECRET'))
    problems.push(
      'SNOWFLAKE_SECRET is missing (the fully qualified secret to write, e.g. FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN).',
    );
  if (!present(env, 'SNOWFLAKE_CHECK_FUNCTION'))
    problems.push(
      'SNOWFLAKE_CHECK_FUNCTION is missing (the function that proves the chain, e.g. FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK).',
    );
  const secret = name(env, 'SNOWFLAKE_SECRET', problems);
  const checkFunction = name(env, 'SNOWFLAKE_CHECK_FUNCTION', problems);
  const dataFunction = name(env, 'SNOWFLAKE_DATA_FUNCTION', problems);
  const urls: Record<string, string> = {};
  for (const [key, fallback] of [
    ['OAUTH_AUTHORIZATION_URL', profile.endpoints.authorization],
    ['OAUTH_TOKEN_URL', profile.endpoints.token],
    ['OAUTH_REVOCATION_URL', profile.endpoints.revocation],
    ['HEALTH_API_URL', profile.endpoints.api],
  ] as const) {
    const v = env[key]?.trim() || fallback;
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname))
        problems.push(`${key} must use https (only loopback addresses may use http): "${v}".`);
    } catch {
      problems.push(`${key} "${v}" is not a URL.`);
    }
    urls[key] = v.replace(/\/+$/, '');
  }
  const connection = snowflakeConnection(env, problems);
  if (problems.length || !secret || !checkFunction || !connection) throw new ConfigError(problems);

  return {
    sandbox: false,
    base,
    config: configFromBase(base, 'live', {
      oauth: {
        issuer:
          env.OAUTH_ISSUER?.trim() ||
          (present(env, 'OAUTH_AUTHORIZATION_URL')
            ? new URL(urls.OAUTH_AUTHORIZATION_URL!).origin
            : profile.endpoints.issuer),
        clientId: env.OAUTH_CLIENT_ID!.trim(),
        clientSecret: present(env, 'OAUTH_CLIENT_SECRET') ? env.OAUTH_CLIENT_SECRET!.trim() : undefined,
        authorizationUrl: urls.OAUTH_AUTHORIZATION_URL!,
        tokenUrl: urls.OAUTH_TOKEN_URL!,
        revocationUrl: urls.OAUTH_REVOCATION_URL!,
        healthApiUrl: urls.HEALTH_API_URL!,
      },
      snowflake: { connection, secret, checkFunction, dataFunction },
    }),
  };
}

/** What is known before deciding sandbox vs live. */
export interface BaseConfig {
  host: string;
  port: number;
  provider: ProviderId;
  redirectUri: string;
  scopes: string[];
  clientStatus: 'production' | 'testing';
  dataDir: string;
  logLevel: string;
  /** Pretty lines for a person at a terminal, JSON lines otherwise (LOG_FORMAT). */
  logFormat: 'pretty' | 'json';
  heldTokenTtlMs: number;
  adminToken?: string;
  publicUrl?: string;
  checkIntervalSeconds: number;
  timeouts: { oauthSeconds: number; snowflakeMs: number };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** How long a started sign-in stays valid: as long as a provider's authorization code lives. */
export const FLOW_TTL_MS = 10 * 60 * 1000;

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
    adminToken: base.adminToken,
    checkIntervalSeconds: base.checkIntervalSeconds,
    timeouts: base.timeouts,
  });
}

export function freezeConfig(c: AppConfig): AppConfig {
  return Object.freeze(c);
}
