import { type DocumentNode, Kind, type OperationDefinitionNode, parse, valueFromASTUntyped } from 'graphql';
import { provinceOfKeyFields, whyNoProvince } from '../subgraphs/common/domain/routing-keys';

/**
 * Where a fetch to the `province` subgraph must go. Entity fetches are split by each
 * representation's key; any other fetch names its province in its root fields' arguments.
 */
export type Representation = Record<string, unknown>;

/** Groups representations by province, keeping each one's position; unroutable ones apart. */
export function splitRepresentations(representations: Representation[]): {
  byProvince: Map<string, number[]>;
  unroutable: number[];
} {
  const byProvince = new Map<string, number[]>();
  const unroutable: number[] = [];
  representations.forEach((representation, index) => {
    const province = provinceOfKeyFields(representation);
    if (!province) return unroutable.push(index);
    const positions = byProvince.get(province);
    if (positions) positions.push(index);
    else byProvince.set(province, [index]);
  });
  return { byProvince, unroutable };
}

const parsedQueries = new Map<string, DocumentNode>();
const MAX_CACHED_QUERIES = 1000;

function parseCached(query: string): DocumentNode {
  let document = parsedQueries.get(query);
  if (!document) {
    document = parse(query);
    if (parsedQueries.size >= MAX_CACHED_QUERIES) parsedQueries.clear();
    parsedQueries.set(query, document);
  }
  return document;
}

/** The operation of a fetch's query (parsed once per distinct query). */
export function operationOf(query: string): OperationDefinitionNode | undefined {
  return parseCached(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
}

/**
 * The single province that every root field of the operation names, or an explanation of why
 * there is none (no routing argument, or fields that name different provinces).
 */
export function provinceOfRootFields(
  query: string,
  variables: Record<string, unknown> | undefined,
): { province: string } | { problem: string } {
  const operation = operationOf(query);
  const provinces = new Set<string>();
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) continue;
    const args = Object.fromEntries(
      (selection.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]),
    );
    const province = provinceOfKeyFields(args);
    if (!province) return { problem: `field "${selection.name.value}": ${whyNoProvince(args)}` };
    provinces.add(province);
  }
  if (provinces.size === 1) return { province: [...provinces][0] };
  if (provinces.size === 0) return { problem: 'the operation selects no field' };
  return { problem: `the fields name several provinces (${[...provinces].join(', ')}); send them separately` };
}
