import { Directive, Field, InputType, Int, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { Refusal, RefusalCode } from '../../domain/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

@ObjectType()
@Directive('@shareable')
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@InputType({ description: `A page of a list: at most ${MAX_PAGE_SIZE} items, after an opaque cursor.` })
export class PageInput {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE }) first: number = DEFAULT_PAGE_SIZE;
  @Field(() => String, { nullable: true }) after?: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** A Relay connection type for `node`, named `${name}Connection` with `${name}Edge` edges. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => node) node!: T;
    @Field() cursor!: string;
  }
  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType]) edges!: Edge<T>[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return ConnectionType;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key || encodeCursor(key) !== cursor) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The page cursor is not one this list gave out.');
  }
  return key;
}

export function pageSize(page: PageInput | undefined): number {
  const first = page?.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, `A page holds 1 to ${MAX_PAGE_SIZE} items.`);
  }
  return first;
}

/**
 * Builds a page from rows fetched with one extra row beyond the page size (keyset pagination:
 * the cursor is the key of the last row shown).
 */
export function toPage<T>(rows: T[], size: number, keyOf: (row: T) => string): Page<T> {
  const shown = rows.slice(0, size);
  const edges = shown.map((node) => ({ node, cursor: encodeCursor(keyOf(node)) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/**
 * One page of a list, by keyset: asks `fetch` for one row more than the page holds (to know
 * whether there is a next page), after the key in the cursor; `keyOf` gives a node's key.
 */
export async function pageOf<Row, Node>(
  page: PageInput | undefined,
  fetch: (limit: number, afterKey: string | undefined) => Promise<Row[]>,
  toNode: (row: Row) => Node,
  keyOf: (node: Node) => string,
): Promise<Page<Node>> {
  const size = pageSize(page);
  const rows = await fetch(size + 1, decodeCursor(page?.after));
  return toPage(rows.map(toNode), size, keyOf);
}
