import type { EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen, fenFromDb, formatYuan } from '../../common/domain/money';
import { recordClearing } from '../clearing/clearing';
import { enqueueStep } from '../steps/province-steps';

/**
 * Quota (共济额度) is virtual (R10): each committed transfer is a lot of quota backed by a hold of
 * the same id in the donor's province. A lot's available quota is
 *   amount - spent + restored - released,
 * and the table's CHECK keeps it between 0 and amount. Spending locks the lots it draws on.
 */
export interface QuotaFigures {
  granted: Fen;
  spent: Fen;
  released: Fen;
  /** R19: spent quota refunded after the relationship ended, paid into the donor's own account. */
  refundedToDonor: Fen;
  /** Accepted and unspent: what the beneficiary can spend now. */
  available: Fen;
  /** R25: arrived but not yet accepted. */
  awaitingAcceptance: Fen;
}

const ZERO: QuotaFigures = {
  granted: 0n,
  spent: 0n,
  released: 0n,
  refundedToDonor: 0n,
  available: 0n,
  awaitingAcceptance: 0n,
};
const UNSPENT = 'amount - spent + restored - released';
/** Quota the beneficiary can spend: committed, accepted (R25), not spent or given back. */
const SPENDABLE = `t.state = 'COMMITTED' AND t.accepted_at IS NOT NULL`;

export async function quotaOfRelationships(db: Queryable, ids: readonly string[]): Promise<QuotaFigures[]> {
  const rows: {
    id: string;
    granted: string;
    spent: string;
    released: string;
    refunded: string;
    available: string;
    waiting: string;
  }[] = await db.query(
    `SELECT relationship_id AS id, sum(amount) AS granted, sum(spent - restored) AS spent, sum(released) AS released,
            sum(refunded_to_donor) AS refunded,
            sum(${UNSPENT}) FILTER (WHERE accepted_at IS NOT NULL) AS available,
            sum(${UNSPENT}) FILTER (WHERE accepted_at IS NULL) AS waiting
     FROM transfer WHERE state = 'COMMITTED' AND relationship_id = ANY($1) GROUP BY relationship_id`,
    [ids],
  );
  const byId = new Map(
    rows.map((r) => [
      r.id,
      {
        granted: fenFromDb(r.granted),
        spent: fenFromDb(r.spent),
        released: fenFromDb(r.released),
        refundedToDonor: fenFromDb(r.refunded),
        available: fenFromDb(r.available),
        awaitingAcceptance: fenFromDb(r.waiting),
      },
    ]),
  );
  return ids.map((id) => byId.get(id) ?? ZERO);
}

/** Quota a member has received and not spent, over all their active relationships. */
export async function quotaAvailableTo(db: Queryable, beneficiaryId: string): Promise<Fen> {
  const [row] = (await db.query(
    `SELECT coalesce(sum(t.amount - t.spent + t.restored - t.released), 0) AS available
     FROM transfer t JOIN relationship r ON r.id = t.relationship_id
     WHERE r.beneficiary_id = $1 AND r.status = 'ACTIVE' AND ${SPENDABLE}`,
    [beneficiaryId],
  )) as { available: string }[];
  return fenFromDb(row.available);
}

export interface QuotaUse {
  transferId: string;
  donorProvince: string;
  amount: Fen;
}

/**
 * R14/R16/R17: draws `amount` of quota for an operation from the beneficiary's lots, oldest
 * relationship and oldest transfer first. 'upTo' takes what there is (the rest is paid in cash);
 * 'all' refuses unless the whole amount is there (R17: premiums are paid wholly from quota).
 * Relationships are locked before lots, as dissolution does, so the two never deadlock.
 */
export async function spendQuota(
  tx: EntityManager,
  beneficiaryId: string,
  amount: Fen,
  mode: 'upTo' | 'all',
  operationId: string,
  spendingProvince: string,
): Promise<QuotaUse[]> {
  await tx.query(`SELECT id FROM relationship WHERE beneficiary_id = $1 AND status = 'ACTIVE' ORDER BY id FOR SHARE`, [
    beneficiaryId,
  ]);
  const lots: { id: string; donor_province: string; available: string }[] = await tx.query(
    `SELECT t.id, t.donor_province, t.amount - t.spent + t.restored - t.released AS available
     FROM transfer t JOIN relationship r ON r.id = t.relationship_id
     WHERE r.beneficiary_id = $1 AND r.status = 'ACTIVE' AND ${SPENDABLE}
       AND t.amount - t.spent + t.restored - t.released > 0
     ORDER BY r.established_at, r.id, t.committed_at, t.id FOR UPDATE OF t`,
    [beneficiaryId],
  );
  const uses: QuotaUse[] = [];
  let rest = amount;
  for (const lot of lots) {
    if (rest === 0n) break;
    const available = fenFromDb(lot.available);
    const take = available < rest ? available : rest;
    uses.push({ transferId: lot.id, donorProvince: lot.donor_province, amount: take });
    rest -= take;
  }
  if (mode === 'all' && rest > 0n) {
    throw new Refusal(
      RefusalCode.INSUFFICIENT_QUOTA,
      `The quota available is ${formatYuan(amount - rest)} yuan, less than the ${formatYuan(amount)} yuan due; a premium is paid wholly from quota or not at all.`,
    );
  }
  for (const use of uses) {
    await tx.query(`UPDATE transfer SET spent = spent + $2 WHERE id = $1`, [use.transferId, String(use.amount)]);
    await tx.query(`INSERT INTO quota_use (settlement_id, transfer_id, amount) VALUES ($1, $2, $3)`, [
      operationId,
      use.transferId,
      String(use.amount),
    ]);
    await enqueueStep(tx, operationId, use.donorProvince, 'captureHold', {
      holdId: use.transferId,
      operationId,
      amount: use.amount,
    });
    await recordClearing(tx, operationId, use.donorProvince, spendingProvince, use.amount);
  }
  return uses;
}

/** R18: returns every unused fen of a relationship's lots to the donor (hold releases). */
export async function releaseAllQuota(tx: EntityManager, relationshipId: string, operationId: string): Promise<Fen> {
  const lots: { id: string; donor_province: string; available: string }[] = await tx.query(
    `SELECT id, donor_province, ${UNSPENT} AS available FROM transfer
     WHERE relationship_id = $1 AND state = 'COMMITTED' AND ${UNSPENT} > 0 ORDER BY id FOR UPDATE`,
    [relationshipId],
  );
  let total = 0n;
  for (const lot of lots) {
    const amount = fenFromDb(lot.available);
    await tx.query(`UPDATE transfer SET released = released + $2 WHERE id = $1`, [lot.id, String(amount)]);
    await enqueueStep(tx, operationId, lot.donor_province, 'releaseHold', { holdId: lot.id, operationId, amount });
    total += amount;
  }
  return total;
}
