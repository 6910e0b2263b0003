import { platformNow } from '../../common/platform/clock';
import type { Queryable } from '../../common/platform/data/request-reads';
import type { DataSource, EntityManager } from 'typeorm';
import { FundSource, SPENDING_ORDER } from '../../common/domain/enums';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen, fenFromDb, formatYuan } from '../../common/domain/money';

/**
 * The personal-account ledger of one province: the only module that moves money here.
 *
 * Every movement appends entries (never edits) and updates the lockable `account` row in the same
 * transaction, so balance = SUM(balance_delta) and held = SUM(held_delta) always. Each step is
 * claimed by inserting its entry first: the unique (operation_id, kind, fund_source) makes a retried
 * step a no-op. Overdraft is impossible: updates are conditional and the table has a CHECK.
 */
export enum EntryKind {
  CONTRIBUTION = 'CONTRIBUTION',
  OWN_SPENDING = 'OWN_SPENDING',
  HOLD_PLACED = 'HOLD_PLACED', // R10
  HOLD_CAPTURED = 'HOLD_CAPTURED', // R16
  HOLD_RELEASED = 'HOLD_RELEASED', // R18
  HOLD_RESTORED = 'HOLD_RESTORED', // R19: refunded quota goes back under the hold
  REFUND = 'REFUND', // R19
  TRANSFER_OUT = 'TRANSFER_OUT', // R31: the account leaves with a member who moved (counterpart: the new membership)
  TRANSFER_IN = 'TRANSFER_IN', // R31: the account arrives with a member who moved (counterpart: the ended membership)
}

export interface FundAmount {
  fundSource: FundSource;
  amount: Fen;
}

export interface AccountBalance {
  fundSource: FundSource;
  balance: Fen;
  held: Fen;
}

interface Step {
  memberId: string;
  fundSource: FundSource;
  kind: EntryKind;
  balanceDelta: Fen;
  heldDelta: Fen;
  operationId: string;
  holdId?: string;
  /** R31: the other membership of an account that moved. */
  counterpart?: string;
}

/** Appends one entry; false when this step of this operation was already recorded. */
async function claimStep(db: EntityManager, step: Step): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `INSERT INTO account_entry (member_id, fund_source, kind, balance_delta, held_delta, operation_id, hold_id, counterpart, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT ON CONSTRAINT one_step_per_operation DO NOTHING RETURNING id`,
    [
      step.memberId,
      step.fundSource,
      step.kind,
      String(step.balanceDelta),
      String(step.heldDelta),
      step.operationId,
      step.holdId ?? null,
      step.counterpart ?? null,
      platformNow(),
    ],
  );
  return rows.length === 1;
}

/** Applies a step's deltas to the account row; false when it would overdraw (R12). */
async function applyStep(db: EntityManager, step: Step): Promise<boolean> {
  const [, count] = (await db.query(
    `UPDATE account SET balance = balance + $3, held = held + $4
     WHERE member_id = $1 AND fund_source = $2
       AND balance + $3 - (held + $4) >= 0 AND held + $4 >= 0`,
    [step.memberId, step.fundSource, String(step.balanceDelta), String(step.heldDelta)],
  )) as [unknown, number];
  return count === 1;
}

/** Records a step: claims it, applies it, or refuses with `refusal` if the balance is short. */
async function record(db: EntityManager, step: Step, refusal: () => Refusal): Promise<void> {
  if (!(await claimStep(db, step))) return;
  if (!(await applyStep(db, step))) throw refusal();
}

const insufficient = (memberId: string, fundSource: FundSource, amount: Fen) => () =>
  new Refusal(
    RefusalCode.INSUFFICIENT_BALANCE,
    `The personal account of ${memberId} has less than ${formatYuan(amount)} yuan available in ${fundSource}.`,
  );

/** The account rows of several members at once, in the order asked (empty for residents). */
export async function balancesOf(db: Queryable, memberIds: readonly string[]): Promise<AccountBalance[][]> {
  const rows: { member_id: string; fund_source: FundSource; balance: string; held: string }[] = await db.query(
    `SELECT member_id, fund_source, balance, held FROM account WHERE member_id = ANY($1) ORDER BY fund_source DESC`,
    [memberIds],
  );
  const byMember = new Map<string, AccountBalance[]>(memberIds.map((id) => [id, []]));
  for (const r of rows)
    byMember
      .get(r.member_id)
      ?.push({ fundSource: r.fund_source, balance: fenFromDb(r.balance), held: fenFromDb(r.held) });
  return memberIds.map((id) => byMember.get(id) ?? []);
}

