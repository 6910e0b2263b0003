'use strict';
/**
 * How the npm scripts run this project's programs:
 *
 *   node scripts/launch.cjs build                       builds what changed since the last build
 *   node scripts/launch.cjs scripts/cluster [options]   builds what changed, then runs dist/scripts/cluster.js
 *
 * The build is tsc's incremental build mode (`tsc -b`, its state in dist/tsconfig.tsbuildinfo): about
 * a second when nothing changed, and dist/ is never deleted, so a build never pulls the files from
 * under a running cluster. The browser pages (dashboard/, ide/) are type-checked and bundled when their
 * sources changed. Outputs whose source is gone are removed first (a deleted test would
 * still run). npm start does not build while npm start already runs on the same data folder: the
 * script as built answers (--help, a wrong option, or the refusal to start a second one). This file is plain JavaScript because it runs before anything is compiled.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');

function removeOutputsWithoutSource(dir) {
  if (!existsSync(dir) || PAGES.some((page) => dir === join(DIST, page))) return; // the pages' bundles have no .ts of their name
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removeOutputsWithoutSource(path);
      continue;
    }
    const output = /^(.*)\.js(\.map)?$/.exec(relative(DIST, path));
    if (output && !existsSync(join(ROOT, `${output[1]}.ts`))) rmSync(path);
  }
}

function run(args) {
  // Errors are written to stderr, so `npm run -s token` prints the token only.
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    console.error('the build failed (see above)');
    process.exit(result.status ?? 1);
  }
}

/** The browser pages: each a folder of sources, bundled into dist/<page>/<page>.js (scripts/build-pages.ts). */
const PAGES = ['dashboard', 'ide'];
const BUILD_PAGES = join(DIST, 'scripts', 'build-pages.js');

function pagesChanged() {
  const bundles = PAGES.map((page) => join(DIST, page, `${page}.js`));
  if (!bundles.every((bundle) => existsSync(bundle))) return true;
  const built = Math.min(...bundles.map((bundle) => statSync(bundle).mtimeMs));
  const sources = [
    ...PAGES.flatMap((page) => readdirSync(join(ROOT, page)).map((file) => join(ROOT, page, file))),
    BUILD_PAGES,
    join(ROOT, 'package-lock.json'),
  ];
  return sources.some((file) => statSync(file).mtimeMs > built);
}

/** What the build is doing, for npm start and npm run build (other scripts print only their own answer). */
let say = () => undefined;

function step(what, work) {
  const started = Date.now();
  say(`building: ${what}…`);
  work();
  say(`building: ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function build() {
  removeOutputsWithoutSource(DIST);
  const tsc = require.resolve('typescript/bin/tsc');
  step('compiling the TypeScript that changed since the last build (tsc -b; a few minutes on a new clone)', () =>
    run([tsc, '-b', join(ROOT, 'tsconfig.json')]),
  );
  if (pagesChanged()) {
    step(`type-checking and bundling the browser pages (${PAGES.join(', ')})`, () => {
      for (const page of PAGES) run([tsc, '-p', join(ROOT, page, 'tsconfig.json')]);
      run([BUILD_PAGES]);
    });
  }
}

/**
 * npm start on a data folder where one already runs: nothing is built under it, and the script as
 * built answers, options first (its help, or an option refused), then the refusal to start.
 */
function anotherStartRuns(args) {
  const lock = join(DIST, 'cluster', 'start-lock.js');
  if (!existsSync(lock)) return false; // never built here: no npm start of this checkout can be running
  const { secondStartRefusal } = require(lock);
  return typeof secondStartRefusal === 'function' && secondStartRefusal(args, process.env) !== undefined;
}

const [program, ...args] = process.argv.slice(2);
if (!program || !/^[a-z][a-z0-9/-]*$/.test(program)) {
  console.error('usage: node scripts/launch.cjs build | <program under dist/, e.g. scripts/cluster> [options]');
  process.exit(2);
}
if (program === 'scripts/cluster' || program === 'build') say = (line) => console.log(`… ${line}`);
if (!(program === 'scripts/cluster' && anotherStartRuns(args))) build();
if (program !== 'build') {
  const entry = join(DIST, `${program}.js`);
  process.argv = [process.argv[0], entry, ...args];
  require(entry);
}
