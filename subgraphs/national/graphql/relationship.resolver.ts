import { PersonalData, readPersonalData } from '../../common/platform/access-log';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import { timeKey } from '../../common/platform/data/keyset';
import { mayActFor, requireActingFor, windowChannel } from '../../common/platform/auth/access';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import type { NationalContext } from '../context';
import { Member } from './member.types';
import { quotaAvailableTo } from '../quota/quota-lots';
import { Transfer, TransferConnection } from './transfer.types';
import { transfersOf } from '../quota/transfers';
import {
  ConfirmMutualAidInput,
  DissolveMutualAidInput,
  EstablishMutualAidInput,
  Quota,
  Relationship,
  RelationshipConnection,
} from './relationship.types';
import { Channel } from '../relationships/relationship-rules';
import {
  confirmRelationship,
  dissolveRelationship,
  establishRelationship,
  loadRelationship,
  relationshipsOf,
} from '../relationships/relationships';

@Resolver(() => Relationship)
export class RelationshipResolver {
  @Mutation(() => Relationship, { description: 'Registers a family mutual-aid relationship (R1–R8).' })
  async establishMutualAid(
    @Arg('input', () => EstablishMutualAidInput) input: EstablishMutualAidInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Relationship> {
    requireActingFor(ctx.caller, [input.donorId], 'register mutual aid for this donor');
    const channel = windowChannel(ctx.caller, input, Channel.AGENCY_WINDOW);
    return Relationship.from(await establishRelationship(ctx, { ...input, ...channel }, ctx.now()));
  }

  @Mutation(() => Relationship, {
    description: 'The beneficiary confirms the relationship (R27); then quota can be set.',
  })
  async confirmMutualAid(
    @Arg('input', () => ConfirmMutualAidInput) input: ConfirmMutualAidInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Relationship> {
    const relationship = await loadRelationship(ctx, input.relationshipId);
    requireActingFor(ctx.caller, [relationship.beneficiaryId], 'consent for this beneficiary');
    const channel = windowChannel(ctx.caller, input, Channel.AGENCY_WINDOW);
    return Relationship.from(await confirmRelationship(ctx, { ...input, ...channel }));
  }

  @Mutation(() => Relationship, {
    description: 'Dissolves a relationship; its unused quota returns to the donor (R18).',
  })
  async dissolveMutualAid(
    @Arg('input', () => DissolveMutualAidInput) input: DissolveMutualAidInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Relationship> {
    const relationship = await loadRelationship(ctx, input.relationshipId);
    requireActingFor(ctx.caller, [relationship.donorId, relationship.beneficiaryId], 'dissolve this relationship');
    const channel = windowChannel(ctx.caller, input, Channel.AGENCY_WINDOW);
    return Relationship.from(await dissolveRelationship(ctx, { ...input, ...channel }));
  }

  @Query(() => Relationship, { nullable: true })
  async relationship(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Relationship | null> {
    const record = await ctx.relationships.load(id);
    return record && [record.donorId, record.beneficiaryId].some((m) => mayActFor(ctx.caller, m))
      ? Relationship.from(record)
      : null;
  }

  @FieldResolver(() => Quota)
  async quota(@Root() relationship: Relationship, @Ctx() ctx: NationalContext): Promise<Quota> {
    return Object.assign(new Quota(), await ctx.quotas.load(relationship.id));
  }

  @FieldResolver(() => TransferConnection)
  async transfers(
    @Root() relationship: Relationship,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<TransferConnection> {
    return pageOf(
      page,
      (limit, after) => transfersOf(ctx.reads, relationship.id, limit, after),
      Transfer.from,
      (t) => timeKey(t.createdAt, t.id),
    );
  }
}

@Resolver(() => Member)
export class MemberRelationshipsResolver {
  @FieldResolver(() => RelationshipConnection, { description: 'Relationships in which this member is the donor.' })
  async relationshipsAsDonor(
    @Root() member: Member,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<RelationshipConnection> {
    readPersonalData(ctx, member.id, PersonalData.RELATIONSHIPS, 'see these relationships');
    return pageOfRelationships(ctx, 'donor', member.id, page);
  }

  @FieldResolver(() => RelationshipConnection, { description: 'Relationships in which this member is aided.' })
  async relationshipsAsBeneficiary(
    @Root() member: Member,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<RelationshipConnection> {
    readPersonalData(ctx, member.id, PersonalData.RELATIONSHIPS, 'see these relationships');
    return pageOfRelationships(ctx, 'beneficiary', member.id, page);
  }

  @FieldResolver(() => MoneyScalar, { description: 'Quota received from relatives and not yet spent.' })
  async quotaAvailable(@Root() member: Member, @Ctx() ctx: NationalContext): Promise<Fen> {
    readPersonalData(ctx, member.id, PersonalData.QUOTA, 'see this quota');
    return quotaAvailableTo(ctx.reads, member.id);
  }
}

function pageOfRelationships(ctx: NationalContext, side: 'donor' | 'beneficiary', memberId: string, page?: PageInput) {
  return pageOf(
    page,
    (limit, after) => relationshipsOf(ctx.reads, side, memberId, limit, after),
    Relationship.from,
    (r) => timeKey(r.establishedAt, r.id),
  );
}
