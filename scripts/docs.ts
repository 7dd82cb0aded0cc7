// npm run docs: writes every generated file under docs/ (the list is in scripts/docs/generated.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from './docs/generated.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function current(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

for (const doc of generatedDocs) {
  const file = path.join(root, doc.file);
  const text = doc.render();
  if (current(file) === text) {
    process.stdout.write(`${doc.file}: up to date\n`);
    continue;
  }
  writeFileSync(file, text);
  process.stdout.write(`${doc.file}: written from ${doc.source}\n`);
}
