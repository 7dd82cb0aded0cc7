// Generated docs must match their source: a change to the error catalog (or any other source listed in
// scripts/docs/generated.ts) without `npm run docs` fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatedDocs } from '../../scripts/docs/generated.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function onDisk(file: string): string | undefined {
  try {
    return readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}

describe('generated docs', () => {
  for (const doc of generatedDocs) {
    it(`${doc.file} is up to date with ${doc.source}`, () => {
      const fresh = doc.render();
      const stale = onDisk(doc.file) !== fresh;
      expect(stale, `${doc.file} is stale: run npm run docs (it is generated from ${doc.source})`).toBe(
        false,
      );
    });
  }
});
