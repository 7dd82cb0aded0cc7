// Every relative link in the hand-written docs points at a file that exists (and, for a link into a
// Markdown file with #anchor, at a heading that exists), so moving or renaming a file cannot strand them.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingAnchors, links, ROOT, readDoc } from './docs-markdown.js';

const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'sql/README.md',
  'sandbox/README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A link that leaves the repository (a scheme such as https: or mailto:). */
const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe.each(DOCS)('links in %s', (doc) => {
  const md = readDoc(doc);
  const local = links(md).filter((l) => !isExternal(l.target));

  it('resolve to files that exist, and to headings that exist', () => {
    const broken: string[] = [];
    for (const { target, line } of local) {
      const [file = '', anchor] = decodeURIComponent(target).split('#');
      const resolved = file
        ? path.posix.normalize(
            file.startsWith('/') ? file.slice(1) : path.posix.join(path.posix.dirname(doc), file),
          )
        : doc;
      const where = `${doc}:${line} → ${target}`;
      if (resolved.startsWith('..')) {
        broken.push(`${where} (outside the repository)`);
        continue;
      }
      if (!existsSync(path.join(ROOT, resolved))) {
        broken.push(`${where} (no such file: ${resolved})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !headingAnchors(readDoc(resolved)).has(anchor)) {
        broken.push(`${where} (no heading with anchor #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the docs link checker', () => {
  it('finds the links it is meant to check', () => {
    // A parser that found nothing would pass every file: the README alone links to every other doc.
    const targets = links(readDoc('README.md')).map((l) => l.target);
    for (const doc of ['CONTRIBUTING.md', 'SECURITY.md', 'docs/threat-model.md', 'sql/README.md']) {
      expect(targets).toContain(doc);
    }
  });

  it('gives headings the anchors GitHub gives them', () => {
    const anchors = headingAnchors(
      '# A `code` title\n## Status page, `/status.json` and more\n## Again\n## Again\n',
    );
    expect([...anchors]).toEqual(['a-code-title', 'status-page-statusjson-and-more', 'again', 'again-1']);
  });
});
