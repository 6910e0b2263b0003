import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/platform/graphql/connection';
import { FundSource } from '../../common/domain/enums';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import type { TransferRecord } from '../quota/transfers';

export enum TransferState {
  PENDING = 'PENDING',
  COMMITTED = 'COMMITTED',
  ABORTED = 'ABORTED',
}
registerEnumType(TransferState, { name: 'TransferState' });

@ObjectType({ description: 'Quota set by a donor for a beneficiary (R9), backed by a hold of the same id.' })
export class Transfer {
  @Field(() => ID) id!: string;
  relationshipId!: string;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field(() => FundSource) fundSource!: FundSource;
  @Field(() => TransferState) state!: TransferState;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) committedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'R25: accept by then (06:00 Beijing time the next day).' })
  acceptBy!: Date | null;
  @Field(() => Date, { nullable: true }) acceptedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'R25: given back to the donor, not accepted in time.' })
  returnedAt!: Date | null;

  static from(t: TransferRecord): Transfer {
    return Object.assign(new Transfer(), { ...t, state: t.state as TransferState });
  }
}

@ObjectType()
export class TransferConnection extends Connection(Transfer, 'Transfer') {}

@InputType()
export class TransferQuotaInput {
  @Field(() => ID) relationshipId!: string;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field(() => FundSource, { description: "R9: the part of the donor's account the quota is held in." })
  fundSource!: FundSource;
  @Field({ description: 'R21: a repeat with the same key and body returns the first result.' }) idempotencyKey!: string;
}
