import type { Who } from '../cluster/parties';
import { FundSource } from '../subgraphs/common/domain/enums';
import { type Fen, formatYuan, parseYuan } from '../subgraphs/common/domain/money';
import {
  type Account,
  applyRefund,
  applySettlement,
  drawQuota,
  emptyAccount,
  type Family,
  type Member,
  ownSplit,
  predictRefund,
  predictSettlement,
  provinceOf,
  quotaAvailable,
  releaseRelationship,
  spendOwn,
} from './model';
import type { Random } from './random';
import { answerText, DOCUMENTS, type Outcome, type Request } from './requests';
import { isPilotRegion, newBeneficiary, type Platform, relate, SETTLEMENT_REGIONS } from './world';

/**
 * The operations of the run. A keyed operation (a money-moving mutation with an idempotency key)
 * is prepared against the model, which predicts its answer; `conclude` checks the final answer
 * against the prediction and applies it to the model. The other steps (accepting, dissolving and
 * registering again, an insurance ending) are safe to repeat and are repeated until done.
 */
export type Kind = 'transfer' | 'settle' | 'premium' | 'refund' | 'credit' | 'spendOwn' | 'creditMoved';

export interface KeyedOperation {
  kind: Kind | 'changeInsurance';
  family: Family;
  request: Request;
  /** The first final answer, as text; every later copy and replay must say the same. */
  answer?: string;
  /** Checks the final outcome against the prediction and applies it; returns what was wrong, if anything. */
  conclude(outcome: Outcome): Promise<string | undefined>;
  /** Whether a later answer says the same as the first, where the answer may still progress (a move MOVING, then MOVED). */
  sameAnswer?(outcome: Outcome): boolean;
}

/** What a step of several requests (a move, a settlement racing a move) found wrong, and its keyed requests to replay later. */
export interface StepResult {
  problems: string[];
  replayable: KeyedOperation[];
}

const yuan = (fen: Fen) => formatYuan(fen);
const accountOf = (member: Member) => member.account as Account;

let serial = 0;
const newKey = (kind: string) => `chaos-${kind}-${process.pid}-${++serial}-${Date.now().toString(36)}`;

/** Compares an answer's fields with what the model predicted. */
function mismatch(what: string, actual: Record<string, unknown>, expected: Record<string, string>): string | undefined {
  const wrong = Object.entries(expected).filter(([field, value]) => actual[field] !== value);
  return wrong.length === 0
    ? undefined
    : `${what}: expected ${JSON.stringify(expected)}, answered ${JSON.stringify(actual)}`;
}

/**
 * An answer where the model expects one, or the refusal it expects. PROVINCE_UNAVAILABLE may always
 * come instead: national refuses up front, recording nothing, when a province it needs is down.
 */
function refusalExpected(outcome: Outcome, code: string | undefined, what: string): string | undefined {
  if (outcome.kind === 'refused' && outcome.code === 'PROVINCE_UNAVAILABLE') return undefined;
  if (outcome.kind === 'refused') {
    return outcome.code === code
      ? undefined
      : `${what}: refused ${outcome.code} (${outcome.message}), expected ${code ?? 'an answer'}`;
  }
  return code ? `${what}: answered, expected ${code}` : undefined;
}

/** A stranger's id for R28: a member of another family. */
export type Strangers = (family: Family) => string;

