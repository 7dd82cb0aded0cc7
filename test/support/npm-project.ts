// The app's folder as a person has it, for spawning the real `npm run …` commands: a temporary folder whose
// entries link to this checkout's (package.json, scripts/, server/, sql/, node_modules/ …), with a .env of its
// own and a HOME of its own, so a test never reads the developer's .env, ~/.npmrc or ~/.snowflake.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NpmProject {
  /** The folder `npm run` runs in (the app's folder). */
  dir: string;
  /** HOME for every command: empty but for what a test puts there. */
  home: string;
  /** Writes `.env` in the app's folder, mode 0600 as the docs say. */
  writeDotEnv(settings: Record<string, string>): void;
  /** `npm <args>` in the app's folder. */
  npm(args: string[], env?: Record<string, string>): Promise<Run>;
  /** A shell command line in the app's folder, as a person types it (bash -c). */
  shell(line: string, env?: Record<string, string>): Promise<Run>;
  close(): void;
}

/** Entries of the checkout a run may need; .env, data/ and the like stay out. */
const LINKED = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'node_modules',
  'scripts',
  'server',
  'sql',
  'sandbox',
  'views',
  'public',
];

export function npmProject(): NpmProject {
  const base = mkdtempSync(path.join(tmpdir(), 'fsc-npm-'));
  const dir = path.join(base, 'app');
  const home = path.join(base, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  const present = new Set(readdirSync(ROOT));
  for (const entry of LINKED)
    if (present.has(entry)) symlinkSync(path.join(ROOT, entry), path.join(dir, entry));

  // Only what a shell has: no npm_* variables of the test runner's own `npm test`, no app settings.
  const baseEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: home,
    // npm would otherwise ask the registry whether it is the newest version.
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  });
  const spawnRun = (cmd: string, args: string[], env: Record<string, string>): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        cwd: dir,
        env: { ...baseEnv(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += String(d);
      });
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  return {
    dir,
    home,
    writeDotEnv(settings) {
      const file = path.join(dir, '.env');
      writeFileSync(
        file,
        `${Object.entries(settings)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
      chmodSync(file, 0o600);
    },
    npm: (args, env = {}) => spawnRun('npm', args, env),
    shell: (line, env = {}) => spawnRun('bash', ['-c', line], env),
    close: () => rmSync(base, { recursive: true, force: true }),
  };
}
