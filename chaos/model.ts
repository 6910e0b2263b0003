import { FundSource } from '../subgraphs/common/domain/enums';
import type { Fen } from '../subgraphs/common/domain/money';

/**
 * What the fault-injection run believes about its world, built only from acknowledged answers:
 * every member's account by fund source, every relationship's quota lots, every settlement and its
 * refunds, and the clearing between provinces. Operations on one family run one at a time, so the
 * model can also predict each answer (the split of a payment, a shortfall) and check it.
 */
export interface Fund {
  balance: Fen;
  held: Fen;
}

export type Account = Record<FundSource, Fund>;

export interface Member {
  id: string;
  region: string;
  type: 'EMPLOYEE' | 'RESIDENT';
  /** Employees only. */
  account?: Account;
  /** R31: a former membership whose account a move booked out (credits to it are refused, ACCOUNT_MOVED). */
  movedTo?: string;
}

export interface Lot {
  transferId: string;
  relationshipId: string;
  /** Where the donor was insured when it was held (R22: that province's fund owes the spending one). */
  donorProvince: string;
  fundSource: FundSource;
  amount: Fen;
  spent: Fen;
  restored: Fen;
  released: Fen;
  /** R19: refunded after the relationship ended, into the donor's account. */
  refundedToDonor: Fen;
  accepted: boolean;
}

export interface Relationship {
  id: string;
  /** The donor's membership when it was registered (a donor who moves registers again). */
  donorId: string;
  status: 'ACTIVE' | 'DISSOLVED';
}

export interface QuotaUse {
  lot: Lot;
  amount: Fen;
  refunded: Fen;
}

export interface Settlement {
  id: string;
  /** The beneficiary who paid it: their own part of a refund goes back to them. */
  payer: Member;
  spendingProvince: string;
  amount: Fen;
  own: Record<FundSource, Fen>;
  quota: Fen;
  cash: Fen;
  uses: QuotaUse[];
  refunded: { total: Fen; cash: Fen; own: Record<FundSource, Fen> };
  /** Refunds acknowledged. */
  refunds: number;
}

export interface Family {
  index: number;
  donor: Member;
  beneficiary: Member;
  /** Beneficiaries whose insurance ended, with what their accounts still hold. */
  former: Member[];
  relationship: Relationship;
  relationships: Relationship[];
  lots: Lot[];
  settlements: Settlement[];
}

const min = (a: Fen, b: Fen) => (a < b ? a : b);
const sum = (values: Fen[]) => values.reduce((a, b) => a + b, 0n);
export const provinceOf = (region: string) => region.slice(0, 2);
export const unspent = (lot: Lot) => lot.amount - lot.spent + lot.restored - lot.released;

export const emptyAccount = (): Account => ({
  [FundSource.CURRENT_YEAR]: { balance: 0n, held: 0n },
  [FundSource.ACCUMULATED]: { balance: 0n, held: 0n },
});

const SPENDING_ORDER = [FundSource.CURRENT_YEAR, FundSource.ACCUMULATED];
const available = (account: Account, source: FundSource) => account[source].balance - account[source].held;

/** Own spending, current year first (R14); undefined when the account cannot pay all of it. */
export function ownSplit(account: Account, amount: Fen, mode: 'all' | 'upTo'): Record<FundSource, Fen> | undefined {
  let rest = amount;
  const split = { [FundSource.CURRENT_YEAR]: 0n, [FundSource.ACCUMULATED]: 0n };
  for (const source of SPENDING_ORDER) {
    split[source] = min(available(account, source), rest);
    rest -= split[source];
  }
  return rest > 0n && mode === 'all' ? undefined : split;
}

export function spendOwn(account: Account, split: Record<FundSource, Fen>): void {
  for (const source of SPENDING_ORDER) account[source].balance -= split[source];
}

/** Quota the beneficiary can spend: accepted lots of the active relationship, oldest first. */
export function spendableLots(family: Family): Lot[] {
  if (family.relationship.status !== 'ACTIVE') return [];
  return family.lots.filter((l) => l.relationshipId === family.relationship.id && l.accepted && unspent(l) > 0n);
}

export const quotaAvailable = (family: Family) => sum(spendableLots(family).map(unspent));

/** R14/R16: draws quota oldest lot first, capturing each draw in the donor's account. */
export function drawQuota(family: Family, amount: Fen): QuotaUse[] {
  const uses: QuotaUse[] = [];
  let rest = amount;
  for (const lot of spendableLots(family)) {
    if (rest === 0n) break;
    const take = min(unspent(lot), rest);
    lot.spent += take;
    const fund = (family.donor.account as Account)[lot.fundSource];
    fund.balance -= take;
    fund.held -= take;
    uses.push({ lot, amount: take, refunded: 0n });
    rest -= take;
  }
  return uses;
}

