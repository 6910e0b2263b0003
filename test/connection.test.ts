import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  pageSize,
  toPage,
} from '../subgraphs/common/platform/graphql/connection';

function withCode(code: string): (error: unknown) => boolean {
  return (error: unknown): boolean => {
    assert.ok(error instanceof GraphQLError, `expected a GraphQLError, got ${String(error)}`);
    assert.equal(error.extensions.code, code);
    return true;
  };
}

describe('page cursors are opaque and checked', () => {
  for (const key of ['320500-00000042', '2024-05-01T08:00:00Z|17', '苏州|1']) {
    test(`round trip of ${JSON.stringify(key)}`, () => {
      const cursor = encodeCursor(key);
      assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      assert.equal(decodeCursor(cursor), key);
    });
  }

  test('no cursor means the first page', () => {
    assert.equal(decodeCursor(undefined), undefined);
    assert.equal(decodeCursor(null), undefined);
  });

  for (const garbage of ['', '!!!', 'abc=', `${encodeCursor('320500-00000042')}*`]) {
    test(`refuses the cursor ${JSON.stringify(garbage)} with INVALID_ARGUMENT`, () => {
      assert.throws(() => decodeCursor(garbage), withCode('INVALID_ARGUMENT'));
    });
  }
});

describe(`pageSize: a page holds 1 to ${MAX_PAGE_SIZE} items`, () => {
  for (const first of [0, 101, 1.5, -1]) {
    test(`refuses first = ${first} with INVALID_ARGUMENT`, () => {
      assert.throws(() => pageSize({ first }), withCode('INVALID_ARGUMENT'));
    });
  }
  test('accepts 1 and 100', () => {
    assert.equal(pageSize({ first: 1 }), 1);
    assert.equal(pageSize({ first: 100 }), 100);
  });
  test(`no page means ${DEFAULT_PAGE_SIZE}`, () => {
    assert.equal(pageSize(undefined), 20);
    assert.equal(DEFAULT_PAGE_SIZE, 20);
  });
});

describe('toPage: keyset pagination with one extra row', () => {
  interface Row {
    id: string;
  }
  const keyOf = (row: Row): string => row.id;
  const rows: Row[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  test('size + 1 rows: shows size rows, hasNextPage, and the cursor of the last shown row', () => {
    const page = toPage(rows, 2, keyOf);
    assert.deepEqual(
      page.edges.map((e) => e.node.id),
      ['a', 'b'],
    );
    assert.equal(page.pageInfo.hasNextPage, true);
    assert.equal(page.pageInfo.endCursor, encodeCursor('b'));
    assert.equal(decodeCursor(page.pageInfo.endCursor), 'b');
    assert.equal(page.edges[0].cursor, encodeCursor('a'));
  });

  test('exactly size rows: no next page', () => {
    const page = toPage(rows, 3, keyOf);
    assert.equal(page.edges.length, 3);
    assert.equal(page.pageInfo.hasNextPage, false);
    assert.equal(page.pageInfo.endCursor, encodeCursor('c'));
  });

  test('no rows: no edges and no end cursor', () => {
    const page = toPage<Row>([], 20, keyOf);
    assert.deepEqual(page.edges, []);
    assert.deepEqual(page.pageInfo, { hasNextPage: false, endCursor: null });
  });
});
