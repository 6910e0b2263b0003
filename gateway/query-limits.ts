import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLField,
  GraphQLList,
  GraphQLObjectType,
  type GraphQLSchema,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../subgraphs/common/platform/graphql/page-size';

/**
 * Limits on what one operation may ask, checked before it is planned: the number of its tokens
 * (the parser stops past MAX_TOKENS), its aliases, its depth, and its cost — every field counts 1,
 * and every selection that a provincial deployment answers (an entity fetch, sent to one province
 * per item: `provinces { edges { node { memberCount } } }` fans out to every province listed)
 * counts ROUTED_FETCH_COST more, each times the size of every list it sits in (a page's `first`,
 * or the largest page for any other list). So wide, deep and fanned-out queries are refused before
 * they run; the bench measures the gateway CPU of the most expensive request that passes.
 */
export const MAX_DEPTH = 12;
export const MAX_COST = 20_000;
export const MAX_ALIASES = 30;
export const MAX_TOKENS = 2_000;
export const ROUTED_FETCH_COST = 25;

/** `Type.field` of the fields a provincial deployment answers, read from the supergraph's join directives. */
export function routedFieldsOf(supergraphSdl: string, graph = 'PROVINCE'): Set<string> {
  const routed = new Set<string>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const graphs = (definition.directives ?? []).filter((d) => d.name.value === 'join__type').length;
    const root = ['Query', 'Mutation'].includes(definition.name.value);
    for (const field of definition.fields ?? []) {
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      const byGraph = joins.some((d) =>
        d.arguments?.some((a) => a.name.value === 'graph' && a.value.kind === Kind.ENUM && a.value.value === graph),
      );
      if (byGraph && (graphs > 1 || root)) routed.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return routed;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  routed: ReadonlySet<string>;
  aliases: number;
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
  let routed = false;
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) walk.aliases += 1;
      if (selection.name.value.startsWith('__')) continue;
      const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
      if (!field) continue;
      routed ||= walk.routed.has(`${parent.name}.${field.name}`);
      const named = getNamedType(field.type);
      const isList = getNullableType(field.type) instanceof GraphQLList;
      const multiplier = isList ? (pageSize ?? MAX_PAGE_SIZE) : 1;
      const paginated = field.args.some((a) => a.name === 'page');
      const childPageSize = paginated ? (pageSizeOf(selection, walk) ?? DEFAULT_PAGE_SIZE) : undefined;
      let [childDepth, childCost] = [0, 0];
      if (selection.selectionSet) {
        const children = isObjectType(named)
          ? [named]
          : isAbstractType(named)
            ? walk.schema.getPossibleTypes(named)
            : [];
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
  return [depth, cost + (routed ? ROUTED_FETCH_COST : 0)];
}

/** [depth, cost, aliases] of an operation of `document` against `schema`. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  routed: ReadonlySet<string> = new Set(),
): [number, number, number] {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return [0, 0, 0];
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const walk: Walk = { schema, fragments, variables, routed, aliases: 0 };
  const [depth, cost] = measure(operation.selectionSet, root, walk, new Set());
  return [depth, cost, walk.aliases];
}

/** Refuses an operation past the limits on aliases, depth or cost (HTTP 400), before it is planned. */
export function checkOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  routed: ReadonlySet<string> = new Set(),
): void {
  const [depth, cost, aliases] = measureOperation(schema, document, operation, variables, routed);
  if (aliases > MAX_ALIASES) {
    throw new GraphQLError(`The query has ${aliases} aliases; at most ${MAX_ALIASES} are answered.`, {
      extensions: { code: 'QUERY_TOO_MANY_ALIASES', http: { status: 400 } },
    });
  }
  if (depth > MAX_DEPTH) {
    throw new GraphQLError(`The query is ${depth} levels deep; at most ${MAX_DEPTH} are answered.`, {
      extensions: { code: 'QUERY_TOO_DEEP', http: { status: 400 } },
    });
  }
  if (cost > MAX_COST) {
    throw new GraphQLError(
      `The query would touch about ${cost} items; at most ${MAX_COST} are answered. Ask for smaller pages.`,
      {
        extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } },
      },
    );
  }
}

export function queryLimitsPlugin<Context extends BaseContext>(
  routed: ReadonlySet<string> = new Set(),
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (operation) checkOperationLimits(schema, document, operation, request.variables ?? {}, routed);
        },
      };
    },
  };
}
