import type { Who } from '../cluster/parties';
import { FundSource } from '../subgraphs/common/enums';
import { type Fen, formatYuan, parseYuan } from '../subgraphs/common/money';
import {
  type Account, applyRefund, applySettlement, drawQuota, emptyAccount, type Family, type Member, ownSplit, predictRefund, predictSettlement,
  provinceOf, quotaAvailable, releaseRelationship, spendOwn,
} from './model';
import type { Random } from './random';
import { DOCUMENTS, type Outcome, type Request } from './requests';
import { isPilotRegion, newBeneficiary, type Platform, relate, SETTLEMENT_REGIONS } from './world';

/**
 * The operations of the run. A keyed operation (a money-moving mutation with an idempotency key)
 * is prepared against the model, which predicts its answer; `conclude` checks the final answer
 * against the prediction and applies it to the model. The other steps (accepting, dissolving and
 * registering again, an insurance ending) are safe to repeat and are repeated until done.
 */
export type Kind = 'transfer' | 'settle' | 'premium' | 'refund' | 'credit' | 'spendOwn';

export interface KeyedOperation {
  kind: Kind;
  family: Family;
  request: Request;
  /** The first final answer, as text; every later copy and replay must say the same. */
  answer?: string;
  /** Checks the final outcome against the prediction and applies it; returns what was wrong, if anything. */
  conclude(outcome: Outcome): Promise<string | undefined>;
}

const yuan = (fen: Fen) => formatYuan(fen);
const accountOf = (member: Member) => member.account as Account;

let serial = 0;
const newKey = (kind: string) => `chaos-${kind}-${process.pid}-${++serial}-${Date.now().toString(36)}`;

/** Compares an answer's fields with what the model predicted. */
function mismatch(what: string, actual: Record<string, unknown>, expected: Record<string, string>): string | undefined {
  const wrong = Object.entries(expected).filter(([field, value]) => actual[field] !== value);
  return wrong.length === 0 ? undefined : `${what}: expected ${JSON.stringify(expected)}, answered ${JSON.stringify(actual)}`;
}

/**
 * An answer where the model expects one, or the refusal it expects. PROVINCE_UNAVAILABLE may always
 * come instead: national refuses up front, recording nothing, when a province it needs is down.
 */
function refusalExpected(outcome: Outcome, code: string | undefined, what: string): string | undefined {
  if (outcome.kind === 'refused' && outcome.code === 'PROVINCE_UNAVAILABLE') return undefined;
  if (outcome.kind === 'refused') {
    return outcome.code === code ? undefined : `${what}: refused ${outcome.code} (${outcome.message}), expected ${code ?? 'an answer'}`;
  }
  return code ? `${what}: answered, expected ${code}` : undefined;
}

/** A stranger's id for R28: a member of another family. */
export type Strangers = (family: Family) => string;

