// `npm run sandbox`: both stand-ins on their default ports until Ctrl-C.
import { readSetting } from '../server/config/env.js';
import { SETTINGS } from '../server/config/schema.js';
import { startSandbox } from './index.js';

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    oauthPort: readSetting(process.env, SETTINGS.SANDBOX_OAUTH_PORT),
    snowflakePort: readSetting(process.env, SETTINGS.SANDBOX_SNOWFLAKE_PORT),
    latencyModel: readSetting(process.env, SETTINGS.SANDBOX_LATENCY),
  });
  const { oauth, snowflake } = sandbox;
  // Client secrets stay out of the console; sandbox/README.md lists the fixtures, secrets included.
  const lines = [
    `OAuth stand-in     ${oauth.url}   (Google: /o/oauth2/v2/auth, /token, /v4/…; legacy Fitbit: /oauth2/…, /1/…)`,
    '  google client    sandbox-client-id   fitbit server app: 23SBOX   (secrets: sandbox/README.md → Seeded clients)',
    `  control          ${oauth.url}/sandbox/`,
    `Snowflake stand-in ${snowflake.url}   (account 'sandbox'; snowflake-sdk: accessUrl = this URL)`,
    '  admin login      SANDBOX_ADMIN / sandbox   role ACCOUNTADMIN, warehouse SANDBOX_WH',
    `  control          ${snowflake.url}/sandbox/   (statements, stats, logins, faults, reset, expire-sessions, rotation-policy, token-cache, oauth-tokens, mfa)`,
    `  python3          ${snowflake.python === null ? 'NOT FOUND: Python functions will fail' : `${snowflake.python}${snowflake.pythonRequests ? '' : "   (no 'requests': apt-get install python3-requests)"}`}`,
    'Endpoints, fixtures and faults: sandbox/README.md',
    'Ctrl-C stops both.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox…`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? 'a port is already in use (set SANDBOX_OAUTH_PORT / SANDBOX_SNOWFLAKE_PORT to move it)'
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(`The sandbox could not start: ${why}`);
  process.exit(1);
});
