// Every generated file under docs/, with the function that renders it. `npm run docs` writes them;
// test/unit/docs-generated.test.ts fails when one on disk differs from what its source says now.
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../server/config/docs.js';
import { renderTroubleshooting } from './troubleshooting.js';

export interface GeneratedDoc {
  /** Relative to the repository root. */
  file: string;
  /** What produces it, for the staleness message. */
  source: string;
  render: () => string;
}

export const generatedDocs: GeneratedDoc[] = [
  {
    file: CONFIGURATION_DOC,
    source: 'the settings schema (server/config/schema.ts)',
    render: renderConfigurationDoc,
  },
  {
    file: 'docs/troubleshooting.md',
    source: 'the error catalog (server/errors/)',
    render: renderTroubleshooting,
  },
];
