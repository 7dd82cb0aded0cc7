// Maps the app's configuration onto the variables of the sql/ scripts, so the /setup page and
// `npm run sql` render exactly what the app will later use (the same secret, check function and client).
import { type ScriptName, scriptVariables, TemplateError } from './templates.js';

export type Provider = 'google-health' | 'fitbit';

export interface SetupInputs {
  provider: Provider;
  clientId: string;
  clientSecret: string;
  /** google-health: the integration's OAUTH_ALLOWED_SCOPES. Ignored for fitbit. */
  scopes: string[];
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
  if (script && script !== 'teardown' && script !== `setup-${inputs.provider}`) {
    throw new TemplateError(
      `${script} is for the other provider: the configuration is for ${inputs.provider} (use setup-${inputs.provider}).`,
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
  if (inputs.provider === 'google-health' && inputs.scopes.length > 0) {
    values.allowed_scopes = inputs.scopes.map((s) => `'${s}'`).join(', ');
  }
  if (inputs.appPublicKey) values.app_public_key = publicKeyBody(inputs.appPublicKey);

  const secretParts = inputs.snowflakeSecret
    ? splitQualifiedName(inputs.snowflakeSecret, 'SNOWFLAKE_SECRET')
    : [];
  const [secretName, schema, database] = [...secretParts].reverse();
  values.secret_name = inputs.secretName ?? secretName;
  values.schema = inputs.schema ?? schema;
  values.database = inputs.database ?? database;

  if (inputs.checkFunction) {
    const fn = splitQualifiedName(
      inputs.checkFunction.replace(/\s*\(\s*\)\s*$/, ''),
      'SNOWFLAKE_CHECK_FUNCTION',
    );
    const [name, fnSchema, fnDatabase] = [...fn].reverse();
    // The scripts create the check function next to the secret.
    if (fnSchema !== undefined && !sameName(fnSchema, values.schema ?? 'PUBLIC')) {
      throw new TemplateError(
        'SNOWFLAKE_CHECK_FUNCTION must live in the same schema as SNOWFLAKE_SECRET: the setup scripts create both there.',
        'check_function',
      );
    }
    if (fnDatabase !== undefined && !sameName(fnDatabase, values.database ?? 'FITBIT')) {
      throw new TemplateError(
        'SNOWFLAKE_CHECK_FUNCTION must live in the same database as SNOWFLAKE_SECRET: the setup scripts create both there.',
        'check_function',
      );
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

/**
 * Splits `A.B.C` into its parts, keeping "quoted" parts (with their quotes) whole. Up to three parts.
 * Exported for the app's configuration, which holds the same kind of names.
 */
export function splitQualifiedName(name: string, what = 'name'): string[] {
  const parts: string[] = [];
  let i = 0;
  const text = name.trim();
  while (i <= text.length) {
    let part: string;
    if (text[i] === '"') {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new TemplateError(`${what} has an unclosed quote.`);
        if (text[q + 1] === '"') j = q + 2;
        else {
          j = q + 1;
          break;
        }
      }
      part = text.slice(i, j);
      i = j;
    } else {
      const dot = text.indexOf('.', i);
      const end = dot < 0 ? text.length : dot;
      part = text.slice(i, end).trim();
      i = end;
    }
    if (part === '') throw new TemplateError(`${what} has an empty part: expected DATABASE.SCHEMA.NAME.`);
    parts.push(part);
    if (i >= text.length) break;
    if (text[i] !== '.') throw new TemplateError(`${what} is not a name of the form DATABASE.SCHEMA.NAME.`);
    i++;
  }
  if (parts.length > 3)
    throw new TemplateError(`${what} has more than three parts: expected DATABASE.SCHEMA.NAME.`);
  return parts;
}

/** Unquoted names compare case-insensitively (Snowflake folds them to upper case); quoted ones exactly. */
function sameName(a: string, b: string): boolean {
  const fold = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toUpperCase());
  return fold(a) === fold(b);
}

/** Snowflake wants RSA_PUBLIC_KEY as the base64 body alone: drop PEM armour and line breaks. */
export function publicKeyBody(key: string): string {
  return key
    .replace(/-----(BEGIN|END) [A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}
