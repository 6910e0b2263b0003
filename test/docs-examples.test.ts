import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
const documents = [
  'README.md',
  ...readdirSync(join(top, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('docs/testing.md shows examples/night-window.test.ts as it is', () => {
  const example = read('examples/night-window.test.ts');
  assert.ok(
    read('docs/testing.md').includes(`\`\`\`ts\n${example}\`\`\``),
    'the block in docs/testing.md and the example file differ',
  );
});

test('every GraphQL example of the README and docs/ is valid against the public API', () => {
  const composed = composeServices(
    ['national', 'province'].map((name) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      typeDefs: parse(read(`schema/${name}.graphql`)),
    })),
  );
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

/** Files the platform writes when it runs (keys, results, builds) or paths inside a container, named in the documents but never checked in. */
const MADE_AT_RUN_TIME = ['dist/', '.data/', 'jwks.json', 'bench/results/', '/'];

test('every file the README and docs/ name exists, and every token they show is one the platform accepts', () => {
  const files = new Set(execFileSync('git', ['ls-files'], { cwd: top, encoding: 'utf8' }).split('\n'));
  const names = new Set([...files].map((f) => f.split('/').at(-1)));
  const missing: string[] = [];
  for (const document of documents) {
    const text = read(document);
    for (const [, path] of text.matchAll(/`([\w./-]+\.(?:ts|md|yml|json|cjs))`/g)) {
      const known = path.includes('/') ? [...files].some((f) => f === path || f.endsWith(`/${path}`)) : names.has(path);
      if (!known && !MADE_AT_RUN_TIME.some((made) => path.startsWith(made) || path === made))
        missing.push(`${document}: ${path}`);
    }
    for (const [, header] of text.matchAll(/\beyJ([\w-]{10,})/g)) {
      const alg = Buffer.from(`eyJ${header}`, 'base64url')
        .toString('latin1')
        .match(/"alg":"(\w+)"/)?.[1];
      if (alg)
        assert.ok(
          ['EdDSA', 'ES256'].includes(alg),
          `${document} shows a token signed with ${alg}, which the platform refuses`,
        );
    }
  }
  assert.deepEqual(missing, [], 'files the documents name that are not in the repository');
});
