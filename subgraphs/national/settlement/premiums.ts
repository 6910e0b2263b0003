import { randomUUID } from 'node:crypto';
import { Refusal, RefusalCode } from '../../common/errors';
import { requestHash, requireIdempotencyKey, sameRequestOrRefuse } from '../../common/idempotency';
import { checkAmount, type Fen } from '../../common/money';
import { provinceOfMemberId } from '../../common/routing-keys';
import type { NationalContext } from '../context';
import { spendQuota } from '../quota/quota-lots';
import { applyStepsOf } from '../steps/province-steps';
import { checkPremium, type PremiumKind } from './expense-rules';
import { findSettlement, requireSettlement, type SettlementRecord } from './settlement-store';

/**
 * R17: the beneficiary's resident-insurance or long-term-care premium, paid wholly from quota or
 * not at all. One national transaction draws the whole amount or refuses, so a refusal leaves
 * nothing; the captures in the donors' provinces follow.
 */
export interface PremiumRequest {
  beneficiaryId: string;
  kind: PremiumKind;
  amount: Fen;
  idempotencyKey: string;
}

export async function payPremium(ctx: NationalContext, request: PremiumRequest): Promise<SettlementRecord> {
  checkAmount(request.amount);
  requireIdempotencyKey(request.idempotencyKey);
  const hash = requestHash({ ...request, idempotencyKey: undefined });
  const replay = await findSettlement(ctx.db, 'idempotency_key', request.idempotencyKey);
  if (replay) {
    sameRequestOrRefuse(replay, hash);
    await applyStepsOf(ctx.db, ctx.provinces, replay.id);
    return replay;
  }
  const person = await ctx.persons.load(request.beneficiaryId);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`);
  }
  checkPremium(request.kind, person.insuranceType);
  const id = randomUUID();
  const province = provinceOfMemberId(request.beneficiaryId) as string; // the premium goes to the beneficiary's own fund
  try {
    await ctx.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO settlement (id, idempotency_key, request_hash, kind, beneficiary_id, spending_province, details, amount, state)
         VALUES ($1, $2, $3, 'PREMIUM', $4, $5, $6, $7, 'PENDING')`,
        [id, request.idempotencyKey, hash, request.beneficiaryId, province, JSON.stringify({ premiumKind: request.kind }), String(request.amount)],
      );
      await spendQuota(tx, request.beneficiaryId, request.amount, 'all', id, province);
      await tx.query(`UPDATE settlement SET quota_paid = amount, state = 'SETTLED', settled_at = now() WHERE id = $1`, [id]);
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return payPremium(ctx, request); // a concurrent replay won
    throw error;
  }
  await applyStepsOf(ctx.db, ctx.provinces, id);
  return requireSettlement(ctx.db, id);
}
