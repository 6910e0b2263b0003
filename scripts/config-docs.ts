import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONFIGURATION_DOC, configurationDoc } from './configuration-doc';

/** Writes docs/configuration.md from the configuration schemas (npm run config:docs). */
mkdirSync(dirname(CONFIGURATION_DOC), { recursive: true });
writeFileSync(CONFIGURATION_DOC, configurationDoc());
console.log('wrote docs/configuration.md');
