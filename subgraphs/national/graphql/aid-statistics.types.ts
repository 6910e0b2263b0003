import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import { PoolingRegion, Province } from './registry.types';
import { InsuranceType } from '../../common/domain/enums';
import { PeriodUnit } from '../statistics/period';

/** What an aid paid for, as the statistics are filtered by (a retail pharmacy's drugs, devices and consumables are one). */
export enum AidCategory {
  OUTPATIENT = 'OUTPATIENT',
  INPATIENT = 'INPATIENT',
  PHARMACY = 'PHARMACY',
  PREMIUM = 'PREMIUM',
}
registerEnumType(AidCategory, {
  name: 'AidCategory',
  description:
    'R23: outpatient or inpatient at a designated institution (门诊, 住院), a designated retail pharmacy (药店), or a premium (R17, 参保缴费).',
});

registerEnumType(PeriodUnit, {
  name: 'PeriodUnit',
  description: 'How an R23 period is cut: Beijing months ("2026-11"), Monday-to-Sunday weeks or days ("2026-11-05").',
});

@ObjectType('AidFigures', {
  description:
    'R23 mutual-aid (共济) figures of a slice. Aid is the quota part of a settlement or premium, counted where it was ' +
    "spent (the institution's pooling region; a premium: the beneficiary's) in the month it settled; a refund takes its quota part " +
    'back in the month of the refund, and no count. Within-province: the donor is of the province where it was spent.',
})
export class AidFiguresView {
  @Field(() => Int, {
    description:
      '人次: settlements and premiums that used quota, once per province of the donors whose quota they used.',
  })
  aidCount!: number;
  @Field(() => MoneyScalar, { description: 'Quota spent, less the quota part of refunds made in the same months.' })
  aidAmount!: Fen;
  @Field(() => Int) withinProvinceCount!: number;
  @Field(() => MoneyScalar) withinProvinceAmount!: Fen;
  @Field(() => Int) crossProvinceCount!: number;
  @Field(() => MoneyScalar, {
    description: 'Equals the clearing (R22) owed to the province(s) of the slice for those months.',
  })
  crossProvinceAmount!: Fen;
  @Field(() => Int, {
    description: "Wallets activated, by the member's pooling region (a wallet carried over by a move counts once).",
  })
  walletsActivated!: number;
}

@ObjectType({
  description:
    "R23: families (共济关系) by the donor's pooling region: established (the beneficiary consented, R27) and ended in the period, in force now.",
})
export class FamilyFigures {
  @Field(() => Int) established!: number;
  @Field(() => Int, { description: 'Dissolved (R18) or ended with the insurance (R26), of those established.' })
  ended!: number;
  @Field(() => Int, { description: 'Established and not ended, up to now.' }) inForce!: number;
}

@ObjectType({
  description:
    'R23: quota (共济额度) of the donors of the slice over the period. Outstanding is the stock now; over all time, ' +
    'set − spent − returned at 06:00 − returned on ending = outstanding.',
})
export class QuotaFigures {
  @Field(() => MoneyScalar, { description: 'Quota set (transfers committed, R9).' }) set!: Fen;
  @Field(() => MoneyScalar, {
    description: "Quota spent, less the quota part of refunds (as aidAmount, by the donors' province).",
  })
  spent!: Fen;
  @Field(() => MoneyScalar, { description: 'Given back at 06:00 because the beneficiary did not accept it (R25).' })
  returnedUnaccepted!: Fen;
  @Field(() => MoneyScalar, {
    description:
      'Given back because the relationship ended (R18, R26), and refunds of quota spent before it ended (R19).',
  })
  returnedOnDissolution!: Fen;
  @Field(() => MoneyScalar, { description: 'Set and not spent or given back: held now (R10).' }) outstanding!: Fen;
}

@ObjectType({ description: 'R23 figures of one month of the period.' })
export class AidMonth extends AidFiguresView {
  @Field({ description: 'A Beijing-time month, e.g. "2026-11".' }) month!: string;
}

@ObjectType({ description: 'R23 figures of one month, week or day of the period.' })
export class AidBucket extends AidFiguresView {
  @Field({ description: 'Its first day ("2026-11-02"; a week starts on Monday), or the month ("2026-11").' })
  start!: string;
}

@ObjectType({ description: 'R23 figures of a period compared with (环比: the one just before; 同比: a year earlier).' })
export class AidComparedPeriod extends AidFiguresView {
  @Field({ description: 'Its first bucket.' }) from!: string;
  @Field({ description: 'Its last bucket, included.' }) to!: string;
}

@ObjectType({ description: 'R23 figures of one province over the period, and its stocks now.' })
export class AidProvinceFigures extends AidFiguresView {
  @Field(() => Province) province!: Province;
  @Field(() => FamilyFigures, { description: "Of the province's donors." }) families!: FamilyFigures;
  @Field(() => QuotaFigures, { description: "Of the province's donors." }) quota!: QuotaFigures;
  @Field(() => Int, {
    description: 'Distinct donors whose quota paid aid spent in the province in the period (each membership once).',
  })
  distinctDonors!: number;
  @Field(() => Int, { description: 'Distinct beneficiaries of the aid spent in the province in the period.' })
  distinctBeneficiaries!: number;
  @Field(() => Int, { description: 'Wallets activated up to now.' }) walletsActivatedToDate!: number;
  @Field(() => MoneyScalar, {
    description: "Quota set by the province's donors and not spent or given back: held now.",
  })
  quotaOutstanding!: Fen;
}

