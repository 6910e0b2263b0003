import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAUNCH, run } from './support/run-script';

/**
 * The build before npm start says what it is doing (a new clone's first build takes minutes), and
 * scripts that print an answer (npm run -s token) print nothing else.
 */
test('npm run build names each step and how long it took', async () => {
  const result = await run(LAUNCH, ['build']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^… building: compiling the TypeScript that changed since the last build \(tsc -b; .*\)…$/m,
  );
  assert.match(result.stdout, /^… building: compiling the TypeScript .*: \d+\.\d s$/m);
});

test('a script that prints an answer prints no build step', async () => {
  const result = await run(LAUNCH, ['scripts/token', '--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /building/);
});
