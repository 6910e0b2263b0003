'use strict';
/**
 * Runs the built tests with node --test, told apart by file name:
 *
 *   node scripts/run-tests.cjs unit   the *.test.js that are not *.e2e.test.js: seconds, no database
 *   node scripts/run-tests.cjs e2e    the *.e2e.test.js, and the examples (real clusters)
 *   node scripts/run-tests.cjs all    both
 *
 * Plain JavaScript, like launch.cjs: Node 20's --test takes no glob, so the files are listed here.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const DIST = join(__dirname, '..', 'dist');
const kind = process.argv[2];
if (!['unit', 'e2e', 'all'].includes(kind)) {
  console.error('usage: node scripts/run-tests.cjs unit|e2e|all');
  process.exit(2);
}

const testsIn = (dir) =>
  existsSync(join(DIST, dir))
    ? readdirSync(join(DIST, dir))
        .filter((f) => f.endsWith('.test.js'))
        .map((f) => join('dist', dir, f))
    : [];
const isE2e = (file) => file.endsWith('.e2e.test.js') || file.startsWith(join('dist', 'examples'));
const files = [...testsIn('test'), ...testsIn('examples')].filter(
  (file) => kind === 'all' || (kind === 'e2e') === isE2e(file),
);

const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: join(__dirname, '..'),
});
process.exit(result.status ?? 1);
