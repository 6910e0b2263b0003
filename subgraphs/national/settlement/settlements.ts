import type { EntityManager } from 'typeorm';
import { FundSource, InsuranceType } from '../../common/domain/enums';
import { crashPoint } from '../../common/platform/crash-point';
import { isRefusal, OutcomePending, Refusal, RefusalCode } from '../../common/domain/errors';
import { answerOnce, type KeptRefusal, partyOf } from '../../common/platform/data/idempotency';
import { ProvinceNotReached } from '../provinces/province-directory';
import { refuseUnsent } from '../recovery/recovery-grace';
import { mayActFor, requireStaffOf } from '../../common/platform/auth/access';
import { checkAmount, type Fen } from '../../common/domain/money';
import { findPoolingRegion, provinceOfRegion } from '../../common/domain/reference-data';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { quotaSpentEvents } from '../events/wallet-events';
import { spendQuota } from '../quota/quota-lots';
import { applySteps, applyStepsOf, stepsToApply } from '../steps/province-steps';
import { type AuthMethod, checkExpense, type ExpenseCategory, type InstitutionKind } from './expense-rules';
import { insertSettlement, requireSettlement, type SettlementRecord } from './settlement-store';
import { refuseForeignCredential } from '../fraud/suspected-fraud';
import { insuranceTypeOfMembership } from '../persons/person-index';

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
    throw new Refusal(
      RefusalCode.UNKNOWN_POOLING_REGION,
      `There is no pooling region ${request.institution.poolingRegion.slice(0, 12)}.`,
    );
  }
  const claim = { party: partyOf(ctx.caller), operation: 'settleExpense', key: request.idempotencyKey, request };
  return answerOnce(ctx.db, claim, {
    record: (tx, id) => recordSettlement(ctx, tx, id, request),
    complete: ({ settlement, employee }) => {
      crashPoint('recordSettlement', 'after');
      return completeSettlement(ctx, settlement, employee, { firstAttempt: true });
    },
    resume: async (id) => completeSettlement(ctx, await requireSettlement(ctx.db, id)),
  });
}

/** Step (1) with its checks, in the transaction that claims the key. */
async function recordSettlement(
  ctx: NationalContext,
  tx: EntityManager,
  id: string,
  request: ExpenseRequest,
): Promise<{ settlement: SettlementRecord; employee: boolean } | KeptRefusal> {
  const [person] = (await tx.query(`SELECT state, insurance_type FROM person WHERE member_id = $1`, [
    request.beneficiaryId,
  ])) as {
    state: string;
    insurance_type: InsuranceType;
  }[];
  if (!mayActFor(ctx.caller, request.beneficiaryId)) {
    requireStaffOf(ctx.caller, [provinceOfRegion(request.institution.poolingRegion)], 'settle for this beneficiary');
  }
  if (person?.state !== 'ACTIVE') {
    throw new Refusal(
      RefusalCode.MEMBER_NOT_FOUND,
      `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`,
    );
  }
  const details = {
    institutionKind: request.institution.kind,
    institutionName: request.institution.name.slice(0, 100),
    institutionRegion: request.institution.poolingRegion,
    category: request.category,
    authMethod: request.credential.method, // R15
    credentialHolder: request.credential.holderId, // R28
  };
  const foreign = await refuseForeignCredential(
    tx,
    id,
    request.beneficiaryId,
    request.credential,
    request.amount,
    details,
    ctx.now(),
  );
  if (foreign) return foreign;
  const employee = person.insurance_type === InsuranceType.EMPLOYEE;
  if (employee) await ctx.provinces.requireAnswering(provinceOfMemberId(request.beneficiaryId) as string);
  const settlement = await insertSettlement(tx, {
    id,
    idempotencyKey: request.idempotencyKey,
    kind: 'EXPENSE',
    beneficiaryId: request.beneficiaryId,
    spendingProvince: provinceOfRegion(request.institution.poolingRegion),
    details,
    amount: request.amount,
  });
  return { settlement, employee };
}

