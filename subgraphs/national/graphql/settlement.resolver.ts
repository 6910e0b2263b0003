import { PersonalData, readPersonalData } from '../../common/platform/access-log';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import { timeKey } from '../../common/platform/data/keyset';
import { isStaffOf, mayActFor } from '../../common/platform/auth/access';
import type { NationalContext } from '../context';
import { Member } from './member.types';
import { payPremium } from '../settlement/premiums';
import { refundSettlement, refundsOf } from '../settlement/refunds';
import {
  PayPremiumInput,
  Refund,
  RefundSettlementInput,
  SettleExpenseInput,
  Settlement,
  SettlementConnection,
} from './settlement.types';
import { findSettlement, type SettlementRecord, settlementsOf } from '../settlement/settlement-store';
import type { Caller } from '../../common/platform/auth/caller';
import { settleExpense } from '../settlement/settlements';

/** A settlement is seen by its beneficiary, their province's staff, and the staff of the province where it was spent. */
export function maySeeSettlement(caller: Caller | undefined, settlement: SettlementRecord): boolean {
  return mayActFor(caller, settlement.beneficiaryId) || isStaffOf(caller, settlement.spendingProvince);
}

@Resolver(() => Settlement)
export class SettlementResolver {
  @Mutation(() => Settlement, { description: 'Pays an expense: own account, then quota, then cash (R13–R16).' })
  async settleExpense(
    @Arg('input', () => SettleExpenseInput) input: SettleExpenseInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Settlement> {
    return Settlement.from(await settleExpense(ctx, input)); // who may act is checked with the rest (settlements.ts)
  }

  @Mutation(() => Settlement, { description: 'Pays a premium wholly from quota, or refuses (R17).' })
  async payPremium(
    @Arg('input', () => PayPremiumInput) input: PayPremiumInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Settlement> {
    return Settlement.from(await payPremium(ctx, input)); // who may act is checked with the rest (premiums.ts)
  }

  @Mutation(() => Refund, { description: 'Refunds a settlement, fully or partly, to where the money came from (R19).' })
  async refundSettlement(
    @Arg('input', () => RefundSettlementInput) input: RefundSettlementInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Refund> {
    return Refund.from(await refundSettlement(ctx, input)); // who may act is checked with the rest (refunds.ts)
  }

  @Query(() => Settlement, { nullable: true })
  async settlement(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Settlement | null> {
    const record = await findSettlement(ctx.reads, id);
    return record && maySeeSettlement(ctx.caller, record) ? Settlement.from(record) : null;
  }

  @FieldResolver(() => [Refund])
  async refunds(@Root() settlement: Settlement, @Ctx() ctx: NationalContext): Promise<Refund[]> {
    return (await refundsOf(ctx.reads, settlement.id)).map(Refund.from);
  }
}

@Resolver(() => Member)
export class MemberSettlementsResolver {
  @FieldResolver(() => SettlementConnection, {
    description: 'Settlements and premiums paid by this member as beneficiary.',
  })
  async settlements(
    @Root() member: Member,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<SettlementConnection> {
    readPersonalData(ctx, member.id, PersonalData.SETTLEMENTS, 'see these settlements');
    return pageOf(
      page,
      (limit, after) => settlementsOf(ctx.reads, member.id, limit, after),
      Settlement.from,
      (s) => timeKey(s.createdAt, s.id),
    );
  }
}
