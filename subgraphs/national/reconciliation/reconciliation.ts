import type { DataSource } from 'typeorm';
import { type Fen, fenFromDb, formatYuan } from '../../common/money';
import type { LedgerAudit } from '../../province/accounts/ledger-audit';
import type { ProvinceDirectory } from '../provinces/province-directory';
import { statisticsDifferences } from '../statistics/kept-figures';
import { unappliedHoldMovements } from '../steps/province-steps';

/**
 * R20 on live data, for one province: every account row equals its ledger, every member's held
 * money equals their holds, and every hold equals the unspent quota it backs (allowing for the
 * province steps not yet applied). Transfers still PENDING are in flight, not differences. The
 * province's own kept figures, and the national R23 figures of its regions, equal a full count.
 */
export interface ReconciliationReport {
  province: string;
  checkedAt: Date;
  heldInProvince: Fen;
  unspentQuota: Fen;
  inFlightTransfers: number;
  unappliedSteps: number;
  differences: string[];
}


export async function reconcile(db: DataSource, provinces: ProvinceDirectory, province: string): Promise<ReconciliationReport> {
  const [audit, lots, pending, unapplied, [{ steps }], statistics] = await Promise.all([
    provinces.call<LedgerAudit>(province, 'ledgerAudit', {}),
    db.query(
      `SELECT id, state, amount - spent + restored - released AS available FROM transfer
       WHERE donor_province = $1 AND state <> 'PENDING'`,
      [province],
    ) as Promise<{ id: string; state: string; available: string }[]>,
    db.query(`SELECT id FROM transfer WHERE donor_province = $1 AND state = 'PENDING'`, [province]) as Promise<{ id: string }[]>,
    unappliedHoldMovements(db, province),
    db.query(`SELECT count(*)::int AS steps FROM province_step WHERE province = $1 AND applied_at IS NULL`, [province]) as Promise<{ steps: number }[]>,
    statisticsDifferences(db, province),
  ]);
  const differences: string[] = [];
  for (const row of audit.accountRowsNotMatchingLedger) {
    differences.push(`account ${row.memberId} ${row.fundSource}: balance ${row.balance} held ${row.held}, ledger says ${row.ledgerBalance} and ${row.ledgerHeld} (fen)`);
  }
  for (const row of audit.heldNotMatchingHolds) {
    differences.push(`account ${row.memberId} ${row.fundSource}: held ${row.held} fen but its holds hold ${row.holdsOutstanding} fen`);
  }
  for (const row of audit.figuresNotMatchingTables) {
    differences.push(`province figure ${row.figure}: kept ${row.kept}, the tables count ${row.counted}`);
  }
  differences.push(...statistics);
  const inFlight = new Set(pending.map((p) => p.id));
  const holds = new Map(audit.holds.map((h) => [h.id, fenFromDb(h.outstanding)]));
  let unspentQuota = 0n;
  for (const lot of lots) {
    const available = lot.state === 'COMMITTED' ? fenFromDb(lot.available) : 0n;
    unspentQuota += available;
    const expected = available + (unapplied.get(lot.id) ?? 0n);
    const actual = holds.get(lot.id) ?? 0n;
    if (expected !== actual) {
      differences.push(`hold ${lot.id}: province holds ${formatYuan(actual)}, the quota it backs is ${formatYuan(expected)} yuan`);
    }
    holds.delete(lot.id);
  }
  for (const [holdId, outstanding] of holds) {
    if (!inFlight.has(holdId) && outstanding !== 0n) {
      differences.push(`hold ${holdId}: holds ${formatYuan(outstanding)} yuan for no transfer`);
    }
  }
  return {
    province,
    checkedAt: new Date(),
    heldInProvince: fenFromDb(audit.totalHeld),
    unspentQuota,
    inFlightTransfers: inFlight.size,
    unappliedSteps: steps,
    differences,
  };
}
