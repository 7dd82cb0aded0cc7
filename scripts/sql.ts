// npm run sql -- <script> [name=value …]
// Prints a sql/ script filled in: values from the command line, then the app's environment
// (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES, PIPELINE_DATA_TYPES, SNOWFLAKE_SECRET,
// SNOWFLAKE_CHECK_FUNCTION, PROVIDER),
// then the script's own defaults. Pipe it to `snow sql -i` or paste it into a worksheet.
import { SETTINGS } from '../server/config/schema.js';
import { PROVIDER_IDS, type ProviderId } from '../server/providers/index.js';
import { publicKeyBody, type SetupInputs, templateValues } from '../server/setup/inputs.js';
import {
  isScriptName,
  missingVariables,
  renderScript,
  type ScriptName,
  scriptNames,
  scriptProvider,
  scriptVariables,
  TemplateError,
} from '../server/setup/templates.js';

const USAGE = `usage: npm run sql -- <script> [name=value …]
scripts: ${scriptNames().join(', ')}`;

/** The app's setting each required script variable comes from. */
const ENV_FOR: Record<string, string> = {
  client_id: 'OAUTH_CLIENT_ID',
  client_secret: 'OAUTH_CLIENT_SECRET',
};

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function main(argv: string[], env: NodeJS.ProcessEnv): string {
  const [script, ...pairs] = argv;
  if (!script || script === '-h' || script === '--help') fail(USAGE, script ? 0 : 2);
  if (!isScriptName(script)) fail(`Unknown script "${script}".\n${USAGE}`, 2);

  const cli: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      fail(`Expected name=value, got an argument without "=" (${pair.slice(0, 40)}).\n${USAGE}`, 2);
    cli[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  const provider = providerFor(script, env.PROVIDER);
  const kinds = SETTINGS.PIPELINE_DATA_TYPES.type.safeParse(env.PIPELINE_DATA_TYPES);
  if (!kinds.success) fail(`PIPELINE_DATA_TYPES: ${kinds.error.issues[0]?.message}`, 2);
  const inputs: SetupInputs = {
    provider,
    clientId: env.OAUTH_CLIENT_ID ?? '',
    clientSecret: env.OAUTH_CLIENT_SECRET ?? '',
    scopes: (env.OAUTH_SCOPES ?? '').split(/[\s,]+/).filter(Boolean),
    dataKinds: kinds.data,
    snowflakeSecret: env.SNOWFLAKE_SECRET || undefined,
    checkFunction: env.SNOWFLAKE_CHECK_FUNCTION || undefined,
  };
  // `app_public_key="$(cat rsa_key.pub)"` passes the whole PEM: Snowflake wants the base64 body alone.
  if (cli.app_public_key) cli.app_public_key = publicKeyBody(cli.app_public_key);
  const values = { ...templateValues(inputs, script), ...cli };
  if (process.stdout.isTTY && values.client_secret) {
    process.stderr.write(
      'note: this output holds the OAuth client secret: pipe it to `snow sql -i`, do not save it.\n',
    );
  }
  try {
    return renderScript(script, values);
  } catch (err) {
    // The scripts give the OAuth client no default (a made-up one makes an integration that cannot work):
    // say which setting to set. Unsafe values are reported first, by the renderer itself.
    const missing = missingVariables(scriptVariables(script), values);
    if (err instanceof TemplateError && err.variable && missing.includes(err.variable)) {
      const how = missing.map((m) => `${ENV_FOR[m] ? `${ENV_FOR[m]} or ` : ''}${m}=…`).join(', ');
      const verb = missing.length > 1 ? 'have' : 'has';
      fail(`${script} needs ${missing.join(' and ')}, which ${verb} no default: set ${how}.`, 2);
    }
    throw err;
  }
}

const isProviderId = (v: string): v is ProviderId => (PROVIDER_IDS as readonly string[]).includes(v);

function providerFor(script: ScriptName, fromEnv: string | undefined): ProviderId {
  const fromScript = scriptProvider(script);
  const forProvider = fromScript !== undefined && isProviderId(fromScript) ? fromScript : undefined;
  if (fromEnv !== undefined && fromEnv !== '' && !isProviderId(fromEnv)) {
    fail(`PROVIDER must be ${PROVIDER_IDS.join(' or ')}.`, 2);
  }
  const envProvider = fromEnv ? (fromEnv as ProviderId) : undefined;
  if (forProvider && envProvider && forProvider !== envProvider) {
    // The environment's client ID and secret belong to the other provider: refuse rather than mix them.
    const instead = script.replace(forProvider, envProvider);
    fail(
      isScriptName(instead)
        ? `PROVIDER is ${envProvider} but ${script} is for ${forProvider}: use ${instead}.`
        : `PROVIDER is ${envProvider} but ${script} is for ${forProvider}: ${envProvider} has no ${script.split('-')[0]} script.`,
      2,
    );
  }
  return forProvider ?? envProvider ?? PROVIDER_IDS[0];
}

try {
  process.stdout.write(main(process.argv.slice(2), process.env));
} catch (err) {
  if (err instanceof TemplateError) fail(err.message, 1);
  throw err;
}
