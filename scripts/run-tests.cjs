'use strict';
/**
 * Runs the built tests with node --test, told apart by file name:
 *
 *   node scripts/run-tests.cjs unit   the *.test.js that are not *.e2e.test.js: seconds, no database
 *   node scripts/run-tests.cjs e2e    the *.e2e.test.js, and the examples (real clusters)
 *   node scripts/run-tests.cjs all    both
 *
 * A full run (`all`) also writes test/results/last-run.json (git-ignored): its duration, the
 * tests counted and their outcome, which the benchmark reports against its target.
 *
 * Plain JavaScript, like launch.cjs: Node 20's --test takes no glob, so the files are listed here.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
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
// Two files run at a time: the longest start first (measured on a quiet two-core machine), then the
// other clusters, then the unit files of seconds, so that no long file begins while the other slot idles.
const LONGEST = [
  'chaos.e2e',
  'cluster-lifecycle.e2e',
  'all-provinces.e2e',
  'packed-package.e2e',
  'account-moves.e2e',
  'dashboard-page.e2e',
  'relationship-rules.e2e',
  'move-saga.e2e',
  'pii-at-rest.e2e',
  'start-options.e2e',
];
const rank = (file) => {
  const known = LONGEST.findIndex((name) => file.endsWith(`${name}.test.js`));
  return known >= 0 ? known : LONGEST.length + (isE2e(file) ? 0 : 1);
};
const files = [...testsIn('test'), ...testsIn('examples')]
  .filter((file) => kind === 'all' || (kind === 'e2e') === isE2e(file))
  .sort((a, b) => rank(a) - rank(b));

// What the terminal shows stays node's default (spec on a terminal, TAP otherwise); a full run
// also sends TAP to a scratch file, whose closing summary gives the counts.
const shown = process.stdout.isTTY ? 'spec' : 'tap';
const scratch = kind === 'all' ? mkdtempSync(join(tmpdir(), 'run-tests-')) : undefined;
const tap = scratch && join(scratch, 'all.tap');
const reporters = [`--test-reporter=${shown}`, '--test-reporter-destination=stdout'];
if (tap) reporters.push('--test-reporter=tap', `--test-reporter-destination=${tap}`);

const started = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...reporters, ...files], {
  stdio: 'inherit',
  cwd: ROOT,
});
const status = result.status ?? 1;

if (tap) {
  /** The last `# name N` line of the TAP summary, or null. */
  const summary = (text, name) => {
    const all = [...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length > 0 ? Number(all[all.length - 1][1]) : null;
  };
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const record = {
    finishedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    files: files.length,
    tests: summary(text, 'tests'),
    pass: summary(text, 'pass'),
    fail: summary(text, 'fail'),
    cancelled: summary(text, 'cancelled'),
    skipped: summary(text, 'skipped'),
    todo: summary(text, 'todo'),
    exitCode: status,
  };
  mkdirSync(join(ROOT, 'test', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'test', 'results', 'last-run.json'), `${JSON.stringify(record, null, 2)}\n`);
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