export function prepare(
  kind: Kind,
  family: Family,
  random: Random,
  p: Platform,
  stranger: Strangers,
  provinces: string[],
): KeyedOperation | undefined {
  const { donor, beneficiary } = family;
  const idempotencyKey = newKey(kind);
  const op = (
    who: Who,
    document: string,
    input: Record<string, unknown>,
    conclude: KeyedOperation['conclude'],
  ): KeyedOperation => ({
    kind,
    family,
    request: { who, document, variables: { input: { ...input, idempotencyKey } } },
    conclude,
  });
  switch (kind) {
    case 'credit': {
      const member = beneficiary.account && random.chance(0.2) ? beneficiary : donor;
      const fundSource = random.pick([FundSource.CURRENT_YEAR, FundSource.ACCUMULATED]);
      const amount = random.yuan(10, 500);
      return op(
        { portal: provinceOf(member.region) },
        DOCUMENTS.credit,
        { memberId: member.id, fundSource, amount },
        async (outcome) => {
          if (outcome.kind !== 'answer') return refusalExpected(outcome, undefined, 'credit');
          accountOf(member)[fundSource].balance += parseYuan(amount);
          return mismatch('credit', outcome.data.creditContribution as Record<string, unknown>, { amount, fundSource });
        },
      );
    }
    case 'creditMoved': {
      // R31: money sent to a membership whose account moved away is refused, naming where it went.
      const moved = family.former.filter((m) => m.movedTo && m.account);
      if (moved.length === 0) return undefined;
      const member = random.pick(moved);
      const input = {
        memberId: member.id,
        fundSource: random.pick([FundSource.CURRENT_YEAR, FundSource.ACCUMULATED]),
        amount: random.yuan(10, 500),
      };
      return op({ portal: provinceOf(member.region) }, DOCUMENTS.credit, input, async (outcome) =>
        refusalExpected(outcome, 'ACCOUNT_MOVED', `credit to ${member.id}, whose account moved to ${member.movedTo}`),
      );
    }
    case 'spendOwn': {
      const amount = parseYuan(random.yuan(1, 600));
      const split = ownSplit(accountOf(donor), amount, 'all');
      return op(
        { member: donor.id },
        DOCUMENTS.spendOwn,
        { memberId: donor.id, amount: yuan(amount) },
        async (outcome) => {
          if (!split || outcome.kind !== 'answer')
            return refusalExpected(outcome, split ? undefined : 'INSUFFICIENT_BALANCE', 'own spending');
          spendOwn(accountOf(donor), split);
          return mismatch('own spending', outcome.data.spendFromOwnAccount as Record<string, unknown>, {
            amount: yuan(amount),
            fromCurrentYear: yuan(split.CURRENT_YEAR),
            fromAccumulated: yuan(split.ACCUMULATED),
          });
        },
      );
    }
    case 'transfer': {
      const fundSource = random.pick([FundSource.CURRENT_YEAR, FundSource.ACCUMULATED]);
      const fund = accountOf(donor)[fundSource];
      const available = fund.balance - fund.held;
      const amount =
        random.chance(0.9) && available >= 100n
          ? BigInt(random.int(100, Number(available < 50_000n ? available : 50_000n)))
          : available + BigInt(random.int(1, 10_000));
      const fits = amount <= available;
      const who: Who = random.chance(0.85) ? { member: donor.id } : { portal: provinceOf(donor.region) };
      const relationshipId = family.relationship.id;
      return op(who, DOCUMENTS.transfer, { relationshipId, amount: yuan(amount), fundSource }, async (outcome) => {
        if (outcome.kind !== 'answer')
          return refusalExpected(outcome, fits ? undefined : 'INSUFFICIENT_BALANCE', 'transfer');
        const answer = outcome.data.transferQuota as { id: string; amount: string; fundSource: string; state: string };
        fund.held += amount;
        const lot = {
          transferId: answer.id,
          relationshipId,
          donorProvince: provinceOf(donor.region),
          fundSource,
          amount,
          spent: 0n,
          restored: 0n,
          released: 0n,
          refundedToDonor: 0n,
          accepted: false,
        };
        family.lots.push(lot);
        // R25: the beneficiary accepts at once (a step safe to repeat), so the quota can be spent.
        const accepted = await p.settle({
          who: { member: beneficiary.id },
          document: DOCUMENTS.accept,
          variables: { id: answer.id },
        });
        if (accepted.kind !== 'answer') return `accepting ${answer.id}: ${JSON.stringify(accepted)}`;
        lot.accepted = true;
        return fits
          ? mismatch('transfer', answer, { amount: yuan(amount), fundSource, state: 'COMMITTED' })
          : refusalExpected(outcome, 'INSUFFICIENT_BALANCE', 'transfer');
      });
    }
    case 'settle': {
      const amount = parseYuan(random.yuan(1, 400));
      const region = random.pick(SETTLEMENT_REGIONS.filter((r) => provinces.includes(provinceOf(r))));
      const [institutionKind, category] = random.pick([
        ['DESIGNATED_HOSPITAL', 'OUTPATIENT'],
        ['DESIGNATED_HOSPITAL', 'INPATIENT'],
        ['DESIGNATED_RETAIL_PHARMACY', 'DRUGS'],
      ] as const);
      const fraud = random.chance(0.03);
      const holderId = fraud ? stranger(family) : beneficiary.id;
      const who: Who = random.chance(0.8) ? { member: beneficiary.id } : { portal: provinceOf(region) };
      const predicted = predictSettlement(family, amount);
      const input = {
        beneficiaryId: beneficiary.id,
        institution: { kind: institutionKind, name: '演练医院', poolingRegion: region },
        category,
        amount: yuan(amount),
        credential: { method: random.pick(['E_CODE', 'FACE']), holderId },
      };
      return op(who, DOCUMENTS.settle, input, async (outcome) => {
        if (fraud || outcome.kind !== 'answer')
          return refusalExpected(outcome, fraud ? 'CREDENTIAL_NOT_OWN' : undefined, 'settlement');
        const answer = outcome.data.settleExpense as { id: string };
        applySettlement(family, answer.id, provinceOf(region), amount);
        return mismatch('settlement', answer, {
          amount: yuan(amount),
          ownAccountPaid: yuan(predicted.own.CURRENT_YEAR + predicted.own.ACCUMULATED),
          quotaPaid: yuan(predicted.quota),
          cashPaid: yuan(predicted.cash),
          state: 'SETTLED',
        });
      });
    }
    case 'premium': {
      const amount = parseYuan(random.yuan(10, 300));
      const fits = amount <= quotaAvailable(family);
      const premiumKind =
        beneficiary.type === 'RESIDENT' && random.chance(0.7)
          ? 'RESIDENT_MEDICAL_INSURANCE'
          : 'LONG_TERM_CARE_INSURANCE';
      return op(
        { member: beneficiary.id },
        DOCUMENTS.premium,
        { beneficiaryId: beneficiary.id, kind: premiumKind, amount: yuan(amount) },
        async (outcome) => {
          if (!fits || outcome.kind !== 'answer')
            return refusalExpected(outcome, fits ? undefined : 'INSUFFICIENT_QUOTA', 'premium');
          const answer = outcome.data.payPremium as { id: string };
          const uses = drawQuota(family, amount);
          family.settlements.push({
            id: answer.id,
            payer: beneficiary,
            spendingProvince: provinceOf(beneficiary.region),
            amount,
            quota: amount,
            cash: 0n,
            uses,
            own: { CURRENT_YEAR: 0n, ACCUMULATED: 0n },
            refunded: { total: 0n, cash: 0n, own: { CURRENT_YEAR: 0n, ACCUMULATED: 0n } },
            refunds: 0,
          });
          return mismatch('premium', answer, { amount: yuan(amount), quotaPaid: yuan(amount), state: 'SETTLED' });
        },
      );
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
      return op(
        { portal: settlement.spendingProvince },
        DOCUMENTS.refund,
        { settlementId: settlement.id, amount: yuan(amount) },
        async (outcome) => {
          if (!predicted || outcome.kind !== 'answer')
            return refusalExpected(outcome, predicted ? undefined : 'REFUND_EXCEEDS_SETTLEMENT', 'refund');
          applyRefund(family, settlement, amount);
          return mismatch('refund', outcome.data.refundSettlement as Record<string, unknown>, {
            amount: yuan(amount),
            cashPart: yuan(predicted.cash),
            quotaPart: yuan(predicted.quota),
            ownAccountPart: yuan(predicted.own),
          });
        },
      );
    }
  }
}

