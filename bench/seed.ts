import { Client } from 'pg';
import { nextBeijingSixAm } from '../subgraphs/common/platform/clock';
import {
  HOLD_FEN,
  memberIdSql,
  nextProvince,
  PILOT_REGION,
  peopleSql,
  relationshipIdSql,
  type SeedShape,
  transferIdSql,
} from './seed-people';
import { nationalPastAid, provincePastAid, SPENT_TRANSFER_AGE } from './seed-settlements';

/**
 * Bulk-loads the data set with INSERT … SELECT … FROM generate_series straight into each database
 * (GraphQL would take hours), keeping what the code relies on: account rows equal to their ledger
 * entries, one hold per seeded transfer with the same id and amount, a person row for every
 * member, the member_number sequence past the numbers used. Runs after the services migrated.
 */
async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function inTransaction(client: Client, statements: string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** When the seeded transfers were made: two days ago, so today's R24 counts start at zero. */
function seedTimes(): { made: Date; acceptBy: Date; accepted: Date } {
  const made = new Date(Date.now() - 2 * 86_400_000);
  return { made, acceptBy: nextBeijingSixAm(made), accepted: new Date(made.getTime() + 3_600_000) };
}

const timestamp = (time: Date) => `'${time.toISOString()}'::timestamptz`;

export async function seedProvince(
  url: string,
  province: string,
  provinces: string[],
  shape: SeedShape,
): Promise<void> {
  const { made } = seedTimes();
  const pastAid = provincePastAid(province, provinces, shape);
  await withClient(url, async (client) => {
    await inTransaction(client, [
      `CREATE TEMP TABLE seed_people ON COMMIT DROP AS ${peopleSql(province, shape)}`,
      pastAid.aid,
      `INSERT INTO member (id, id_number, name, insurance_type, pooling_region, enrolled_at)
       SELECT member_id, id_number, name, insurance_type, pooling_region, enrolled_at FROM seed_people ORDER BY n`,
      // A donor's current year is less what their past aid (seed-settlements.ts) spent.
      `INSERT INTO account (member_id, fund_source, balance, held)
       SELECT member_id, f.fund_source,
              CASE f.fund_source WHEN 'CURRENT_YEAR' THEN current_year - coalesce(spent.total, 0) ELSE accumulated END,
              CASE WHEN f.fund_source = 'CURRENT_YEAR' AND role = 'donor' THEN ${HOLD_FEN} ELSE 0 END
       FROM seed_people CROSS JOIN (VALUES ('CURRENT_YEAR'), ('ACCUMULATED')) AS f (fund_source)
         LEFT JOIN (SELECT donor_id, spent_total AS total FROM seed_past_aid WHERE j = 1) spent ON spent.donor_id = member_id
       WHERE insurance_type = 'EMPLOYEE' ORDER BY n, f.fund_source DESC`,
      // Contributions, the past aid's hold and captures, then today's holds: the ledger reads in the order it happened.
      `INSERT INTO account_entry (member_id, fund_source, kind, balance_delta, held_delta, operation_id, hold_id, created_at)
       SELECT member_id, fund_source, kind, balance_delta, held_delta, operation_id, hold_id, created_at FROM (
         SELECT 1 AS step, n, member_id, f.fund_source, 'CONTRIBUTION' AS kind,
                CASE f.fund_source WHEN 'CURRENT_YEAR' THEN current_year ELSE accumulated END AS balance_delta,
                0 AS held_delta, 'credit:bench-seed-' || member_id || '-' || f.fund_source AS operation_id,
                NULL::text AS hold_id, enrolled_at AS created_at
         FROM seed_people CROSS JOIN (VALUES ('CURRENT_YEAR'), ('ACCUMULATED')) AS f (fund_source)
         WHERE insurance_type = 'EMPLOYEE'
         UNION ALL
         ${pastAid.entries}
         UNION ALL
         SELECT 4, n, member_id, 'CURRENT_YEAR', 'HOLD_PLACED', 0, ${HOLD_FEN}, hold_id, hold_id, ${timestamp(made)}
         FROM seed_people WHERE role = 'donor'
       ) e WHERE balance_delta <> 0 OR held_delta <> 0 ORDER BY step, n, created_at, fund_source DESC`,
      pastAid.holds,
      `INSERT INTO hold (id, member_id, fund_source, amount, created_at)
       SELECT hold_id, member_id, 'CURRENT_YEAR', ${HOLD_FEN}, ${timestamp(made)} FROM seed_people WHERE role = 'donor' ORDER BY n`,
      `SELECT setval('member_number', ${shape.members})`,
    ]);
    await client.query('ANALYZE');
  });
}

export async function seedNational(url: string, provinces: string[], shape: SeedShape): Promise<void> {
  const { made, acceptBy, accepted } = seedTimes();
  const people = provinces.map((p) => `SELECT * FROM (${peopleSql(p, shape)}) AS people_${p}`).join(' UNION ALL ');
  const aid = provinces
    .map((p) => {
      const k = 'k';
      return `SELECT '${p}'::text AS donor_province, ${relationshipIdSql(p, k)} AS relationship_id, ${transferIdSql(p, k)} AS transfer_id,
                   ${memberIdSql(PILOT_REGION[p], k)} AS donor_id,
                   ${memberIdSql(PILOT_REGION[nextProvince(provinces, p)], `${shape.donors} + k`)} AS beneficiary_id,
                   'bench-seed-transfer-${p}-' || k AS idempotency_key
            FROM generate_series(1, ${shape.donors}) AS k`;
    })
    .join(' UNION ALL ');
  await withClient(url, async (client) => {
    await inTransaction(client, [
      `CREATE TEMP TABLE seed_people ON COMMIT DROP AS ${people}`,
      `CREATE TEMP TABLE seed_aid ON COMMIT DROP AS ${aid}`,
      `INSERT INTO person (id_number, member_id, name, insurance_type, pooling_region, state, created_at)
       SELECT id_number, member_id, name, insurance_type, pooling_region, 'ACTIVE', enrolled_at FROM seed_people`,
      `INSERT INTO wallet (member_id, activated_at, phone, place_of_use, opened_by)
       SELECT member_id, enrolled_at + interval '1 day', '139' || lpad(((n * 7919) % 100000000)::text, 8, '0'),
              pooling_region, 'SELF'
       FROM seed_people WHERE wallet`,
      `INSERT INTO relationship (id, donor_id, beneficiary_id, relation, channel, commitment_version, commitment_signed_at,
         status, established_at, consented_at, consent_channel)
       SELECT relationship_id, donor_id, beneficiary_id, 'PARENT', 'NATIONAL_APP', '2024-v1',
              now() - ${SPENT_TRANSFER_AGE} - interval '1 day 1 hour', 'ACTIVE', now() - ${SPENT_TRANSFER_AGE} - interval '1 day',
              now() - ${SPENT_TRANSFER_AGE} - interval '23 hours', 'NATIONAL_APP'
       FROM seed_aid`,
      `INSERT INTO transfer (id, idempotency_key, relationship_id, donor_province, fund_source, amount, state,
         created_at, committed_at, donor_id, accept_by, accepted_at)
       SELECT transfer_id, idempotency_key, relationship_id, donor_province, 'CURRENT_YEAR', ${HOLD_FEN}, 'COMMITTED',
              ${timestamp(made)}, ${timestamp(made)}, donor_id, ${timestamp(acceptBy)}, ${timestamp(accepted)}
       FROM seed_aid`,
      ...nationalPastAid(provinces, shape),
    ]);
    await client.query('ANALYZE');
  });
}
