import { memberIdSql, nextProvince, PILOT_REGION, type SeedShape } from './seed-people';

/**
 * A year of past aid for the R23 statistics: every seeded donor k of province P once set an older
 * transfer to the same beneficiary, which SETTLEMENTS_PER_DONOR payments then spent whole:
 *   j = 1, 3, 5  at a hospital of the beneficiary's pilot region (next province: across provinces),
 *   j = 2, 4, 6  at a hospital of the donor's pilot region (within the donor's province),
 *   j = 7        the beneficiary's resident-insurance premium (their own region: across),
 * each of 1.00 to 20.00 yuan, settled at a time spread over the last 365 days. The donor's
 * province holds that transfer's hold fully captured, one ledger entry per payment, so R20 holds;
 * cross-province payments have their clearing entries (R22). The national rows go in as the code
 * writes them (PENDING, quota uses, then SETTLED), so the R23 triggers keep the figures.
 * With N members per province: 3 × 7 × N/20 settlements (105,000 at N = 100,000).
 */
export const SETTLEMENTS_PER_DONOR = 7;

/** When the spent transfers were made: before every seeded settlement. */
export const SPENT_TRANSFER_AGE = "interval '400 days'";

const quotaFen = (k: string, j: string) => `(100 + ((${k} * 37 + ${j} * 101) % 1901))::bigint`;
const spentTotalFen = (k: string) =>
  `(SELECT sum(${quotaFen(k, 'j')}) FROM generate_series(1, ${SETTLEMENTS_PER_DONOR}) AS j)::bigint`;
export const spentTransferIdSql = (province: string, k: string) =>
  `md5('bench-spent-transfer-${province}-' || ${k})::uuid::text`;
const settlementIdSql = (province: string, k: string, j: string) =>
  `md5('bench-settlement-${province}-' || ${k} || '-' || ${j})::uuid::text`;
const settledAt = (k: string, j: string) =>
  `now() - make_interval(days => ((${k} * 7 + ${j} * 53) % 365)::int, mins => ((${k} * 13 + ${j}) % 1440)::int)`;

/**
 * SELECT province, k, j, settlement_id, spent_transfer_id, donor_id, beneficiary_id, kind, region,
 * spending_province, quota (fen), spent_total (fen), settled_at: the same rows in every database.
 */
export function pastAidSql(provinces: string[], shape: SeedShape): string {
  return provinces
    .map((p) => {
      const next = nextProvince(provinces, p);
      return `
      SELECT '${p}'::text AS province, k, j, ${settlementIdSql(p, 'k', 'j')} AS settlement_id, ${spentTransferIdSql(p, 'k')} AS spent_transfer_id,
             ${memberIdSql(PILOT_REGION[p], 'k')} AS donor_id, ${memberIdSql(PILOT_REGION[next], `${shape.donors} + k`)} AS beneficiary_id,
             CASE WHEN j = ${SETTLEMENTS_PER_DONOR} THEN 'PREMIUM' ELSE 'EXPENSE' END AS kind,
             CASE WHEN j % 2 = 0 AND j < ${SETTLEMENTS_PER_DONOR} THEN '${PILOT_REGION[p]}' ELSE '${PILOT_REGION[next]}' END AS region,
             CASE WHEN j % 2 = 0 AND j < ${SETTLEMENTS_PER_DONOR} THEN '${p}' ELSE '${next}' END AS spending_province,
             ${quotaFen('k', 'j')} AS quota, ${spentTotalFen('k')} AS spent_total, ${settledAt('k', 'j')} AS settled_at
      FROM generate_series(1, ${shape.donors}) AS k CROSS JOIN generate_series(1, ${SETTLEMENTS_PER_DONOR}) AS j`;
    })
    .join(' UNION ALL ');
}