/** R18: the donor or the beneficiary dissolves; the family registers a new relationship at once. */
export async function dissolveAndRelate(
  p: Platform,
  family: Family,
  random: Random,
  signedAt: Date,
): Promise<string | undefined> {
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
  p: Platform,
  family: Family,
  random: Random,
  run: number,
  provinces: string[],
  signedAt: Date,
): Promise<StepResult> {
  const { beneficiary } = family;
  const input = { memberId: beneficiary.id, reason: 'INSURANCE_ENDED' };
  const change = await changeInsurance(
    p,
    random,
    family,
    { portal: provinceOf(beneficiary.region) },
    DOCUMENTS.endInsurance,
    input,
  );
  if (change.final.kind !== 'answer')
    return {
      problems: [`ending ${beneficiary.id}: ${JSON.stringify(change.final)}`, ...change.problems],
      replayable: [],
    };
  releaseRelationship(family);
  family.former.push(beneficiary);
  family.beneficiary = await newBeneficiary(p, run, random, family.donor, provinces);
  await relateAgain(p, family, signedAt);
  return { problems: change.problems, replayable: [change.keyed] };
}

interface MoveAnswer {
  newMember: { id: string };
  accountMove: { state: string; currentYear: string | null; accumulated: string | null } | null;
}

/**
 * R26, R31: a member's insurance moves to `newPoolingRegion`: their relationship ends, the holds are
 * released, the whole account moves to the new membership (the model's account object goes with it;
 * the former membership keeps an empty one). Every answer to the move's key that says MOVED must carry
 * what the account held (an answer MOVED only once the move is booked); later answers name the same
 * membership. Returns the new membership, or the problems.
 */
