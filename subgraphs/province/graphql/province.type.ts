import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import type { ProvinceFigures } from '../statistics/province-figures';

/** A province's figures are its own deployment's: null where there is none, or it does not answer (see province.reference.ts). */
const NOT_RUNNING =
  'Null when the province runs no deployment (`connected: false`), or with an error at this path when its deployment does not answer.';

@ObjectType({ description: 'A province, as seen from its own database.' })
@Directive('@key(fields: "code")')
export class Province {
  @Field(() => ID) code!: string;
  @Field(() => Int, { nullable: true, description: `Members whose insurance is in force. ${NOT_RUNNING}` })
  memberCount!: number;
  @Field(() => Int, { nullable: true, description: NOT_RUNNING }) employeeCount!: number;
  @Field(() => Int, { nullable: true, description: NOT_RUNNING }) residentCount!: number;
  @Field(() => MoneyScalar, { nullable: true, description: `Sum of all personal-account balances. ${NOT_RUNNING}` })
  personalAccountBalance!: Fen;
  @Field(() => MoneyScalar, {
    nullable: true,
    description: `Sum held for quotas (R20: equals the unspent quota drawing on this province). ${NOT_RUNNING}`,
  })
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