export function prepare(kind: Kind, family: Family, random: Random, p: Platform, stranger: Strangers, provinces: string[]): KeyedOperation | undefined {
  const { donor, beneficiary } = family;
  const idempotencyKey = newKey(kind);
  const op = (who: Who, document: string, input: Record<string, unknown>, conclude: KeyedOperation['conclude']): KeyedOperation => ({
    kind, family, request: { who, document, variables: { input: { ...input, idempotencyKey } } }, conclude,
  });
  switch (kind) {
    case 'credit': {
      const member = beneficiary.account && random.chance(0.2) ? beneficiary : donor;
      const fundSource = random.pick([FundSource.CURRENT_YEAR, FundSource.ACCUMULATED]);
      const amount = random.yuan(10, 500);
      return op({ portal: provinceOf(member.region) }, DOCUMENTS.credit, { memberId: member.id, fundSource, amount }, async (outcome) => {
        if (outcome.kind !== 'answer') return refusalExpected(outcome, undefined, 'credit');
        accountOf(member)[fundSource].balance += parseYuan(amount);
        return mismatch('credit', outcome.data.creditContribution as Record<string, unknown>, { amount, fundSource });
      });
    }
    case 'spendOwn': {
      const amount = parseYuan(random.yuan(1, 600));
      const split = ownSplit(accountOf(donor), amount, 'all');
      return op({ member: donor.id }, DOCUMENTS.spendOwn, { memberId: donor.id, amount: yuan(amount) }, async (outcome) => {
        if (!split || outcome.kind !== 'answer') return refusalExpected(outcome, split ? undefined : 'INSUFFICIENT_BALANCE', 'own spending');
        spendOwn(accountOf(donor), split);
        return mismatch('own spending', outcome.data.spendFromOwnAccount as Record<string, unknown>, {
          amount: yuan(amount), fromCurrentYear: yuan(split.CURRENT_YEAR), fromAccumulated: yuan(split.ACCUMULATED),
        });
      });
    }
    case 'transfer': {
      const fundSource = random.pick([FundSource.CURRENT_YEAR, FundSource.ACCUMULATED]);
      const fund = accountOf(donor)[fundSource];
      const available = fund.balance - fund.held;
      const amount = random.chance(0.9) && available >= 100n
        ? BigInt(random.int(100, Number(available < 50_000n ? available : 50_000n)))
        : available + BigInt(random.int(1, 10_000));
      const fits = amount <= available;
      const who: Who = random.chance(0.85) ? { member: donor.id } : { portal: provinceOf(donor.region) };
      const relationshipId = family.relationship.id;
      return op(who, DOCUMENTS.transfer, { relationshipId, amount: yuan(amount), fundSource }, async (outcome) => {
        if (outcome.kind !== 'answer') return refusalExpected(outcome, fits ? undefined : 'INSUFFICIENT_BALANCE', 'transfer');
        const answer = outcome.data.transferQuota as { id: string; amount: string; fundSource: string; state: string };
        fund.held += amount;
        const lot = { transferId: answer.id, relationshipId, donorProvince: provinceOf(donor.region), fundSource, amount, spent: 0n, restored: 0n, released: 0n, refundedToDonor: 0n, accepted: false };
        family.lots.push(lot);
        // R25: the beneficiary accepts at once (a step safe to repeat), so the quota can be spent.
        const accepted = await p.settle({ who: { member: beneficiary.id }, document: DOCUMENTS.accept, variables: { id: answer.id } });
        if (accepted.kind !== 'answer') return `accepting ${answer.id}: ${JSON.stringify(accepted)}`;
        lot.accepted = true;
        return fits ? mismatch('transfer', answer, { amount: yuan(amount), fundSource, state: 'COMMITTED' }) : refusalExpected(outcome, 'INSUFFICIENT_BALANCE', 'transfer');
      });
    }
    case 'settle': {
      const amount = parseYuan(random.yuan(1, 400));
      const region = random.pick(SETTLEMENT_REGIONS.filter((r) => provinces.includes(provinceOf(r))));
      const [institutionKind, category] = random.pick([
        ['DESIGNATED_HOSPITAL', 'OUTPATIENT'], ['DESIGNATED_HOSPITAL', 'INPATIENT'], ['DESIGNATED_RETAIL_PHARMACY', 'DRUGS'],
      ] as const);
      const fraud = random.chance(0.03);
      const holderId = fraud ? stranger(family) : beneficiary.id;
      const who: Who = random.chance(0.8) ? { member: beneficiary.id } : { portal: provinceOf(region) };
      const predicted = predictSettlement(family, amount);
      const input = {
        beneficiaryId: beneficiary.id, institution: { kind: institutionKind, name: '演练医院', poolingRegion: region }, category,
        amount: yuan(amount), credential: { method: random.pick(['E_CODE', 'FACE']), holderId },
      };
      return op(who, DOCUMENTS.settle, input, async (outcome) => {
        if (fraud || outcome.kind !== 'answer') return refusalExpected(outcome, fraud ? 'CREDENTIAL_NOT_OWN' : undefined, 'settlement');
        const answer = outcome.data.settleExpense as { id: string };
        applySettlement(family, answer.id, provinceOf(region), amount);
        return mismatch('settlement', answer, {
          amount: yuan(amount), ownAccountPaid: yuan(predicted.own.CURRENT_YEAR + predicted.own.ACCUMULATED),
          quotaPaid: yuan(predicted.quota), cashPaid: yuan(predicted.cash), state: 'SETTLED',
        });
      });
    }
    case 'premium': {
      const amount = parseYuan(random.yuan(10, 300));
      const fits = amount <= quotaAvailable(family);
      const premiumKind = beneficiary.type === 'RESIDENT' && random.chance(0.7) ? 'RESIDENT_MEDICAL_INSURANCE' : 'LONG_TERM_CARE_INSURANCE';
      return op({ member: beneficiary.id }, DOCUMENTS.premium, { beneficiaryId: beneficiary.id, kind: premiumKind, amount: yuan(amount) }, async (outcome) => {
        if (!fits || outcome.kind !== 'answer') return refusalExpected(outcome, fits ? undefined : 'INSUFFICIENT_QUOTA', 'premium');
        const answer = outcome.data.payPremium as { id: string };
        const uses = drawQuota(family, amount);
        family.settlements.push({
          id: answer.id, payer: beneficiary, spendingProvince: provinceOf(beneficiary.region), amount, quota: amount, cash: 0n, uses,
          own: { CURRENT_YEAR: 0n, ACCUMULATED: 0n },
          refunded: { total: 0n, cash: 0n, own: { CURRENT_YEAR: 0n, ACCUMULATED: 0n } }, refunds: 0,
        });
        return mismatch('premium', answer, { amount: yuan(amount), quotaPaid: yuan(amount), state: 'SETTLED' });
      });
    }
    case 'refund': {
      const refundable = family.settlements.filter((s) => s.amount > s.refunded.total);
      if (refundable.length === 0) return undefined;
      const settlement = random.pick(refundable);
      const left = settlement.amount - settlement.refunded.total;
      const amount = random.weighted([
        [7, BigInt(random.int(1, Number(left)))],
        [2, left],
        [1, left + 100n],
      ] as const);
      const predicted = predictRefund(settlement, amount);
      return op({ portal: settlement.spendingProvince }, DOCUMENTS.refund, { settlementId: settlement.id, amount: yuan(amount) }, async (outcome) => {
        if (!predicted || outcome.kind !== 'answer') return refusalExpected(outcome, predicted ? undefined : 'REFUND_EXCEEDS_SETTLEMENT', 'refund');
        applyRefund(family, settlement, amount);
        return mismatch('refund', outcome.data.refundSettlement as Record<string, unknown>, {
          amount: yuan(amount), cashPart: yuan(predicted.cash), quotaPart: yuan(predicted.quota), ownAccountPart: yuan(predicted.own),
        });
      });
    }
  }
}

