// npm run -s sql -- <script> [name=value …]
// Prints a sql/ script filled in: values from the command line, then the app's settings read as the app
// reads them (the environment, then .env in this folder: OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES,
// PIPELINE_DATA_TYPES, SNOWFLAKE_SECRET, SNOWFLAKE_CHECK_FUNCTION, PROVIDER, and as the /setup page does
// SNOWFLAKE_USER, SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE and the OAuth and API endpoints), then the script's
// own defaults.
// Several accounts: setup and teardown cover every account registered in <DATA_DIR>/accounts.json, and
//   npm run -s sql -- add-account account=<label> [person=<name>]   prints what adds one account
//   npm run -s sql -- remove-account account=<label>                prints what removes one
// (server/setup/account-sql.ts; sql/README.md, "Several accounts").
// Pipe it to `snow sql -i` or paste it into a worksheet.
//   -s  keeps npm's banner (`> fitbit-snowflake-connect@… sql …`) off stdout. Without it, when stdout is a
//       pipe or a file, this prints nothing and exits 2 rather than hand the banner to Snowflake.
//   client_secret is refused on the command line: npm's banner and the shell's history would keep it.
//   app_public_key_file=<path> reads the app's RSA public key from a file (PEM, or its base64 body).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { labelProblem } from '../server/accounts/names.js';
import { AccountRegistry } from '../server/accounts/registry.js';
import { present } from '../server/config/env.js';
import { ConfigError, loadDotEnv, readSetting, SETTINGS } from '../server/config/index.js';
import type { Setting, SettingName, SettingValues } from '../server/config/schema.js';
import { PROVIDER_IDS, type ProviderId } from '../server/providers/index.js';
import {
  renderAccountSql,
  renderRemoveAccountSql,
  renderScriptForAccounts,
} from '../server/setup/account-sql.js';
import { publicKeyBody, type SetupInputs, templateValues } from '../server/setup/inputs.js';
import {
  isScriptName,
  missingVariables,
  type ScriptName,
  scriptNames,
  scriptProvider,
  scriptVariables,
  TemplateError,
} from '../server/setup/templates.js';
import { flagsNpmTook, npmBannerOnStdout, npmTookMessage } from './npm-args.js';

const ACCOUNT_COMMANDS = ['add-account', 'remove-account'] as const;
type AccountCommand = (typeof ACCOUNT_COMMANDS)[number];
const isAccountCommand = (c: string): c is AccountCommand =>
  (ACCOUNT_COMMANDS as readonly string[]).includes(c);

const USAGE = `usage: npm run -s sql -- <script> [name=value …] [app_public_key_file=<path>]
       npm run -s sql -- add-account account=<label> [person=<name>] [name=value …]
       npm run -s sql -- remove-account account=<label> [name=value …]
scripts: ${scriptNames().join(', ')}
The OAuth client comes from OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET, in .env or the environment; the
accounts from <DATA_DIR>/accounts.json (the accounts added on the /setup page).`;

