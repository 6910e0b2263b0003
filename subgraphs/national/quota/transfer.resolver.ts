import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { NationalContext } from '../context';
import { Relationship } from '../relationships/relationship.types';
import { requireRelationship } from '../relationships/relationships';
import { Transfer, TransferQuotaInput } from './transfer.types';
import { transferQuota } from './transfers';

@Resolver(() => Transfer)
export class TransferResolver {
  @Mutation(() => Transfer, { description: 'Sets quota for a beneficiary from the donor\'s own account (R9–R12, R21).' })
  async transferQuota(@Arg('input', () => TransferQuotaInput) input: TransferQuotaInput, @Ctx() ctx: NationalContext): Promise<Transfer> {
    return Transfer.from(await transferQuota(ctx, input));
  }

  @FieldResolver(() => Relationship)
  async relationship(@Root() transfer: Transfer, @Ctx() ctx: NationalContext): Promise<Relationship> {
    return Relationship.from(await requireRelationship(ctx.db, transfer.relationshipId));
  }
}
