import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, getNamedType, getNullableType, GraphQLError, type GraphQLField,
  GraphQLList, GraphQLObjectType, type GraphQLSchema, isAbstractType, isObjectType, Kind, type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../subgraphs/common/page-size';

/**
 * Limits on what one operation may ask, checked before it is planned: its depth, and its cost —
 * every field counts 1, times the size of every list it sits in (a page's `first`, or the
 * largest page for any other list), so wide and deep queries are refused before they run.
 */
export const MAX_DEPTH = 12;
export const MAX_COST = 20_000;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** A paginated field's page size (its `page.first`, or the default), or undefined if it has no page. */
function pageSizeOf(field: FieldNode, walk: Walk): number | undefined {
  const page = field.arguments?.find((a) => a.name.value === 'page');
  if (!page) return undefined;
  const value = valueFromASTUntyped(page.value, walk.variables) as { first?: unknown } | null;
  const first = typeof value?.first === 'number' ? value.first : DEFAULT_PAGE_SIZE;
  return Math.max(1, Math.min(first, MAX_PAGE_SIZE));
}

/**
 * [depth, cost] of a selection set on `parent`. A list counts as many items as the page of the
 * connection it belongs to (`pageSize`, from the connection field's `page` argument), or as the
 * largest page when it belongs to none.
 */
function measure(
  selections: SelectionSetNode,
  parent: GraphQLObjectType,
  walk: Walk,
  seen: Set<string>,
  pageSize?: number,
): [number, number] {
  let depth = 0;
  let cost = 0;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      const isList = getNullableType(field.type) instanceof GraphQLList;
      const multiplier = isList ? (pageSize ?? MAX_PAGE_SIZE) : 1;
      const paginated = field.args.some((a) => a.name === 'page');
      const childPageSize = paginated ? (pageSizeOf(selection, walk) ?? DEFAULT_PAGE_SIZE) : undefined;
      let [childDepth, childCost] = [0, 0];
      if (selection.selectionSet) {
        const children = isObjectType(named) ? [named] : isAbstractType(named) ? walk.schema.getPossibleTypes(named) : [];
        for (const child of children) {
          const [d, c] = measure(selection.selectionSet, child, walk, seen, childPageSize);
          childDepth = Math.max(childDepth, d);
          childCost = Math.max(childCost, c);
        }
      }
      depth = Math.max(depth, 1 + childDepth);
      cost += multiplier * (1 + childCost);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments.get(selection.name.value) : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
      const next = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, selection.name.value]) : seen;
      const [d, c] = measure(fragment.selectionSet, parent, walk, next, pageSize);
      depth = Math.max(depth, d);
      cost += c;
    }
  }
  return [depth, cost];
}

/** [depth, cost] of an operation of `document` against `schema`. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): [number, number] {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return [0, 0];
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return measure(operation.selectionSet, root, { schema, fragments, variables }, new Set());
}

export function queryLimitsPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (!operation) return;
          const [depth, cost] = measureOperation(schema, document, operation, request.variables ?? {});
          if (depth > MAX_DEPTH) {
            throw new GraphQLError(`The query is ${depth} levels deep; at most ${MAX_DEPTH} are answered.`, {
              extensions: { code: 'QUERY_TOO_DEEP', http: { status: 400 } },
            });
          }
          if (cost > MAX_COST) {
            throw new GraphQLError(`The query would touch about ${cost} items; at most ${MAX_COST} are answered. Ask for smaller pages.`, {
              extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
