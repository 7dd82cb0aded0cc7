// The one list of the app's settings. Everything else derives from it: the values parseConfig reads,
// which settings end sandbox mode (LIVE_SETTINGS), which are secret, and docs/configuration.md. A setting
// named anywhere else is a property of this list (SETTINGS.X.name), so a typo fails the typecheck.
// zod/mini rather than classic zod: the same checks and messages (with the English locale set below), for
// a small part of the bytes every start loads and evaluates.
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import {
  DATA_KINDS,
  type DataKind,
  getProfile,
  isDataKind,
  PROVIDER_IDS,
  type ProviderProfile,
} from '../providers/index.js';

// Classic zod sets its English messages itself; zod/mini leaves it to the app. Messages users see (e.g.
// `PORT: Too big: expected number to be <=65535`) are these.
z.config(en());

/** The groups, in the order docs/configuration.md shows them. */
export const SETTING_GROUPS = ['App', 'Logging', 'OAuth', 'Snowflake', 'Sandbox'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

export interface SettingSpec {
  group: SettingGroup;
  /** Parses the raw value (undefined when unset); the type's default is the setting's default. */
  type: z.ZodMiniType;
  /** One line: what the setting does. */
  description: string;
  /** The default in words, when it is worked out at start rather than being a fixed value. */
  defaultText?: string;
  /** The accepted values in words, when the type itself (an enum, a range) does not say it. */
  accepts?: string;
  /** Any non-blank value switches sandbox mode off; the required live settings must then all be there. */
  live?: boolean;
  /** A credential: the docs show no value of it and no message echoes it. */
  secret?: boolean;
  /** The connections.toml keys this setting overrides, in the order they are read (messages name the first). */
  tomlKeys?: readonly [string, ...string[]];
}

export type Setting<N extends string = string> = Readonly<SettingSpec & { name: N }>;

/** Free text kept as written (credentials and paths are used byte for byte); blank means unset. */
const verbatim = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v) => (v?.trim() ? v : undefined)),
  );
/** Free text, trimmed; blank means unset. */
const trimmed = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v) => v?.trim() || undefined),
  );
/** A whole number given as text, from min (to max). */
const wholeNumber = (min: number, max?: number) =>
  z.coerce.number().check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
/** A number of seconds given as text. */
const seconds = (min: number, max: number, fallback: number) => z._default(wholeNumber(min, max), fallback);
/**
 * A number of seconds given as text, or undefined when unset or blank (the default is worked out later).
 * Classic zod's z.preprocess is this pipe: a transform in front of the schema.
 */
const optionalSeconds = (min: number) =>
  z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' && !v.trim() ? undefined : v)),
    z.optional(wholeNumber(min)),
  );
const port = (fallback: number) => z._default(wholeNumber(0, 65535), fallback);

/** Data kinds separated by commas or spaces, any case, in DATA_KINDS order; blank means every kind. */
const dataKinds = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v, ctx): DataKind[] => {
      const words = (v ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((w) => w.toLowerCase());
      const unknown = words.filter((w) => !isDataKind(w));
      if (unknown.length > 0) {
        // zod/mini's transform has no ctx.addIssue: the issue goes straight into the payload's list.
        ctx.issues.push({
          code: 'custom',
          input: v,
          message: `unknown data type ${unknown.map((w) => `"${w.slice(0, 40)}"`).join(', ')}: use any of ${DATA_KINDS.join(', ')}`,
        });
        return z.NEVER;
      }
      return words.length === 0 ? [...DATA_KINDS] : DATA_KINDS.filter((k) => words.includes(k));
    }),
  );

/** Snowflake's sign-in ways, as SNOWFLAKE_AUTHENTICATOR (any case) names them. */
export const AUTHENTICATORS = [
  'SNOWFLAKE',
  'SNOWFLAKE_JWT',
  'PROGRAMMATIC_ACCESS_TOKEN',
  'OAUTH',
  'EXTERNALBROWSER',
  'USERNAME_PASSWORD_MFA',
] as const;

/** A default that depends on PROVIDER, in words: each provider's value. */
function perProvider(value: (p: ProviderProfile) => string): string {
  return PROVIDER_IDS.map((id) => `${id}: \`${value(getProfile(id))}\``).join('; ');
}

