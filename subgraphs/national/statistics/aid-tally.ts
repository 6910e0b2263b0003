import { type Fen, fenFromDb } from '../../common/domain/money';
import { provinceOfRegion } from '../../common/domain/reference-data';

/**
 * R23 figures rolled up from the kept rows (kept-figures.ts) for a period and a scope (the whole
 * country, or one province with its regions). Aid within the province is quota whose donor is of
 * the province where it was spent; every other part is cross-province, so the cross-province
 * figures of a period are the clearing matrix (R22) read by creditor.
 */
export class AidFigures {
  aidCount = 0;
  aidAmount: Fen = 0n;
  withinProvinceCount = 0;
  withinProvinceAmount: Fen = 0n;
  crossProvinceCount = 0;
  crossProvinceAmount: Fen = 0n;
  walletsActivated = 0;

  addAid(within: boolean, count: number, amount: Fen): void {
    this.aidCount += count;
    this.aidAmount += amount;
    if (within) {
      this.withinProvinceCount += count;
      this.withinProvinceAmount += amount;
    } else {
      this.crossProvinceCount += count;
      this.crossProvinceAmount += amount;
    }
  }
}

/** Figures of a place over the period, with its stocks now. */
export class PlaceFigures extends AidFigures {
  walletsActivatedToDate = 0;
  quotaOutstanding: Fen = 0n;
}

export interface ClearingCell {
  debtorProvince: string;
  creditorProvince: string;
  amount: Fen;
  aidCount: number;
}

/** A row as kept-figures.ts reads it: aid by donor province, wallets activated, quota outstanding. */
export type KeptRow =
  | { kind: 'aid'; month: string; region: string; donorProvince: string; count: string; amount: string }
  | { kind: 'wallet'; month: string | null; region: string; count: string }
  | { kind: 'quota'; region: string; amount: string };

export interface AidTally {
  currentMonth: string;
  thisMonth: AidFigures;
  total: PlaceFigures;
  months: Map<string, AidFigures>;
  provinces: Map<string, PlaceFigures>;
  regions: Map<string, PlaceFigures>;
  cells: Map<string, { month: string; region: string; figures: AidFigures }>;
  clearing: Map<string, ClearingCell>;
}

const entry = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
};

/**
 * `buckets`: the months of the period, or its weeks or days; a row's `month` names its bucket (a
 * month, the Monday of a week, a day) or, for the wallets, null outside the period.
 */
export function tallyAid(
  rows: readonly KeptRow[],
  buckets: readonly string[],
  currentMonth: string,
  scope?: string,
): AidTally {
  const tally: AidTally = {
    currentMonth,
    thisMonth: new AidFigures(),
    total: new PlaceFigures(),
    months: new Map(buckets.map((m) => [m, new AidFigures()])),
    provinces: new Map(),
    regions: new Map(),
    cells: new Map(),
    clearing: new Map(),
  };
  const inPeriod = (month: string | null): month is string => month !== null && tally.months.has(month);
  const places = (region: string) => [
    tally.total,
    entry(tally.provinces, provinceOfRegion(region), () => new PlaceFigures()),
    entry(tally.regions, region, () => new PlaceFigures()),
  ];
  const cell = (month: string, region: string) =>
    entry(tally.cells, `${month} ${region}`, () => ({ month, region, figures: new AidFigures() })).figures;
  for (const row of rows) {
    const province = provinceOfRegion(row.region);
    if (row.kind === 'aid') {
      const count = Number(row.count);
      const amount = fenFromDb(row.amount);
      const within = row.donorProvince === province;
      if (!within && inPeriod(row.month)) {
        const line = entry(tally.clearing, `${row.donorProvince} ${province}`, () => ({
          debtorProvince: row.donorProvince,
          creditorProvince: province,
          amount: 0n,
          aidCount: 0,
        }));
        line.amount += amount;
        line.aidCount += count;
      }
      if (scope && province !== scope) continue; // only an outflow of the scope's donors: clearing only
      if (row.month === currentMonth) tally.thisMonth.addAid(within, count, amount);
      if (!inPeriod(row.month)) continue;
      for (const figures of [
        ...places(row.region),
        tally.months.get(row.month) as AidFigures,
        cell(row.month, row.region),
      ]) {
        figures.addAid(within, count, amount);
      }
    } else if (row.kind === 'wallet') {
      const count = Number(row.count);
      for (const place of places(row.region)) place.walletsActivatedToDate += count;
      if (row.month === currentMonth) tally.thisMonth.walletsActivated += count;
      if (!inPeriod(row.month)) continue;
      for (const figures of [
        ...places(row.region),
        tally.months.get(row.month) as AidFigures,
        cell(row.month, row.region),
      ]) {
        figures.walletsActivated += count;
      }
    } else {
      for (const place of places(row.region)) place.quotaOutstanding += fenFromDb(row.amount);
    }
  }
  return tally;
}

/**
 * The figures of a period of weeks or days (`flows`, from the daily rows) with the stocks now and
 * the current month (`now`, from the monthly rows).
 */
export function withStocksOf(flows: AidTally, now: AidTally): AidTally {
  const stocks = (place: PlaceFigures, from: PlaceFigures | undefined) => {
    place.walletsActivatedToDate = from?.walletsActivatedToDate ?? 0;
    place.quotaOutstanding = from?.quotaOutstanding ?? 0n;
  };
  stocks(flows.total, now.total);
  for (const [places, nowPlaces] of [
    [flows.provinces, now.provinces],
    [flows.regions, now.regions],
  ] as const) {
    for (const key of nowPlaces.keys()) entry(places, key, () => new PlaceFigures());
    for (const [key, place] of places) stocks(place, nowPlaces.get(key));
  }
  return { ...flows, thisMonth: now.thisMonth };
}
