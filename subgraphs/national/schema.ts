import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../common/federation';
import { MemberResolver, memberReference } from './persons/member.resolver';
import { PoolingRegionResolver, ProvinceResolver, registryReferences } from './registry/registry.resolver';

/** The `national` subgraph: the wallet, the registry, the person index and the public entry points. */
export function buildNationalSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [ProvinceResolver, PoolingRegionResolver, MemberResolver] },
    { ...registryReferences, Member: memberReference },
  );
}