function named<T extends Record<string, SettingSpec>>(specs: T): { [K in keyof T]: T[K] & { name: K } } {
  return Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { ...s, name }])) as {
    [K in keyof T]: T[K] & { name: K };
  };
}

export const SETTINGS = named({
  HOST: {
    group: 'App',
    type: z._default(z.string().check(z.minLength(1)), '127.0.0.1'),
    description:
      'The address the app listens on. Anything but a loopback address makes the pages reachable from other computers, and then `ADMIN_TOKEN` is required (on loopback a launch token guards the pages: `LAUNCH_TOKEN`).',
  },
  PORT: {
    group: 'App',
    type: port(8787),
    description: 'The port the app listens on (register the matching `OAUTH_REDIRECT_URI`).',
  },
  ADMIN_TOKEN: {
    group: 'App',
    type: z.optional(z.string().check(z.minLength(16))),
    secret: true,
    accepts: 'at least 16 characters, e.g. from `openssl rand -base64 32`',
    description:
      'The token every page and action asks for, instead of a new launch token at each start (see `LAUNCH_TOKEN`). Required when `HOST` is not a loopback address (the app refuses to start without it). A browser presents it once, at `/login` or as `?token=` in a link, and gets an HttpOnly session cookie; monitors read `/status.json` with `Authorization: Bearer <ADMIN_TOKEN>`, and `npm run status -- --url` sends it too.',
  },
  LAUNCH_TOKEN: {
    group: 'App',
    type: z._default(z.enum(['on', 'off']), 'on'),
    description:
      'Without `ADMIN_TOKEN`, the app makes a random token at each start and asks for it on every page and action, on loopback too: `npm start` prints (and opens) `http://localhost:8787/?token=…`, and that first visit signs the browser in. This keeps other programs and users on the same computer (and web pages that reach its port) from revealing the client secret, reading health data or replacing the token. `off` lets anything that can reach the port use the app: only on a computer nobody else uses. Refused with `ADMIN_TOKEN`, or with a `PUBLIC_URL` on another machine.',
  },
  OPEN_BROWSER: {
    group: 'App',
    type: z.optional(z.enum(['true', 'false'])),
    defaultText: '`true` at a terminal, else `false`',
    description:
      "Whether `npm start` opens the app's link in the default browser (`xdg-open`, `open` or `explorer`; nothing happens when none is there). The link is handed over in a file only you can read, so the token never shows in the process list.",
  },
  PUBLIC_URL: {
    group: 'App',
    type: z.optional(z.url()),
    defaultText: "the redirect URI's origin",
    description:
      'The origin users reach the app at when it is behind a proxy: its host is then served, and `https://` makes cookies `Secure` and sends HSTS. Set `ADMIN_TOKEN` too when it names another machine.',
  },
  HSTS_INCLUDE_SUBDOMAINS: {
    group: 'App',
    type: z._default(z.enum(['true', 'false']), 'false'),
    description:
      'With an `https://` `PUBLIC_URL`, adds `includeSubDomains` to the `Strict-Transport-Security` header: only when every host under that name serves https (browsers will refuse plain http to all of them for a year). Without an https `PUBLIC_URL` the app sends no HSTS at all.',
  },
  DATA_DIR: {
    group: 'App',
    type: z._default(z.string().check(z.minLength(1)), './data'),
    description:
      'Where the history (`events.jsonl`, never a token) is kept; sandbox mode uses its `sandbox/` folder.',
  },
  HELD_TOKEN_TTL_SECONDS: {
    group: 'App',
    type: seconds(10, 3600, 600),
    description: 'How long a token that could not be saved waits in memory for **Retry saving**.',
  },
  INVITE_TTL_HOURS: {
    group: 'App',
    type: z._default(wholeNumber(1, 720), 72),
    description:
      'How long an invite link (made on the `/invites` page, for someone who is not an admin to connect one account) stays usable if nobody opens and finishes it; an invite also ends once used, or when revoked.',
  },
  STOP_WAIT_SECONDS: {
    group: 'App',
    type: seconds(1, 120, 20),
    description:
      'On SIGINT/SIGTERM, how long the app lets sign-ins under way finish before it gives up on them (a write still running is cancelled and its token forgotten, and recorded).',
  },
  CHECK_INTERVAL: {
    group: 'App',
    type: optionalSeconds(0),
    accepts: 'a whole number of seconds, 0 or more',
    defaultText:
      '`86400` (a day) in live mode; `0` (off) in sandbox mode, whose stand-ins cost nothing and never let a token die unused',
    description:
      'Seconds between scheduled end-to-end checks; `0` turns them off. Nothing runs before the first connect, and the next check falls due one interval after the last one (also across a restart, so a restarted app does not wait another interval). Each check is one call of the check function: it resumes the warehouse if suspended, and Snowflake bills per second with a 60-second minimum each time a warehouse starts, so on an XSMALL warehouse (1 credit an hour) a check costs about 0.017 credits, a daily one about 0.5 credits a month (a little more while the warehouse waits out its `AUTO_SUSPEND`, 60 s in the setup script).',
  },
  PROOF_MAX_AGE: {
    group: 'App',
    type: optionalSeconds(60),
    accepts: 'a whole number of seconds, 60 or more, longer than `CHECK_INTERVAL`',
    defaultText:
      '`CHECK_INTERVAL` + `7200` (2 h): `93600` (26 h) with the daily default, and when the schedule is off',
    description:
      'How old the last passing end-to-end check since the last connect may be before the verdict says `unproven` instead of `connected` (and `npm run status` exits 1): a page load never runs the check, so this is what stops an old green from standing.',
  },
  LOG_LEVEL: {
    group: 'Logging',
    type: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
    description: 'The least severe log lines written.',
  },
  LOG_FORMAT: {
    group: 'Logging',
    type: z.optional(z.enum(['pretty', 'json'])),
    defaultText: '`pretty` at a terminal, else `json`',
    description:
      'How log lines look: `pretty` is readable lines, `json` one JSON object a line; token-bearing fields are redacted either way.',
  },
  PROVIDER: {
    group: 'OAuth',
    type: z._default(z.enum(PROVIDER_IDS), 'google-health'),
    description:
      'Whose OAuth and health API to use; `fitbit` is the legacy Fitbit Web API, turned off 2026-11-02.',
  },
  OAUTH_CLIENT_ID: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    description: 'The OAuth client ID registered with the provider.',
  },
  OAUTH_CLIENT_SECRET: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    secret: true,
    description: "The OAuth client's secret (Google requires it at its token endpoint even with PKCE).",
  },
  OAUTH_REDIRECT_URI: {
    group: 'OAuth',
    type: trimmed(),
    defaultText: '`http://localhost:<PORT>/callback`',
    description:
      'Sent byte for byte in the authorization and token requests: register exactly this string (`localhost` ≠ `127.0.0.1`). It must be in normal form, without query or fragment, and end in `/callback`.',
  },
  PIPELINE_DATA_TYPES: {
    group: 'OAuth',
    type: dataKinds(),
    defaultText: `all: \`${DATA_KINDS.join(',')}\``,
    accepts: `any of ${DATA_KINDS.map((k) => `\`${k}\``).join(', ')}, separated by commas or spaces`,
    description:
      "The daily data kinds to land in Snowflake (google-health). Each is read under its own Google scope, so the scope set follows from it: `OAUTH_SCOPES`' default, what consent requires and what the setup script allows.",
  },
  OAUTH_SCOPES: {
    group: 'OAuth',
    type: trimmed(),
    defaultText: `with the default \`PIPELINE_DATA_TYPES\`, ${perProvider((p) => p.defaultScopes.join(' '))}`,
    description:
      "The scopes to ask for, separated by spaces. The default is what the app and the setup script's functions need for `PIPELINE_DATA_TYPES`; you may add scopes (e.g. for your own functions) but never leave a needed one out (the app refuses to start, naming it). Every scope listed is required at consent and becomes the integration's `OAUTH_ALLOWED_SCOPES` in the rendered setup script.",
  },
  OAUTH_CLIENT_STATUS: {
    group: 'OAuth',
    type: z._default(z.enum(['production', 'testing']), 'production'),
    description:
      '`testing` if your Google client is in Testing publishing status: its refresh tokens die after 7 days, and the status page warns before that happens.',
  },
  OAUTH_AUTHORIZATION_URL: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    defaultText: perProvider((p) => p.endpoints.authorization),
    description:
      "Overrides the provider's authorization endpoint (e.g. a proxy); https only, except loopback.",
  },
  OAUTH_TOKEN_URL: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    defaultText: perProvider((p) => p.endpoints.token),
    description: "Overrides the provider's token endpoint; https only, except loopback.",
  },
  OAUTH_REVOCATION_URL: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    defaultText: perProvider((p) => p.endpoints.revocation),
    description: "Overrides the provider's revocation endpoint; https only, except loopback.",
  },
  HEALTH_API_URL: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    defaultText: perProvider((p) => p.endpoints.api),
    description: "Overrides the provider's health API base URL; https only, except loopback.",
  },
  OAUTH_ISSUER: {
    group: 'OAuth',
    type: trimmed(),
    live: true,
    defaultText: `${perProvider((p) => p.endpoints.issuer)} (also when \`OAUTH_AUTHORIZATION_URL\` points at a proxy)`,
    description:
      'The provider’s issuer: an authorization response that carries `iss` must carry exactly this (a defence against mix-up attacks); one without `iss` is accepted, since Google sends it only to some users.',
  },
  OAUTH_TIMEOUT_SECONDS: {
    group: 'OAuth',
    type: seconds(1, 120, 15),
    description: 'Time limit for each request to the provider.',
  },
  SNOWFLAKE_DEFAULT_CONNECTION_NAME: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    description:
      'A connection in `connections.toml`, read as the Snowflake CLI reads it (keys as `snow` writes them); the `SNOWFLAKE_*` settings below override its keys. A file group or others may write is refused (`chmod 0600`).',
  },
  SNOWFLAKE_HOME: {
    group: 'Snowflake',
    type: verbatim(),
    defaultText: '`~/.snowflake`',
    description: 'The folder holding `connections.toml`, as for the Snowflake CLI.',
  },
  SNOWFLAKE_ACCOUNT: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['account'],
    description:
      'The account identifier, e.g. `myorg-myaccount` (the part before `.snowflakecomputing.com`, not a URL).',
  },
  SNOWFLAKE_USER: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['user', 'username'],
    description: 'The user the app signs in as.',
  },
  SNOWFLAKE_AUTHENTICATOR: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['authenticator'],
    accepts: `any case of ${AUTHENTICATORS.map((a) => `\`${a}\``).join(', ')}`,
    defaultText:
      'inferred: key file → `SNOWFLAKE_JWT`, token → `PROGRAMMATIC_ACCESS_TOKEN`, passcode → `USERNAME_PASSWORD_MFA`, else `SNOWFLAKE` (password); two credentials at once are refused until you name one',
    description:
      'The sign-in way: `SNOWFLAKE_JWT` is the key pair (recommended), `PROGRAMMATIC_ACCESS_TOKEN` or `OAUTH` a token, `EXTERNALBROWSER` browser SSO, `SNOWFLAKE` a password, `USERNAME_PASSWORD_MFA` a password with MFA.',
  },
  SNOWFLAKE_PRIVATE_KEY_FILE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['private_key_file', 'private_key_path'],
    description: 'The PKCS#8 private key file (plain or encrypted) for key-pair sign-in; checked at start.',
  },
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    secret: true,
    tomlKeys: ['private_key_file_pwd', 'private_key_passphrase'],
    description: 'The passphrase of an encrypted private key; the key is decrypted once at start.',
  },
  PRIVATE_KEY_PASSPHRASE: {
    group: 'Snowflake',
    type: verbatim(),
    secret: true,
    description:
      "The Snowflake CLI's variable for the same passphrase, used when neither `SNOWFLAKE_PRIVATE_KEY_PASSPHRASE` nor the connection gives one.",
  },
  SNOWFLAKE_TOKEN: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    secret: true,
    tomlKeys: ['token'],
    description: 'A programmatic access token, or a Snowflake OAuth access token (with `OAUTH`).',
  },
  SNOWFLAKE_PASSWORD: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    secret: true,
    tomlKeys: ['password'],
    description: 'The password: a last resort, as Snowflake is retiring single-factor passwords.',
  },
  SNOWFLAKE_PASSCODE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    secret: true,
    tomlKeys: ['passcode'],
    accepts: '6 to 8 digits',
    description:
      'An MFA passcode for password sign-in (it selects `USERNAME_PASSWORD_MFA`); it works once, so each new sign-in needs a restart with a new one.',
  },
  SNOWFLAKE_ROLE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['role'],
    defaultText: "the user's default",
    description: 'The session role.',
  },
  SNOWFLAKE_WAREHOUSE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['warehouse'],
    defaultText: "the user's default",
    description: 'The session warehouse; the check function needs one.',
  },
  SNOWFLAKE_DATABASE: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['database'],
    defaultText: "the user's default",
    description: 'The session database.',
  },
  SNOWFLAKE_SCHEMA: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    tomlKeys: ['schema'],
    defaultText: "the user's default",
    description: 'The session schema.',
  },
  SNOWFLAKE_ACCESS_URL: {
    group: 'Snowflake',
    type: verbatim(),
    live: true,
    description: "Overrides the driver's URL for the account (the sandbox uses it).",
  },
  SNOWFLAKE_SECRET: {
    group: 'Snowflake',
    type: trimmed(),
    live: true,
    description:
      'The fully qualified secret the app writes the refresh token into, e.g. `FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN`.',
  },
  SNOWFLAKE_CHECK_FUNCTION: {
    group: 'Snowflake',
    type: trimmed(),
    live: true,
    description:
      'The function that proves the chain end to end, e.g. `FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK` (a trailing `()` is ignored).',
  },
  SNOWFLAKE_DATA_FUNCTION: {
    group: 'Snowflake',
    type: trimmed(),
    live: true,
    description:
      "Optional: the daily-steps table function for the status page's chart, e.g. `FITBIT.PUBLIC.FITBIT_DAILY_STEPS`.",
  },
  SNOWFLAKE_TIMEOUT_SECONDS: {
    group: 'Snowflake',
    type: seconds(1, 600, 60),
    description: 'Time limit for each Snowflake request.',
  },
  SANDBOX_OAUTH_PORT: {
    group: 'Sandbox',
    type: port(8790),
    description:
      "The OAuth + health API stand-in's port (sandbox mode and `npm run sandbox`); `0` picks a free one.",
  },
  SANDBOX_SNOWFLAKE_PORT: {
    group: 'Sandbox',
    type: port(8791),
    description: "The Snowflake stand-in's port (sandbox mode and `npm run sandbox`); `0` picks a free one.",
  },
  SANDBOX_LATENCY: {
    group: 'Sandbox',
    type: z._default(z.enum(['realistic', 'off']), 'realistic'),
    description:
      "The Snowflake stand-in's latency model (sandbox mode and `npm run sandbox`): `realistic` makes a suspended warehouse take 1.5 s to resume and a Python function's first call on it 1.5 s more, as on a real account; `off` waits for neither.",
  },
});

export type SettingName = keyof typeof SETTINGS;
type Settings = typeof SETTINGS;

/** Every setting, in the list's order. */
export const ALL_SETTINGS: readonly Setting<SettingName>[] = Object.values(SETTINGS);

/**
 * Settings whose presence means "live": any one of them switches sandbox mode off. PROVIDER,
 * OAUTH_REDIRECT_URI, OAUTH_SCOPES and OAUTH_CLIENT_STATUS are not among them: they also shape sandbox mode.
 */
export const LIVE_SETTINGS: readonly SettingName[] = ALL_SETTINGS.filter((s) => s.live).map((s) => s.name);

/** Settings named by a pattern rather than one name: documented, and read by prefix. */
export const SETTING_PATTERNS = {
  CONNECTION_OVERRIDE: {
    name: 'SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>',
    group: 'Snowflake',
    secret: true,
    description:
      'Overrides one key of the connection `SNOWFLAKE_DEFAULT_CONNECTION_NAME` names, as in the Snowflake CLI (e.g. `SNOWFLAKE_CONNECTIONS_MYCONN_ROLE`); the plain `SNOWFLAKE_*` settings still win.',
    /** The variables' common prefix for one connection. */
    prefix: (connection: string) => `SNOWFLAKE_CONNECTIONS_${connection.toUpperCase()}_`,
  },
} as const satisfies Record<string, Omit<Setting, 'type'> & { prefix: (c: string) => string }>;

/** The zod object for the whole environment, built from the list. */
export const settingsSchema = z.object(
  Object.fromEntries(ALL_SETTINGS.map((s) => [s.name, s.type])) as {
    [K in SettingName]: Settings[K]['type'];
  },
);

/** The settings as parsed: defaults applied, blank text absent. */
export type SettingValues = z.output<typeof settingsSchema>;
