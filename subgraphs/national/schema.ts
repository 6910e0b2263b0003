import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../common/federation';
import { MemberEventResolver, MemberHistoryResolver } from './persons/member-history.resolver';
import { MemberResolver, memberReference } from './persons/member.resolver';
import { SuspectedFraudResolver } from './fraud/suspected-fraud.resolver';
import { TransferPolicyResolver } from './quota/transfer-policy.resolver';
import { TransferResolver } from './quota/transfer.resolver';
import {
  InstitutionRegionResolver, PoolingRegionResolver, ProvinceResolver, registryReferences, WalletRegionResolver,
} from './registry/registry.resolver';
import { MemberRelationshipsResolver, RelationshipResolver } from './relationships/relationship.resolver';
import { ProvinceListsResolver } from './reports/province-lists.resolver';
import { ReportsResolver } from './reports/reports.resolver';
import { AidStatisticsResolver } from './statistics/aid-statistics.resolver';
import { MemberSettlementsResolver, SettlementResolver } from './settlement/settlement.resolver';
import { deliveredByTheGateway, WalletEventResolver } from './events/wallet-event.resolver';

/** The `national` subgraph: the wallet, the registry, the person index and the public entry points. */
export function buildNationalSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        ProvinceResolver, PoolingRegionResolver, MemberResolver, RelationshipResolver, MemberRelationshipsResolver,
        TransferResolver, SettlementResolver, MemberSettlementsResolver, ReportsResolver, TransferPolicyResolver,
        SuspectedFraudResolver, WalletRegionResolver, InstitutionRegionResolver, AidStatisticsResolver, WalletEventResolver, ProvinceListsResolver,
        MemberHistoryResolver, MemberEventResolver,
      ],
      pubSub: deliveredByTheGateway,
    },
    { ...registryReferences, Member: memberReference },
  );
}
