import { Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { PersonalData, readPersonalData } from '../../common/platform/access-log';
import { requireActingFor, requireStaffOf } from '../../common/platform/auth/access';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import { FundSource } from '../../common/domain/enums';
import { onceInTransaction, operationIdOf, partyOf } from '../../common/platform/data/idempotency';
import { checkAmount, type Fen, formatYuan, parseYuan } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { ProvinceContext } from '../context';
import { requireMember } from '../members/members';
import { Member } from './member.type';
import {
  AccountEntry,
  AccountEntryConnection,
  CreditContributionInput,
  OwnSpending,
  PersonalAccount,
  SpendFromOwnAccountInput,
} from './account.type';
import { creditContribution, entriesOfMember, spendOwn } from '../accounts/ledger';

@ObjectType({ description: 'A contribution credited to a personal account.' })
class ContributionReceipt {
  @Field(() => Member) member!: Member;
  @Field(() => FundSource) fundSource!: FundSource;
  @Field(() => MoneyScalar) amount!: Fen;
}

@Resolver(() => Member)
export class MemberAccountResolver {
  @FieldResolver(() => PersonalAccount, { nullable: true, description: 'Null for residents, who have none.' })
  async personalAccount(@Root() member: Member, @Ctx() ctx: ProvinceContext): Promise<PersonalAccount | null> {
    readPersonalData(ctx, member.id, PersonalData.ACCOUNT, 'see this personal account');
    const parts = await ctx.accounts.load(member.id);
    return parts.length === 0 ? null : PersonalAccount.from(member.id, parts);
  }
}

@Resolver(() => PersonalAccount)
export class PersonalAccountResolver {
  @FieldResolver(() => AccountEntryConnection, { description: 'Ledger entries, newest first.' })
  async entries(
    @Root() account: PersonalAccount,
    @Ctx() ctx: ProvinceContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<AccountEntryConnection> {
    ctx.accessLog.note(account.memberId, PersonalData.LEDGER); // the account itself was checked and noted as ACCOUNT
    return pageOf(
      page,
      (limit, after) => entriesOfMember(ctx.reads, account.memberId, limit, after),
      (row) => Object.assign(new AccountEntry(), row),
      (entry) => entry.id,
    );
  }
}

async function memberOfThisProvince(ctx: ProvinceContext, memberId: string): Promise<Member> {
  return Member.from(await requireMember(ctx.db, memberId));
}

@Resolver()
export class AccountMutations {
  @Mutation(() => ContributionReceipt, {
    description: "Credits a premium contribution to an employee's personal account.",
  })
  async creditContribution(
    @Arg('input', () => CreditContributionInput) input: CreditContributionInput,
    @Ctx() ctx: ProvinceContext,
  ): Promise<ContributionReceipt> {
    requireStaffOf(ctx.caller, [ctx.province], 'credit contributions in this province');
    checkAmount(input.amount);
    const claim = {
      party: partyOf(ctx.caller),
      operation: 'creditContribution',
      key: input.idempotencyKey,
      request: input,
    };
    const result = await onceInTransaction(ctx.db, claim, async (tx) => {
      await requireMember(tx, input.memberId);
      await creditContribution(tx, input.memberId, input.fundSource, input.amount, operationIdOf(claim));
      return { amount: formatYuan(input.amount) };
    });
    const member = await memberOfThisProvince(ctx, input.memberId);
    return Object.assign(new ContributionReceipt(), {
      member,
      fundSource: input.fundSource,
      amount: parseYuan(result.amount),
    });
  }

  @Mutation(() => OwnSpending, { description: "Pays from the member's own personal account, all or nothing." })
  async spendFromOwnAccount(
    @Arg('input', () => SpendFromOwnAccountInput) input: SpendFromOwnAccountInput,
    @Ctx() ctx: ProvinceContext,
  ): Promise<OwnSpending> {
    requireActingFor(ctx.caller, [input.memberId], 'spend from this personal account');
    checkAmount(input.amount);
    const claim = {
      party: partyOf(ctx.caller),
      operation: 'spendFromOwnAccount',
      key: input.idempotencyKey,
      request: input,
    };
    const split = await onceInTransaction(ctx.db, claim, async (tx) => {
      const member = await requireMember(tx, input.memberId);
      if (member.status !== 'INSURED') {
        throw new Refusal(RefusalCode.MEMBER_NOT_INSURED, `Member ${member.id} is no longer insured.`);
      }
      const parts = await spendOwn(tx, member.id, input.amount, operationIdOf(claim), 'all');
      return parts.map((p) => ({ fundSource: p.fundSource, amount: formatYuan(p.amount) }));
    });
    const from = (source: FundSource) => parseYuan(split.find((p) => p.fundSource === source)?.amount ?? '0');
    return Object.assign(new OwnSpending(), {
      member: await memberOfThisProvince(ctx, input.memberId),
      amount: input.amount,
      fromCurrentYear: from(FundSource.CURRENT_YEAR),
      fromAccumulated: from(FundSource.ACCUMULATED),
    });
  }
}
