// `npm run sandbox`: the banner points to where the fixtures really are, and keeps secrets out.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGTERM');
});

function banner(): Promise<string> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/cli.ts'], {
      env: { ...process.env, SANDBOX_OAUTH_PORT: '0', SANDBOX_SNOWFLAKE_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C stops both.')) resolve(out);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      reject(new Error(`sandbox/cli.ts exited (${code}) before its banner: ${out}`)),
    );
  });
}

describe('sandbox cli', () => {
  it('points to sandbox/README.md, which lists the fixtures, and prints no client secret', async () => {
    const out = await banner();
    expect(out).toContain('(secrets: sandbox/README.md → Seeded clients)');
    expect(out).not.toContain('sandbox-client-secret');
    expect(out).not.toContain('sandbox-fitbit-secret');
    const readme = await readFile('sandbox/README.md', 'utf8');
    const section = readme.slice(readme.indexOf('\n### Seeded clients'));
    expect(section).toContain('### Seeded clients');
    expect(section).toContain('sandbox-client-secret');
    expect(section).toContain('sandbox-fitbit-secret');
  }, 30_000);
});
