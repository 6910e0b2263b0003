import { buildSubgraphSchema } from '@apollo/subgraph';
// 2.14 (the last @apollo/subgraph for Node 20) exports this type from its schema helper only.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLSchema, parse } from 'graphql';
import { buildSchema, type BuildSchemaOptions, createResolversMap } from 'type-graphql';

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

/** Entity reference resolvers (`__resolveReference`) by type name: the federation seam. */
export type ReferenceResolvers = Record<string, { __resolveReference: (...args: never[]) => unknown }>;

/**
 * The one place that turns type-graphql classes into a Federation 2 subgraph schema: type-graphql
 * builds and prints the schema with its directives, and @apollo/subgraph rebuilds it with the
 * federation fields (`_service`, `_entities`) and the reference resolvers.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers,
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true, validate: false });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...reference } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
