// Maps the app's configuration onto the variables of the sql/ scripts, so the /setup page and
// `npm run sql` render exactly what the app will later use (the same secret, check function and client).
import {
  type DataKind,
  describeMissing,
  getProfile,
  type ProviderId,
  scopeSetFor,
} from '../providers/index.js';
import { parseQualifiedName, quoteIdentifierPart, SqlValueError } from '../snowflake/sql.js';
import { type ScriptName, scriptProvider, scriptVariables, TemplateError } from './templates.js';

export interface SetupInputs {
  provider: ProviderId;
  clientId: string;
  clientSecret: string;
  /**
   * The app's scope set (OAUTH_SCOPES), which becomes the integration's OAUTH_ALLOWED_SCOPES for providers
   * whose integration lists them; empty means the provider's needed set. Refused if it lacks a needed scope.
   */
  scopes: string[];
  /**
   * PIPELINE_DATA_TYPES: the data kinds whose scopes the set must hold, and that the daily load lands (absent:
   * every kind).
   */
  dataKinds?: DataKind[];
  /** The app's SNOWFLAKE_SECRET, `DB.SCHEMA.NAME` (or `SCHEMA.NAME`, `NAME`); split into the three below. */
  snowflakeSecret?: string;
  /** Override the parts of snowflakeSecret. */
  database?: string;
  schema?: string;
  secretName?: string;
  /** The app's SNOWFLAKE_CHECK_FUNCTION: a name, optionally qualified (same database and schema) and with `()`. */
  checkFunction?: string;
  /** The app's RSA public key: PEM, or its base64 body. */
  appPublicKey?: string;
  warehouse?: string;
  ownerRole?: string;
  appRole?: string;
  readerRole?: string;
  appUser?: string;
  networkRule?: string;
  securityIntegration?: string;
  externalAccessIntegration?: string;
  stepsFunction?: string;
  stepsMonthFunction?: string;
  apiHost?: string;
  tokenEndpoint?: string;
  authorizationEndpoint?: string;
}

/**
 * The script variables these inputs set. With `script`, only the names that script takes (renderScript
 * refuses unknown names), and an error when a setup script is for the other provider.
 */
export function templateValues(inputs: SetupInputs, script?: ScriptName): Record<string, string> {
  const forProvider = script ? scriptProvider(script) : undefined;
  if (forProvider !== undefined && forProvider !== inputs.provider) {
    throw new TemplateError(
      script!.startsWith('setup-')
        ? `${script} is for the other provider: the configuration is for ${inputs.provider} (use setup-${inputs.provider}).`
        : `${script} is for ${forProvider}: the configuration is for ${inputs.provider}, whose setup script has no daily-data function to load from.`,
    );
  }
  const values: Record<string, string | undefined> = {
    client_id: inputs.clientId || undefined,
    client_secret: inputs.clientSecret || undefined,
    warehouse: inputs.warehouse,
    owner_role: inputs.ownerRole,
    app_role: inputs.appRole,
    reader_role: inputs.readerRole,
    app_user: inputs.appUser,
    network_rule: inputs.networkRule,
    security_integration: inputs.securityIntegration,
    external_access_integration: inputs.externalAccessIntegration,
    steps_function: inputs.stepsFunction,
    steps_month_function: inputs.stepsMonthFunction,
    api_host: inputs.apiHost,
    token_endpoint: inputs.tokenEndpoint,
    authorization_endpoint: inputs.authorizationEndpoint,
  };
  const profile = getProfile(inputs.provider);
  if (profile.integrationListsScopes) {
    // The set the app requests and requires at consent: a scope allowed here but never granted can make a
    // refresh fail, and one granted but not allowed cannot be used.
    const { scopes, missing } = scopeSetFor(profile, inputs.scopes, inputs.dataKinds);
    if (missing[0]) {
      throw new TemplateError(
        `OAUTH_SCOPES lacks ${describeMissing(missing[0])}: add it, or leave OAUTH_SCOPES unset.`,
        'allowed_scopes',
      );
    }
    values.allowed_scopes = scopeListLiteral(scopes);
  }
  if (inputs.appPublicKey) values.app_public_key = publicKeyBody(inputs.appPublicKey);
  // The kinds the daily load lands, in the order the procedure loads them.
  if (inputs.dataKinds?.length) values.data_kinds = inputs.dataKinds.join(',');

  const secretParts = inputs.snowflakeSecret ? nameParts(inputs.snowflakeSecret, 'SNOWFLAKE_SECRET') : [];
  const [secretName, schema, database] = [...secretParts].reverse();
  values.secret_name = inputs.secretName ?? secretName;
  values.schema = inputs.schema ?? schema;
  values.database = inputs.database ?? database;

  if (inputs.checkFunction) {
    const fn = nameParts(inputs.checkFunction.replace(/\s*\(\s*\)\s*$/, ''), 'SNOWFLAKE_CHECK_FUNCTION');
    const [name, fnSchema, fnDatabase] = [...fn].reverse();
    // The scripts create the check function next to the secret.
    for (const [part, where, fallback] of [
      [fnSchema, 'schema', values.schema ?? 'PUBLIC'],
      [fnDatabase, 'database', values.database ?? 'FITBIT'],
    ] as const) {
      if (part !== undefined && part !== nameParts(fallback, where)[0]) {
        throw new TemplateError(
          `SNOWFLAKE_CHECK_FUNCTION must live in the same ${where} as SNOWFLAKE_SECRET: the setup scripts create both there.`,
          'check_function',
        );
      }
    }
    values.check_function = name;
  }

  const wanted = script ? new Set(scriptVariables(script).map((v) => v.name)) : undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && v !== '' && (!wanted || wanted.has(k))) out[k] = v;
  }
  return out;
}

/** Scopes as the script's OAUTH_ALLOWED_SCOPES = (…) list: quoted, comma-separated (quotes are refused later). */
export function scopeListLiteral(scopes: readonly string[]): string {
  return scopes.map((s) => `'${s}'`).join(', ');
}

/** A 1-3 part name, each part as SQL text (quoted only when needed), by the app's own name rules. */
function nameParts(name: string, setting: string): string[] {
  try {
    return parseQualifiedName(name, 1).parts.map(quoteIdentifierPart);
  } catch (err) {
    if (err instanceof SqlValueError) throw new TemplateError(`${setting}: ${err.message}`);
    throw err;
  }
}

/** Snowflake wants RSA_PUBLIC_KEY as the base64 body alone: drop PEM armour and line breaks. */
export function publicKeyBody(key: string): string {
  return key
    .replace(/-----(BEGIN|END) [A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}
