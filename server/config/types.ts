// The shapes the rest of the app receives: a BaseConfig (known before sandbox vs live is decided) and
// the final, frozen AppConfig.
import type { DataKind, ProviderId } from '../providers/index.js';
import type { QualifiedName } from '../snowflake/sql.js';
import type { AUTHENTICATORS } from './schema.js';

export type Authenticator = (typeof AUTHENTICATORS)[number];

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
  /** PIPELINE_DATA_TYPES: the daily data kinds to land (absent: every kind); the scope set follows from it. */
  dataKinds?: DataKind[];
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
  /** INVITE_TTL_HOURS: how long a new invite link stays usable. */
  inviteTtlMs: number;
  /** ADMIN_TOKEN: the token the gate asks for, when set. */
  adminToken?: string;
  /**
   * Without ADMIN_TOKEN: the random token made at this start, which the gate asks for instead (absent with
   * LAUNCH_TOKEN=off). Never logged; printed once by `npm start` in the link it opens.
   */
  launchToken?: string;
  /** HSTS_INCLUDE_SUBDOMAINS: `includeSubDomains` in the HSTS header of an https PUBLIC_URL. */
  hstsIncludeSubDomains?: boolean;
  /** Scheduled end-to-end check, in seconds; 0 = off. */
  checkIntervalSeconds: number;
  /** How old the last passing end-to-end check may be before the verdict is `unproven`, in seconds. */
  proofMaxAgeSeconds: number;
  /** stopMs: STOP_WAIT_SECONDS (absent: 20 s). */
  timeouts: { oauthSeconds: number; snowflakeMs: number; stopMs?: number };
}

/** What is known before deciding sandbox vs live. */
export interface BaseConfig {
  host: string;
  port: number;
  provider: ProviderId;
  redirectUri: string;
  scopes: string[];
  /** PIPELINE_DATA_TYPES (absent: every kind). */
  dataKinds?: DataKind[];
  clientStatus: 'production' | 'testing';
  dataDir: string;
  logLevel: string;
  /** Pretty lines for a person at a terminal, JSON lines otherwise (LOG_FORMAT). */
  logFormat: 'pretty' | 'json';
  heldTokenTtlMs: number;
  /** INVITE_TTL_HOURS (absent: its default). */
  inviteTtlMs?: number;
  adminToken?: string;
  /** LAUNCH_TOKEN (absent: on): without ADMIN_TOKEN, a random token per start guards the pages. */
  launchToken?: 'on' | 'off';
  /** OPEN_BROWSER, the default applied: `npm start` opens the link in a browser. */
  openBrowser?: boolean;
  hstsIncludeSubDomains?: boolean;
  publicUrl?: string;
  /** CHECK_INTERVAL, the mode's default applied (the mode requested is known from the settings alone). */
  checkIntervalSeconds: number;
  /** PROOF_MAX_AGE, the default applied; when absent, the default for checkIntervalSeconds. */
  proofMaxAgeSeconds?: number;
  /** stopMs: STOP_WAIT_SECONDS (absent: 20 s). */
  timeouts: { oauthSeconds: number; snowflakeMs: number; stopMs?: number };
  /** The stand-ins' ports in sandbox mode (0 = any free port). */
  sandboxPorts: { oauth: number; snowflake: number };
  /** SANDBOX_LATENCY: the Snowflake stand-in's latency model in sandbox mode (absent: off, as in tests). */
  sandboxLatency?: 'realistic' | 'off';
}
