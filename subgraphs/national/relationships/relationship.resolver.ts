import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageInput, pageOf } from '../../common/connection';
import { type Fen, MoneyScalar } from '../../common/money';
import type { NationalContext } from '../context';
import { Member } from '../persons/member.types';
import { quotaAvailableTo } from '../quota/quota-lots';
import { Transfer, TransferConnection } from '../quota/transfer.types';
import { transfersOf } from '../quota/transfers';
import {
  ConfirmMutualAidInput, DissolveMutualAidInput, EstablishMutualAidInput, Quota, Relationship, RelationshipConnection,
} from './relationship.types';
import { confirmRelationship, dissolveRelationship, establishRelationship, findRelationships, relationshipsOf } from './relationships';

@Resolver(() => Relationship)
export class RelationshipResolver {
  @Mutation(() => Relationship, { description: 'Registers a family mutual-aid relationship (R1–R8).' })
  async establishMutualAid(@Arg('input', () => EstablishMutualAidInput) input: EstablishMutualAidInput, @Ctx() ctx: NationalContext): Promise<Relationship> {
    return Relationship.from(await establishRelationship(ctx, input, ctx.now()));
  }

  @Mutation(() => Relationship, { description: 'The beneficiary confirms the relationship (R27); then quota can be set.' })
  async confirmMutualAid(@Arg('input', () => ConfirmMutualAidInput) input: ConfirmMutualAidInput, @Ctx() ctx: NationalContext): Promise<Relationship> {
    return Relationship.from(await confirmRelationship(ctx, input));
  }

  @Mutation(() => Relationship, { description: 'Dissolves a relationship; its unused quota returns to the donor (R18).' })
  async dissolveMutualAid(@Arg('input', () => DissolveMutualAidInput) input: DissolveMutualAidInput, @Ctx() ctx: NationalContext): Promise<Relationship> {
    return Relationship.from(await dissolveRelationship(ctx, input));
  }

  @Query(() => Relationship, { nullable: true })
  async relationship(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Relationship | null> {
    const [record] = await findRelationships(ctx.db, [id]);
    return record ? Relationship.from(record) : null;
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
    return pageOf(page, (limit, after) => transfersOf(ctx.db, relationship.id, limit, after), Transfer.from, (t) => t.id);
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
    return pageOfRelationships(ctx, 'donor', member.id, page);
  }

  @FieldResolver(() => RelationshipConnection, { description: 'Relationships in which this member is aided.' })
  async relationshipsAsBeneficiary(
    @Root() member: Member,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<RelationshipConnection> {
    return pageOfRelationships(ctx, 'beneficiary', member.id, page);
  }

  @FieldResolver(() => MoneyScalar, { description: 'Quota received from relatives and not yet spent.' })
  async quotaAvailable(@Root() member: Member, @Ctx() ctx: NationalContext): Promise<Fen> {
    return quotaAvailableTo(ctx.db, member.id);
  }
}

function pageOfRelationships(ctx: NationalContext, side: 'donor' | 'beneficiary', memberId: string, page?: PageInput) {
  return pageOf(page, (limit, after) => relationshipsOf(ctx.db, side, memberId, limit, after), Relationship.from, (r) => r.id);
}
