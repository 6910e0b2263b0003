import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

/** The kit's example in the README is the test that runs in examples/, word for word. */
test('the README shows examples/night-window.test.ts as it is', () => {
  const top = join(__dirname, '..', '..');
  const readme = readFileSync(join(top, 'README.md'), 'utf8');
  const example = readFileSync(join(top, 'examples', 'night-window.test.ts'), 'utf8');
  assert.ok(readme.includes(`\`\`\`ts\n${example}\`\`\``), 'the README block and the example file differ');
});
