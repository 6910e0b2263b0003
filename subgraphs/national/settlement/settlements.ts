import { randomUUID } from 'node:crypto';
import { FundSource, InsuranceType } from '../../common/enums';
import { Refusal, RefusalCode } from '../../common/errors';
import { requestHash, requireIdempotencyKey, sameRequestOrRefuse } from '../../common/idempotency';
import { checkAmount, type Fen } from '../../common/money';
import { findPoolingRegion, provinceOfRegion } from '../../common/reference-data';
import { provinceOfMemberId } from '../../common/routing-keys';
import type { NationalContext } from '../context';
import { spendQuota } from '../quota/quota-lots';
import { applyStepsOf } from '../steps/province-steps';
import { type AuthMethod, checkExpense, type ExpenseCategory, type InstitutionKind } from './expense-rules';
import { findSettlement, requireSettlement, type SettlementRecord } from './settlement-store';
import { checkOwnCredential } from '../fraud/suspected-fraud';

/**
 * R13–R16, R28: a beneficiary pays the personal-burden part of an expense, with their own
 * credential (R28, see suspected-fraud.ts): own personal account first,
 * then quota, then cash (R14). Steps: (1) the settlement is recorded PENDING (idempotency key
 * unique); (2) the beneficiary's province debits their own account up to the amount, idempotent by
 * the settlement id; (3) one national transaction draws the quota, records the captures for the
 * donors' provinces and the clearing entries, and settles; (4) the captures are applied (R16).
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
  requireIdempotencyKey(request.idempotencyKey);
  checkExpense(request.institution.kind, request.category);
  if (!findPoolingRegion(request.institution.poolingRegion)) {
    throw new Refusal(RefusalCode.UNKNOWN_POOLING_REGION, `There is no pooling region ${request.institution.poolingRegion.slice(0, 12)}.`);
  }
  const hash = requestHash({ ...request, idempotencyKey: undefined });
  const replay = await findSettlement(ctx.db, 'idempotency_key', request.idempotencyKey);
  if (replay) return sameRequestOrRefuse(replay, hash).state === 'SETTLED' ? replay : completeSettlement(ctx, replay.id);
  const person = await ctx.persons.load(request.beneficiaryId);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${request.beneficiaryId.slice(0, 20)}.`);
  }
  const id = randomUUID();
  const details = {
    institutionKind: request.institution.kind,
    institutionName: request.institution.name.slice(0, 100),
    institutionRegion: request.institution.poolingRegion,
    category: request.category,
    authMethod: request.credential.method, // R15
    credentialHolder: request.credential.holderId, // R28
  };
  await checkOwnCredential(ctx.db, request.beneficiaryId, request.credential, request.amount, details, ctx.now());
  const inserted: unknown[] = await ctx.db.query(
    `INSERT INTO settlement (id, idempotency_key, request_hash, kind, beneficiary_id, spending_province, details, amount, state)
     VALUES ($1, $2, $3, 'EXPENSE', $4, $5, $6, $7, 'PENDING') ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [id, request.idempotencyKey, hash, request.beneficiaryId, provinceOfRegion(request.institution.poolingRegion),
      JSON.stringify(details), String(request.amount)],
  );
  if (inserted.length === 0) return settleExpense(ctx, request);
  return completeSettlement(ctx, id);
}

/** Steps (2)–(4); safe to repeat. Used by the request itself and by the recovery worker. */
export async function completeSettlement(ctx: NationalContext, id: string): Promise<SettlementRecord> {
  const pending = await requireSettlement(ctx.db, id);
  if (pending.state === 'PENDING') {
    const own = await spendOwnAccount(ctx, pending);
    await ctx.db.transaction(async (tx) => {
      const settlement = await requireSettlement(tx, id, 'FOR UPDATE');
      if (settlement.state !== 'PENDING') return;
      const ownTotal = own.currentYear + own.accumulated;
      const uses = await spendQuota(tx, settlement.beneficiaryId, settlement.amount - ownTotal, 'upTo', id, settlement.spendingProvince);
      const quota = uses.reduce((sum, use) => sum + use.amount, 0n);
      await tx.query(
        `UPDATE settlement SET own_current_year = $2, own_accumulated = $3, quota_paid = $4, cash_paid = $5,
           state = 'SETTLED', settled_at = now() WHERE id = $1`,
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
  const { parts } = await ctx.provinces.call<{ parts: { fundSource: FundSource; amount: string }[] }>(
    provinceOfMemberId(settlement.beneficiaryId) as string,
    'spendOwn',
    { memberId: settlement.beneficiaryId, operationId: settlement.id, amount: settlement.amount },
  );
  const part = (source: FundSource) => BigInt(parts.find((p) => p.fundSource === source)?.amount ?? '0');
  return { currentYear: part(FundSource.CURRENT_YEAR), accumulated: part(FundSource.ACCUMULATED) };
}
