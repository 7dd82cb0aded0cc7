// docs/configuration.md is generated from the settings schema: it must match what the schema renders now.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../server/config/docs.js';
import { ALL_SETTINGS, LIVE_SETTINGS, SETTING_PATTERNS } from '../../server/config/schema.js';

const doc = renderConfigurationDoc();
const rowOf = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));

describe('docs/configuration.md', () => {
  it('is up to date with server/config/schema.ts', () => {
    const onDisk = readFileSync(new URL(`../../${CONFIGURATION_DOC}`, import.meta.url), 'utf8');
    expect(onDisk === doc, `${CONFIGURATION_DOC} is stale: run \`npm run docs\``).toBe(true);
  });
  it('has one row per setting and pattern, marking the ones that end sandbox mode', () => {
    for (const s of [...ALL_SETTINGS, ...Object.values(SETTING_PATTERNS)]) {
      const row = rowOf(s.name);
      expect(row, s.name).toBeDefined();
      const cells = row!.split(' | ');
      expect(cells.at(-2) === 'yes', s.name).toBe(LIVE_SETTINGS.includes(s.name as never));
      expect(row!.endsWith(s.secret ? '| secret |' : '|  |'), s.name).toBe(true);
    }
  });
  it('shows no value for a secret setting', () => {
    for (const s of ALL_SETTINGS.filter((x) => x.secret)) {
      expect(rowOf(s.name)!.split(' | ')[1], s.name).toBe('—');
      expect(s.defaultText, s.name).toBeUndefined();
      const unset = s.type.safeParse(undefined);
      expect(unset.success && unset.data, s.name).toBeUndefined();
    }
  });
});
