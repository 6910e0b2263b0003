import type { DataSource } from 'typeorm';
import { type Fen, fenFromDb, formatYuan } from '../../common/domain/money';
import type { LedgerAudit } from '../../province/accounts/ledger-audit';
import type { ProvinceDirectory } from '../provinces/province-directory';
import { statisticsDifferences } from '../statistics/kept-figures';
import { unappliedHoldMovements } from '../steps/province-steps';
import { entriesMissing } from '../restore/restore-heal';
import { type AccountMoveRecord, MoveState, movesTouching } from '../persons/account-moves';
import { provinceOfRegion } from '../../common/domain/reference-data';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import { platformNow } from '../../common/platform/clock';
import { keepReconciliation } from './reconciliation-results';

/**
 * R20 on live data, for one province: every account row equals its ledger, every member's held
 * money equals their holds, every hold equals the unspent quota it backs (allowing for the
 * province steps not yet applied), and every movement national has had the province book has its
 * ledger entries (a database restored from an earlier backup lacks those since). Transfers still PENDING are in flight, not differences; so are
 * accounts moving out or in (R31), booked on one side and not yet the other. The province's own kept
 * figures, and the national R23 figures of its regions, equal a full count. The outcome is kept as
 * the province's last reconciliation, which /metrics reports (wallet_reconciliation_differences).
 */
export interface ReconciliationReport {
  province: string;
  checkedAt: Date;
  heldInProvince: Fen;
  unspentQuota: Fen;
  inFlightTransfers: number;
  unappliedSteps: number;
  inFlightMoves: number;
  differences: string[];
}

export async function reconcile(
  db: DataSource,
  provinces: ProvinceDirectory,
  province: string,
  options: { keep: boolean } = { keep: true },
): Promise<ReconciliationReport> {
  const [audit, lots, pending, unapplied, [{ steps }], moves, statistics, missing] = await Promise.all([
    provinces.call(province, 'ledgerAudit', {}, { read: true }),
    db.query(
      `SELECT id, state, amount - spent + restored - released AS available FROM transfer
       WHERE donor_province = $1 AND state <> 'PENDING'`,
      [province],
    ) as Promise<{ id: string; state: string; available: string }[]>,
    db.query(`SELECT id FROM transfer WHERE donor_province = $1 AND state = 'PENDING'`, [province]) as Promise<
      { id: string }[]
    >,
    unappliedHoldMovements(db, province),
    db.query(`SELECT count(*)::int AS steps FROM province_step WHERE province = $1 AND applied_at IS NULL`, [
      province,
    ]) as Promise<{ steps: number }[]>,
    movesTouching(db, province),
    statisticsDifferences(db, province),
    entriesMissing(db, provinces, province),
  ]);
  const differences: string[] = [];
  for (const row of audit.accountRowsNotMatchingLedger) {
    differences.push(
      `account ${row.memberId} ${row.fundSource}: balance ${row.balance} held ${row.held}, ledger says ${row.ledgerBalance} and ${row.ledgerHeld} (fen)`,
    );
  }
  for (const row of audit.heldNotMatchingHolds) {
    differences.push(
      `account ${row.memberId} ${row.fundSource}: held ${row.held} fen but its holds hold ${row.holdsOutstanding} fen`,
    );
  }
  for (const row of audit.figuresNotMatchingTables) {
    differences.push(`province figure ${row.figure}: kept ${row.kept}, the tables count ${row.counted}`);
  }
  differences.push(...statistics);
  differences.push(...missing);
  const inFlight = new Set(pending.map((p) => p.id));
  const holds = new Map(audit.holds.map((h) => [h.id, fenFromDb(h.outstanding)]));
  let unspentQuota = 0n;
  for (const lot of lots) {
    const available = lot.state === 'COMMITTED' ? fenFromDb(lot.available) : 0n;
    unspentQuota += available;
    const expected = available + (unapplied.get(lot.id) ?? 0n);
    const actual = holds.get(lot.id) ?? 0n;
    if (expected !== actual) {
      differences.push(
        `hold ${lot.id}: province holds ${formatYuan(actual)}, the quota it backs is ${formatYuan(expected)} yuan`,
      );
    }
    holds.delete(lot.id);
  }
  for (const [holdId, outstanding] of holds) {
    if (!inFlight.has(holdId) && outstanding !== 0n) {
      differences.push(`hold ${holdId}: holds ${formatYuan(outstanding)} yuan for no transfer`);
    }
  }
  const inFlightMoves = reconcileMoves(province, audit, moves, differences);
  const checkedAt = platformNow();
  if (options.keep) await keepReconciliation(db, { province, checkedAt, differences });
  return {
    province,
    checkedAt,
    heldInProvince: fenFromDb(audit.totalHeld),
    unspentQuota,
    inFlightTransfers: inFlight.size,
    unappliedSteps: steps,
    inFlightMoves,
    differences,
  };
}

/**
 * R31: what the province booked for each moved account equals what national recorded the move as,
 * on the way out and on the way in; a membership whose account moved holds nothing. A move booked on
 * one side and not yet on the other is in flight. Returns how many are.
 */
function reconcileMoves(
  province: string,
  audit: LedgerAudit,
  moves: AccountMoveRecord[],
  differences: string[],
): number {
  const booked = new Map(audit.moves.map((m) => [`${m.operationId} ${m.kind}`, fenFromDb(m.amount)]));
  const check = (move: AccountMoveRecord, kind: 'TRANSFER_OUT' | 'TRANSFER_IN', recorded: Fen) => {
    const amount = booked.get(`${move.id} ${kind}`) ?? 0n;
    if (amount !== recorded)
      differences.push(
        `move ${move.id}: ${kind} booked ${formatYuan(amount)} yuan, recorded as ${formatYuan(recorded)}`,
      );
  };
  for (const move of moves) {
    const recorded =
      move.currentYear === null || move.accumulated === null ? undefined : move.currentYear + move.accumulated;
    const out = provinceOfMemberId(move.fromMember) === province;
    const into = provinceOfRegion(move.toRegion) === province;
    if (out && recorded !== undefined) check(move, 'TRANSFER_OUT', recorded);
    if (into && move.state === MoveState.MOVED) check(move, 'TRANSFER_IN', recorded ?? 0n);
    // Booked on one side and not yet on the other: in flight, not a difference.
    if (out) booked.delete(`${move.id} TRANSFER_OUT`);
    if (into) booked.delete(`${move.id} TRANSFER_IN`);
  }
  for (const [entry, amount] of booked)
    differences.push(
      `${entry.split(' ')[1]} of ${formatYuan(amount)} yuan for no recorded move (${entry.split(' ')[0]})`,
    );
  const movedAway = new Set(moves.filter((m) => m.state === MoveState.MOVED).map((m) => m.fromMember));
  for (const ended of audit.endedWithBalance.filter((e) => movedAway.has(e.memberId))) {
    differences.push(
      `account ${ended.memberId} moved away but its ended membership still holds ${formatYuan(fenFromDb(ended.balance))} yuan`,
    );
  }
  return moves.filter((m) => m.state !== MoveState.MOVED).length;
}