const DOTENV = '.env';

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
  const took = flagsNpmTook(env, { script: 'sql', flags: [] });
  if (took.length > 0) fail(`${npmTookMessage('sql', took, [])}\n${USAGE}`, 2);
  // npm has already written its banner to stdout: all that is left is to add nothing to it.
  if (npmBannerOnStdout(env, 'sql') && !process.stdout.isTTY) {
    fail(
      'npm printed its banner ("> fitbit-snowflake-connect@… sql …") on standard output, so the output is not ' +
        'a script Snowflake can run: nothing was printed after it. Run npm silently, with -s:\n' +
        '  npm run -s sql -- <script> … | snow sql -i',
      2,
    );
  }

  const [command, ...pairs] = argv;
  if (!command || command === '-h' || command === '--help') fail(USAGE, command ? 0 : 2);
  if (!isScriptName(command) && !isAccountCommand(command)) fail(`Unknown script "${command}".\n${USAGE}`, 2);

  const cli: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      fail(`Expected name=value, got an argument without "=" (${pair.slice(0, 40)}).\n${USAGE}`, 2);
    cli[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const account = takeAccount(command, cli);
  if ('client_secret' in cli) {
    fail(
      'client_secret is not taken from the command line, where npm prints it back and the shell keeps it in ' +
        'its history: set OAUTH_CLIENT_SECRET in .env (chmod 600 .env) or in the environment instead.',
      2,
    );
  }
  if ('app_public_key_file' in cli) {
    if ('app_public_key' in cli) fail('Give app_public_key or app_public_key_file, not both.', 2);
    cli.app_public_key = readPublicKeyFile(cli.app_public_key_file!);
    delete cli.app_public_key_file;
  }
  if (cli.app_public_key) {
    // `app_public_key="$(cat …)"` passes the whole PEM: Snowflake wants the base64 body alone.
    if (/PRIVATE KEY-----/.test(cli.app_public_key)) fail(PRIVATE_KEY_GIVEN('app_public_key'), 2);
    cli.app_public_key = publicKeyBody(cli.app_public_key);
  }

  // The same settings the app reads, the same way: the environment wins over .env.
  loadDotEnv(DOTENV);
  const envProvider = present(env, SETTINGS.PROVIDER.name) ? setting(env, SETTINGS.PROVIDER) : undefined;
  const provider = isScriptName(command)
    ? providerFor(command, envProvider)
    : (envProvider ?? PROVIDER_IDS[0]);
  // The setup script an account command renders parts of; the variables it takes are the ones accepted.
  const script: ScriptName = isScriptName(command) ? command : `setup-${provider}`;
  const inputs: SetupInputs = {
    provider,
    clientId: setting(env, SETTINGS.OAUTH_CLIENT_ID) ?? '',
    clientSecret: setting(env, SETTINGS.OAUTH_CLIENT_SECRET) ?? '',
    scopes: (setting(env, SETTINGS.OAUTH_SCOPES) ?? '').split(/[\s,]+/).filter(Boolean),
    dataKinds: setting(env, SETTINGS.PIPELINE_DATA_TYPES),
    snowflakeSecret: setting(env, SETTINGS.SNOWFLAKE_SECRET),
    checkFunction: setting(env, SETTINGS.SNOWFLAKE_CHECK_FUNCTION),
    // As the /setup page fills them (server/status/setup-scripts.ts), so both print the same script: the
    // user and role the app signs in as, its warehouse, and the endpoints when they are overridden.
    appUser: setting(env, SETTINGS.SNOWFLAKE_USER),
    appRole: setting(env, SETTINGS.SNOWFLAKE_ROLE),
    warehouse: setting(env, SETTINGS.SNOWFLAKE_WAREHOUSE),
    tokenEndpoint: setting(env, SETTINGS.OAUTH_TOKEN_URL),
    authorizationEndpoint: setting(env, SETTINGS.OAUTH_AUTHORIZATION_URL),
    apiHost: hostOf(SETTINGS.HEALTH_API_URL.name, setting(env, SETTINGS.HEALTH_API_URL)),
  };
  const values = { ...templateValues(inputs, script), ...cli };
  // Registered accounts, so that every account's secret stays in the integration's allowed list.
  const accounts = new AccountRegistry(setting(env, SETTINGS.DATA_DIR)).list();
  const labels = accounts.map((a) => a.label);
  if (account) {
    // The parts render only the names they use: refuse a name no part could use rather than ignore it.
    const takes = new Set(
      [script, 'teardown' as const].flatMap((s) => scriptVariables(s).map((v) => v.name)),
    );
    const unknown = Object.keys(cli).filter((k) => !takes.has(k));
    if (unknown.length) fail(`Unknown variable "${unknown[0]}" for ${command}.\n${USAGE}`, 2);
    if (command === 'remove-account' && labels.includes(account.label))
      process.stderr.write(
        `note: account ${account.label} is still registered with the app: press Remove beside it on the /setup page (its held tokens are disposed of, its checks stop), so that other accounts' SQL stops listing its secret.\n`,
      );
    else if (command === 'add-account' && !labels.includes(account.label)) {
      process.stderr.write(
        `note: account ${account.label} is not registered (add it on the /setup page): until it is, the setup script and other accounts' SQL leave its secret out of the integration's allowed list.\n`,
      );
    }
    const person = account.person ?? accounts.find((a) => a.label === account.label)?.person;
    const input = { provider, values, labels };
    return command === 'add-account'
      ? renderAccountSql(input, account.label, person)
      : renderRemoveAccountSql(input, account.label);
  }
  if (process.stdout.isTTY && values.client_secret) {
    process.stderr.write(
      'note: this output holds the OAuth client secret: pipe it to `snow sql -i`, do not save it.\n',
    );
  }
  try {
    return renderScriptForAccounts(script, values, labels);
  } catch (err) {
    // The scripts give the OAuth client no default (a made-up one makes an integration that cannot work):
    // say which setting to set, and where. Unsafe values are reported first, by the renderer itself.
    const missing = missingVariables(scriptVariables(script), values);
    if (err instanceof TemplateError && err.variable && missing.includes(err.variable)) {
      fail(missingMessage(script, missing), 2);
    }
    throw err;
  }
}