/**
 * Steps (2)–(4), safe to repeat: the own account (employees, R14), then in one transaction the
 * quota and the settlement, then the captures. Used by the request, its repeats and recovery.
 * `firstAttempt`: the own account was never asked before under this settlement's id, so a call
 * that never left (ProvinceNotReached) leaves nothing anywhere and the settlement is refused.
 */
export async function completeSettlement(
  ctx: NationalContext,
  pending: SettlementRecord,
  employee?: boolean,
  { firstAttempt = false } = {},
): Promise<SettlementRecord> {
  if (pending.state !== 'PENDING') {
    await applyStepsOf(ctx.db, ctx.provinces, pending.id);
    return pending;
  }
  // The membership the settlement was recorded on, even if it has since ended or moved (R31): what
  // its province booked under the settlement's id is what the answer says was paid from the account.
  const own =
    (employee ?? (await insuranceTypeOfMembership(ctx.db, pending.beneficiaryId)) === InsuranceType.EMPLOYEE)
      ? await spendOwnAccount(ctx, pending, firstAttempt)
      : { currentYear: 0n, accumulated: 0n };
  crashPoint('settleQuota', 'before');
  const { settled, steps } = await ctx.db.transaction(async (tx) => {
    const settlement = await requireSettlement(tx, pending.id, 'FOR UPDATE');
    if (settlement.state === 'PENDING') {
      const ownTotal = own.currentYear + own.accumulated;
      const uses = await spendQuota(
        tx,
        settlement.beneficiaryId,
        settlement.amount - ownTotal,
        'upTo',
        settlement.id,
        settlement.spendingProvince,
      );
      const quota = uses.reduce((sum, use) => sum + use.amount, 0n);
      await tx.query(
        `WITH settled AS (
           UPDATE settlement SET own_current_year = $2, own_accumulated = $3, quota_paid = $4, cash_paid = $5,
             state = 'SETTLED', settled_at = $6 WHERE id = $1 RETURNING id, beneficiary_id, quota_paid, settled_at AS at)
         ${quotaSpentEvents('settled')}`,
        [
          settlement.id,
          String(own.currentYear),
          String(own.accumulated),
          String(quota),
          String(settlement.amount - ownTotal - quota),
          ctx.now(),
        ],
      );
    }
    return { settled: await requireSettlement(tx, pending.id), steps: await stepsToApply(tx, pending.id) };
  });
  await applySteps(ctx.db, ctx.provinces, steps);
  return settled;
}

/** R14: the beneficiary's own account pays first (an employee's; idempotent by the settlement's id). */
async function spendOwnAccount(
  ctx: NationalContext,
  settlement: SettlementRecord,
  firstAttempt: boolean,
): Promise<{ currentYear: Fen; accumulated: Fen }> {
  const province = provinceOfMemberId(settlement.beneficiaryId) as string;
  const { parts } = await ctx.provinces
    .call(province, 'spendOwn', {
      memberId: settlement.beneficiaryId,
      operationId: settlement.id,
      amount: settlement.amount,
    })
    .catch(async (error: unknown) => {
      if (firstAttempt && error instanceof ProvinceNotReached) {
        // Nothing was asked of the province: the settlement goes, its key keeps the refusal (R30).
        if (await refuseUnsent(ctx.db, 'settlement', settlement.id, ctx.now(), error)) throw error;
      }
      if (isRefusal(error) && error.code === RefusalCode.PROVINCE_UNAVAILABLE) {
        throw new OutcomePending(
          `Province ${province} did not answer while the beneficiary's own account was being debited.`,
        );
      }
      throw error;
    });
  const part = (source: FundSource) => parts.find((p) => p.fundSource === source)?.amount ?? 0n;
  return { currentYear: part(FundSource.CURRENT_YEAR), accumulated: part(FundSource.ACCUMULATED) };
}
