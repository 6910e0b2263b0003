import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireAggregateReader } from '../../common/platform/auth/access';
import { Role } from '../../common/platform/auth/caller';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { isProvinceCode, provinceOfRegion, regionsOfProvince } from '../../common/domain/reference-data';
import type { NationalContext } from '../context';
import { listProvinces, type RegionRecord } from '../registry/registry';
import { toProvince } from './registry.resolver';
import { PoolingRegion, type Province } from './registry.types';
import type { Queryable } from '../../common/platform/data/request-reads';
import { type AidFigures, type AidTally, PlaceFigures, tallyAid, withStocksOf } from '../statistics/aid-tally';
import {
  AidBucket,
  AidCategory,
  AidCell,
  AidClearingLine,
  AidComparedPeriod,
  AidFiguresView,
  AidMonth,
  AidProvinceFigures,
  AidRegionFigures,
  AidStatistics,
  FamilyFigures,
  QuotaFigures,
} from './aid-statistics.types';
import { beijingMonth } from '../statistics/dashboard-query';
import { type AidFilter, readKeptDays, readKeptFigures } from '../statistics/kept-figures';
import { type Breakdowns, FamilyCounts, QuotaFlows, readBreakdowns, totalOf } from '../statistics/aid-breakdowns';
import { InsuranceType } from '../../common/domain/enums';
import type { Fen } from '../../common/domain/money';
import { type Period, parsePeriod, PeriodUnit, previousPeriod, yearEarlier } from '../statistics/period';

const byCode = (a: string, b: string) => a.localeCompare(b);
const view = <T extends AidFiguresView>(type: new () => T, figures: AidFigures, extra: Partial<T> = {}): T =>
  Object.assign(new type(), figures, extra);

@Resolver()
export class AidStatisticsResolver {
  @Query(() => AidStatistics, {
    description:
      'R23: aid count (人次) and amount by month, week or day, province and pooling region, within and across provinces; ' +
      'wallets activated; quota outstanding; the clearing between provinces; the same figures of the period before and a year ' +
      'earlier. By `unit` (MONTH by default), `from` and `to` are Beijing months ("2026-01", at most 36) or days ("2026-11-05"; ' +
      'WEEK: the weeks, Monday to Sunday, that hold them, at most 53; DAY: at most 92), both included. `category` and ' +
      "`insuranceType` (the beneficiary's) narrow the aid figures and the distinct donors and beneficiaries; families, quota and " +
      'wallets are not narrowed. The dashboard sees every province; a provincial portal its own (the default for it).',
  })
  async aidStatistics(
    @Arg('from') from: string,
    @Arg('to') to: string,
    @Ctx() ctx: NationalContext,
    @Arg('province', () => ID, { nullable: true }) province?: string | null,
    @Arg('unit', () => PeriodUnit, { defaultValue: PeriodUnit.MONTH }) unit: PeriodUnit = PeriodUnit.MONTH,
    @Arg('category', () => AidCategory, { nullable: true }) category?: AidCategory | null,
    @Arg('insuranceType', () => InsuranceType, { nullable: true }) insuranceType?: InsuranceType | null,
  ): Promise<AidStatistics> {
    requireAggregateReader(ctx.caller, 'statistics');
    const period = parsePeriod(unit, from, to);
    if (province != null && !isProvinceCode(province)) {
      throw new Refusal(RefusalCode.INVALID_ARGUMENT, `There is no province ${province.slice(0, 4)}.`);
    }
    requireAggregateReader(ctx.caller, 'statistics', province ?? undefined);
    const scope = province ?? (ctx.caller?.role === Role.PROVINCIAL_PORTAL ? ctx.caller.province : undefined);
    const asOf = ctx.now();
    const currentMonth = beijingMonth(0, asOf);
    const filter: AidFilter = { category, insuranceType };
    const read = (p: Period) => tallyOf(ctx.reads, p, scope, asOf, currentMonth, filter);
    const [tally, before, yearBefore, provinceRows, breakdowns] = await Promise.all([
      read(period),
      comparable(period, previousPeriod, read),
      comparable(period, yearEarlier, read),
      listProvinces(ctx.reads, 100, undefined),
      readBreakdowns(ctx.reads, period, scope, filter, asOf),
    ]);
    const provinces = new Map(provinceRows.map((row) => [row.code, toProvince(row, ctx)]));
    const shown = scope ? [scope] : [...new Set([...ctx.provinces.connected, ...tally.provinces.keys()])].sort(byCode);
    const regions = await regionsOf(ctx, shown, tally);
    const regionByCode = new Map(regions.map((r) => [r.code, r]));
    const provinceOf = (code: string) => provinces.get(code) as Province;
    return Object.assign(new AidStatistics(), {
      unit,
      from: period.from,
      to: period.to,
      province: scope ? provinceOf(scope) : null,
      category: category ?? null,
      insuranceType: insuranceType ?? null,
      ...breakdownsOf(breakdowns, '', tally.total.quotaOutstanding),
      asOf,
      currentMonth,
      thisMonth: view(AidFiguresView, tally.thisMonth),
      total: view(AidFiguresView, tally.total),
      walletsActivatedToDate: tally.total.walletsActivatedToDate,
      quotaOutstanding: tally.total.quotaOutstanding,
      months:
        unit === PeriodUnit.MONTH
          ? [...tally.months].map(([month, figures]) => view(AidMonth, figures, { month }))
          : [],
      buckets: [...tally.months].map(([start, figures]) => view(AidBucket, figures, { start })),
      previousPeriod:
        before && view(AidComparedPeriod, before.tally.total, { from: before.period.from, to: before.period.to }),
      yearEarlier:
        yearBefore &&
        view(AidComparedPeriod, yearBefore.tally.total, { from: yearBefore.period.from, to: yearBefore.period.to }),
      provinces: shown.map((code) =>
        view(AidProvinceFigures, place(tally.provinces, code), {
          province: provinceOf(code),
          ...breakdownsOf(breakdowns, code, place(tally.provinces, code).quotaOutstanding),
        }),
      ),
      regions: regions.map((region) =>
        view(AidRegionFigures, place(tally.regions, region.code), { poolingRegion: region }),
      ),
      cells: [...tally.cells.values()]
        .filter((c) => regionByCode.has(c.region))
        .sort((a, b) => byCode(a.month, b.month) || byCode(a.region, b.region))
        .map((c) => view(AidCell, c.figures, { month: c.month, poolingRegion: regionByCode.get(c.region) })),
      clearing: [...tally.clearing.values()]
        .sort((a, b) => byCode(a.debtorProvince, b.debtorProvince) || byCode(a.creditorProvince, b.creditorProvince))
        .map((line) =>
          Object.assign(new AidClearingLine(), {
            debtor: provinceOf(line.debtorProvince),
            creditor: provinceOf(line.creditorProvince),
            amount: line.amount,
            aidCount: line.aidCount,
          }),
        ),
    });
  }
}

