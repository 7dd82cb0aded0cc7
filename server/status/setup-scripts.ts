// The sql/ scripts filled in from the app's configuration, for the /setup page. The OAuth client secret
// is rendered as a marker the page shows masked; only an explicit reveal puts the value in the page.
import type { AppConfig } from '../config/index.js';
import { renderScriptForAccounts } from '../setup/account-sql.js';
import { type SetupInputs, templateValues } from '../setup/inputs.js';
import { appPublicKeyBody } from '../setup/public-key.js';
import { isScriptName, type ScriptName, TemplateError } from '../setup/templates.js';

/** Safe in a '…' literal (the only place client_secret goes) and never a real secret. */
const MARK = 'FSC_MASKED_CLIENT_SECRET';

/**
 * What the page shows between the quotes of OAUTH_CLIENT_SECRET = '…' while masked. It closes and reopens the
 * string around a bare word, so a masked script that gets run anyway (copied by hand, pasted in a worksheet
 * or fed to snow sql) fails with a syntax error there instead of storing a wrong secret in Snowflake.
 */
export const MASKED_SECRET = "' REVEAL_THE_CLIENT_SECRET_ON_THE_SETUP_PAGE_BEFORE_RUNNING_THIS '";

export interface SetupScript {
  name: ScriptName;
  /** The script text split where the client secret goes: join with the secret (revealed) or a mask. */
  parts: string[];
  error?: string;
}

export function setupInputs(config: AppConfig): SetupInputs {
  const live = config.mode === 'live';
  const conn = config.snowflake.connection;
  return {
    provider: config.provider,
    clientId: config.oauth.clientId,
    clientSecret: config.oauth.clientSecret ? MARK : '',
    scopes: config.oauth.scopes,
    dataKinds: config.dataKinds,
    snowflakeSecret: config.snowflake.secret.sql,
    checkFunction: config.snowflake.checkFunction.sql,
    appRole: conn.role,
    appUser: conn.username,
    warehouse: conn.warehouse,
    // The key the app signs in with: the script then sets its public half on the app's user as it is.
    appPublicKey: appPublicKeyBody(conn),
    // In sandbox mode the app reaches stand-ins; Snowflake's objects keep the real endpoints.
    ...(live
      ? {
          apiHost: new URL(config.oauth.healthApiUrl).host,
          tokenEndpoint: config.oauth.tokenUrl,
          authorizationEndpoint: config.oauth.authorizationUrl,
        }
      : {}),
  };
}

/**
 * The setup script for the configured provider, its daily load (if it has one), then teardown; setup and
 * teardown cover every registered account (`labels`), so a re-run keeps each account's secret allowed.
 */
export function setupScripts(config: AppConfig, labels: readonly string[] = []): SetupScript[] {
  const pipeline = `pipeline-${config.provider}`;
  const names: ScriptName[] = [
    `setup-${config.provider}`,
    ...(isScriptName(pipeline) ? [pipeline] : []),
    'teardown',
  ];
  const inputs = setupInputs(config);
  return names.map((name) => {
    try {
      return {
        name,
        parts: renderScriptForAccounts(name, templateValues(inputs, name), labels).split(MARK),
      };
    } catch (e) {
      if (e instanceof TemplateError) return { name, parts: [], error: e.message };
      throw e;
    }
  });
}
