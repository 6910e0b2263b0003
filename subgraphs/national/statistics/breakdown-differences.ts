import type { DataSource } from 'typeorm';
import { fenFromDb, formatYuan } from '../../common/domain/money';

/**
 * R20 for the R23 breakdowns of one province (migration AidBreakdowns): families by its donors'
 * regions, quota flows of its donors, and who took part in the aid spent in its regions, each kept
 * figure against the full count of the tables, or a difference in words.
 */
const KEPT_AGAINST_COUNTED = `
  WITH kept_families AS (SELECT day, region, sum(established) AS e, sum(ended) AS x FROM family_day_figure
                         WHERE left(region, 2) = $1 GROUP BY 1, 2 HAVING sum(established) <> 0 OR sum(ended) <> 0),
       counted_families AS (SELECT day, region, established AS e, ended AS x FROM family_day_counted WHERE left(region, 2) = $1),
       kept_quota AS (SELECT day, sum(quota_set) AS s, sum(returned_unaccepted) AS m, sum(returned_on_dissolution) AS d
                      FROM quota_day_figure WHERE donor_province = $1 GROUP BY 1),
       counted_quota AS (SELECT day, quota_set AS s, returned_unaccepted AS m, returned_on_dissolution AS d FROM quota_day_counted WHERE donor_province = $1),
       counted_people AS (SELECT * FROM aid_participant_counted WHERE left(region, 2) = $1),
       kept_people AS (SELECT * FROM aid_participant WHERE left(region, 2) = $1)
  SELECT 'families ' || to_char(day, 'YYYY-MM-DD') || ' region ' || region || ': kept ' || coalesce(k.e, 0) || ' established, '
         || coalesce(k.x, 0) || ' ended; the tables count ' || coalesce(c.e, 0) || ' and ' || coalesce(c.x, 0) AS said, NULL::text[] AS amounts
  FROM kept_families k FULL JOIN counted_families c USING (day, region)
  WHERE coalesce(k.e, 0) <> coalesce(c.e, 0) OR coalesce(k.x, 0) <> coalesce(c.x, 0)
  UNION ALL
  SELECT 'quota flows ' || to_char(day, 'YYYY-MM-DD') || ' of donors of ' || $1 || ' (set, returned at 06:00, returned on ending): kept',
         ARRAY[coalesce(k.s, 0), coalesce(k.m, 0), coalesce(k.d, 0), coalesce(c.s, 0), coalesce(c.m, 0), coalesce(c.d, 0)]::text[]
  FROM kept_quota k FULL JOIN counted_quota c USING (day)
  WHERE coalesce(k.s, 0) <> coalesce(c.s, 0) OR coalesce(k.m, 0) <> coalesce(c.m, 0) OR coalesce(k.d, 0) <> coalesce(c.d, 0)
  UNION ALL
  SELECT 'participants: ' || (SELECT count(*) FROM (SELECT * FROM kept_people EXCEPT SELECT * FROM counted_people) x)
         || ' kept that the tables do not count, ' || (SELECT count(*) FROM (SELECT * FROM counted_people EXCEPT SELECT * FROM kept_people) x)
         || ' counted that are not kept', NULL
  WHERE EXISTS (SELECT * FROM kept_people EXCEPT SELECT * FROM counted_people) OR EXISTS (SELECT * FROM counted_people EXCEPT SELECT * FROM kept_people)`;

const yuan = (fen: string) => `${formatYuan(fenFromDb(fen))} yuan`;

export async function breakdownDifferences(db: DataSource, province: string): Promise<string[]> {
  const rows: { said: string; amounts: string[] | null }[] = await db.query(KEPT_AGAINST_COUNTED, [province]);
  return rows.map(({ said, amounts }) =>
    amounts
      ? `national figure ${said} ${amounts.slice(0, 3).map(yuan).join(', ')}; the tables count ${amounts.slice(3).map(yuan).join(', ')}`
      : `national figure ${said}`,
  );
}