/** The split a settlement of `amount` will have: own account (employees), then quota, then cash. */
export function predictSettlement(
  family: Family,
  amount: Fen,
): { own: Record<FundSource, Fen>; quota: Fen; cash: Fen } {
  const account = family.beneficiary.account;
  const own = account
    ? (ownSplit(account, amount, 'upTo') as Record<FundSource, Fen>)
    : { [FundSource.CURRENT_YEAR]: 0n, [FundSource.ACCUMULATED]: 0n };
  const afterOwn = amount - own.CURRENT_YEAR - own.ACCUMULATED;
  const quota = min(afterOwn, quotaAvailable(family));
  return { own, quota, cash: afterOwn - quota };
}

export function applySettlement(family: Family, id: string, spendingProvince: string, amount: Fen): Settlement {
  const { own, cash } = predictSettlement(family, amount);
  if (family.beneficiary.account) spendOwn(family.beneficiary.account, own);
  const uses = drawQuota(family, amount - own.CURRENT_YEAR - own.ACCUMULATED - cash);
  const settlement: Settlement = {
    id,
    payer: family.beneficiary,
    spendingProvince,
    amount,
    own,
    cash,
    uses,
    quota: sum(uses.map((u) => u.amount)),
    refunded: { total: 0n, cash: 0n, own: { [FundSource.CURRENT_YEAR]: 0n, [FundSource.ACCUMULATED]: 0n } },
    refunds: 0,
  };
  family.settlements.push(settlement);
  return settlement;
}

/** R19: a refund undoes cash first, then quota (newest lot first), then own account (accumulated first). */
export function predictRefund(settlement: Settlement, amount: Fen): { cash: Fen; quota: Fen; own: Fen } | undefined {
  if (amount > settlement.amount - settlement.refunded.total) return undefined;
  let rest = amount;
  const cash = min(rest, settlement.cash - settlement.refunded.cash);
  rest -= cash;
  const quota = min(rest, settlement.quota - sum(settlement.uses.map((u) => u.refunded)));
  return { cash, quota, own: rest - quota };
}

export function applyRefund(family: Family, settlement: Settlement, amount: Fen): { cash: Fen; quota: Fen; own: Fen } {
  const parts = predictRefund(settlement, amount) as { cash: Fen; quota: Fen; own: Fen };
  settlement.refunds += 1;
  settlement.refunded.total += amount;
  settlement.refunded.cash += parts.cash;
  let rest = parts.quota;
  // Newest lot first: uses are in lot order, and lots in commit order.
  for (const use of [...settlement.uses].reverse()) {
    const part = min(rest, use.amount - use.refunded);
    if (part === 0n) continue;
    use.refunded += part;
    rest -= part;
    const fund = (family.donor.account as Account)[use.lot.fundSource];
    const relationship = family.relationships.find((r) => r.id === use.lot.relationshipId);
    fund.balance += part;
    if (relationship?.status === 'ACTIVE') {
      use.lot.restored += part; // back to the quota, held again
      fund.held += part;
    } else {
      use.lot.refundedToDonor += part;
    }
  }
  let ownRest = parts.own;
  const account = settlement.payer.account;
  for (const source of [FundSource.ACCUMULATED, FundSource.CURRENT_YEAR]) {
    const part = min(ownRest, settlement.own[source] - settlement.refunded.own[source]);
    settlement.refunded.own[source] += part;
    ownRest -= part;
    if (account) account[source].balance += part;
  }
  return parts;
}

/** R18/R26: every unused fen of the relationship goes back to the donor. Returns the total released. */
export function releaseRelationship(family: Family): Fen {
  let total = 0n;
  for (const lot of family.lots.filter((l) => l.relationshipId === family.relationship.id)) {
    const amount = unspent(lot);
    lot.released += amount;
    (family.donor.account as Account)[lot.fundSource].held -= amount;
    total += amount;
  }
  family.relationship.status = 'DISSOLVED';
  return total;
}

/** The quota figures of a relationship as the graph reports them. */
export function quotaFigures(
  family: Family,
  relationshipId: string,
): Record<'granted' | 'spent' | 'released' | 'refundedToDonor' | 'available', Fen> {
  const lots = family.lots.filter((l) => l.relationshipId === relationshipId);
  return {
    granted: sum(lots.map((l) => l.amount)),
    spent: sum(lots.map((l) => l.spent - l.restored)),
    released: sum(lots.map((l) => l.released)),
    refundedToDonor: sum(lots.map((l) => l.refundedToDonor)),
    available: sum(lots.filter((l) => l.accepted).map(unspent)),
  };
}

/** R22: what each province owes each other, net of refunds, from the model's settlements. */
export function clearing(families: Family[]): Map<string, Fen> {
  const owed = new Map<string, Fen>();
  const add = (debtor: string, creditor: string, amount: Fen) => {
    if (debtor === creditor || amount === 0n) return;
    owed.set(`${debtor}->${creditor}`, (owed.get(`${debtor}->${creditor}`) ?? 0n) + amount);
  };
  for (const family of families) {
    for (const settlement of family.settlements) {
      for (const use of settlement.uses)
        add(use.lot.donorProvince, settlement.spendingProvince, use.amount - use.refunded);
    }
  }
  return owed;
}
