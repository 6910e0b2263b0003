import type { Queryable } from '../../common/platform/data/request-reads';
import type { DataSource } from 'typeorm';
import { fenFromDb, formatYuan } from '../../common/domain/money';
import type { UnfoldedRows } from '../../common/platform/observability/metrics';
import type { KeptRow } from './aid-tally';
import { daysOf, type Period } from './period';
import { breakdownDifferences } from './breakdown-differences';

/**
 * The R23 figures as kept by the triggers of migration AidStatistics: aid by month, pooling region
 * where it was spent and donor's province; wallets activated by month and member's region; quota
 * outstanding by donor's region. One round trip reads them all, however many settlements there are.
 * The current month is the platform clock's (`now`), never the database's.
 */
const IN_VIEW = `(month BETWEEN $1::date AND $2::date OR month = beijing_month($4::timestamptz))`;
const READ = `
  SELECT 'aid' AS kind, to_char(month, 'YYYY-MM') AS month, region::text AS region, donor_province AS "donorProvince",
         sum(aid_count)::text AS count, sum(aid_amount)::text AS amount
  FROM aid_figure WHERE ${IN_VIEW} AND ($3::text IS NULL OR left(region, 2) = $3 OR donor_province = $3)
  GROUP BY month, region, donor_province
  UNION ALL
  SELECT 'wallet', CASE WHEN ${IN_VIEW} THEN to_char(month, 'YYYY-MM') END, region::text, NULL, sum(activated)::text, NULL
  FROM wallet_figure WHERE $3::text IS NULL OR left(region, 2) = $3
  GROUP BY 2, region
  UNION ALL
  SELECT 'quota', NULL, region::text, NULL, NULL, sum(outstanding)::text
  FROM quota_figure WHERE $3::text IS NULL OR left(region, 2) = $3 GROUP BY region
`;

export async function readKeptFigures(
  db: Queryable,
  months: { from: string; to: string },
  scope: string | undefined,
  now: Date,
): Promise<KeptRow[]> {
  return db.query(READ, [`${months.from}-01`, `${months.to}-01`, scope ?? null, now.toISOString()]);
}

/** What the aid figures may be narrowed to (the wallets and quota are not by category). */
export interface AidFilter {
  category?: string | null;
  insuranceType?: string | null;
}

/**
 * The daily figures (migrations AidDayFigures, AidBreakdowns) of a period, each row named by its
 * bucket (a month, a week's Monday, a day), the aid narrowed to a category and insurance type.
 */
const BUCKET = `to_char(CASE $4 WHEN 'WEEK' THEN date_trunc('week', day)::date ELSE day END, CASE $4 WHEN 'MONTH' THEN 'YYYY-MM' ELSE 'YYYY-MM-DD' END)`;
const READ_DAYS = `
  SELECT 'aid' AS kind, ${BUCKET} AS month, region::text AS region,
         donor_province AS "donorProvince", sum(aid_count)::text AS count, sum(aid_amount)::text AS amount
  FROM aid_day_figure WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR left(region, 2) = $3 OR donor_province = $3)
    AND ($5::text IS NULL OR category = $5) AND ($6::text IS NULL OR insurance_type = $6)
  GROUP BY 2, region, donor_province
  UNION ALL
  SELECT 'wallet', ${BUCKET}, region::text, NULL, sum(activated)::text, NULL
  FROM wallet_day_figure WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR left(region, 2) = $3)
  GROUP BY 2, region`;

export async function readKeptDays(
  db: Queryable,
  period: Period,
  scope: string | undefined,
  filter: AidFilter = {},
): Promise<KeptRow[]> {
  const { first, last } = daysOf(period);
  return db.query(READ_DAYS, [
    first,
    last,
    scope ?? null,
    period.unit,
    filter.category ?? null,
    filter.insuranceType ?? null,
  ]);
}

/** Folds the figure rows of database sessions that have ended into one, so the rows stay few. */
export async function foldStatisticsRows(db: Queryable): Promise<void> {
  await db.query(`SELECT fold_statistics_rows(), fold_day_statistics_rows(), fold_participant_changes()`);
}

/** The R23 figure rows waiting to be folded (their session has ended), per table, and the age of the oldest of each. */
export async function unfoldedStatisticsRows(db: DataSource): Promise<UnfoldedRows[]> {
  const ended = `backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)`;
  const rows: { table: string; rows: number; oldest: number }[] = await db.query(
    [
      'aid_figure',
      'wallet_figure',
      'quota_figure',
      'aid_day_figure',
      'wallet_day_figure',
      'family_day_figure',
      'quota_day_figure',
      'aid_participant_change',
    ]
      .map(
        (table) =>
          `SELECT '${table}' AS table, count(*)::int AS rows, coalesce(extract(epoch FROM now() - min(written_at)), 0)::float8 AS oldest
       FROM ${table} WHERE ${ended}`,
      )
      .join(' UNION ALL '),
  );
  return rows.map((r) => ({ table: r.table, rows: r.rows, oldestSeconds: r.oldest }));
}

/**
 * R20 for the R23 figures of one province's regions: every kept figure equals the full count of
 * the tables (the `*_counted` views), or it is a difference, in words.
 */
