import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '../../common/platform/graphql/federation';
import '../../common/platform/graphql/shared-enums';
import './enums';
import { MemberEventResolver, MemberHistoryResolver } from './member-history.resolver';
import { MemberResolver, memberReference } from './member.resolver';
import { SuspectedFraudResolver } from './suspected-fraud.resolver';
import { TransferPolicyResolver } from './transfer-policy.resolver';
import { TransferResolver } from './transfer.resolver';
import {
  InstitutionRegionResolver,
  PoolingRegionResolver,
  ProvinceResolver,
  registryReferences,
  WalletRegionResolver,
} from './registry.resolver';
import { MemberRelationshipsResolver, RelationshipResolver } from './relationship.resolver';
import { ProvinceListsResolver } from './province-lists.resolver';
import { ReportsResolver } from './reports.resolver';
import { AidStatisticsResolver } from './aid-statistics.resolver';
import { MemberSettlementsResolver, SettlementResolver } from './settlement.resolver';
import { deliveredByTheGateway, WalletEventResolver } from './wallet-event.resolver';

/** The `national` subgraph: the wallet, the registry, the person index and the public entry points. */
export function buildNationalSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        ProvinceResolver,
        PoolingRegionResolver,
        MemberResolver,
        RelationshipResolver,
        MemberRelationshipsResolver,
        TransferResolver,
        SettlementResolver,
        MemberSettlementsResolver,
        ReportsResolver,
        TransferPolicyResolver,
        SuspectedFraudResolver,
        WalletRegionResolver,
        InstitutionRegionResolver,
        AidStatisticsResolver,
        WalletEventResolver,
        ProvinceListsResolver,
        MemberHistoryResolver,
        MemberEventResolver,
      ],
      pubSub: deliveredByTheGateway,
    },
    { ...registryReferences, Member: memberReference },
  );
}
