import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireAggregateReader } from '../../common/auth/access';
import { Role } from '../../common/auth/caller';
import { Refusal, RefusalCode } from '../../common/errors';
import { isProvinceCode, provinceOfRegion, regionsOfProvince } from '../../common/reference-data';
import type { NationalContext } from '../context';
import { listProvinces, type RegionRecord } from '../registry/registry';
import { toProvince } from '../registry/registry.resolver';
import { PoolingRegion, type Province } from '../registry/registry.types';
import { type AidFigures, type AidTally, PlaceFigures, tallyAid } from './aid-tally';
import {
  AidCell, AidClearingLine, AidFiguresView, AidMonth, AidProvinceFigures, AidRegionFigures, AidStatistics,
} from './aid-statistics.types';
import { beijingMonth } from './dashboard-query';
import { readKeptFigures } from './kept-figures';
import { parseMonthPeriod } from './period';

const byCode = (a: string, b: string) => a.localeCompare(b);
const view = <T extends AidFiguresView>(type: new () => T, figures: AidFigures, extra: Partial<T> = {}): T =>
  Object.assign(new type(), figures, extra);

@Resolver()
export class AidStatisticsResolver {
  @Query(() => AidStatistics, {
    description: 'R23: aid count (人次) and amount by month, province and pooling region, within and across provinces; wallets '
      + 'activated; quota outstanding; the clearing between provinces. `from` and `to` are Beijing months ("2026-01"), both '
      + 'included, at most 36 months. The dashboard sees every province; a provincial portal its own (the default for it).',
  })
  async aidStatistics(
    @Arg('from') from: string,
    @Arg('to') to: string,
    @Ctx() ctx: NationalContext,
    @Arg('province', () => ID, { nullable: true }) province?: string | null,
  ): Promise<AidStatistics> {
    requireAggregateReader(ctx.caller);
    const period = parseMonthPeriod(from, to);
    if (province != null && !isProvinceCode(province)) {
      throw new Refusal(RefusalCode.INVALID_ARGUMENT, `There is no province ${province.slice(0, 4)}.`);
    }
    requireAggregateReader(ctx.caller, province ?? undefined);
    const scope = province ?? (ctx.caller?.role === Role.PROVINCIAL_PORTAL ? ctx.caller.province : undefined);
    const asOf = ctx.now();
    const currentMonth = beijingMonth(0, asOf);
    const [rows, provinceRows] = await Promise.all([
      readKeptFigures(ctx.reads, period, scope, asOf),
      listProvinces(ctx.reads, 100, undefined),
    ]);
    const tally = tallyAid(rows, period, currentMonth, scope);
    const provinces = new Map(provinceRows.map((row) => [row.code, toProvince(row, ctx)]));
    const shown = scope ? [scope] : [...new Set([...ctx.provinces.connected, ...tally.provinces.keys()])].sort(byCode);
    const regions = await regionsOf(ctx, shown, tally);
    const regionByCode = new Map(regions.map((r) => [r.code, r]));
    const provinceOf = (code: string) => provinces.get(code) as Province;
    return Object.assign(new AidStatistics(), {
      from: period.from,
      to: period.to,
      province: scope ? provinceOf(scope) : null,
      asOf,
      currentMonth,
      thisMonth: view(AidFiguresView, tally.thisMonth),
      total: view(AidFiguresView, tally.total),
      walletsActivatedToDate: tally.total.walletsActivatedToDate,
      quotaOutstanding: tally.total.quotaOutstanding,
      months: [...tally.months].map(([month, figures]) => view(AidMonth, figures, { month })),
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

/** The pooling regions of the provinces shown, and any other region with figures in them, by code. */
async function regionsOf(ctx: NationalContext, provinces: string[], tally: AidTally): Promise<PoolingRegion[]> {
  const codes = new Set(provinces.flatMap((p) => regionsOfProvince(p).map((r) => r.code)));
  for (const code of tally.regions.keys()) if (provinces.includes(provinceOfRegion(code))) codes.add(code);
  const records = await ctx.regions.loadMany([...codes].sort(byCode));
  return records.filter((r): r is RegionRecord => !!r && !(r instanceof Error)).map(PoolingRegion.from);
}
