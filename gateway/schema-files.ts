import { join } from 'node:path';

/**
 * Where the composed supergraph is checked in. The gateway serves these files as they are; the
 * composition that writes them (scripts/supergraph-composition.ts) builds both subgraphs' schemas
 * and stays out of the gateway process.
 */
/** schema/ at the top of the project (this file runs from dist/gateway). */
export const SCHEMA_DIR = join(__dirname, '..', '..', 'schema');
export const SUPERGRAPH_FILE = 'supergraph.graphql';
export const PROVINCE_SDL_FILE = 'province.graphql';
