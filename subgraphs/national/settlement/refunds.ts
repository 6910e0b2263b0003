import type { EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { FundSource } from '../../common/domain/enums';
import { crashPoint } from '../../common/platform/crash-point';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { requireStaffOf } from '../../common/platform/auth/access';
import { answerOnce, partyOf } from '../../common/platform/data/idempotency';
import { checkAmount, type Fen, fenFromDb, formatYuan } from '../../common/domain/money';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import { recordClearing } from '../clearing/clearing';
import { quotaRefundedEvents } from '../events/wallet-events';
import { currentMembership } from '../persons/account-moves';
import type { NationalContext } from '../context';
import { applySteps, applyStepsOf, enqueueStep, stepsToApply } from '../steps/province-steps';
import { requireSettlement } from './settlement-store';

/**
 * R19: a refund goes back where the money came from. A partial refund undoes the payment in
 * reverse order: cash first, then quota (newest lot first), then the own account (accumulated,
 * then current year). Quota goes back to the quota while the relationship is active, or else to
 * the donor's own account (counted as refunded to the donor on the quota). Money owed to an account
 * that has moved (R31) goes where it went. All decided in one national transaction; the provinces follow.
 */
export interface RefundRequest {
  settlementId: string;
  amount: Fen;
  idempotencyKey: string;
}

export interface RefundRecord {
  id: string;
  settlementId: string;
  amount: Fen;
  cashPart: Fen;
  quotaPart: Fen;
  ownCurrentYear: Fen;
  ownAccumulated: Fen;
  createdAt: Date;
}

interface RefundRow {
  id: string;
  settlement_id: string;
  amount: string;
  cash_part: string;
  quota_part: string;
  own_current_year: string;
  own_accumulated: string;
  created_at: Date;
}

const toRecord = (r: RefundRow): RefundRecord => ({
  id: r.id,
  settlementId: r.settlement_id,
  amount: fenFromDb(r.amount),
  cashPart: fenFromDb(r.cash_part),
  quotaPart: fenFromDb(r.quota_part),
  ownCurrentYear: fenFromDb(r.own_current_year),
  ownAccumulated: fenFromDb(r.own_accumulated),
  createdAt: r.created_at,
});

const COLUMNS = 'id, settlement_id, amount, cash_part, quota_part, own_current_year, own_accumulated, created_at';

export async function refundsOf(db: Queryable, settlementId: string): Promise<RefundRecord[]> {
  const rows: RefundRow[] = await db.query(
    `SELECT ${COLUMNS} FROM refund WHERE settlement_id = $1 ORDER BY created_at, id`,
    [settlementId],
  );
  return rows.map(toRecord);
}

export async function findRefund(db: Queryable, id: string): Promise<RefundRecord | undefined> {
  const rows: RefundRow[] = await db.query(`SELECT ${COLUMNS} FROM refund WHERE id = $1`, [id]);
  return rows.map(toRecord)[0];
}

const min = (a: Fen, b: Fen) => (a < b ? a : b);

export async function refundSettlement(ctx: NationalContext, request: RefundRequest): Promise<RefundRecord> {
  checkAmount(request.amount);
  const claim = { party: partyOf(ctx.caller), operation: 'refundSettlement', key: request.idempotencyKey, request };
  const find = (id: string) => findRefund(ctx.db, id);
  return answerOnce(ctx.db, claim, {
    record: async (tx, id) => {
      await decideRefund(ctx, tx, id, request);
      const [refund] = ((await tx.query(`SELECT ${COLUMNS} FROM refund WHERE id = $1`, [id])) as RefundRow[]).map(
        toRecord,
      );
      return { refund, steps: await stepsToApply(tx, id) };
    },
    complete: async ({ refund, steps }) => {
      crashPoint('decideRefund', 'after');
      await applySteps(ctx.db, ctx.provinces, steps);
      return refund;
    },
    resume: async (id) => {
      await applyStepsOf(ctx.db, ctx.provinces, id);
      return (await find(id)) as RefundRecord;
    },
  });
}

async function decideRefund(
  ctx: NationalContext,
  tx: EntityManager,
  id: string,
  request: RefundRequest,
): Promise<void> {
  const now = ctx.now();
  await stampRefundMonth(tx, now);
  const settlement = await requireSettlement(tx, request.settlementId, 'FOR UPDATE');
  requireStaffOf(
    ctx.caller,
    [settlement.spendingProvince, provinceOfMemberId(settlement.beneficiaryId) ?? ''],
    'refund this settlement',
  );
  if (settlement.state !== 'SETTLED') {
    throw new Refusal(
      RefusalCode.OPERATION_IN_PROGRESS,
      'The settlement is still being completed; refund it once it is settled.',
    );
  }
  const earlier = await refundsOf(tx, settlement.id);
  const refunded = (pick: (r: RefundRecord) => Fen) => earlier.reduce((sum, r) => sum + pick(r), 0n);
  const left = settlement.amount - refunded((r) => r.amount);
  if (request.amount > left) {
    throw new Refusal(
      RefusalCode.REFUND_EXCEEDS_SETTLEMENT,
      `Only ${formatYuan(left)} yuan of this settlement can still be refunded.`,
    );
  }
  let rest = request.amount;
  const take = (available: Fen) => {
    const part = min(rest, available);
    rest -= part;
    return part;
  };
  const cashPart = take(settlement.cashPaid - refunded((r) => r.cashPart));
  const quotaPart = await refundQuota(
    tx,
    id,
    settlement.id,
    settlement.spendingProvince,
    take(settlement.quotaPaid - refunded((r) => r.quotaPart)),
  );
  const ownAccumulated = take(settlement.ownAccumulated - refunded((r) => r.ownAccumulated));
  const ownCurrentYear = take(settlement.ownCurrentYear - refunded((r) => r.ownCurrentYear));
  if (ownAccumulated + ownCurrentYear > 0n) {
    const beneficiary = await currentMembership(tx, settlement.beneficiaryId); // R31: the account may have moved
    await enqueueStep(tx, id, provinceOfMemberId(beneficiary) as string, 'refundToAccount', {
      memberId: beneficiary,
      operationId: id,
      parts: [
        { fundSource: FundSource.ACCUMULATED, amount: ownAccumulated },
        { fundSource: FundSource.CURRENT_YEAR, amount: ownCurrentYear },
      ],
    });
  }
  await tx.query(
    `WITH refunded AS (
       INSERT INTO refund (id, idempotency_key, settlement_id, amount, cash_part, quota_part, own_current_year, own_accumulated, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, settlement_id, quota_part, created_at AS at)
     ${quotaRefundedEvents('refunded')}`,
    [
      id,
      request.idempotencyKey,
      settlement.id,
      String(request.amount),
      String(cashPart),
      String(quotaPart),
      String(ownCurrentYear),
      String(ownAccumulated),
      now,
    ],
  );
}

/**
 * R23 counts the quota a refund takes back in the refund's month. The quota_use trigger that
 * counts it runs before the refund row exists, so the refund's platform time is given to it here,
 * for this transaction only.
 */
async function stampRefundMonth(tx: EntityManager, now: Date): Promise<void> {
  await tx.query(`SELECT set_config('wallet.refunded_at', $1, true)`, [now.toISOString()]);
}

/** The quota part, newest lot first: back to the quota, or to the donor if the relationship ended. */
async function refundQuota(
  tx: EntityManager,
  refundId: string,
  settlementId: string,
  spendingProvince: string,
  amount: Fen,
): Promise<Fen> {
  const uses: {
    transfer_id: string;
    left: string;
    donor_province: string;
    fund_source: FundSource;
    donor_id: string;
    status: string;
  }[] = await tx.query(
    `SELECT u.transfer_id, u.amount - u.refunded AS left, t.donor_province, t.fund_source, r.donor_id, r.status
       FROM quota_use u JOIN transfer t ON t.id = u.transfer_id JOIN relationship r ON r.id = t.relationship_id
       WHERE u.settlement_id = $1 AND u.amount > u.refunded ORDER BY t.committed_at DESC, t.id DESC FOR UPDATE OF u, t`,
    [settlementId],
  );
  let rest = amount;
  for (const use of uses) {
    if (rest === 0n) break;
    const part = min(rest, fenFromDb(use.left));
    rest -= part;
    await tx.query(`UPDATE quota_use SET refunded = refunded + $3 WHERE settlement_id = $1 AND transfer_id = $2`, [
      settlementId,
      use.transfer_id,
      String(part),
    ]);
    if (use.status === 'ACTIVE') {
      await tx.query(`UPDATE transfer SET restored = restored + $2 WHERE id = $1`, [use.transfer_id, String(part)]);
      await enqueueStep(tx, refundId, use.donor_province, 'restoreHold', {
        holdId: use.transfer_id,
        operationId: refundId,
        amount: part,
      });
    } else {
      await tx.query(`UPDATE transfer SET refunded_to_donor = refunded_to_donor + $2 WHERE id = $1`, [
        use.transfer_id,
        String(part),
      ]);
      const donor = await currentMembership(tx, use.donor_id); // R31: the donor's account may have moved
      await enqueueStep(tx, refundId, provinceOfMemberId(donor) as string, 'refundToAccount', {
        memberId: donor,
        operationId: refundId,
        holdId: use.transfer_id,
        parts: [{ fundSource: use.fund_source, amount: part }],
      });
    }
    await recordClearing(tx, refundId, use.donor_province, spendingProvince, -part);
  }
  return amount;
}