async function moveMember(
  p: Platform,
  family: Family,
  random: Random,
  member: Member,
  newPoolingRegion: string,
): Promise<{ moved?: Member; problems: string[]; keyed?: KeyedOperation }> {
  return applyMove(family, member, newPoolingRegion, await sendMove(p, family, random, member, newPoolingRegion));
}

type Change = Awaited<ReturnType<typeof changeInsurance>>;

const sendMove = (p: Platform, family: Family, random: Random, member: Member, newPoolingRegion: string) =>
  changeInsurance(p, random, family, { portal: provinceOf(member.region) }, DOCUMENTS.move, {
    memberId: member.id,
    reason: 'MOVED',
    newPoolingRegion,
  });

/** The model after a move's final answer (after whatever the account paid before it moved). */
function applyMove(
  family: Family,
  member: Member,
  newPoolingRegion: string,
  change: Change,
): { moved?: Member; problems: string[]; keyed?: KeyedOperation } {
  if (change.final.kind !== 'answer')
    return { problems: [`moving ${member.id}: ${JSON.stringify(change.final)}`, ...change.problems] };
  const answer = change.final.data.changeInsurance as MoveAnswer;
  releaseRelationship(family);
  const account = member.account;
  const expected = account
    ? { currentYear: yuan(account.CURRENT_YEAR.balance), accumulated: yuan(account.ACCUMULATED.balance) }
    : undefined;
  const sameMove = (outcome: Outcome) => {
    if (outcome.kind !== 'answer') return false;
    const other = outcome.data.changeInsurance as MoveAnswer;
    if (other.newMember.id !== answer.newMember.id) return false;
    if (answer.accountMove?.state === 'MOVED' && other.accountMove?.state !== 'MOVED') return false;
    return (
      other.accountMove?.state !== 'MOVED' ||
      (other.accountMove.currentYear === expected?.currentYear &&
        other.accountMove.accumulated === expected?.accumulated)
    );
  };
  const problems = [...change.problems];
  for (const copy of change.finals) {
    if (!sameMove(copy))
      problems.push(`move of ${member.id}: answered ${JSON.stringify(copy)}, account held ${JSON.stringify(expected)}`);
  }
  const movedAway = answer.accountMove?.state === 'MOVED' ? answer.newMember.id : undefined;
  family.former.push({ ...member, account: account ? emptyAccount() : undefined, movedTo: movedAway });
  return {
    moved: { ...member, id: answer.newMember.id, region: newPoolingRegion },
    problems,
    keyed: { ...change.keyed, sameAnswer: sameMove },
  };
}

