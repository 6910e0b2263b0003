import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/platform/graphql/connection';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { Member } from './member.types';
import { Channel, Relation } from '../relationships/relationship-rules';
import type { RelationshipRecord } from '../relationships/relationships';

export enum RelationshipStatus {
  AWAITING_CONSENT = 'AWAITING_CONSENT', // R27
  ACTIVE = 'ACTIVE',
  DISSOLVED = 'DISSOLVED',
}
registerEnumType(RelationshipStatus, { name: 'RelationshipStatus' });

@ObjectType({ description: 'R4: the commitment letter (承诺书) the donor signed.' })
export class CommitmentLetter {
  @Field() version!: string;
  @Field() signedAt!: Date;
}

@InputType()
export class CommitmentLetterInput {
  @Field() version!: string;
  @Field() signedAt!: Date;
}

@ObjectType({ description: "Quota (共济额度) granted on a relationship: virtual, held in the donor's account (R10)." })
export class Quota {
  @Field(() => MoneyScalar) granted!: Fen;
  @Field(() => MoneyScalar) spent!: Fen;
  @Field(() => MoneyScalar, { description: 'Returned to the donor on dissolution (R18).' }) released!: Fen;
  @Field(() => MoneyScalar, {
    description: "R19: spent, then refunded after the relationship ended: paid into the donor's own account.",
  })
  refundedToDonor!: Fen;
  @Field(() => MoneyScalar, { description: 'Accepted and unspent: what the beneficiary can spend now.' })
  available!: Fen;
  @Field(() => MoneyScalar, { description: 'R25: arrived, waiting for the beneficiary to accept.' })
  awaitingAcceptance!: Fen;
}

@ObjectType({ description: 'A family mutual-aid relationship (共济关系).' })
export class Relationship {
  @Field(() => ID) id!: string;
  @Field(() => Member) donor!: Member;
  @Field(() => Member) beneficiary!: Member;
  @Field(() => Relation) relation!: Relation;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true, description: 'R6: the window operator who handled it.' }) operatorId!:
    | string
    | null;
  @Field(() => CommitmentLetter) commitment!: CommitmentLetter;
  @Field(() => RelationshipStatus) status!: RelationshipStatus;
  @Field() establishedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'R27: when the beneficiary confirmed.' }) consentedAt!: Date | null;
  @Field(() => Date, { nullable: true }) dissolvedAt!: Date | null;
  @Field(() => Channel, { nullable: true }) dissolutionChannel!: Channel | null;

  static from(r: RelationshipRecord): Relationship {
    return Object.assign(new Relationship(), {
      ...r,
      donor: Member.ref(r.donorId),
      beneficiary: Member.ref(r.beneficiaryId),
      commitment: { version: r.commitmentVersion, signedAt: r.commitmentSignedAt },
      status: r.status as RelationshipStatus,
    });
  }
}

@ObjectType()
export class RelationshipConnection extends Connection(Relationship, 'Relationship') {}

@InputType({ description: 'Registers a mutual-aid relationship (家庭共济备案), R1–R8.' })
export class EstablishMutualAidInput {
  @Field(() => ID) donorId!: string;
  @Field(() => ID) beneficiaryId!: string;
  @Field(() => Relation) relation!: Relation;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true }) operatorId?: string | null;
  @Field(() => CommitmentLetterInput, { nullable: true, description: 'Required (R4); refused when absent.' })
  commitment?: CommitmentLetterInput | null;
}

@InputType({ description: 'R27: the beneficiary confirms, in the app or recorded by a window clerk.' })
export class ConfirmMutualAidInput {
  @Field(() => ID) relationshipId!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true }) operatorId?: string | null;
}

@InputType({ description: 'Ends a relationship through any channel; unused quota returns to the donor (R18).' })
export class DissolveMutualAidInput {
  @Field(() => ID) relationshipId!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => String, { nullable: true }) operatorId?: string | null;
}
