// Key files never get committed: docs/going-live.md puts the key pair in ~/.snowflake/, outside the folder,
// but the old instructions wrote rsa_key.p8 into it, and a copy may still land there. Asks git itself.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/npm-project.js';

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
}

let inGit = true;
try {
  git(['rev-parse', '--is-inside-work-tree']);
} catch {
  inGit = false; // an unpacked copy without .git: nothing to ask
}

describe.runIf(inGit)('.gitignore', () => {
  it('ignores private keys, key pairs made with the old names, and .env, wherever they are', () => {
    const files = [
      'rsa_key.p8',
      'rsa_key.pub',
      'fitbit_connect_rsa_key.p8',
      'fitbit_connect_rsa_key.pub',
      'keys/app.p8',
      'server/key.pem',
      'snowflake.key',
      '.env',
    ];
    // --no-index: as for a new file, whether or not something is already tracked under that name.
    const ignored = git(['check-ignore', '--no-index', ...files])
      .trim()
      .split('\n');
    expect(ignored).toEqual(files);
  });

  it('ignores no file that is tracked (the patterns are not too wide)', () => {
    expect(git(['ls-files', '--cached', '--ignored', '--exclude-standard'])).toBe('');
  });
});
