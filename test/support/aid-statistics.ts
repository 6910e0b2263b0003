import assert from 'node:assert/strict';
import {
  type AidCategoryName,
  DASHBOARD_QUERY,
  type DashboardFigures,
  type DashboardStatistics,
  type InsuranceTypeName,
} from '../../subgraphs/national/statistics/dashboard-query';
import type { TestCluster, Who } from './cluster-fixture';

/** R23 as the dashboard page and the portals ask for it, and the same figures counted by the test itself. */
export async function statistics(
  cluster: TestCluster,
  who: Who,
  variables: {
    from: string;
    to: string;
    province?: string;
    unit?: 'MONTH' | 'WEEK' | 'DAY';
    category?: AidCategoryName;
    insuranceType?: InsuranceTypeName;
  },
) {
  return (await cluster.as(who).ok<{ aidStatistics: DashboardStatistics }>(DASHBOARD_QUERY, variables)).aidStatistics;
}

const yuan = (fen: string | number | bigint) => {
  const value = BigInt(fen);
  const abs = value < 0n ? -value : value;
  return `${value < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

export interface Recount {
  /** By region where spent: within and cross-province count and amount. */
  regions: Map<
    string,
    Pick<
      DashboardFigures,
      'withinProvinceCount' | 'withinProvinceAmount' | 'crossProvinceCount' | 'crossProvinceAmount'
    >
  >;
  /** Debtor → creditor province: net amount. */
  clearing: Map<string, string>;
  walletsByRegion: Map<string, number>;
  outstandingByRegion: Map<string, string>;
}

/**
 * A full count from the national tables, written apart from the kept figures and their views:
 * every settled settlement's quota uses less what refunds gave back (quota_use.refunded), by the
 * region where it was spent and the donor's province. All of a test's aid happens in one period.
 */
export async function recount(cluster: TestCluster): Promise<Recount> {
  const aid = await cluster.sql<{ region: string; within: boolean; count: number; amount: string }>(
    'national',
    `
    SELECT region, donor_province = left(region, 2) AS within, count(DISTINCT (s.id, donor_province))::int AS count,
           sum(u.amount - u.refunded)::text AS amount
    FROM (SELECT s.*, CASE s.kind WHEN 'EXPENSE' THEN s.details->>'institutionRegion' ELSE left(s.beneficiary_id, 6) END AS region
          FROM settlement s WHERE s.state = 'SETTLED') s
      JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    GROUP BY 1, 2`,
  );
  const regions: Recount['regions'] = new Map();
  const clearing = new Map<string, bigint>();
  for (const row of aid) {
    const figures = regions.get(row.region) ?? {
      withinProvinceCount: 0,
      withinProvinceAmount: '0.00',
      crossProvinceCount: 0,
      crossProvinceAmount: '0.00',
    };
    if (row.within) Object.assign(figures, { withinProvinceCount: row.count, withinProvinceAmount: yuan(row.amount) });
    else Object.assign(figures, { crossProvinceCount: row.count, crossProvinceAmount: yuan(row.amount) });
    regions.set(row.region, figures);
  }
  const lines = await cluster.sql<{ debtor: string; creditor: string; amount: string }>(
    'national',
    `
    SELECT t.donor_province AS debtor, s.spending_province AS creditor, sum(u.amount - u.refunded)::text AS amount
    FROM settlement s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    WHERE s.state = 'SETTLED' AND t.donor_province <> s.spending_province GROUP BY 1, 2`,
  );
  for (const line of lines) clearing.set(`${line.debtor}→${line.creditor}`, BigInt(line.amount));
  const wallets = await cluster.sql<{ region: string; n: number }>(
    'national',
    `
    SELECT left(w.member_id, 6) AS region, count(*)::int AS n FROM wallet w
    WHERE NOT EXISTS (SELECT 1 FROM person p JOIN ended_membership e ON e.id_number = p.id_number
                      JOIN wallet o ON o.member_id = e.member_id AND o.activated_at = w.activated_at
                      WHERE p.member_id = w.member_id AND o.member_id <> w.member_id)
    GROUP BY 1`,
  );
  const outstanding = await cluster.sql<{ region: string; amount: string }>(
    'national',
    `
    SELECT left(donor_id, 6) AS region, sum(amount - spent + restored - released)::text AS amount
    FROM transfer WHERE state = 'COMMITTED' GROUP BY 1`,
  );
  return {
    regions,
    clearing: new Map([...clearing].map(([k, v]) => [k, yuan(v)])),
    walletsByRegion: new Map(wallets.map((w) => [w.region, w.n])),
    outstandingByRegion: new Map(outstanding.map((o) => [o.region, yuan(o.amount)])),
  };
}

/** The API's figures of every region and the clearing between provinces equal the test's own full count. */
export async function assertEqualsRecount(
  cluster: TestCluster,
  api: DashboardStatistics,
  step: string,
): Promise<Recount> {
  const counted = await recount(cluster);
  for (const r of api.regions) {
    const expected = counted.regions.get(r.poolingRegion.code) ?? {
      withinProvinceCount: 0,
      withinProvinceAmount: '0.00',
      crossProvinceCount: 0,
      crossProvinceAmount: '0.00',
    };
    const { withinProvinceCount, withinProvinceAmount, crossProvinceCount, crossProvinceAmount } = r;
    assert.deepEqual(
      { withinProvinceCount, withinProvinceAmount, crossProvinceCount, crossProvinceAmount },
      expected,
      `${step}: region ${r.poolingRegion.code}`,
    );
    assert.equal(
      r.walletsActivatedToDate,
      counted.walletsByRegion.get(r.poolingRegion.code) ?? 0,
      `${step}: wallets of ${r.poolingRegion.code}`,
    );
    assert.equal(
      r.quotaOutstanding,
      counted.outstandingByRegion.get(r.poolingRegion.code) ?? '0.00',
      `${step}: quota of ${r.poolingRegion.code}`,
    );
  }
  assert.deepEqual(
    new Map(api.clearing.map((l) => [`${l.debtor.code}→${l.creditor.code}`, l.amount])),
    counted.clearing,
    `${step}: clearing`,
  );
  return counted;
}
