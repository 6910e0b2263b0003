import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { MAX_COST, measureOperation } from '../gateway/query-limits';

const schema = buildSchema(`
  input PageInput { first: Int = 20 after: String }
  type Region { code: ID! }
  type RegionEdge { node: Region! }
  type RegionConnection { edges: [RegionEdge!]! }
  type Province { code: ID! regions(page: PageInput): RegionConnection! }
  type ProvinceEdge { node: Province! }
  type ProvinceConnection { edges: [ProvinceEdge!]! }
  type Query { provinces(page: PageInput): ProvinceConnection! tags: [String!]! }
`);

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return measureOperation(schema, document, operation as OperationDefinitionNode, variables);
}

test('a connection\'s edges count as many items as its page asks for', () => {
  const [, small] = measure('{ provinces(page: { first: 2 }) { edges { node { regions(page: { first: 5 }) { edges { node { code } } } } } } }');
  const [, defaults] = measure('{ provinces { edges { node { regions { edges { node { code } } } } } } }');
  const [, fromVariables] = measure('query($p: PageInput) { provinces(page: $p) { edges { node { code } } } }', { p: { first: 3 } });
  assert.ok(small < 100, `${small}`);
  assert.ok(defaults > small && defaults < MAX_COST, `${defaults}`);
  assert.ok(fromVariables < 20, `${fromVariables}`);
});

test('wide and deep queries are measured whole, through fragments', () => {
  const wide = Array.from({ length: 60 }, (_, i) => `a${i}: provinces(page: { first: 100 }) { edges { node { regions(page: { first: 100 }) { edges { node { code } } } } } }`);
  assert.ok(measure(`{ ${wide.join(' ')} }`)[1] > MAX_COST);
  const [depth] = measure('fragment F on Province { regions { edges { node { code } } } } { provinces { edges { node { ...F } } } }');
  assert.equal(depth, 7);
  assert.equal(measure('{ tags }')[1], 100, 'a list outside any connection counts as the largest page');
});
