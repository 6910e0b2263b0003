import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireAggregateReader } from '../../common/auth/access';
import { Role } from '../../common/auth/caller';
import { Refusal, RefusalCode } from '../../common/errors';
import { isProvinceCode, provinceOfRegion, regionsOfProvince } from '../../common/reference-data';
import type { NationalContext } from '../context';
import { listProvinces, type RegionRecord } from '../registry/registry';
import { toProvince } from '../registry/registry.resolver';
import { PoolingRegion, type Province } from '../registry/registry.types';
import type { Queryable } from '../../common/request-reads';
import { type AidFigures, type AidTally, PlaceFigures, tallyAid, withStocksOf } from './aid-tally';
import {
  AidBucket, AidCell, AidClearingLine, AidComparedPeriod, AidFiguresView, AidMonth, AidProvinceFigures, AidRegionFigures, AidStatistics,
} from './aid-statistics.types';
import { beijingMonth } from './dashboard-query';
import { readKeptDays, readKeptFigures } from './kept-figures';
import { type Period, parsePeriod, PeriodUnit, previousPeriod, yearEarlier } from './period';

const byCode = (a: string, b: string) => a.localeCompare(b);
const view = <T extends AidFiguresView>(type: new () => T, figures: AidFigures, extra: Partial<T> = {}): T =>
  Object.assign(new type(), figures, extra);

@Resolver()
export class AidStatisticsResolver {
  @Query(() => AidStatistics, {
    description: 'R23: aid count (人次) and amount by month, week or day, province and pooling region, within and across provinces; '
      + 'wallets activated; quota outstanding; the clearing between provinces; the same figures of the period before and a year '
      + 'earlier. By `unit` (MONTH by default), `from` and `to` are Beijing months ("2026-01", at most 36) or days ("2026-11-05"; '
      + 'WEEK: the weeks, Monday to Sunday, that hold them, at most 53; DAY: at most 92), both included. The dashboard sees every '
      + 'province; a provincial portal its own (the default for it).',
  })
  async aidStatistics(
    @Arg('from') from: string,
    @Arg('to') to: string,
    @Ctx() ctx: NationalContext,
    @Arg('province', () => ID, { nullable: true }) province?: string | null,
    @Arg('unit', () => PeriodUnit, { defaultValue: PeriodUnit.MONTH }) unit: PeriodUnit = PeriodUnit.MONTH,
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
    const read = (p: Period) => tallyOf(ctx.reads, p, scope, asOf, currentMonth);
    const [tally, before, yearBefore, provinceRows] = await Promise.all([
      read(period), comparable(period, previousPeriod, read), comparable(period, yearEarlier, read), listProvinces(ctx.reads, 100, undefined),
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
      asOf,
      currentMonth,
      thisMonth: view(AidFiguresView, tally.thisMonth),
      total: view(AidFiguresView, tally.total),
      walletsActivatedToDate: tally.total.walletsActivatedToDate,
      quotaOutstanding: tally.total.quotaOutstanding,
      months: unit === PeriodUnit.MONTH ? [...tally.months].map(([month, figures]) => view(AidMonth, figures, { month })) : [],
      buckets: [...tally.months].map(([start, figures]) => view(AidBucket, figures, { start })),
      previousPeriod: before && view(AidComparedPeriod, before.tally.total, { from: before.period.from, to: before.period.to }),
      yearEarlier: yearBefore && view(AidComparedPeriod, yearBefore.tally.total, { from: yearBefore.period.from, to: yearBefore.period.to }),
      provinces: shown.map((code) => view(AidProvinceFigures, place(tally.provinces, code), { province: provinceOf(code) })),
      regions: regions.map((region) => view(AidRegionFigures, place(tally.regions, region.code), { poolingRegion: region })),
      cells: [...tally.cells.values()]
        .filter((c) => regionByCode.has(c.region))
        .sort((a, b) => byCode(a.month, b.month) || byCode(a.region, b.region))
        .map((c) => view(AidCell, c.figures, { month: c.month, poolingRegion: regionByCode.get(c.region) })),
      clearing: [...tally.clearing.values()]
        .sort((a, b) => byCode(a.debtorProvince, b.debtorProvince) || byCode(a.creditorProvince, b.creditorProvince))
        .map((line) => Object.assign(new AidClearingLine(), {
          debtor: provinceOf(line.debtorProvince), creditor: provinceOf(line.creditorProvince), amount: line.amount, aidCount: line.aidCount,
        })),
    });
  }
}

const place = (map: Map<string, PlaceFigures>, key: string) => map.get(key) ?? new PlaceFigures();

/** A period's kept figures: months from the monthly rows; weeks and days from the daily ones, with the stocks now. */
async function tallyOf(db: Queryable, period: Period, scope: string | undefined, asOf: Date, currentMonth: string): Promise<AidTally> {
  if (period.unit === PeriodUnit.MONTH) return tallyAid(await readKeptFigures(db, period, scope, asOf), period.buckets, currentMonth, scope);
  const [now, days] = await Promise.all([
    readKeptFigures(db, { from: currentMonth, to: currentMonth }, scope, asOf), readKeptDays(db, period, scope),
  ]);
  return withStocksOf(tallyAid(days, period.buckets, currentMonth, scope), tallyAid(now, [currentMonth], currentMonth, scope));
}

/** The figures of a period to compare with, or null when there is none (it would start before 1970). */
async function comparable(
  period: Period, shift: (p: Period) => Period, read: (p: Period) => Promise<AidTally>,
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