/**
 * R26, R31: the donor's insurance moves to another pilot region (in their province or another); the
 * relationship ends, the holds are released, the whole account moves to the new membership, and
 * the family registers again with the donor's new membership.
 */
export async function moveDonor(
  p: Platform,
  family: Family,
  random: Random,
  signedAt: Date,
  regions: string[],
): Promise<StepResult> {
  const { donor, beneficiary } = family;
  // Where the family can register again (R8): the beneficiary's own province, or another pilot region if theirs is one.
  const allowed = regions.filter(
    (r) =>
      r !== donor.region &&
      (provinceOf(r) === provinceOf(beneficiary.region) || (isPilotRegion(r) && isPilotRegion(beneficiary.region))),
  );
  if (allowed.length === 0) return { problems: [], replayable: [] };
  const { moved, problems, keyed } = await moveMember(p, family, random, donor, random.pick(allowed));
  if (!moved || !keyed) return { problems, replayable: [] };
  family.donor = moved;
  await relateAgain(p, family, signedAt);
  return { problems, replayable: [keyed] };
}

/**
 * R14, R31 together: a settlement of the beneficiary and the move of their insurance, sent at once
 * (each as one request or as simultaneous copies), so the settlement is often in doubt while the
 * move goes on. Whatever the order, the settlement's final answer says what was paid from the old
 * account, and the move carries exactly the rest: spent or moved, never both, never lost. A
 * settlement the move overtook is refused as a member no longer insured, having recorded nothing.
 */
export async function settleAndMove(
  p: Platform,
  family: Family,
  random: Random,
  signedAt: Date,
  regions: string[],
  provinces: string[],
): Promise<StepResult> {
  const { donor, beneficiary } = family;
  const allowed = regions.filter(
    (r) =>
      r !== beneficiary.region &&
      (provinceOf(r) === provinceOf(donor.region) || (isPilotRegion(r) && isPilotRegion(donor.region))),
  );
  if (allowed.length === 0) return { problems: [], replayable: [] };
  const amount = parseYuan(random.yuan(1, 400));
  const region = random.pick(SETTLEMENT_REGIONS.filter((r) => provinces.includes(provinceOf(r))));
  const input = {
    beneficiaryId: beneficiary.id,
    institution: { kind: 'DESIGNATED_HOSPITAL', name: '演练医院', poolingRegion: region },
    category: 'OUTPATIENT',
    amount: yuan(amount),
    credential: { method: 'E_CODE', holderId: beneficiary.id },
    idempotencyKey: newKey('settle-move'),
  };
  const request: Request = { who: { member: beneficiary.id }, document: DOCUMENTS.settle, variables: { input } };
  const most = predictSettlement(family, amount);
  const copies = random.chance(0.2) ? random.int(2, 4) : 1;
  const newPoolingRegion = random.pick(allowed);
  const [sent, change] = await Promise.all([
    Promise.all(Array.from({ length: copies }, () => p.send(request))),
    sendMove(p, family, random, beneficiary, newPoolingRegion),
  ]);
  const finals: Outcome[] = sent.filter((o) => o.kind !== 'unknown');
  if (finals.length === 0) finals.push(await p.settle(request, (o) => o.kind !== 'unknown'));
  const problems: string[] = [];
  if (new Set(finals.map(answerText)).size > 1)
    problems.push(`one answer per key: settlement copies answered ${finals.map(answerText).join(' | ')}`);
  const settled = finals[0];
  const keyed: KeyedOperation = {
    kind: 'settle',
    family,
    request,
    answer: answerText(settled),
    conclude: async () => undefined,
  };
  if (settled.kind === 'answer') {
    const answer = settled.data.settleExpense as {
      id: string;
      ownAccountPaid: string;
      quotaPaid: string;
      cashPaid: string;
      state: string;
    };
    const [own, quota, cash] = [answer.ownAccountPaid, answer.quotaPaid, answer.cashPaid].map(parseYuan);
    const ownMost = most.own.CURRENT_YEAR + most.own.ACCUMULATED;
    if (answer.state !== 'SETTLED' || own + quota + cash !== amount || own > ownMost || quota > most.quota) {
      problems.push(
        `settlement racing a move: answered ${JSON.stringify(answer)} for ${yuan(amount)}, at most ${yuan(ownMost)} own and ${yuan(most.quota)} quota`,
      );
    }
    // What the move carried was checked against the account after this spending: apply it in the order the platform did.
    const split = beneficiary.account
      ? (ownSplit(beneficiary.account, own, 'upTo') as Record<FundSource, Fen>)
      : { CURRENT_YEAR: 0n, ACCUMULATED: 0n };
    if (beneficiary.account) spendOwn(beneficiary.account, split);
    family.settlements.push({
      id: answer.id,
      payer: beneficiary,
      spendingProvince: provinceOf(region),
      amount,
      own: split,
      quota,
      cash,
      uses: drawQuota(family, quota),
      refunded: { total: 0n, cash: 0n, own: { CURRENT_YEAR: 0n, ACCUMULATED: 0n } },
      refunds: 0,
    });
  } else if (settled.kind === 'refused' && !['MEMBER_NOT_FOUND', 'PROVINCE_UNAVAILABLE'].includes(settled.code)) {
    problems.push(`settlement racing a move: refused ${settled.code} (${settled.message})`);
  }
  const move = applyMove(family, beneficiary, newPoolingRegion, change);
  problems.push(...move.problems);
  if (!move.moved || !move.keyed) return { problems, replayable: [keyed] };
  family.beneficiary = move.moved;
  await relateAgain(p, family, signedAt);
  return { problems, replayable: [keyed, move.keyed] };
}

