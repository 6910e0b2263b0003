import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { acceptTransfer } from '../quota/acceptance';
import { requireActingFor } from '../../common/platform/auth/access';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { NationalContext } from '../context';
import { Relationship } from './relationship.types';
import { loadRelationship } from '../relationships/relationships';
import { Transfer, TransferQuotaInput } from './transfer.types';
import { findTransfer, transferQuota } from '../quota/transfers';

@Resolver(() => Transfer)
export class TransferResolver {
  @Mutation(() => Transfer, { description: "Sets quota for a beneficiary from the donor's own account (R9–R12, R21)." })
  async transferQuota(
    @Arg('input', () => TransferQuotaInput) input: TransferQuotaInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Transfer> {
    return Transfer.from(await transferQuota(ctx, input)); // who may act is checked with the rest (transfers.ts)
  }

  @Mutation(() => Transfer, { description: 'R25: the beneficiary accepts a transfer (收款); then it can be spent.' })
  async acceptTransfer(
    @Arg('transferId', () => ID) transferId: string,
    @Ctx() ctx: NationalContext,
  ): Promise<Transfer> {
    const transfer = await findTransfer(ctx.db, transferId);
    const relationship = transfer && (await loadRelationship(ctx, transfer.relationshipId));
    if (!relationship)
      throw new Refusal(RefusalCode.TRANSFER_NOT_FOUND, `There is no transfer ${transferId.slice(0, 40)}.`);
    requireActingFor(ctx.caller, [relationship.beneficiaryId], 'accept for this beneficiary');
    return Transfer.from(await acceptTransfer(ctx, transferId));
  }

  @FieldResolver(() => Relationship)
  async relationship(@Root() transfer: Transfer, @Ctx() ctx: NationalContext): Promise<Relationship> {
    return Relationship.from(await loadRelationship(ctx, transfer.relationshipId));
  }
}
