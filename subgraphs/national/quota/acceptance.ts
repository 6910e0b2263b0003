import { Refusal, RefusalCode } from '../../common/domain/errors';
import { fenFromDb } from '../../common/domain/money';
import type { NationalContext } from '../context';
import { transferEvents, WalletEventKind } from '../events/wallet-events';
import { applyStepsOf, enqueueStep } from '../steps/province-steps';
import { findTransfer, type TransferRecord } from './transfers';

/**
 * R25: a transfer reaches the beneficiary at once as a receipt to accept (收款); only accepted
 * quota can be spent. One not accepted by 06:00 Beijing time the next day goes back to the donor:
 * the return job releases its hold. The job is driven by the data (it survives restarts) and marks
 * each transfer returned under a row lock, so no transfer is ever returned twice.
 */
export async function acceptTransfer(ctx: NationalContext, transferId: string): Promise<TransferRecord> {
  await ctx.db.transaction(async (tx) => {
    const [row] = (await tx.query(
      `SELECT t.state, t.accept_by, t.accepted_at, t.returned_at, r.status
       FROM transfer t JOIN relationship r ON r.id = t.relationship_id WHERE t.id = $1 FOR UPDATE OF t`,
      [transferId],
    )) as { state: string; accept_by: Date; accepted_at: Date | null; returned_at: Date | null; status: string }[];
    if (!row) throw new Refusal(RefusalCode.TRANSFER_NOT_FOUND, `There is no transfer ${transferId.slice(0, 40)}.`);
    if (row.accepted_at) return;
    if (row.state === 'PENDING')
      throw new Refusal(
        RefusalCode.OPERATION_IN_PROGRESS,
        'This transfer is still being recorded; accept it in a moment.',
      );
    if (row.returned_at || row.state === 'ABORTED' || ctx.now().getTime() >= row.accept_by.getTime()) {
      throw new Refusal(
        RefusalCode.ACCEPTANCE_EXPIRED,
        'This transfer was not accepted by 06:00 the next day and goes back to the donor.',
      );
    }
    if (row.status !== 'ACTIVE')
      throw new Refusal(RefusalCode.RELATIONSHIP_NOT_ACTIVE, 'The relationship has been dissolved.');
    await tx.query(`UPDATE transfer SET accepted_at = $2 WHERE id = $1`, [transferId, ctx.now()]);
  });
  return (await findTransfer(ctx.db, transferId)) as TransferRecord;
}

/** The return job: gives back every transfer not accepted in time. Returns how many it returned. */
export async function returnUnacceptedTransfers(ctx: NationalContext): Promise<number> {
  const now = ctx.now();
  const due: { id: string }[] = await ctx.db.query(
    `SELECT id FROM transfer WHERE state = 'COMMITTED' AND accepted_at IS NULL AND returned_at IS NULL AND accept_by <= $1
     ORDER BY accept_by LIMIT 1000`,
    [now],
  );
  let returned = 0;
  for (const { id } of due) {
    const operationId = `return:${id}`;
    const done = await ctx.db.transaction(async (tx) => {
      const [lot] = (await tx.query(
        `SELECT donor_province, amount - spent + restored - released AS available FROM transfer
         WHERE id = $1 AND state = 'COMMITTED' AND accepted_at IS NULL AND returned_at IS NULL AND accept_by <= $2 FOR UPDATE`,
        [id, now],
      )) as { donor_province: string; available: string }[];
      if (!lot) return false; // accepted, or returned by another round, meanwhile
      const amount = fenFromDb(lot.available);
      await tx.query(
        `WITH returned AS (UPDATE transfer SET returned_at = $2, released = released + $3 WHERE id = $1 RETURNING id, relationship_id, returned_at AS at)
         ${transferEvents(WalletEventKind.TRANSFER_RETURNED, 'returned')}`,
        [id, now, String(amount)],
      );
      if (amount > 0n)
        await enqueueStep(tx, operationId, lot.donor_province, 'releaseHold', { holdId: id, operationId, amount });
      return true;
    });
    if (!done) continue;
    returned += 1;
    await applyStepsOf(ctx.db, ctx.provinces, operationId);
  }
  return returned;
}