/**
 * An insurance change as a client makes it, sent as one request or (one time in five) as 2–4
 * simultaneous copies under one key, then asked again under that key until the answer is final
 * (R30). A refusal because a province was down, or because the membership's account is still
 * arriving from an earlier move, changed nothing, so it is asked again under a new key (R21).
 */
async function changeInsurance(
  p: Platform,
  random: Random,
  family: Family,
  who: Who,
  document: string,
  input: Record<string, unknown>,
): Promise<{ final: Outcome; finals: Outcome[]; problems: string[]; keyed: KeyedOperation }> {
  for (;;) {
    const request: Request = { who, document, variables: { input: { ...input, idempotencyKey: newKey('insurance') } } };
    const copies = random.chance(0.2) ? random.int(2, 4) : 1;
    const finals: Outcome[] = (await Promise.all(Array.from({ length: copies }, () => p.send(request)))).filter(
      (o) => o.kind !== 'unknown',
    );
    if (finals.length === 0) finals.push(await p.settle(request, (o) => o.kind !== 'unknown'));
    const [final] = finals;
    if (final.kind === 'refused' && (final.code === 'PROVINCE_UNAVAILABLE' || final.code === 'MOVE_IN_PROGRESS')) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    const texts = new Set(finals.map(answerText));
    // A move's copies may see it progress (MOVING, then MOVED): moveMember compares those; anything else says the same.
    const problems =
      new Set(finals.map((o) => o.kind)).size > 1 ||
      ((final.kind === 'refused' || document === DOCUMENTS.endInsurance) && texts.size > 1)
        ? [`one answer per key: insurance change copies answered ${[...texts].join(' | ')}`]
        : [];
    return {
      final,
      finals,
      problems,
      keyed: { kind: 'changeInsurance', family, request, answer: answerText(final), conclude: async () => undefined },
    };
  }
}

async function relateAgain(p: Platform, family: Family, signedAt: Date): Promise<void> {
  family.relationship = {
    id: await relate(p, family.donor, family.beneficiary, signedAt),
    donorId: family.donor.id,
    status: 'ACTIVE',
  };
  family.relationships.push(family.relationship);
}
