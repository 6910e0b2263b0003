import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { MANIFESTS_DIR, manifestFiles } from './layout';

/** `npm run manifests`: writes deploy/kubernetes/ afresh (a file the generator no longer makes is removed). */
const root = join(__dirname, '..', '..', '..', MANIFESTS_DIR);
const files = manifestFiles();

function removeStale(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeStale(path);
    else if (!(relative(root, path) in files)) rmSync(path);
  }
}

mkdirSync(root, { recursive: true });
removeStale(root);
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
console.log(`wrote ${Object.keys(files).length} files into ${MANIFESTS_DIR}/`);
