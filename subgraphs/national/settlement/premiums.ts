import { crashPoint } from '../../common/crash-point';
import { Refusal, RefusalCode } from '../../common/errors';
import { answerOnce, partyOf } from '../../common/idempotency';
import { checkAmount, type Fen } from '../../common/money';
import { provinceOfMemberId } from '../../common/routing-keys';
import type { NationalContext } from '../context';
import { quotaSpentEvents } from '../events/wallet-events';
import { spendQuota } from '../quota/quota-lots';
import { applyStepsOf } from '../steps/province-steps';
import { checkPremium, type PremiumKind } from './expense-rules';
import { findSettlement, requireSettlement, type SettlementRecord } from './settlement-store';

/**
 * R17, R21: the beneficiary's resident-insurance or long-term-care premium, paid wholly from quota
 * or not at all. One national transaction draws the whole amount or refuses, so a refusal leaves
 * nothing; the captures in the donors' provinces follow (the outbox applies them, whatever fails).
 */
export interface PremiumRequest {
  beneficiaryId: string;
  kind: PremiumKind;
  amount: Fen;
  idempotencyKey: string;
}

export async function payPremium(ctx: NationalContext, request: PremiumRequest): Promise<SettlementRecord> {
  checkAmount(request.amount);
  const claim = { party: partyOf(ctx.caller), operation: 'payPremium', key: request.idempotencyKey, request };
  return answerOnce(ctx.db, claim, {
    start: (id) => startPremium(ctx, id, request),
    resume: async (id) => {
      const premium = await findSettlement(ctx.db, id);
      if (premium) await applyStepsOf(ctx.db, ctx.provinces, id);
      return premium;
    },
  });
}

async function startPremium(ctx: NationalContext, id: string, request: PremiumRequest): Promise<SettlementRecord> {
  const person = await ctx.persons.load(request.beneficiaryId);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`);
  }
  checkPremium(request.kind, person.insuranceType);
  const province = provinceOfMemberId(request.beneficiaryId) as string; // the premium goes to the beneficiary's own fund
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO settlement (id, idempotency_key, kind, beneficiary_id, spending_province, details, amount, state)
       VALUES ($1, $2, 'PREMIUM', $3, $4, $5, $6, 'PENDING')`,
      [id, request.idempotencyKey, request.beneficiaryId, province, JSON.stringify({ premiumKind: request.kind }), String(request.amount)],
    );
    await spendQuota(tx, request.beneficiaryId, request.amount, 'all', id, province);
    await tx.query(
      `WITH settled AS (UPDATE settlement SET quota_paid = amount, state = 'SETTLED', settled_at = now() WHERE id = $1
         RETURNING id, beneficiary_id, quota_paid)
       ${quotaSpentEvents('settled')}`,
      [id],
    );
  });
  crashPoint('payPremium', 'after');
  await applyStepsOf(ctx.db, ctx.provinces, id);
  return requireSettlement(ctx.db, id);
}