@ObjectType({ description: 'R23 figures of one pooling region over the period, and its stocks now.' })
export class AidRegionFigures extends AidFiguresView {
  @Field(() => PoolingRegion) poolingRegion!: PoolingRegion;
  @Field(() => Int, { description: 'Wallets activated up to now.' }) walletsActivatedToDate!: number;
  @Field(() => MoneyScalar, { description: "Quota set by the region's donors and not spent or given back: held now." })
  quotaOutstanding!: Fen;
}

@ObjectType({
  description: 'R23 figures of one bucket in one pooling region (only buckets and regions with figures are listed).',
})
export class AidCell extends AidFiguresView {
  @Field({ description: 'The bucket: the month, or the first day of the week, or the day.' }) month!: string;
  @Field(() => PoolingRegion) poolingRegion!: PoolingRegion;
}

@ObjectType({ description: "R22 for the period, from the kept R23 figures: what one province's fund owes another." })
export class AidClearingLine {
  @Field(() => Province, { description: 'The province of the donors whose quota was spent.' }) debtor!: Province;
  @Field(() => Province, { description: 'The province where it was spent.' }) creditor!: Province;
  @Field(() => MoneyScalar, { description: 'Net of refunds; equals `clearingReport` over the same months.' })
  amount!: Fen;
  @Field(() => Int, { description: 'Aid counted (人次); refunds count none.' }) aidCount!: number;
}

@ObjectType({
  description: "R23: the national dashboard's statistics for a period, over the whole country or one province.",
})
export class AidStatistics {
  @Field(() => PeriodUnit) unit!: PeriodUnit;
  @Field({ description: 'The first bucket: a month, or the Monday of the first week, or the first day.' })
  from!: string;
  @Field({ description: 'The last bucket, included.' }) to!: string;
  @Field(() => Province, { nullable: true, description: 'The province the figures are of; null: the whole country.' })
  province!: Province | null;
  @Field(() => AidCategory, {
    nullable: true,
    description: 'The aid figures and distinct counts are of this category only.',
  })
  category!: AidCategory | null;
  @Field(() => InsuranceType, {
    nullable: true,
    description: 'The aid figures and distinct counts are of beneficiaries of this scheme only.',
  })
  insuranceType!: InsuranceType | null;
  @Field(() => FamilyFigures, { description: 'Families of the donors of the scope (not filtered).' })
  families!: FamilyFigures;
  @Field(() => QuotaFigures, { description: 'Quota of the donors of the scope (not filtered).' }) quota!: QuotaFigures;
  @Field(() => Int, {
    description: 'Distinct donors whose quota paid the aid of the period (each membership once, however often).',
  })
  distinctDonors!: number;
  @Field(() => Int, { description: 'Distinct beneficiaries of the aid of the period.' }) distinctBeneficiaries!: number;
  @Field({ description: 'When the figures were read, by the platform clock.' }) asOf!: Date;
  @Field({ description: 'The month it is now (`asOf`) in Beijing time.' }) currentMonth!: string;
  @Field(() => AidFiguresView, { description: 'The current month, whatever the period.' }) thisMonth!: AidFiguresView;
  @Field(() => AidFiguresView, { description: 'The whole period.' }) total!: AidFiguresView;
  @Field(() => Int, { description: 'Wallets activated up to now.' }) walletsActivatedToDate!: number;
  @Field(() => MoneyScalar, {
    description: "Quota set and not spent or given back, held now in the donors' accounts (R10).",
  })
  quotaOutstanding!: Fen;
  @Field(() => [AidMonth], {
    description: 'Every month of the period, in order (a period of months only; else empty).',
  })
  months!: AidMonth[];
  @Field(() => [AidBucket], { description: 'Every month, week or day of the period, in order.' }) buckets!: AidBucket[];
  @Field(() => AidComparedPeriod, {
    nullable: true,
    description: '环比: the period of the same length just before (null before 1970).',
  })
  previousPeriod!: AidComparedPeriod | null;
  @Field(() => AidComparedPeriod, {
    nullable: true,
    description: '同比: the same months or days a year earlier, or the weeks 52 weeks earlier.',
  })
  yearEarlier!: AidComparedPeriod | null;
  @Field(() => [AidProvinceFigures], {
    description: 'The provinces of the figures, by code: the running ones and any with figures.',
  })
  provinces!: AidProvinceFigures[];
  @Field(() => [AidRegionFigures], { description: 'The pooling regions of those provinces, by code.' })
  regions!: AidRegionFigures[];
  @Field(() => [AidCell], { description: 'Month × pooling region.' }) cells!: AidCell[];
  @Field(() => [AidClearingLine], {
    description: "Between provinces, for the period (a province's own lines when it is the scope).",
  })
  clearing!: AidClearingLine[];
}
