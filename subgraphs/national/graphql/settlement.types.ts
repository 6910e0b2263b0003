import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/platform/graphql/connection';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { Member } from './member.types';
import { AuthMethod, ExpenseCategory, InstitutionKind, PremiumKind } from '../settlement/expense-rules';
import type { RefundRecord } from '../settlement/refunds';
import type { SettlementRecord } from '../settlement/settlement-store';

export enum SettlementKind {
  EXPENSE = 'EXPENSE',
  PREMIUM = 'PREMIUM',
}
registerEnumType(SettlementKind, { name: 'SettlementKind' });

export enum SettlementState {
  PENDING = 'PENDING',
  SETTLED = 'SETTLED',
}
registerEnumType(SettlementState, { name: 'SettlementState' });

@ObjectType()
export class Institution {
  @Field(() => InstitutionKind) kind!: InstitutionKind;
  @Field() name!: string;
  poolingRegionCode!: string; // resolved as `poolingRegion` by the registry
}

@ObjectType({ description: 'A payment of a beneficiary: own account first, then quota, then cash (R14).' })
export class Settlement {
  @Field(() => ID) id!: string;
  @Field(() => SettlementKind) kind!: SettlementKind;
  @Field(() => Member) beneficiary!: Member;
  @Field(() => MoneyScalar, { description: 'The personal-burden amount (个人负担) or premium.' }) amount!: Fen;
  @Field(() => MoneyScalar) ownAccountPaid!: Fen;
  @Field(() => MoneyScalar) quotaPaid!: Fen;
  @Field(() => MoneyScalar) cashPaid!: Fen;
  @Field(() => SettlementState) state!: SettlementState;
  @Field(() => Institution, { nullable: true }) institution!: Institution | null;
  @Field(() => ExpenseCategory, { nullable: true }) category!: ExpenseCategory | null;
  @Field(() => AuthMethod, { nullable: true, description: 'R15: e-code or face.' }) authMethod!: AuthMethod | null;
  @Field(() => PremiumKind, { nullable: true }) premiumKind!: PremiumKind | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) settledAt!: Date | null;

  static from(s: SettlementRecord): Settlement {
    const d = s.details;
    return Object.assign(new Settlement(), {
      id: s.id,
      kind: s.kind as SettlementKind,
      beneficiary: Member.ref(s.beneficiaryId),
      amount: s.amount,
      ownAccountPaid: s.ownCurrentYear + s.ownAccumulated,
      quotaPaid: s.quotaPaid,
      cashPaid: s.cashPaid,
      state: s.state as SettlementState,
      institution: d.institutionKind
        ? Object.assign(new Institution(), {
            kind: d.institutionKind as InstitutionKind,
            name: d.institutionName,
            poolingRegionCode: d.institutionRegion,
          })
        : null,
      category: (d.category as ExpenseCategory) ?? null,
      authMethod: (d.authMethod as AuthMethod) ?? null,
      premiumKind: (d.premiumKind as PremiumKind) ?? null,
      createdAt: s.createdAt,
      settledAt: s.settledAt,
    });
  }
}

@ObjectType()
export class SettlementConnection extends Connection(Settlement, 'Settlement') {}

@ObjectType({ description: 'R19: a refund, split back to where the money came from.' })
export class Refund {
  @Field(() => ID) id!: string;
  settlementId!: string;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field(() => MoneyScalar) cashPart!: Fen;
  @Field(() => MoneyScalar, { description: 'Back to the quota, or to the donor if the relationship ended.' })
  quotaPart!: Fen;
  @Field(() => MoneyScalar) ownAccountPart!: Fen;
  @Field() createdAt!: Date;

  static from(r: RefundRecord): Refund {
    return Object.assign(new Refund(), { ...r, ownAccountPart: r.ownCurrentYear + r.ownAccumulated });
  }
}

@InputType()
export class InstitutionInput {
  @Field(() => InstitutionKind) kind!: InstitutionKind;
  @Field() name!: string;
  @Field(() => ID, { description: 'The pooling region the institution is in.' }) poolingRegion!: string;
}

@InputType({ description: 'R15/R28: the credential presented at the counter: e-code or face, and whose it is.' })
export class CredentialInput {
  @Field(() => AuthMethod) method!: AuthMethod;
  @Field(() => ID, { description: 'The member the e-code or face belongs to; must be the beneficiary.' })
  holderId!: string;
}

@InputType()
export class SettleExpenseInput {
  @Field(() => ID) beneficiaryId!: string;
  @Field(() => InstitutionInput) institution!: InstitutionInput;
  @Field(() => ExpenseCategory) category!: ExpenseCategory;
  @Field(() => MoneyScalar, { description: 'The personal-burden part (个人负担).' }) amount!: Fen;
  @Field(() => CredentialInput) credential!: CredentialInput;
  @Field() idempotencyKey!: string;
}

@InputType()
export class PayPremiumInput {
  @Field(() => ID) beneficiaryId!: string;
  @Field(() => PremiumKind) kind!: PremiumKind;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field() idempotencyKey!: string;
}

@InputType()
export class RefundSettlementInput {
  @Field(() => ID) settlementId!: string;
  @Field(() => MoneyScalar, { description: 'Full or partial.' }) amount!: Fen;
  @Field() idempotencyKey!: string;
}
