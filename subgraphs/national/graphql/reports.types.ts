import { Field, Int, ObjectType } from 'type-graphql';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { Province } from './registry.types';

@ObjectType({ description: "R22: what one province's fund owes another for mutual-aid spending." })
export class ClearingLine {
  @Field(() => Province, { description: 'The province of the donors whose quota was spent.' }) debtor!: Province;
  @Field(() => Province, { description: 'The province where it was spent.' }) creditor!: Province;
  @Field(() => MoneyScalar, { description: 'Net of refunds.' }) amount!: Fen;
  @Field(() => Int, { description: 'Settlements, premiums and refunds counted.' }) operations!: number;
}

@ObjectType()
export class ClearingReport {
  @Field() from!: Date;
  @Field({ description: 'Exclusive.' }) to!: Date;
  @Field(() => [ClearingLine]) lines!: ClearingLine[];
}

@ObjectType({ description: 'R22 between one province and another, for the period.' })
export class ClearingCounterpart {
  @Field(() => Province) province!: Province;
  @Field(() => MoneyScalar, {
    description: "Spent in the province from quota of this province's donors: owed to it. Net of refunds.",
  })
  owedToProvince!: Fen;
  @Field(() => MoneyScalar, {
    description: "Spent in this province from quota of the province's donors: owed by it. Net of refunds.",
  })
  owedByProvince!: Fen;
  @Field(() => MoneyScalar, {
    description: 'owedToProvince − owedByProvince: positive when this province owes the province on balance.',
  })
  net!: Fen;
  @Field(() => Int) operationsToProvince!: number;
  @Field(() => Int) operationsByProvince!: number;
}

@ObjectType({ description: "R22: a province's clearing position for a period [from, to), by counterpart province." })
export class ClearingPosition {
  @Field(() => Province) province!: Province;
  @Field() from!: Date;
  @Field({ description: 'Exclusive.' }) to!: Date;
  @Field(() => MoneyScalar, { description: 'Owed to the province by every other.' }) owedToProvince!: Fen;
  @Field(() => MoneyScalar, { description: 'Owed by the province to every other.' }) owedByProvince!: Fen;
  @Field(() => MoneyScalar, { description: 'owedToProvince − owedByProvince.' }) net!: Fen;
  @Field(() => [ClearingCounterpart], { description: 'Every province it owes or is owed by in the period, by code.' })
  counterparts!: ClearingCounterpart[];
}

@ObjectType({ description: 'R20 checked on live data for one province; `balanced` when there is no difference.' })
export class ReconciliationReport {
  @Field(() => Province) province!: Province;
  @Field() checkedAt!: Date;
  @Field() balanced!: boolean;
  @Field(() => MoneyScalar, { description: "Held in the province's personal accounts." }) heldInProvince!: Fen;
  @Field(() => MoneyScalar, { description: 'Unspent quota drawing on the province.' }) unspentQuota!: Fen;
  @Field(() => Int, { description: 'Transfers between recording and holding (finished by recovery).' })
  inFlightTransfers!: number;
  @Field(() => Int, { description: 'Province steps recorded but not yet applied.' }) unappliedSteps!: number;
  @Field(() => Int, {
    description: 'R31: accounts moving out of or into the province, booked on one side and not yet the other.',
  })
  inFlightMoves!: number;
  @Field(() => Int) differenceCount!: number;
  @Field(() => [String], { description: "Every difference found, in words (for the province's own portal only)." })
  differences!: string[];
}
