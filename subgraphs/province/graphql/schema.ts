import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../../common/platform/graphql/federation';
import '../../common/platform/graphql/shared-enums';
import { MemberAccessLogResolver, StaffAccessLogResolver } from './access-record.resolver';
import { AccountMutations, MemberAccountResolver, PersonalAccountResolver } from './account.resolver';
import { memberReference } from './member.reference';
import { MemberListResolver } from './member-list.resolver';
import { MemberPersonalDataResolver } from './member.resolver';
import { Member, PoolingRegion } from './member.type';
import { provinceReference } from './province.reference';
import { Province } from './province.type';

/** The `province` subgraph: one schema, served by every provincial deployment. */
export function buildProvinceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        MemberPersonalDataResolver,
        MemberListResolver,
        MemberAccountResolver,
        PersonalAccountResolver,
        AccountMutations,
        MemberAccessLogResolver,
        StaffAccessLogResolver,
      ],
      orphanedTypes: [Member, PoolingRegion, Province],
    },
    { Member: memberReference, Province: provinceReference },
  );
}
