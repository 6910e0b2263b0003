import { FundSource, InsuranceType } from '../../common/enums';
import { crashPoint } from '../../common/crash-point';
import { isRefusal, OutcomePending, Refusal, RefusalCode } from '../../common/errors';
import { answerOnce, partyOf } from '../../common/idempotency';
import { checkAmount, type Fen } from '../../common/money';
import { findPoolingRegion, provinceOfRegion } from '../../common/reference-data';
import { provinceOfMemberId } from '../../common/routing-keys';
import type { NationalContext } from '../context';
import { quotaSpentEvents } from '../events/wallet-events';
import { spendQuota } from '../quota/quota-lots';
import { applyStepsOf } from '../steps/province-steps';
import { type AuthMethod, checkExpense, type ExpenseCategory, type InstitutionKind } from './expense-rules';
import { findSettlement, requireSettlement, type SettlementRecord } from './settlement-store';
import { checkOwnCredential } from '../fraud/suspected-fraud';

/**
 * R13–R16, R21, R28, R30: a beneficiary pays the personal-burden part of an expense, with their own
 * credential (R28, see suspected-fraud.ts): own personal account first, then quota, then cash (R14).
 * Steps: (1) the settlement is recorded PENDING under the id its idempotency key was given; (2) the
 * beneficiary's province debits their own account up to the amount, idempotent by the settlement
 * id; (3) one national transaction draws the quota, records the captures for the donors' provinces
 * and the clearing entries, and settles; (4) the captures are applied (R16). When the province does
 * not answer at (2) the answer is OUTCOME_PENDING; a repeat or the recovery worker completes it.
 */
export interface ExpenseRequest {
  beneficiaryId: string;
  institution: { kind: InstitutionKind; name: string; poolingRegion: string };
  category: ExpenseCategory;
  amount: Fen;
  credential: { method: AuthMethod; holderId: string };
  idempotencyKey: string;
}

export async function settleExpense(ctx: NationalContext, request: ExpenseRequest): Promise<SettlementRecord> {
  checkAmount(request.amount);
  checkExpense(request.institution.kind, request.category);
  if (!findPoolingRegion(request.institution.poolingRegion)) {
    throw new Refusal(RefusalCode.UNKNOWN_POOLING_REGION, `There is no pooling region ${request.institution.poolingRegion.slice(0, 12)}.`);
  }
  const claim = { party: partyOf(ctx.caller), operation: 'settleExpense', key: request.idempotencyKey, request };
  return answerOnce(ctx.db, claim, {
    start: (id) => startSettlement(ctx, id, request),
    resume: async (id) => {
      const settlement = await findSettlement(ctx.db, id);
      return settlement?.state === 'PENDING' ? completeSettlement(ctx, id) : settlement;
    },
  });
}

async function startSettlement(ctx: NationalContext, id: string, request: ExpenseRequest): Promise<SettlementRecord> {
  const person = await ctx.persons.load(request.beneficiaryId);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`);
  }
  const details = {
    institutionKind: request.institution.kind,
    institutionName: request.institution.name.slice(0, 100),
    institutionRegion: request.institution.poolingRegion,
    category: request.category,
    authMethod: request.credential.method, // R15
    credentialHolder: request.credential.holderId, // R28
  };
  await checkOwnCredential(ctx.db, id, request.beneficiaryId, request.credential, request.amount, details, ctx.now());
  if (person.insuranceType === InsuranceType.EMPLOYEE) await ctx.provinces.requireAnswering(provinceOfMemberId(request.beneficiaryId) as string);
  await ctx.db.query(
    `INSERT INTO settlement (id, idempotency_key, kind, beneficiary_id, spending_province, details, amount, state)
     VALUES ($1, $2, 'EXPENSE', $3, $4, $5, $6, 'PENDING')`,
    [id, request.idempotencyKey, request.beneficiaryId, provinceOfRegion(request.institution.poolingRegion),
      JSON.stringify(details), String(request.amount)],
  );
  crashPoint('recordSettlement', 'after');
  return completeSettlement(ctx, id);
}

/** Steps (2)–(4); safe to repeat. Used by the request, its repeats and the recovery worker. */
export async function completeSettlement(ctx: NationalContext, id: string): Promise<SettlementRecord> {
  const pending = await requireSettlement(ctx.db, id);
  if (pending.state === 'PENDING') {
    const own = await spendOwnAccount(ctx, pending);
    crashPoint('settleQuota', 'before');
    await ctx.db.transaction(async (tx) => {
      const settlement = await requireSettlement(tx, id, 'FOR UPDATE');
      if (settlement.state !== 'PENDING') return;
      const ownTotal = own.currentYear + own.accumulated;
      const uses = await spendQuota(tx, settlement.beneficiaryId, settlement.amount - ownTotal, 'upTo', id, settlement.spendingProvince);
      const quota = uses.reduce((sum, use) => sum + use.amount, 0n);
      await tx.query(
        `WITH settled AS (
           UPDATE settlement SET own_current_year = $2, own_accumulated = $3, quota_paid = $4, cash_paid = $5,
             state = 'SETTLED', settled_at = now() WHERE id = $1 RETURNING id, beneficiary_id, quota_paid)
         ${quotaSpentEvents('settled')}`,
        [id, String(own.currentYear), String(own.accumulated), String(quota), String(settlement.amount - ownTotal - quota)],
      );
    });
  }
  await applyStepsOf(ctx.db, ctx.provinces, id);
  return requireSettlement(ctx.db, id);
}

/** R14: the beneficiary's own account pays first, if they are an employee. */
async function spendOwnAccount(ctx: NationalContext, settlement: SettlementRecord): Promise<{ currentYear: Fen; accumulated: Fen }> {
  const person = await ctx.persons.load(settlement.beneficiaryId);
  if (person?.insuranceType !== InsuranceType.EMPLOYEE) return { currentYear: 0n, accumulated: 0n };
  const province = provinceOfMemberId(settlement.beneficiaryId) as string;
  const { parts } = await ctx.provinces
    .call<{ parts: { fundSource: FundSource; amount: string }[] }>(province, 'spendOwn', {
      memberId: settlement.beneficiaryId, operationId: settlement.id, amount: settlement.amount,
    })
    .catch((error: unknown) => {
      if (isRefusal(error) && error.code === RefusalCode.PROVINCE_UNAVAILABLE) {
        throw new OutcomePending(`Province ${province} did not answer while the beneficiary's own account was being debited.`);
      }
      throw error;
    });
  const part = (source: FundSource) => BigInt(parts.find((p) => p.fundSource === source)?.amount ?? '0');
  return { currentYear: part(FundSource.CURRENT_YEAR), accumulated: part(FundSource.ACCUMULATED) };
}
