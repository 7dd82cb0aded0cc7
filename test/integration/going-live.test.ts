// docs/going-live.md, followed as written by someone new, with the stand-ins in place of Google and
// Snowflake: its key commands (step 2), its .env (step 3), and its `npm run -s sql … | snow sql -i` (step 4),
// run through the real npm and bash in a copy of the app's folder with a HOME of its own. A fake `snow`
// keeps what it is handed: exactly the filled-in script, which then runs on the Snowflake stand-in, and
// `npm run status` signs in with the key pair the docs made. Also: without -s, nothing but npm's banner.

import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { checkPrivateKey } from '../../server/config/private-key.js';
import { createLogger } from '../../server/log.js';
import { publicKeyBody, templateValues } from '../../server/setup/inputs.js';
import { renderScript, splitStatements } from '../../server/setup/templates.js';
import { SnowflakeSession } from '../../server/snowflake/session.js';
import { type NpmProject, npmProject, ROOT } from '../support/npm-project.js';

const DOC = readFileSync(path.join(ROOT, 'docs/going-live.md'), 'utf8');

/** The ```sh blocks of the section whose heading starts with `heading`. */
function shellBlocks(heading: string): string[] {
  const start = DOC.indexOf(`\n## ${heading}`);
  expect(start, `docs/going-live.md has a section "## ${heading}"`).toBeGreaterThan(0);
  const end = DOC.indexOf('\n## ', start + 1);
  const section = DOC.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map((m) =>
    m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
  );
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

let sb: Sandbox;
let app: NpmProject;
const log = createLogger('silent');

beforeAll(async () => {
  sb = await startSandbox({ oauthPort: 0, snowflakePort: 0 });
  app = npmProject();
});
afterAll(async () => {
  app?.close();
  await sb?.close();
});

const keyDir = () => path.join(app.home, '.snowflake');
const privateKeyFile = () => path.join(keyDir(), 'fitbit_connect_rsa_key.p8');
const publicKeyFile = () => path.join(keyDir(), 'fitbit_connect_rsa_key.pub');

describe('step 2: the key pair', () => {
  it.skipIf(!hasOpenssl)(
    'the commands as written make the pair in ~/.snowflake, readable by its owner alone',
    async () => {
      const [encrypted, plain] = shellBlocks('2. ');
      expect(encrypted).toMatch(/-v2 aes-256-cbc/);
      expect(plain).toMatch(/-nocrypt/);

      // The encrypted way asks for the passphrase at the terminal; here it is given on the line instead.
      const passphrase = 'walk-passphrase';
      const withPass = encrypted!
        .replace('-v2 aes-256-cbc', `-v2 aes-256-cbc -passout pass:${passphrase}`)
        .replace(/openssl rsa -in/, `openssl rsa -passin pass:${passphrase} -in`);
      const enc = await app.shell(withPass);
      expect(enc.code, enc.stderr).toBe(0);
      const encPem = readFileSync(privateKeyFile(), 'utf8');
      expect(encPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      const problems: string[] = [];
      checkPrivateKey({ privateKeyPath: privateKeyFile(), privateKeyPass: passphrase }, 'env', problems);
      expect(problems).toEqual([]);

      // The plain way, run exactly as the docs print it: nothing is asked.
      const r = await app.shell(plain!);
      expect(r.code, r.stderr).toBe(0);
      expect(statSync(keyDir()).mode & 0o777).toBe(0o700);
      expect(statSync(privateKeyFile()).mode & 0o777).toBe(0o600);
      const pem = readFileSync(privateKeyFile(), 'utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const pub = readFileSync(publicKeyFile(), 'utf8');
      expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect(createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' })).toBe(pub);
      checkPrivateKey({ privateKeyPath: privateKeyFile() }, 'env', problems);
      expect(problems).toEqual([]);
      // Nothing landed in the app's folder.
      expect(existsSync(path.join(app.dir, 'rsa_key.p8'))).toBe(false);
    },
    30_000,
  );
});

describe('steps 3 and 4: .env, then the setup script through npm into snow sql', () => {
  it('hands snow exactly the filled-in script, which sets up Snowflake for the app to sign in with the key', async () => {
    if (!existsSync(publicKeyFile())) {
      // No openssl: a pair made as openssl would, so the rest of the walk still runs.
      const { generateKeyPairSync } = await import('node:crypto');
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      mkdirSync(keyDir(), { recursive: true, mode: 0o700 });
      writeFileSync(privateKeyFile(), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
      });
      writeFileSync(publicKeyFile(), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    }

    // Step 3's .env as the docs print it, with this walk's values in place of the examples.
    const [dotenvBlock] = shellBlocks('3. ');
    const documented = Object.fromEntries(
      dotenvBlock!
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(Object.keys(documented)).toEqual([
      'OAUTH_CLIENT_ID',
      'OAUTH_CLIENT_SECRET',
      'SNOWFLAKE_ACCOUNT',
      'SNOWFLAKE_USER',
      'SNOWFLAKE_PRIVATE_KEY_FILE',
      'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
      'SNOWFLAKE_SECRET',
      'SNOWFLAKE_CHECK_FUNCTION',
      'SNOWFLAKE_DATA_FUNCTION',
    ]);
    const client = sb.oauth.appClient({
      profile: 'google-health',
      redirectUri: 'http://localhost:8787/callback',
    });
    const o = sb.oauth.url;
    const { SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: _plainKeyHasNone, ...kept } = documented;
    const settings: Record<string, string> = {
      ...kept,
      OAUTH_CLIENT_ID: client.clientId,
      OAUTH_CLIENT_SECRET: client.clientSecret!,
      SNOWFLAKE_ACCOUNT: 'sandbox',
      SNOWFLAKE_PRIVATE_KEY_FILE: documented.SNOWFLAKE_PRIVATE_KEY_FILE!.replace('/home/you', app.home),
      // Sandbox terms: where the stand-ins listen, in place of Google's and Snowflake's addresses.
      SNOWFLAKE_ACCESS_URL: sb.snowflake.url,
      OAUTH_AUTHORIZATION_URL: `${o}/o/oauth2/v2/auth`,
      OAUTH_TOKEN_URL: `${o}/token`,
      OAUTH_REVOCATION_URL: `${o}/revoke`,
      HEALTH_API_URL: o,
      OAUTH_ISSUER: o,
    };
    app.writeDotEnv(settings);

    // Step 4's command, verbatim, with a `snow` that keeps its standard input and arguments.
    const command = shellBlocks('4. ')
      .find((b) => b.includes('npm run -s sql --'))!
      .trim();
    expect(command).toBe(
      'npm run -s sql -- setup-google-health app_public_key_file=~/.snowflake/fitbit_connect_rsa_key.pub | snow sql -i',
    );
    const bin = path.join(app.home, 'bin');
    mkdirSync(bin, { recursive: true });
    const fakeSnow = path.join(bin, 'snow');
    writeFileSync(fakeSnow, '#!/bin/sh\necho "$@" > "$SNOW_ARGS"\ncat > "$SNOW_STDIN"\n');
    chmodSync(fakeSnow, 0o755);
    const stdin = path.join(app.home, 'snow-stdin.sql');
    const args = path.join(app.home, 'snow-args');
    const r = await app.shell(command, {
      PATH: `${bin}:${process.env.PATH}`,
      SNOW_STDIN: stdin,
      SNOW_ARGS: args,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(args, 'utf8')).toBe('sql -i\n');

    // Exactly the script the app's settings call for: no banner, nothing else.
    const expected = renderScript(
      'setup-google-health',
      templateValues(
        {
          provider: 'google-health',
          clientId: client.clientId,
          clientSecret: client.clientSecret!,
          scopes: [],
          snowflakeSecret: settings.SNOWFLAKE_SECRET,
          checkFunction: settings.SNOWFLAKE_CHECK_FUNCTION,
          appUser: settings.SNOWFLAKE_USER,
          tokenEndpoint: settings.OAUTH_TOKEN_URL,
          authorizationEndpoint: settings.OAUTH_AUTHORIZATION_URL,
          apiHost: new URL(o).host,
          appPublicKey: readFileSync(publicKeyFile(), 'utf8'),
        },
        'setup-google-health',
      ),
    );
    const sql = readFileSync(stdin, 'utf8');
    expect(sql).toBe(expected);
    expect(sql).toContain(`RSA_PUBLIC_KEY = '${publicKeyBody(readFileSync(publicKeyFile(), 'utf8'))}'`);

    // What snow would do: run it, top to bottom, as a user who holds ACCOUNTADMIN.
    const admin = new SnowflakeSession(
      {
        account: 'sandbox',
        username: 'SANDBOX_ADMIN',
        authenticator: 'SNOWFLAKE',
        password: 'sandbox',
        accessUrl: sb.snowflake.url,
        source: 'test',
      },
      log,
    );
    try {
      for (const stmt of splitStatements(sql)) await admin.execute(stmt);
    } finally {
      await admin.close();
    }

    // The app's configuration now works: `npm run status` reads .env and signs in with the key pair.
    const status = await app.npm(['run', '-s', 'status']);
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/^overall: not_connected/);
    expect(status.stdout).toMatch(/\[ok {2}\] /);
    expect(status.code).toBe(1);
  }, 90_000);

  it('without -s: npm’s banner and nothing after it, exit 2, and no secret in the banner', async () => {
    const r = await app.npm(['run', 'sql', '--', 'setup-google-health']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      '\n> fitbit-snowflake-connect@0.1.0 sql\n> tsx scripts/sql.ts setup-google-health\n\n',
    );
    expect(r.stderr).toContain('npm printed its banner');
    expect(r.stderr).toContain('npm run -s sql -- <script> … | snow sql -i');

    const secret = await app.npm([
      'run',
      '-s',
      'sql',
      '--',
      'setup-google-health',
      'client_secret=on-the-line',
    ]);
    expect(secret.code).toBe(2);
    expect(secret.stdout).toBe('');
    expect(secret.stderr).not.toContain('on-the-line');
  }, 30_000);
});
