import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { requirePortalOf } from '../../common/platform/auth/access';
import { findPoolingRegion, provinceOfRegion } from '../../common/domain/reference-data';
import type { NationalContext } from '../context';
import { PoolingRegion } from './registry.types';
import {
  formatMinute,
  setTransferPolicy,
  transferPolicyOf,
  type TransferPolicy as Policy,
} from '../quota/transfer-policy';

@ObjectType({ description: 'R24: the limits on transfers by donors of a pooling region.' })
class TransferPolicy {
  @Field(() => Int, { description: 'Transfers per donor wallet per Beijing day.' }) dailyTransferLimit!: number;
  @Field(() => MoneyScalar, { description: 'The largest single transfer.' }) transferAmountLimit!: Fen;
  @Field({ description: 'No transfers from this Beijing time (HH:MM)…' }) nightWindowStart!: string;
  @Field({ description: '…until this one.' }) nightWindowEnd!: string;
}

@InputType()
class TransferPolicyInput {
  @Field(() => ID) poolingRegion!: string;
  @Field(() => Int) dailyTransferLimit!: number;
  @Field(() => MoneyScalar) transferAmountLimit!: Fen;
  @Field({ description: 'HH:MM Beijing time' }) nightWindowStart!: string;
  @Field({ description: 'HH:MM Beijing time' }) nightWindowEnd!: string;
}

const toType = (p: Policy): TransferPolicy =>
  Object.assign(new TransferPolicy(), {
    dailyTransferLimit: p.dailyTransferLimit,
    transferAmountLimit: p.transferAmountLimit,
    nightWindowStart: formatMinute(p.nightStartMinute),
    nightWindowEnd: formatMinute(p.nightEndMinute),
  });

function minuteOf(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new Refusal(RefusalCode.INVALID_ARGUMENT, `"${text.slice(0, 10)}" is not a time of day as HH:MM.`);
  return Number(match[1]) * 60 + Number(match[2]);
}

@Resolver(() => PoolingRegion)
export class TransferPolicyResolver {
  @FieldResolver(() => TransferPolicy, { description: "R24: the region's transfer limits (defaults unless set)." })
  async transferPolicy(@Root() region: PoolingRegion, @Ctx() ctx: NationalContext): Promise<TransferPolicy> {
    return toType(await transferPolicyOf(ctx.reads, region.code));
  }

  @Mutation(() => PoolingRegion, { description: "R24: sets a pooling region's transfer limits." })
  async setTransferPolicy(
    @Arg('input', () => TransferPolicyInput) input: TransferPolicyInput,
    @Ctx() ctx: NationalContext,
  ): Promise<PoolingRegion> {
    requirePortalOf(ctx.caller, provinceOfRegion(input.poolingRegion), "set this region's transfer policy");
    if (!findPoolingRegion(input.poolingRegion)) {
      throw new Refusal(
        RefusalCode.UNKNOWN_POOLING_REGION,
        `There is no pooling region ${input.poolingRegion.slice(0, 12)}.`,
      );
    }
    if (input.dailyTransferLimit < 1 || input.dailyTransferLimit > 1000 || input.transferAmountLimit <= 0n) {
      throw new Refusal(
        RefusalCode.INVALID_ARGUMENT,
        'A daily limit is 1 to 1000 transfers and an amount limit is positive.',
      );
    }
    await setTransferPolicy(ctx.db, input.poolingRegion, {
      dailyTransferLimit: input.dailyTransferLimit,
      transferAmountLimit: input.transferAmountLimit,
      nightStartMinute: minuteOf(input.nightWindowStart),
      nightEndMinute: minuteOf(input.nightWindowEnd),
    });
    return (await ctx.regions.load(input.poolingRegion).then((r) => r && PoolingRegion.from(r))) as PoolingRegion;
  }
}
