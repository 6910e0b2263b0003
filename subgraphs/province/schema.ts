import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../common/federation';
import { MemberAccessLogResolver, StaffAccessLogResolver } from './access-log/access-record.resolver';
import { AccountMutations, MemberAccountResolver, PersonalAccountResolver } from './accounts/account.resolver';
import { memberReference } from './members/member.reference';
import { MemberListResolver } from './members/member-list.resolver';
import { MemberPersonalDataResolver } from './members/member.resolver';
import { Member, PoolingRegion } from './members/member.type';
import { provinceReference } from './statistics/province.reference';
import { Province } from './statistics/province.type';

/** The `province` subgraph: one schema, served by every provincial deployment. */
export function buildProvinceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [MemberPersonalDataResolver, MemberListResolver, MemberAccountResolver, PersonalAccountResolver, AccountMutations, MemberAccessLogResolver, StaffAccessLogResolver],
      orphanedTypes: [Member, PoolingRegion, Province],
    },
    { Member: memberReference, Province: provinceReference },
  );
}
