import { Arg, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { Connection, PageInput, pageOf } from '../../common/platform/graphql/connection';
import { timeKey } from '../../common/platform/data/keyset';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { requirePortalOf } from '../../common/platform/auth/access';
import type { NationalContext } from '../context';
import { Member } from './member.types';
import { AuthMethod } from '../settlement/expense-rules';
import { suspectedFraudsIn } from '../fraud/suspected-fraud';

@ObjectType({ description: "R28: a payment refused because another person's credential was presented." })
class SuspectedFraud {
  @Field(() => ID) id!: string;
  @Field(() => Member) beneficiary!: Member;
  @Field(() => ID, { description: 'Whose e-code or face was presented.' }) credentialHolderId!: string;
  @Field(() => AuthMethod) method!: AuthMethod;
  @Field(() => MoneyScalar) amount!: Fen;
  @Field() institutionName!: string;
  @Field() createdAt!: Date;
}

@ObjectType()
class SuspectedFraudConnection extends Connection(SuspectedFraud, 'SuspectedFraud') {}

@Resolver()
export class SuspectedFraudResolver {
  @Query(() => SuspectedFraudConnection, {
    description: "R28: suspected frauds of a province's beneficiaries, for review.",
  })
  async suspectedFrauds(
    @Arg('province', () => ID) province: string,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<SuspectedFraudConnection> {
    requirePortalOf(ctx.caller, province, "review this province's suspected frauds");
    return pageOf(
      page,
      (limit, after) => suspectedFraudsIn(ctx.reads, province, limit, after),
      (r) =>
        Object.assign(new SuspectedFraud(), {
          id: r.id,
          beneficiary: Member.ref(r.beneficiaryId),
          credentialHolderId: r.holderId,
          method: r.method as AuthMethod,
          amount: r.amount,
          institutionName: r.details.institutionName ?? '',
          createdAt: r.createdAt,
        }),
      (f) => timeKey(f.createdAt, f.id),
    );
  }
}