/** The national statements, after seed_aid (the relationships) exists. */
export function nationalPastAid(provinces: string[], shape: SeedShape): string[] {
  return [
    `CREATE TEMP TABLE seed_past_aid ON COMMIT DROP AS ${pastAidSql(provinces, shape)}`,
    `INSERT INTO transfer (id, idempotency_key, relationship_id, donor_province, fund_source, amount, spent, state,
       created_at, committed_at, donor_id, accept_by, accepted_at)
     SELECT DISTINCT ON (p.spent_transfer_id) p.spent_transfer_id, 'bench-spent-' || p.spent_transfer_id,
            a.relationship_id, p.province, 'CURRENT_YEAR', p.spent_total, p.spent_total, 'COMMITTED',
            now() - ${SPENT_TRANSFER_AGE}, now() - ${SPENT_TRANSFER_AGE}, p.donor_id,
            now() - ${SPENT_TRANSFER_AGE} + interval '1 day', now() - ${SPENT_TRANSFER_AGE} + interval '1 hour'
     FROM seed_past_aid p JOIN seed_aid a ON a.donor_id = p.donor_id ORDER BY p.spent_transfer_id`,
    `INSERT INTO settlement (id, idempotency_key, kind, beneficiary_id, spending_province, details, amount, quota_paid, state, created_at)
     SELECT settlement_id, 'bench-settlement-' || settlement_id, kind, beneficiary_id, spending_province,
            CASE kind WHEN 'PREMIUM' THEN jsonb_build_object('premiumKind', 'RESIDENT_MEDICAL_INSURANCE')
                 ELSE jsonb_build_object('institutionKind', 'DESIGNATED_HOSPITAL', 'institutionName', '定点医院', 'institutionRegion', region,
                                         'category', 'OUTPATIENT', 'authMethod', 'E_CODE', 'credentialHolder', beneficiary_id) END,
            quota, quota, 'PENDING', settled_at
     FROM seed_past_aid ORDER BY settled_at`,
    `INSERT INTO quota_use (settlement_id, transfer_id, amount) SELECT settlement_id, spent_transfer_id, quota FROM seed_past_aid`,
    `INSERT INTO clearing_entry (operation_id, debtor_province, creditor_province, amount, created_at)
     SELECT settlement_id, province, spending_province, quota, settled_at FROM seed_past_aid WHERE province <> spending_province
     ORDER BY settled_at`,
    `UPDATE settlement SET state = 'SETTLED', settled_at = created_at WHERE idempotency_key LIKE 'bench-settlement-%'`,
  ];
}

/** The province's side: the spent holds, fully captured, one capture entry per payment, in time order. */
export function provincePastAid(
  province: string,
  provinces: string[],
  shape: SeedShape,
): { aid: string; holds: string; entries: string } {
  const aid = `CREATE TEMP TABLE seed_past_aid ON COMMIT DROP AS
    SELECT * FROM (${pastAidSql(provinces, shape)}) a WHERE province = '${province}'`;
  const holds = `INSERT INTO hold (id, member_id, fund_source, amount, captured, created_at)
    SELECT DISTINCT ON (spent_transfer_id) spent_transfer_id, donor_id, 'CURRENT_YEAR', spent_total, spent_total, now() - ${SPENT_TRANSFER_AGE}
    FROM seed_past_aid ORDER BY spent_transfer_id`;
  const entries = `
    SELECT 2 AS step, k AS n, donor_id AS member_id, 'CURRENT_YEAR' AS fund_source, 'HOLD_PLACED' AS kind, 0::bigint AS balance_delta,
           spent_total AS held_delta, spent_transfer_id AS operation_id, spent_transfer_id AS hold_id, now() - ${SPENT_TRANSFER_AGE} AS created_at
    FROM seed_past_aid WHERE j = 1
    UNION ALL
    SELECT 3, k, donor_id, 'CURRENT_YEAR', 'HOLD_CAPTURED', -quota, -quota, settlement_id, spent_transfer_id, settled_at
    FROM seed_past_aid`;
  return { aid, holds, entries };
}
