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
  it('points to the root README section that lists the fixtures, and prints no client secret', async () => {
    const out = await banner();
    expect(out).toContain('README.md, "The sandbox"');
    expect(out).not.toMatch(/sandbox READMEs?\b/);
    expect(out).not.toContain('sandbox-client-secret');
    expect(out).not.toContain('sandbox-fitbit-secret');
    const readme = await readFile('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('\n## The sandbox'));
    expect(section).toContain('#### Seeded clients');
    expect(section).toContain('sandbox-client-secret');
  }, 30_000);
});
