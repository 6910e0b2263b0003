import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds the national dashboard page (dashboard/) into dist/dashboard/: one script bundled from
 * npm packages (Apache ECharts) by esbuild, the HTML, the style sheet, and the licences of every
 * package bundled. The gateway serves these files at /dashboard; nothing is fetched from elsewhere.
 */
const ROOT = join(__dirname, '..', '..');
const SOURCE = join(ROOT, 'dashboard');
const OUT = join(ROOT, 'dist', 'dashboard');
const LICENCE_FILE = /^(licen[cs]e|notice|copyrightnotice)/i;

/** The folders of the npm packages whose files went into the bundle. */
function bundledPackages(inputs: string[]): string[] {
  const folders = inputs.map((path) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]).filter((f): f is string => !!f);
  return [...new Set(folders)].sort();
}

function licences(folders: string[]): string {
  const byPackage = new Map<string, string>();
  for (const folder of folders) {
    const dir = join(ROOT, folder);
    const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    const files = readdirSync(dir).filter((file) => LICENCE_FILE.test(file) && statSync(join(dir, file)).isFile()).sort();
    byPackage.set(`${name} ${version}`, files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n'));
  }
  return [...byPackage].map(([title, texts]) => `---- ${title} ----\n\n${texts}`).join('\n\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['dashboard/main.ts'],
    outfile: join(OUT, 'dashboard.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari15'],
    legalComments: 'none',
    banner: { js: '/* The national dashboard. Bundled packages and their licences: /dashboard/licenses.txt */' },
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'dashboard.css', 'favicon.svg']) copyFileSync(join(SOURCE, file), join(OUT, file));
  writeFileSync(join(OUT, 'licenses.txt'), licences(bundledPackages(Object.keys(result.metafile.inputs))));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