/** Opens the two fund rows of a new employee's account. */
export async function openAccount(db: EntityManager, memberId: string): Promise<void> {
  await db.query(
    `INSERT INTO account (member_id, fund_source) VALUES ($1, 'CURRENT_YEAR'), ($1, 'ACCUMULATED')
     ON CONFLICT DO NOTHING`,
    [memberId],
  );
}

async function hasAccount(db: EntityManager, memberId: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM account WHERE member_id = $1 LIMIT 1`, [memberId]);
  return rows.length > 0;
}

async function requireAccount(db: EntityManager, memberId: string): Promise<void> {
  if (!(await hasAccount(db, memberId))) {
    throw new Refusal(
      RefusalCode.NO_PERSONAL_ACCOUNT,
      `Member ${memberId} has no personal account (only employees have one).`,
    );
  }
}

/** R31: the membership an account moved to, if it moved away from this one (read under the account's row locks). */
async function movedTo(db: EntityManager, memberId: string): Promise<string | undefined> {
  const [out] = (await db.query(
    `SELECT counterpart FROM account_entry WHERE member_id = $1 AND kind = 'TRANSFER_OUT' LIMIT 1`,
    [memberId],
  )) as { counterpart: string }[];
  return out?.counterpart;
}

/**
 * Credits a premium contribution into a fund source. R31: never to a membership whose account has
 * moved away (the money would stay behind): refused, naming the membership the account went to.
 */
export async function creditContribution(
  db: EntityManager,
  memberId: string,
  fundSource: FundSource,
  amount: Fen,
  operationId: string,
): Promise<void> {
  await requireAccount(db, memberId);
  await db.query(`SELECT 1 FROM account WHERE member_id = $1 ORDER BY fund_source DESC FOR UPDATE`, [memberId]); // after a move being booked
  const newMemberId = await movedTo(db, memberId);
  if (newMemberId) {
    throw new Refusal(
      RefusalCode.ACCOUNT_MOVED,
      `The personal account of ${memberId} moved to membership ${newMemberId}; credit it there.`,
      { newMemberId },
    );
  }
  const step = { memberId, fundSource, kind: EntryKind.CONTRIBUTION, balanceDelta: amount, heldDelta: 0n, operationId };
  if (await claimStep(db, step)) await applyStep(db, step);
}

/** The entries one operation wrote (of one kind, if named), so that a replay can answer what the first call did. */
export async function entriesOfOperation(
  db: EntityManager | DataSource,
  operationId: string,
  kind?: EntryKind,
): Promise<FundAmount[]> {
  const rows: { fund_source: FundSource; balance_delta: string }[] = await db.query(
    `SELECT fund_source, balance_delta FROM account_entry WHERE operation_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
    [operationId, kind ?? null],
  );
  return rows.map((r) => ({ fundSource: r.fund_source, amount: -fenFromDb(r.balance_delta) }));
}

/**
 * Spends from the member's own account, current year first (R14: own account before anyone
 * else's). `upTo` pays what is available up to `amount`; otherwise all of it or nothing.
 * Returns the split by fund source. Rows are locked in one order, so concurrent spends queue.
 */
export async function spendOwn(
  db: EntityManager,
  memberId: string,
  amount: Fen,
  operationId: string,
  mode: 'all' | 'upTo',
): Promise<FundAmount[]> {
  const rows: { fund_source: FundSource; balance: string; held: string }[] = await db.query(
    `SELECT fund_source, balance, held FROM account WHERE member_id = $1 ORDER BY fund_source DESC FOR UPDATE`,
    [memberId],
  );
  // Checked under the row locks, so a concurrent retry of the same operation sees the first one.
  const done = await entriesOfOperation(db, operationId);
  if (done.length > 0) return done;
  if (rows.length === 0) {
    if (mode === 'upTo') return [];
    await requireAccount(db, memberId);
  }
  const available = new Map(rows.map((r) => [r.fund_source, fenFromDb(r.balance) - fenFromDb(r.held)]));
  let rest = amount;
  const split: FundAmount[] = [];
  for (const fundSource of SPENDING_ORDER) {
    const take = [available.get(fundSource) ?? 0n, rest].reduce((a, b) => (a < b ? a : b));
    if (take > 0n) split.push({ fundSource, amount: take });
    rest -= take;
  }
  if (rest > 0n && mode === 'all') {
    throw new Refusal(
      RefusalCode.INSUFFICIENT_BALANCE,
      `The personal account of ${memberId} has only ${formatYuan(amount - rest)} of the ${formatYuan(amount)} yuan asked.`,
    );
  }
  for (const part of split) {
    const step = {
      memberId,
      fundSource: part.fundSource,
      kind: EntryKind.OWN_SPENDING,
      balanceDelta: -part.amount,
      heldDelta: 0n,
      operationId,
    };
    await record(db, step, insufficient(memberId, part.fundSource, part.amount));
  }
  return split;
}

