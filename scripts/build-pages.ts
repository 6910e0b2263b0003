import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds the pages the gateway serves into dist/<page>/: one script (and style sheet) bundled from
 * npm packages by esbuild, the page's static files, and the licences of every package bundled.
 * Nothing is fetched from elsewhere at run time.
 *   dashboard  the national dashboard (dashboard/, Apache ECharts) at /dashboard
 *   ide        the GraphQL IDE (ide/, GraphiQL and React) at GET /graphql outside production
 */
const ROOT = join(__dirname, '..', '..');
const LICENCE_FILE = /^(licen[cs]e|notice|copyrightnotice)/i;

interface Page {
  name: string;
  entry: string;
  /** Files copied as they are: [from, to] relative to the root and to the page's folder. */
  files: [string, string][];
  title: string;
}

const PAGES: Page[] = [
  {
    name: 'dashboard',
    entry: 'dashboard/main.ts',
    title: 'The national dashboard',
    files: [
      ['dashboard/index.html', 'index.html'],
      ['dashboard/dashboard.css', 'dashboard.css'],
      ['dashboard/favicon.svg', 'favicon.svg'],
    ],
  },
  {
    name: 'ide',
    entry: 'ide/main.tsx',
    title: 'The GraphQL IDE',
    files: [
      ['ide/index.html', 'index.html'],
      ['dashboard/favicon.svg', 'favicon.svg'],
    ],
  },
];

/** The folders of the npm packages whose files went into the bundle. */
function bundledPackages(inputs: string[]): string[] {
  const folders = inputs
    .map((path) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1])
    .filter((f): f is string => !!f);
  return [...new Set(folders)].sort();
}

function licences(folders: string[]): string {
  const byPackage = new Map<string, string>();
  for (const folder of folders) {
    const dir = join(ROOT, folder);
    const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    const files = readdirSync(dir)
      .filter((file) => LICENCE_FILE.test(file) && statSync(join(dir, file)).isFile())
      .sort();
    byPackage.set(`${name} ${version}`, files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n'));
  }
  return [...byPackage].map(([title, texts]) => `---- ${title} ----\n\n${texts}`).join('\n\n');
}

async function buildPage(page: Page): Promise<void> {
  const out = join(ROOT, 'dist', page.name);
  mkdirSync(out, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [page.entry],
    outfile: join(out, `${page.name}.js`), // a style sheet imported by the script goes beside it, as <page>.css
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari15'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    banner: { js: `/* ${page.title}. Bundled packages and their licences: /${page.name}/licenses.txt */` },
    metafile: true,
    logLevel: 'warning',
  });
  for (const [from, to] of page.files) copyFileSync(join(ROOT, from), join(out, to));
  writeFileSync(join(out, 'licenses.txt'), licences(bundledPackages(Object.keys(result.metafile.inputs))));
}

Promise.all(PAGES.map(buildPage)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