const place = (map: Map<string, PlaceFigures>, key: string) => map.get(key) ?? new PlaceFigures();

/** Families, quota and distinct people of one province, or of the whole scope (''). */
function breakdownsOf(b: Breakdowns, province: string, outstanding: Fen) {
  const families = province
    ? (b.families.get(province) ?? new FamilyCounts())
    : totalOf(
        b.families,
        () => new FamilyCounts(),
        (into, from) => {
          into.established += from.established;
          into.ended += from.ended;
          into.inForce += from.inForce;
        },
      );
  const flows = province
    ? (b.quota.get(province) ?? new QuotaFlows())
    : totalOf(
        b.quota,
        () => new QuotaFlows(),
        (into, from) => into.add(from),
      );
  const people = b.people.get(province) ?? { donors: 0, beneficiaries: 0 };
  return {
    families: Object.assign(new FamilyFigures(), families),
    quota: Object.assign(new QuotaFigures(), flows, { outstanding }),
    distinctDonors: people.donors,
    distinctBeneficiaries: people.beneficiaries,
  };
}

/**
 * A period's kept figures: months from the monthly rows; weeks and days, and any period whose aid
 * is filtered, from the daily ones (which hold the category and insurance type), with the stocks now.
 */
async function tallyOf(
  db: Queryable,
  period: Period,
  scope: string | undefined,
  asOf: Date,
  currentMonth: string,
  filter: AidFilter,
): Promise<AidTally> {
  const filtered = !!(filter.category || filter.insuranceType);
  if (period.unit === PeriodUnit.MONTH && !filtered)
    return tallyAid(await readKeptFigures(db, period, scope, asOf), period.buckets, currentMonth, scope);
  const thisMonth = parsePeriod(PeriodUnit.MONTH, currentMonth, currentMonth);
  const [now, days, filteredNow] = await Promise.all([
    readKeptFigures(db, thisMonth, scope, asOf),
    readKeptDays(db, period, scope, filter),
    filtered ? readKeptDays(db, thisMonth, scope, filter) : null,
  ]);
  const stocks = tallyAid(now, [currentMonth], currentMonth, scope);
  if (filteredNow) stocks.thisMonth = tallyAid(filteredNow, [currentMonth], currentMonth, scope).thisMonth;
  return withStocksOf(tallyAid(days, period.buckets, currentMonth, scope), stocks);
}

/** The figures of a period to compare with, or null when there is none (it would start before 1970). */
async function comparable(
  period: Period,
  shift: (p: Period) => Period,
  read: (p: Period) => Promise<AidTally>,
): Promise<{ period: Period; tally: AidTally } | null> {
  let other: Period;
  try {
    other = shift(period);
  } catch (error) {
    if (error instanceof Refusal) return null;
    throw error;
  }
  return { period: other, tally: await read(other) };
}

/** The pooling regions of the provinces shown, and any other region with figures in them, by code. */
async function regionsOf(ctx: NationalContext, provinces: string[], tally: AidTally): Promise<PoolingRegion[]> {
  const codes = new Set(provinces.flatMap((p) => regionsOfProvince(p).map((r) => r.code)));
  for (const code of tally.regions.keys()) if (provinces.includes(provinceOfRegion(code))) codes.add(code);
  const records = await ctx.regions.loadMany([...codes].sort(byCode));
  return records.filter((r): r is RegionRecord => !!r && !(r instanceof Error)).map(PoolingRegion.from);
}