export interface EntryRecord {
  id: string;
  fundSource: FundSource;
  kind: EntryKind;
  balanceChange: Fen;
  heldChange: Fen;
  operationId: string;
  counterpart: string | null;
  createdAt: Date;
}

/** A member's entries, newest first, after the entry id `beforeId` (keyset page). */
export async function entriesOfMember(
  db: Queryable,
  memberId: string,
  limit: number,
  beforeId?: string,
): Promise<EntryRecord[]> {
  const rows: {
    id: string;
    fund_source: FundSource;
    kind: EntryKind;
    balance_delta: string;
    held_delta: string;
    operation_id: string;
    counterpart: string | null;
    created_at: Date;
  }[] = await db.query(
    `SELECT id, fund_source, kind, balance_delta, held_delta, operation_id, counterpart, created_at FROM account_entry
     WHERE member_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3`,
    [memberId, beforeId ?? null, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    fundSource: r.fund_source,
    kind: r.kind,
    balanceChange: fenFromDb(r.balance_delta),
    heldChange: fenFromDb(r.held_delta),
    operationId: r.operation_id,
    counterpart: r.counterpart,
    createdAt: r.created_at,
  }));
}

// Holds (R10, R16, R18, R19): the money behind a quota stays in the donor's account, frozen.

export interface HoldRequest {
  holdId: string; // the transfer's id in the national database
  memberId: string;
  fundSource: FundSource;
  amount: Fen;
}

interface HoldRow {
  id: string;
  member_id: string;
  fund_source: FundSource;
  amount: string;
}

async function lockHold(db: EntityManager, holdId: string): Promise<HoldRow> {
  const [hold] = (await db.query(`SELECT id, member_id, fund_source, amount FROM hold WHERE id = $1 FOR UPDATE`, [
    holdId,
  ])) as HoldRow[];
  if (!hold) throw new Error(`no hold ${holdId}`);
  return hold;
}

