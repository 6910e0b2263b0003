import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_ALIASES,
  MAX_COST,
  MAX_TOKENS,
  measureOperation,
  ROUTED_FETCH_COST,
  routedFieldsOf,
} from '../gateway/query-limits';

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
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return measureOperation(schema, document, operation as OperationDefinitionNode, variables);
}

test("a connection's edges count as many items as its page asks for", () => {
  const [, small] = measure(
    '{ provinces(page: { first: 2 }) { edges { node { regions(page: { first: 5 }) { edges { node { code } } } } } } }',
  );
  const [, defaults] = measure('{ provinces { edges { node { regions { edges { node { code } } } } } } }');
  const [, fromVariables] = measure('query($p: PageInput) { provinces(page: $p) { edges { node { code } } } }', {
    p: { first: 3 },
  });
  assert.ok(small < 100, `${small}`);
  assert.ok(defaults > small && defaults < MAX_COST, `${defaults}`);
  assert.ok(fromVariables < 20, `${fromVariables}`);
});

test('wide and deep queries are measured whole, through fragments', () => {
  const wide = Array.from(
    { length: 60 },
    (_, i) =>
      `a${i}: provinces(page: { first: 100 }) { edges { node { regions(page: { first: 100 }) { edges { node { code } } } } } }`,
  );
  assert.ok(measure(`{ ${wide.join(' ')} }`)[1] > MAX_COST);
  const [depth] = measure(
    'fragment F on Province { regions { edges { node { code } } } } { provinces { edges { node { ...F } } } }',
  );
  assert.equal(depth, 7);
  assert.equal(measure('{ tags }')[1], 100, 'a list outside any connection counts as the largest page');
});

test('a selection a provincial deployment answers costs a fetch per item: fan-out counts per province', () => {
  const routed = new Set(['Province.memberCount']);
  const schemaWithFigures = buildSchema(`
    input PageInput { first: Int = 20 }
    type Province { code: ID! memberCount: Int! }
    type ProvinceEdge { node: Province! }
    type ProvinceConnection { edges: [ProvinceEdge!]! }
    type Query { provinces(page: PageInput): ProvinceConnection! }
  `);
  const measureFigures = (query: string) => {
    const document = parse(query);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    return measureOperation(schemaWithFigures, document, operation as OperationDefinitionNode, {}, routed);
  };
  const [, local] = measureFigures('{ provinces(page: { first: 10 }) { edges { node { code } } } }');
  const [, fanned] = measureFigures('{ provinces(page: { first: 10 }) { edges { node { code memberCount } } } }');
  assert.equal(fanned - local, 10 * (1 + ROUTED_FETCH_COST), 'one fetch per province listed');
});

test('aliases are counted, through fragments; the attack of 900 aliased fan-outs is refused', () => {
  const alias = (i: number) => `a${i}: provinces(page: { first: 3 }) { edges { node { code } } }`;
  assert.equal(measure(`{ ${Array.from({ length: 3 }, (_, i) => alias(i)).join(' ')} }`)[2], 3);
  assert.equal(measure(`fragment F on Query { x: tags y: tags } { ...F z: tags }`)[2], 3);
  assert.ok(measure(`{ ${Array.from({ length: 900 }, (_, i) => alias(i)).join(' ')} }`)[2] > MAX_ALIASES);
});

test('the supergraph names the fields a provincial deployment answers; a document past MAX_TOKENS is not parsed', () => {
  const routed = routedFieldsOf(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
  for (const field of ['Province.memberCount', 'Member.personalAccount', 'Query.dataAccessRecords'])
    assert.ok(routed.has(field), field);
  for (const field of ['Query.provinces', 'Member.wallet', 'PersonalAccount.balance'])
    assert.ok(!routed.has(field), field);
  const huge = `{ ${'tags '.repeat(MAX_TOKENS)} }`;
  assert.throws(() => parse(huge, { maxTokens: MAX_TOKENS }), /more tha[nt] 2000 tokens/);
});
