import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { InsuranceType } from '../../common/domain/enums';
import { maskPhone, WalletOpener, type WalletRecord } from '../wallets/wallets';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { type AccountMoveRecord, MoveState } from '../persons/account-moves';
import { InsuranceChangeReason } from '../persons/insurance-change';

registerEnumType(WalletOpener, { name: 'WalletOpener', description: 'R29: who opened the wallet.' });
registerEnumType(InsuranceChangeReason, { name: 'InsuranceChangeReason' });

@ObjectType({ description: 'A member, as the national wallet knows them.' })
@Directive('@key(fields: "id")')
export class Member {
  @Field(() => ID) id!: string;

  static ref(id: string): Member {
    return Object.assign(new Member(), { id });
  }
}

@ObjectType({ description: 'A medical-insurance wallet (医保钱包).' })
export class Wallet {
  @Field(() => Member) member!: Member;
  @Field() activatedAt!: Date;
  @Field(() => String, { nullable: true, description: 'R29, shown masked: 138****5678.' }) maskedPhone!: string | null;
  placeOfUseCode!: string | null; // resolved as `placeOfUse` by the registry

  @Field(() => WalletOpener) openedBy!: WalletOpener;
  @Field(() => Member, { nullable: true, description: "The relative who opened it on the member's behalf." })
  openedByMember!: Member | null;
  @Field(() => String, { nullable: true, description: 'The window clerk who opened it.' }) openedByOperator!:
    | string
    | null;

  static from(w: WalletRecord): Wallet {
    return Object.assign(new Wallet(), {
      member: Member.ref(w.memberId),
      activatedAt: w.activatedAt,
      maskedPhone: maskPhone(w.phone),
      placeOfUseCode: w.placeOfUse,
      openedBy: w.openedBy,
      openedByMember: w.openedByMember ? Member.ref(w.openedByMember) : null,
      openedByOperator: w.openedByOperator,
    });
  }
}

@InputType({ description: 'R29: activation records a phone and a place of use, and who opened it.' })
export class ActivateWalletInput {
  @Field(() => ID) memberId!: string;
  @Field() phone!: string;
  @Field(() => ID, { description: 'Pooling region where the wallet is mostly used.' }) placeOfUse!: string;
  @Field(() => WalletOpener, { defaultValue: WalletOpener.SELF }) openedBy!: WalletOpener;
  @Field(() => ID, { nullable: true }) openedByMemberId?: string | null;
  @Field(() => String, { nullable: true }) operatorId?: string | null;
}

@InputType({ description: 'R26: the insurance of a member ends, or moves to another pooling region.' })
export class ChangeInsuranceInput {
  @Field(() => ID) memberId!: string;
  @Field(() => InsuranceChangeReason) reason!: InsuranceChangeReason;
  @Field(() => ID, { nullable: true, description: 'For a move: the new pooling region.' }) newPoolingRegion?:
    | string
    | null;
  @Field(() => InsuranceType, { nullable: true, description: 'For a move: the scheme there, if it changes.' })
  newInsuranceType?: InsuranceType | null;
  @Field({ description: 'R21: it may move money (R31), so it is answered once per key.' }) idempotencyKey!: string;
}

registerEnumType(MoveState, {
  name: 'AccountMoveState',
  description: 'R31: how far a moved personal account has come.',
});

@ObjectType({ description: 'R31: the personal account moving with its member, each fund source apart.' })
export class AccountMove {
  @Field(() => Member) from!: Member;
  @Field(() => Member, { nullable: true, description: 'The new membership, once enrolled.' }) to!: Member | null;
  @Field(() => MoveState) state!: MoveState;
  @Field(() => MoneyScalar, { nullable: true, description: "Moved from the current year's fund, once booked." })
  currentYear!: Fen | null;
  @Field(() => MoneyScalar, { nullable: true, description: 'Moved from the accumulated fund, once booked.' })
  accumulated!: Fen | null;
  @Field(() => Date, { nullable: true }) movedAt!: Date | null;

  static from(move: AccountMoveRecord): AccountMove {
    return Object.assign(new AccountMove(), {
      from: Member.ref(move.fromMember),
      to: move.toMember ? Member.ref(move.toMember) : null,
      state: move.state,
      currentYear: move.currentYear,
      accumulated: move.accumulated,
      movedAt: move.movedAt,
    });
  }
}

@ObjectType({ description: 'R26, R31: what ended with the insurance, and where it went.' })
export class InsuranceChange {
  @Field(() => Member) endedMember!: Member;
  @Field(() => Member, { nullable: true, description: 'After a move: the new membership.' }) newMember!: Member | null;
  @Field(() => [ID], { description: 'Relationships that ended by themselves, their quota returned.' })
  endedRelationshipIds!: string[];
  @Field(() => AccountMove, {
    nullable: true,
    description: 'R31: an employee who moves takes the personal account along.',
  })
  accountMove!: AccountMove | null;
}

@InputType({ description: 'Enrols a person in a pooling region (参保登记).' })
export class EnrollMemberInput {
  @Field({ description: 'Resident ID number (GB 11643), 18 characters.' }) idNumber!: string;
  @Field() name!: string;
  @Field(() => InsuranceType) insuranceType!: InsuranceType;
  @Field(() => ID, { description: 'Six-digit code of the pooling region of insurance (参保地).' })
  poolingRegion!: string;
}