/** R18: the donor or the beneficiary dissolves; the family registers a new relationship at once. */
export async function dissolveAndRelate(p: Platform, family: Family, random: Random, signedAt: Date): Promise<string | undefined> {
  const who: Who = { member: random.chance(0.5) ? family.donor.id : family.beneficiary.id };
  const input = { relationshipId: family.relationship.id, channel: 'NATIONAL_APP' };
  const outcome = await p.settle({ who, document: DOCUMENTS.dissolve, variables: { input } });
  if (outcome.kind !== 'answer') return `dissolving ${family.relationship.id}: ${JSON.stringify(outcome)}`;
  releaseRelationship(family);
  await relateAgain(p, family, signedAt);
  return undefined;
}

/** R26: the beneficiary's insurance ends; their relationships end with it, and the family aids a new relative. */
export async function endBeneficiaryInsurance(
  p: Platform, family: Family, random: Random, run: number, provinces: string[], signedAt: Date,
): Promise<string | undefined> {
  const { beneficiary } = family;
  const input = { memberId: beneficiary.id, reason: 'INSURANCE_ENDED' };
  const outcome = await changeInsurance(p, { portal: provinceOf(beneficiary.region) }, DOCUMENTS.endInsurance, input);
  if (outcome.kind !== 'answer') return `ending ${beneficiary.id}: ${JSON.stringify(outcome)}`;
  releaseRelationship(family);
  family.former.push(beneficiary);
  family.beneficiary = await newBeneficiary(p, run, random, family.donor, provinces);
  await relateAgain(p, family, signedAt);
  return undefined;
}

/**
 * R26, R31: the donor's insurance moves to another pilot region (in their province or another); the
 * relationship ends, the holds are released, the whole account moves to the new membership, and
 * the family registers again with the donor's new membership.
 */
export async function moveDonor(p: Platform, family: Family, random: Random, signedAt: Date, regions: string[]): Promise<string | undefined> {
  const { donor, beneficiary } = family;
  // Where the family can register again (R8): the beneficiary's own province, or another pilot region if theirs is one.
  const allowed = regions.filter((r) => r !== donor.region
    && (provinceOf(r) === provinceOf(beneficiary.region) || (isPilotRegion(r) && isPilotRegion(beneficiary.region))));
  if (allowed.length === 0) return undefined;
  const newPoolingRegion = random.pick(allowed);
  const input = { memberId: donor.id, reason: 'MOVED', newPoolingRegion };
  const outcome = await changeInsurance(p, { portal: provinceOf(donor.region) }, DOCUMENTS.move, input);
  if (outcome.kind !== 'answer') return `moving ${donor.id}: ${JSON.stringify(outcome)}`;
  const change = outcome.data.changeInsurance as { newMember: { id: string }; accountMove: { state: string; currentYear: string | null; accumulated: string | null } };
  releaseRelationship(family);
  const account = accountOf(donor);
  const expected = { currentYear: yuan(account.CURRENT_YEAR.balance), accumulated: yuan(account.ACCUMULATED.balance) };
  family.former.push({ ...donor, account: emptyAccount() });
  family.donor = { ...donor, id: change.newMember.id, region: newPoolingRegion };
  await relateAgain(p, family, signedAt);
  if (change.accountMove.state !== 'MOVED') return undefined; // the amounts are checked at the end, with every balance
  return mismatch('account move', change.accountMove, expected);
}

/**
 * An insurance change as a client makes it: the same key until the answer is final (R30); a refusal
 * because a province was down changed nothing, so it is asked again, under a new key (R21).
 */
async function changeInsurance(p: Platform, who: Who, document: string, input: Record<string, unknown>): Promise<Outcome> {
  for (;;) {
    const outcome = await p.settle({ who, document, variables: { input: { ...input, idempotencyKey: newKey('insurance') } } }, (o) => o.kind !== 'unknown');
    if (outcome.kind !== 'refused' || outcome.code !== 'PROVINCE_UNAVAILABLE') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function relateAgain(p: Platform, family: Family, signedAt: Date): Promise<void> {
  family.relationship = { id: await relate(p, family.donor, family.beneficiary, signedAt), donorId: family.donor.id, status: 'ACTIVE' };
  family.relationships.push(family.relationship);
}
