import { type Fen, fenFromDb } from '../../common/domain/money';
import type { Queryable } from '../../common/platform/data/request-reads';
import type { AidFilter } from './kept-figures';
import { type People, readDistinctPeople } from './distinct-people';
import { beijingDayOf, daysOf, type Period } from './period';

/**
 * R23's breakdowns of a period, by province, as migration AidBreakdowns keeps them: families by
 * the donor's province, quota flows of the province's donors, distinct donors and beneficiaries of
 * the aid spent in the province (and of the whole scope: a sum of provinces would count a member
 * twice; distinct-people.ts). Two statements.
 */
export class FamilyCounts {
  established = 0;
  ended = 0;
  /** Established less ended, to date. */
  inForce = 0;
}

export class QuotaFlows {
  set: Fen = 0n;
  /** Net of the quota part of refunds (the daily aid of the province's donors). */
  spent: Fen = 0n;
  returnedUnaccepted: Fen = 0n;
  returnedOnDissolution: Fen = 0n;

  add(other: QuotaFlows): void {
    this.set += other.set;
    this.spent += other.spent;
    this.returnedUnaccepted += other.returnedUnaccepted;
    this.returnedOnDissolution += other.returnedOnDissolution;
  }
}

export interface Breakdowns {
  families: Map<string, FamilyCounts>;
  quota: Map<string, QuotaFlows>;
  /** By province, and '' for the whole scope. */
  people: Map<string, People>;
}

const READ = `
  SELECT 'family' AS kind, left(region, 2) AS province,
         coalesce(sum(established) FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::text AS a,
         coalesce(sum(ended) FILTER (WHERE day BETWEEN $1::date AND $2::date), 0)::text AS b,
         sum(established - ended)::text AS c, NULL AS d
  FROM family_day_figure WHERE $3::text IS NULL OR left(region, 2) = $3 GROUP BY 2
  UNION ALL
  SELECT 'quota', donor_province, sum(quota_set)::text, sum(returned_unaccepted)::text, sum(returned_on_dissolution)::text, NULL
  FROM quota_day_figure WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR donor_province = $3) GROUP BY 2
  UNION ALL
  SELECT 'spent', donor_province, sum(aid_amount)::text, NULL, NULL, NULL
  FROM aid_day_figure WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR donor_province = $3) GROUP BY 2
`;

type Row = {
  kind: 'family' | 'quota' | 'spent';
  province: string;
  a: string;
  b: string | null;
  c: string | null;
};

const entry = <V>(map: Map<string, V>, key: string, make: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
};

export async function readBreakdowns(
  db: Queryable,
  period: Period,
  scope: string | undefined,
  filter: AidFilter,
  asOf: Date,
): Promise<Breakdowns> {
  const { first, last } = daysOf(period);
  const [rows, people] = await Promise.all([
    db.query<Row[]>(READ, [first, last, scope ?? null]),
    readDistinctPeople(db, first, last, beijingDayOf(asOf), scope, filter),
  ]);
  const result: Breakdowns = { families: new Map(), quota: new Map(), people };
  for (const row of rows) {
    if (row.kind === 'family') {
      Object.assign(
        entry(result.families, row.province, () => new FamilyCounts()),
        {
          established: Number(row.a),
          ended: Number(row.b),
          inForce: Number(row.c),
        },
      );
    } else if (row.kind === 'quota') {
      Object.assign(
        entry(result.quota, row.province, () => new QuotaFlows()),
        {
          set: fenFromDb(row.a),
          returnedUnaccepted: fenFromDb(row.b as string),
          returnedOnDissolution: fenFromDb(row.c as string),
        },
      );
    } else {
      entry(result.quota, row.province, () => new QuotaFlows()).spent = fenFromDb(row.a);
    }
  }
  return result;
}

/** The sum of every province's families and quota flows, for the scope as a whole. */
export function totalOf<T>(map: Map<string, T>, make: () => T, add: (into: T, from: T) => void): T {
  const total = make();
  for (const value of map.values()) add(total, value);
  return total;
}
