// npm run docs:config: writes docs/configuration.md from the settings schema (server/config/schema.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../server/config/docs.js';

const file = fileURLToPath(new URL(`../${CONFIGURATION_DOC}`, import.meta.url));
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, renderConfigurationDoc());
process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
