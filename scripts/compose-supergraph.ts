import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_DIR } from '../gateway/schema-files';
import { composeSupergraph } from './supergraph-composition';

/** Writes the composed supergraph and the subgraph SDLs into schema/ (npm run compose). */
composeSupergraph().then((composed) => {
  for (const [file, text] of Object.entries(composed.files)) writeFileSync(join(SCHEMA_DIR, file), text);
  console.log(`wrote ${Object.keys(composed.files).join(', ')} in schema/`);
});
