import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/platform/graphql/connection';
import { FundSource } from '../../common/domain/enums';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { Member } from './member.type';
import { EntryKind, type AccountBalance } from '../accounts/ledger';

registerEnumType(EntryKind, { name: 'AccountEntryKind', description: 'What moved money in a personal account.' });

@ObjectType({ description: 'One part of a personal account: balance = available + held (R20).' })
export class FundBalance {
  @Field(() => FundSource) fundSource!: FundSource;
  @Field(() => MoneyScalar) balance!: Fen;
  @Field(() => MoneyScalar, { description: 'Frozen for quotas granted to relatives (R10).' }) held!: Fen;
  @Field(() => MoneyScalar) available!: Fen;

  static from(b: AccountBalance): FundBalance {
    return Object.assign(new FundBalance(), { ...b, available: b.balance - b.held });
  }
}

@ObjectType({ description: 'An append-only ledger entry; balances are the sums of these.' })
export class AccountEntry {
  @Field(() => ID) id!: string;
  @Field(() => FundSource) fundSource!: FundSource;
  @Field(() => EntryKind) kind!: EntryKind;
  @Field(() => MoneyScalar, { description: 'Change of the balance (negative when money left).' }) balanceChange!: Fen;
  @Field(() => MoneyScalar, { description: 'Change of the held part.' }) heldChange!: Fen;
  @Field({ description: 'The operation that wrote it (a contribution, transfer or settlement id).' })
  operationId!: string;
  @Field(() => ID, {
    nullable: true,
    description: 'R31: for a transfer out or in, the other membership of the member who moved.',
  })
  counterpart!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType()
export class AccountEntryConnection extends Connection(AccountEntry, 'AccountEntry') {}

@ObjectType({ description: 'The personal account (个人账户) of an employee.' })
export class PersonalAccount {
  memberId!: string;
  @Field(() => FundBalance) currentYear!: FundBalance;
  @Field(() => FundBalance) accumulated!: FundBalance;
  @Field(() => MoneyScalar) balance!: Fen;
  @Field(() => MoneyScalar) held!: Fen;
  @Field(() => MoneyScalar) available!: Fen;

  static from(memberId: string, parts: AccountBalance[]): PersonalAccount {
    const part = (fundSource: FundSource) =>
      FundBalance.from(parts.find((p) => p.fundSource === fundSource) ?? { fundSource, balance: 0n, held: 0n });
    const currentYear = part(FundSource.CURRENT_YEAR);
    const accumulated = part(FundSource.ACCUMULATED);
    return Object.assign(new PersonalAccount(), {
      memberId,
      currentYear,
      accumulated,
      balance: currentYear.balance + accumulated.balance,
      held: currentYear.held + accumulated.held,
      available: currentYear.available + accumulated.available,
    });
  }
}

@InputType()
export class CreditContributionInput {
  @Field(() => ID) memberId!: string;
  @Field(() => FundSource, { defaultValue: FundSource.CURRENT_YEAR }) fundSource!: FundSource;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field({ description: 'R21: a repeat with the same key and body returns the first result.' }) idempotencyKey!: string;
}

@InputType()
export class SpendFromOwnAccountInput {
  @Field(() => ID) memberId!: string;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field() idempotencyKey!: string;
}

@ObjectType({ description: "Money paid from a member's own personal account, by fund source." })
export class OwnSpending {
  @Field(() => Member) member!: Member;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field(() => MoneyScalar) fromCurrentYear!: Fen;
  @Field(() => MoneyScalar) fromAccumulated!: Fen;
}
