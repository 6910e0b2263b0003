import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { composeServices } from '@apollo/composition';
import { parse, validate } from 'graphql';

/**
 * The documents' examples are the platform's: the kit's example is the test that runs in
 * examples/, word for word, and every GraphQL block of the README and docs/ is valid against the
 * checked-in supergraph's API (a renamed field or argument fails here, not in a reader's hands).
 */
const top = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(top, path), 'utf8');
const documents = ['README.md', ...readdirSync(join(top, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

test('docs/testing.md shows examples/night-window.test.ts as it is', () => {
  const example = read('examples/night-window.test.ts');
  assert.ok(read('docs/testing.md').includes(`\`\`\`ts\n${example}\`\`\``), 'the block in docs/testing.md and the example file differ');
});

test('every GraphQL example of the README and docs/ is valid against the public API', () => {
  const composed = composeServices(['national', 'province'].map((name) => ({
    name, url: `http://${name}.invalid/graphql`, typeDefs: parse(read(`schema/${name}.graphql`)),
  })));
  assert.equal(composed.errors, undefined);
  const api = composed.schema.toAPISchema().toGraphQLJSSchema();
  let checked = 0;
  for (const document of documents) {
    for (const [, block] of read(document).matchAll(/```graphql\n([\s\S]*?)```/g)) {
      const errors = validate(api, parse(block)).map((e) => e.message);
      assert.deepEqual(errors, [], `${document}:\n${block}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 15, `only ${checked} GraphQL examples found`);
});
