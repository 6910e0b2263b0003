import type { Queryable } from '../../common/platform/data/request-reads';
import type { AidFilter } from './kept-figures';
import { dayBefore } from './period';

/** Distinct donors and beneficiaries of a period. */
export interface People {
  donors: number;
  beneficiaries: number;
}

/**
 * R23's distinct donors and beneficiaries of a period, by province and '' for the whole scope,
 * exact and cheap. Counting `aid_participant` (a row per member, day and slice) for a year costs a
 * third of a second, and 32 dashboards asking at once queued behind it. So a period is cut at
 * today (Beijing, by the platform clock): the days before are counted once and the count kept
 * here, with the sum of `aid_participant_change` over those days (migration ParticipantChanges)
 * it was counted at; today's participants are read each time, less those already counted before.
 * A settlement stamped yesterday and committed today adds to a past day: the sum moves, the
 * statement counts again, so the answer stays exact whatever the clock or the commit order; the
 * cut only decides what is usually kept. One statement: the sum, the past (only when the sum is
 * not the kept one), and today, in one snapshot. The sum goes with the database's oid: a database
 * replaced by a copy under a running service starts its sums again.
 */
const READ = `
  WITH changes AS (
    SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) || ':' || coalesce(sum(changes), 0) AS n
    FROM aid_participant_change WHERE day BETWEEN $1::date AND $6::date),
  today AS (
    SELECT DISTINCT left(region, 2) AS province, role, member_id FROM aid_participant
    WHERE day > $6::date AND day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR left(region, 2) = $3)
      AND ($4::text IS NULL OR category = $4) AND ($5::text IS NULL OR insurance_type = $5)),
  new_in_province AS (
    SELECT * FROM today t WHERE NOT EXISTS (
      SELECT 1 FROM aid_participant p WHERE p.member_id = t.member_id AND p.role = t.role AND p.day BETWEEN $1::date AND $6::date
        AND left(p.region, 2) = t.province AND ($4::text IS NULL OR p.category = $4) AND ($5::text IS NULL OR p.insurance_type = $5))),
  new_in_scope AS (
    SELECT DISTINCT role, member_id FROM today t WHERE NOT EXISTS (
      SELECT 1 FROM aid_participant p WHERE p.member_id = t.member_id AND p.role = t.role AND p.day BETWEEN $1::date AND $6::date
        AND ($3::text IS NULL OR left(p.region, 2) = $3) AND ($4::text IS NULL OR p.category = $4) AND ($5::text IS NULL OR p.insurance_type = $5)))
  SELECT 'changes' AS part, '' AS province, (SELECT n FROM changes) AS donors, NULL AS beneficiaries
  UNION ALL
  SELECT 'past', coalesce(left(region, 2), ''), count(DISTINCT member_id) FILTER (WHERE role = 'DONOR')::text,
         count(DISTINCT member_id) FILTER (WHERE role = 'BENEFICIARY')::text
  FROM aid_participant WHERE $7::text IS DISTINCT FROM (SELECT n FROM changes)
    AND day BETWEEN $1::date AND $6::date AND ($3::text IS NULL OR left(region, 2) = $3)
    AND ($4::text IS NULL OR category = $4) AND ($5::text IS NULL OR insurance_type = $5)
  GROUP BY GROUPING SETS ((left(region, 2)), ())
  UNION ALL
  SELECT 'today', province, count(*) FILTER (WHERE role = 'DONOR')::text, count(*) FILTER (WHERE role = 'BENEFICIARY')::text
  FROM new_in_province GROUP BY province
  UNION ALL
  SELECT 'today', '', count(*) FILTER (WHERE role = 'DONOR')::text, count(*) FILTER (WHERE role = 'BENEFICIARY')::text
  FROM new_in_scope`;

type Row = { part: 'changes' | 'past' | 'today'; province: string; donors: string; beneficiaries: string | null };

interface KeptPast {
  changes: string;
  people: Map<string, People>;
}

/** The counts of past days, by first day, last day, scope and filter; the oldest go first past this many. */
const MOST_KEPT = 256;
const keptPast = new Map<string, KeptPast>();
const counting = new Map<string, Promise<void>>();

function keep(key: string, past: KeptPast): void {
  keptPast.delete(key);
  keptPast.set(key, past);
  if (keptPast.size > MOST_KEPT) keptPast.delete(keptPast.keys().next().value as string);
}

/** `first`, `last`: the period's days, both included; `today`: the Beijing day now, by the platform clock. */
export async function readDistinctPeople(
  db: Queryable,
  first: string,
  last: string,
  today: string,
  scope: string | undefined,
  filter: AidFilter,
): Promise<Map<string, People>> {
  const pastLast = last < today ? last : dayBefore(today);
  const key = [first, pastLast, scope ?? '', filter.category ?? '', filter.insuranceType ?? ''].join(' ');
  // Dashboards opened at once before anything is kept wait for the first count, not each its own.
  await counting.get(key);
  const kept = keptPast.get(key);
  const answer = count(
    db,
    [first, last, scope ?? null, filter.category ?? null, filter.insuranceType ?? null, pastLast],
    key,
    kept,
  );
  if (!kept) {
    const done = answer.then(
      () => undefined,
      () => undefined,
    );
    counting.set(key, done);
    void done.then(() => counting.get(key) === done && counting.delete(key));
  }
  return answer;
}

async function count(
  db: Queryable,
  parameters: (string | null)[],
  key: string,
  kept: KeptPast | undefined,
): Promise<Map<string, People>> {
  const rows: Row[] = await db.query(READ, [...parameters, kept?.changes ?? null]);
  const changes = (rows.find((row) => row.part === 'changes') as Row).donors;
  let past = kept;
  if (past?.changes !== changes) {
    past = { changes, people: new Map() };
    for (const row of rows.filter((r) => r.part === 'past')) {
      past.people.set(row.province, { donors: Number(row.donors), beneficiaries: Number(row.beneficiaries) });
    }
    keep(key, past);
  }
  const people = new Map([...past.people].map(([province, counts]) => [province, { ...counts }]));
  for (const row of rows.filter((r) => r.part === 'today')) {
    const counts = people.get(row.province) ?? { donors: 0, beneficiaries: 0 };
    counts.donors += Number(row.donors);
    counts.beneficiaries += Number(row.beneficiaries);
    people.set(row.province, counts);
  }
  return people;
}