/** account=<label> and person=<name> of an account command (taken out of the script variables). */
function takeAccount(
  command: string,
  cli: Record<string, string>,
): { label: string; person?: string } | undefined {
  if (!isAccountCommand(command)) {
    if ('account' in cli) fail(`account=… is for add-account and remove-account, not ${command}.`, 2);
    return undefined;
  }
  const label = cli.account;
  const person = cli.person;
  delete cli.account;
  delete cli.person;
  if (!label) fail(`${command} needs account=<label>, e.g. account=alice.\n${USAGE}`, 2);
  const problem = labelProblem(label);
  if (problem) fail(`account=${label.slice(0, 40)}: ${problem}`, 2);
  if (person !== undefined && command === 'remove-account') fail('person=… is for add-account only.', 2);
  return { label, ...(person ? { person } : {}) };
}

/** One setting, parsed by the app's own schema; a malformed one stops here, named (never its value). */
function setting<N extends SettingName>(env: NodeJS.ProcessEnv, s: Setting<N>): SettingValues[N] {
  try {
    return readSetting(env, s);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.join('\n'), 2);
    throw err;
  }
}

/** The host the network rule must allow, from the API's base URL. */
function hostOf(name: string, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return fail(`${name} is not a URL: give the API's base URL, e.g. https://health.googleapis.com.`, 2);
  }
}

function missingMessage(script: ScriptName, missing: string[]): string {
  const settings = missing.map((m) => ENV_FOR[m] ?? `${m}=…`);
  const where = existsSync(DOTENV)
    ? `in .env (${path.resolve(DOTENV)}) or in the environment`
    : `in a .env file in ${process.cwd()} (there is none yet) or in the environment`;
  const verb = missing.length > 1 ? 'have' : 'has';
  const orCli = missing.includes('client_id') ? ' (client_id=… on the command line works too)' : '';
  return `${script} needs ${missing.join(' and ')}, which ${verb} no default: set ${settings.join(' and ')} ${where}${orCli}.`;
}

const PRIVATE_KEY_GIVEN = (what: string) =>
  `${what} is a private key. Give the public key (the .pub file next to it): the private key stays on this computer, and what is printed here ends up in Snowflake's query history.`;

/** The public key in a file: `~/` is the home folder (the shell does not expand it inside name=value). */
function readPublicKeyFile(given: string): string {
  const file = given === '~' || given.startsWith('~/') ? path.join(homedir(), given.slice(1)) : given;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(
      code === 'ENOENT'
        ? `app_public_key_file: ${file} does not exist. Make the key pair as docs/going-live.md, step 2, says.`
        : `app_public_key_file: ${file} cannot be read (${code ?? 'error'}).`,
      2,
    );
  }
  if (/PRIVATE KEY-----/.test(text)) fail(PRIVATE_KEY_GIVEN(`app_public_key_file: ${file}`), 2);
  if (!publicKeyBody(text)) fail(`app_public_key_file: ${file} is empty.`, 2);
  return text;
}

const isProviderId = (v: string): v is ProviderId => (PROVIDER_IDS as readonly string[]).includes(v);

function providerFor(script: ScriptName, envProvider: ProviderId | undefined): ProviderId {
  const fromScript = scriptProvider(script);
  const forProvider = fromScript !== undefined && isProviderId(fromScript) ? fromScript : undefined;
  if (forProvider && envProvider && forProvider !== envProvider) {
    // The settings' client ID and secret belong to the other provider: refuse rather than mix them.
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