const KEPT_AGAINST_COUNTED = `
  WITH kept_aid AS (SELECT month, region, donor_province, sum(aid_count) AS n, sum(aid_amount) AS a
                    FROM aid_figure WHERE left(region, 2) = $1 GROUP BY 1, 2, 3),
       counted_aid AS (SELECT month, region, donor_province, aid_count AS n, aid_amount AS a FROM aid_counted WHERE left(region, 2) = $1),
       kept_wallets AS (SELECT month, region, sum(activated) AS n FROM wallet_figure WHERE left(region, 2) = $1 GROUP BY 1, 2),
       counted_wallets AS (SELECT month, region, activated AS n FROM wallet_counted WHERE left(region, 2) = $1),
       kept_quota AS (SELECT region, sum(outstanding) AS a FROM quota_figure WHERE left(region, 2) = $1 GROUP BY 1),
       counted_quota AS (SELECT region, outstanding AS a FROM quota_counted WHERE left(region, 2) = $1),
       kept_day_aid AS (SELECT day, region, concat_ws(', ', donor_province, category, insurance_type) AS slice, sum(aid_count) AS n,
                               sum(aid_amount) AS a FROM aid_day_figure WHERE left(region, 2) = $1 GROUP BY 1, 2, 3),
       counted_day_aid AS (SELECT day, region, concat_ws(', ', donor_province, category, insurance_type) AS slice, aid_count AS n,
                                  aid_amount AS a FROM aid_day_counted WHERE left(region, 2) = $1),
       kept_day_wallets AS (SELECT day, region, sum(activated) AS n FROM wallet_day_figure WHERE left(region, 2) = $1 GROUP BY 1, 2),
       counted_day_wallets AS (SELECT day, region, activated AS n FROM wallet_day_counted WHERE left(region, 2) = $1)
  SELECT 'aid' AS figure, to_char(month, 'YYYY-MM') AS month, region::text, donor_province AS "donorProvince",
         coalesce(k.n, 0)::text AS "keptCount", coalesce(c.n, 0)::text AS "countedCount",
         coalesce(k.a, 0)::text AS "keptAmount", coalesce(c.a, 0)::text AS "countedAmount"
  FROM kept_aid k FULL JOIN counted_aid c USING (month, region, donor_province)
  WHERE coalesce(k.n, 0) <> coalesce(c.n, 0) OR coalesce(k.a, 0) <> coalesce(c.a, 0)
  UNION ALL
  SELECT 'wallets', to_char(month, 'YYYY-MM'), region::text, NULL, coalesce(k.n, 0)::text, coalesce(c.n, 0)::text, NULL, NULL
  FROM kept_wallets k FULL JOIN counted_wallets c USING (month, region) WHERE coalesce(k.n, 0) <> coalesce(c.n, 0)
  UNION ALL
  SELECT 'quota outstanding', NULL, region::text, NULL, NULL, NULL, coalesce(k.a, 0)::text, coalesce(c.a, 0)::text
  FROM kept_quota k FULL JOIN counted_quota c USING (region) WHERE coalesce(k.a, 0) <> coalesce(c.a, 0)
  UNION ALL
  SELECT 'daily aid', to_char(day, 'YYYY-MM-DD'), region::text, slice, coalesce(k.n, 0)::text, coalesce(c.n, 0)::text,
         coalesce(k.a, 0)::text, coalesce(c.a, 0)::text
  FROM kept_day_aid k FULL JOIN counted_day_aid c USING (day, region, slice)
  WHERE coalesce(k.n, 0) <> coalesce(c.n, 0) OR coalesce(k.a, 0) <> coalesce(c.a, 0)
  UNION ALL
  SELECT 'daily wallets', to_char(day, 'YYYY-MM-DD'), region::text, NULL, coalesce(k.n, 0)::text, coalesce(c.n, 0)::text, NULL, NULL
  FROM kept_day_wallets k FULL JOIN counted_day_wallets c USING (day, region) WHERE coalesce(k.n, 0) <> coalesce(c.n, 0)
  ORDER BY 1, 2, 3, 4`;

interface Difference {
  figure: string;
  month: string | null;
  region: string;
  donorProvince: string | null;
  keptCount: string | null;
  countedCount: string | null;
  keptAmount: string | null;
  countedAmount: string | null;
}

const said = (count: string | null, amount: string | null) =>
  [count === null ? null : `${count}`, amount === null ? null : `${formatYuan(fenFromDb(amount))} yuan`]
    .filter(Boolean)
    .join(' / ');

export async function statisticsDifferences(db: DataSource, province: string): Promise<string[]> {
  const [rows, breakdowns] = await Promise.all([
    db.query(KEPT_AGAINST_COUNTED, [province]) as Promise<Difference[]>,
    breakdownDifferences(db, province),
  ]);
  return [
    ...rows.map((d) => {
      const where = [d.month, `region ${d.region}`, d.donorProvince && `donors of ${d.donorProvince}`]
        .filter(Boolean)
        .join(' ');
      return `national figure ${d.figure} ${where}: kept ${said(d.keptCount, d.keptAmount)}, the tables count ${said(d.countedCount, d.countedAmount)}`;
    }),
    ...breakdowns,
  ];
}
