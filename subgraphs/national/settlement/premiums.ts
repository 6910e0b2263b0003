import { crashPoint } from '../../common/platform/crash-point';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { EntityManager } from 'typeorm';
import { requireActingFor } from '../../common/platform/auth/access';
import type { InsuranceType } from '../../common/domain/enums';
import { answerOnce, partyOf } from '../../common/platform/data/idempotency';
import { checkAmount, type Fen } from '../../common/domain/money';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { quotaSpentEvents } from '../events/wallet-events';
import { spendQuota } from '../quota/quota-lots';
import { applySteps, applyStepsOf, stepsToApply } from '../steps/province-steps';
import { checkPremium, type PremiumKind } from './expense-rules';
import { insertSettlement, requireSettlement, type SettlementRecord } from './settlement-store';

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
    record: (tx, id) => recordPremium(ctx, tx, id, request),
    complete: async ({ premium, steps }) => {
      crashPoint('payPremium', 'after');
      await applySteps(ctx.db, ctx.provinces, steps);
      return premium;
    },
    resume: async (id) => {
      await applyStepsOf(ctx.db, ctx.provinces, id);
      return requireSettlement(ctx.db, id);
    },
  });
}

/** The whole premium in the transaction that claims the key: drawn wholly from quota, or refused. */
async function recordPremium(ctx: NationalContext, tx: EntityManager, id: string, request: PremiumRequest) {
  requireActingFor(ctx.caller, [request.beneficiaryId], 'pay a premium for this beneficiary');
  const [person] = (await tx.query(`SELECT state, insurance_type FROM person WHERE member_id = $1`, [
    request.beneficiaryId,
  ])) as {
    state: string;
    insurance_type: InsuranceType;
  }[];
  if (person?.state !== 'ACTIVE') {
    throw new Refusal(
      RefusalCode.MEMBER_NOT_FOUND,
      `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`,
    );
  }
  checkPremium(request.kind, person.insurance_type);
  const province = provinceOfMemberId(request.beneficiaryId) as string; // the premium goes to the beneficiary's own fund
  await insertSettlement(tx, {
    id,
    idempotencyKey: request.idempotencyKey,
    kind: 'PREMIUM',
    beneficiaryId: request.beneficiaryId,
    spendingProvince: province,
    details: { premiumKind: request.kind },
    amount: request.amount,
  });
  await spendQuota(tx, request.beneficiaryId, request.amount, 'all', id, province);
  await tx.query(
    `WITH settled AS (UPDATE settlement SET quota_paid = amount, state = 'SETTLED', settled_at = $2 WHERE id = $1
       RETURNING id, beneficiary_id, quota_paid, settled_at AS at)
     ${quotaSpentEvents('settled')}`,
    [id, ctx.now()],
  );
  return { premium: await requireSettlement(tx, id), steps: await stepsToApply(tx, id) };
}
