import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { type Fen, MoneyScalar } from '../../common/money';
import type { ProvinceFigures } from './province-figures';

@ObjectType({ description: 'A province, as seen from its own database.' })
@Directive('@key(fields: "code")')
export class Province {
  @Field(() => ID) code!: string;
  @Field(() => Int, { description: 'Members whose insurance is in force.' }) memberCount!: number;
  @Field(() => Int) employeeCount!: number;
  @Field(() => Int) residentCount!: number;
  @Field(() => MoneyScalar, { description: 'Sum of all personal-account balances.' }) personalAccountBalance!: Fen;
  @Field(() => MoneyScalar, { description: 'Sum held for quotas (R20: equals the unspent quota drawing on this province).' })
  heldForQuotas!: Fen;

  static from(code: string, figures: ProvinceFigures): Province {
    return Object.assign(new Province(), {
      code,
      memberCount: figures.memberCount,
      employeeCount: figures.employeeCount,
      residentCount: figures.residentCount,
      personalAccountBalance: figures.accountBalance,
      heldForQuotas: figures.held,
    });
  }
}