/** R10/R12: freezes money for a transfer; the same hold id never holds twice. */
export async function placeHold(db: EntityManager, request: HoldRequest): Promise<void> {
  await requireAccount(db, request.memberId);
  const inserted: unknown[] = await db.query(
    `INSERT INTO hold (id, member_id, fund_source, amount, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [request.holdId, request.memberId, request.fundSource, String(request.amount), platformNow()],
  );
  if (inserted.length === 0) {
    const existing = await lockHold(db, request.holdId);
    const same =
      existing.member_id === request.memberId &&
      existing.fund_source === request.fundSource &&
      fenFromDb(existing.amount) === request.amount;
    if (!same) throw new Refusal(RefusalCode.IDEMPOTENCY_CONFLICT, `Hold ${request.holdId} exists with other terms.`);
    return;
  }
  const step = {
    memberId: request.memberId,
    fundSource: request.fundSource,
    kind: EntryKind.HOLD_PLACED,
    balanceDelta: 0n,
    heldDelta: request.amount,
    operationId: request.holdId,
    holdId: request.holdId,
  };
  if (!(await claimStep(db, step)) || (await applyStep(db, step))) return;
  // National tells a re-gift (R11) from a plain shortfall by what the fund had.
  const [fund] = (await db.query(
    `SELECT balance - held AS available FROM account WHERE member_id = $1 AND fund_source = $2`,
    [request.memberId, request.fundSource],
  )) as { available: string }[];
  const refusal = insufficient(request.memberId, request.fundSource, request.amount)();
  throw new Refusal(refusal.code, refusal.message, { availableFen: String(fund?.available ?? '0') });
}

type HoldMovement = EntryKind.HOLD_CAPTURED | EntryKind.HOLD_RELEASED | EntryKind.HOLD_RESTORED;

const MOVEMENT: Record<HoldMovement, { column: string; balance: -1n | 0n | 1n; held: -1n | 1n }> = {
  [EntryKind.HOLD_CAPTURED]: { column: 'captured', balance: -1n, held: -1n }, // R16: the donor pays
  [EntryKind.HOLD_RELEASED]: { column: 'released', balance: 0n, held: -1n }, // R18: back to available
  [EntryKind.HOLD_RESTORED]: { column: 'restored', balance: 1n, held: 1n }, // R19: refund back to quota
};

/**
 * Moves part of a hold, once per (operation, hold). The hold's CHECK makes over-capture or
 * over-release impossible; the national side decides the amounts.
 */
export async function moveHold(
  db: EntityManager,
  kind: HoldMovement,
  holdId: string,
  operationId: string,
  amount: Fen,
): Promise<void> {
  const hold = await lockHold(db, holdId);
  const movement = MOVEMENT[kind];
  const step = {
    memberId: hold.member_id,
    fundSource: hold.fund_source,
    kind,
    operationId,
    holdId,
    balanceDelta: movement.balance * amount,
    heldDelta: movement.held * amount,
  };
  if (!(await claimStep(db, step))) return;
  await db.query(`UPDATE hold SET ${movement.column} = ${movement.column} + $2 WHERE id = $1`, [
    holdId,
    String(amount),
  ]);
  if (!(await applyStep(db, step))) throw new Error(`hold ${holdId} cannot move ${formatYuan(amount)}`);
}

/** R19: a refund credited to an account: the beneficiary's own part, or a dissolved quota's donor. */
export async function refundToAccount(
  db: EntityManager,
  memberId: string,
  parts: FundAmount[],
  operationId: string,
  holdId?: string,
): Promise<void> {
  for (const part of parts.filter((p) => p.amount > 0n)) {
    const step = {
      memberId,
      fundSource: part.fundSource,
      kind: EntryKind.REFUND,
      balanceDelta: part.amount,
      heldDelta: 0n,
      operationId,
      holdId,
    };
    if (await claimStep(db, step)) await applyStep(db, step);
  }
}

// R31: a member who moves takes the whole account along, each fund source apart.

/** The account has money held for quotas not yet captured or released: it moves once they are settled. */
export const HOLDS_OUTSTANDING = 'HOLDS_OUTSTANDING';

/**
 * Books the transfer-out of a moving member's whole balance, each fund source apart (idempotent by
 * the move's operation id: a repeat returns what the first booked, 0 included). Waits while money is held.
 */
export async function moveOut(
  db: EntityManager,
  memberId: string,
  operationId: string,
  counterpart: string,
): Promise<FundAmount[] | typeof HOLDS_OUTSTANDING> {
  const rows: { fund_source: FundSource; balance: string; held: string }[] = await db.query(
    `SELECT fund_source, balance, held FROM account WHERE member_id = $1 ORDER BY fund_source DESC FOR UPDATE`,
    [memberId],
  );
  const done = await entriesOfOperation(db, operationId, EntryKind.TRANSFER_OUT);
  if (done.length > 0) return done;
  if (rows.some((r) => fenFromDb(r.held) > 0n)) return HOLDS_OUTSTANDING;
  // Every fund gets its entry, an empty one too: the move is booked, so a repeat of this step answers
  // the same (never books money that arrived after it), and later credits know the account moved.
  const parts = rows.map((r) => ({ fundSource: r.fund_source, amount: fenFromDb(r.balance) }));
  for (const part of parts) {
    const step = {
      memberId,
      fundSource: part.fundSource,
      kind: EntryKind.TRANSFER_OUT,
      balanceDelta: -part.amount,
      heldDelta: 0n,
      operationId,
      counterpart,
    };
    await record(db, step, insufficient(memberId, part.fundSource, part.amount));
  }
  return parts;
}

/** Books the transfer-in of a moved member's account on their new membership (idempotent by operation id). */
export async function moveIn(
  db: EntityManager,
  memberId: string,
  operationId: string,
  counterpart: string,
  parts: FundAmount[],
): Promise<void> {
  await openAccount(db, memberId);
  for (const part of parts.filter((p) => p.amount > 0n)) {
    const step = {
      memberId,
      fundSource: part.fundSource,
      kind: EntryKind.TRANSFER_IN,
      balanceDelta: part.amount,
      heldDelta: 0n,
      operationId,
      counterpart,
    };
    if (await claimStep(db, step)) await applyStep(db, step);
  }
}
