import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SCHEMA_DIR, SUPERGRAPH_FILE } from '../gateway/schema-files';
import { composeSupergraph } from '../scripts/supergraph-composition';

/** schema/ is the public surface in a diff: it must be what the code composes, to the byte. */
const checkedIn = (file: string) => readFileSync(join(SCHEMA_DIR, file), 'utf8');

test('schema/ matches the schemas the code builds (run `npm run compose` after a change)', async () => {
  const composed = await composeSupergraph();
  for (const [file, text] of Object.entries(composed.files)) {
    assert.equal(checkedIn(file), text, `schema/${file} is out of date: run npm run compose`);
  }
});

test('the checked-in subgraph SDLs compose into the checked-in supergraph', () => {
  const result = composeServices(
    ['national', 'province'].map((name) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      typeDefs: parse(checkedIn(`${name}.graphql`)),
    })),
  );
  assert.equal(result.errors, undefined);
  assert.equal(result.supergraphSdl, checkedIn(SUPERGRAPH_FILE));
});

test('internal hold operations are not part of the public supergraph', () => {
  const supergraph = checkedIn(SUPERGRAPH_FILE);
  for (const word of ['placeHold', 'captureHold', 'releaseHold', '_internal'])
    assert.ok(!supergraph.includes(word), word);
});
