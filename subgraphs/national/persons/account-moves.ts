import { platformNow } from '../../common/platform/clock';
import type { OutputOf, ProvinceOperations } from '../../common/platform/http/internal-contract';
import type { DataSource, EntityManager } from 'typeorm';
import { FundSource } from '../../common/domain/enums';
import { type Fen, fenFromDb } from '../../common/domain/money';
import { provinceOfRegion } from '../../common/domain/reference-data';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { applyProvinceStepsUpTo, applyStepsOf, enqueueStep, followStep, type StepRow } from '../steps/province-steps';

/**
 * R31: a move carries the personal account (医保关系转移接续). When an employee's insurance moves to
 * another pooling region, the whole balance, each fund source apart, goes to the new membership.
 * Recorded in the national transaction that ends the membership (WAITING_FOR_MEMBERSHIP), the move
 * starts once the new membership exists (MOVING): within one province one step books the transfer-out
 * and the transfer-in in one transaction (`moveAccount`); across provinces the old province books the
 * transfer-out (`moveOut`, which waits until no money is held), and in the transaction that records
 * what it booked, national writes the transfer-in for the new province (`moveIn`); then it is MOVED.
 * Each entry names the other membership. Every step goes through the outbox, so whatever crashes,
 * recovery finishes the move, and not one fen is lost or doubled.
 */
export enum MoveState {
  WAITING_FOR_MEMBERSHIP = 'WAITING_FOR_MEMBERSHIP',
  MOVING = 'MOVING',
  MOVED = 'MOVED',
}

export interface AccountMoveRecord {
  id: string;
  fromMember: string;
  toMember: string | null;
  toRegion: string;
  currentYear: Fen | null;
  accumulated: Fen | null;
  state: MoveState;
  movedAt: Date | null;
}

interface MoveRow {
  id: string;
  id_number: string;
  from_member: string;
  to_member: string | null;
  to_region: string;
  current_year: string | null;
  accumulated: string | null;
  state: MoveState;
  moved_at: Date | null;
}

const toRecord = (r: MoveRow): AccountMoveRecord => ({
  id: r.id,
  fromMember: r.from_member,
  toMember: r.to_member,
  toRegion: r.to_region,
  state: r.state,
  movedAt: r.moved_at,
  currentYear: r.current_year === null ? null : fenFromDb(r.current_year),
  accumulated: r.accumulated === null ? null : fenFromDb(r.accumulated),
});

const COLUMNS = 'id, id_number, from_member, to_member, to_region, current_year, accumulated, state, moved_at';

export async function findAccountMove(
  db: DataSource | EntityManager,
  operationId: string,
): Promise<AccountMoveRecord | undefined> {
  const rows: MoveRow[] = await db.query(`SELECT ${COLUMNS} FROM account_move WHERE id = $1`, [operationId]);
  return rows.map(toRecord)[0];
}

/** Records that an employee's account is to move, in the transaction that ends their membership (`personKey`: person-id-number.ts). */
export async function recordAccountMove(
  tx: EntityManager,
  operationId: string,
  personKey: string,
  fromMember: string,
  toRegion: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO account_move (id, id_number, from_member, to_region, state, created_at) VALUES ($1, $2, $3, $4, 'WAITING_FOR_MEMBERSHIP', $5)`,
    [operationId, personKey, fromMember, toRegion, platformNow()],
  );
}

/**
 * Once the new membership exists, has the provinces move the money, as far as they answer now.
 * Safe to repeat; returns the move as it stands.
 */
export async function carryAccount(ctx: NationalContext, operationId: string): Promise<AccountMoveRecord | undefined> {
  const firstStep = await ctx.db.transaction(async (tx) => {
    const [move] = (await tx.query(`SELECT ${COLUMNS} FROM account_move WHERE id = $1 FOR UPDATE`, [
      operationId,
    ])) as MoveRow[];
    if (move?.state !== 'WAITING_FOR_MEMBERSHIP') return undefined;
    // The membership the move enrolled, whatever has become of it since (a later end or move waits for this one).
    const [person] = (await tx.query(
      `SELECT new_member_id AS member_id FROM ended_membership WHERE operation_id = $1 AND new_member_id IS NOT NULL`,
      [operationId],
    )) as { member_id: string }[];
    if (!person) return undefined; // the new membership is still being enrolled
    await tx.query(`UPDATE account_move SET to_member = $2, state = 'MOVING' WHERE id = $1`, [
      operationId,
      person.member_id,
    ]);
    const from = provinceOfMemberId(move.from_member) as string;
    const within = from === provinceOfRegion(move.to_region);
    return {
      province: from,
      id: await enqueueStep(tx, operationId, from, within ? 'moveAccount' : 'moveOut', {
        memberId: move.from_member,
        operationId,
        counterpart: person.member_id,
      }),
    };
  });
  if (firstStep) {
    // Everything the old province was told before (releases, captures, refunds) comes first.
    await applyProvinceStepsUpTo(ctx.db, ctx.provinces, firstStep.province, firstStep.id);
  }
  await applyStepsOf(ctx.db, ctx.provinces, operationId);
  await applyStepsOf(ctx.db, ctx.provinces, operationId); // the transfer-in written when the transfer-out was booked
  return findAccountMove(ctx.db, operationId);
}

/** For the recovery worker: moves still waiting for their new membership. */
export async function carryWaitingAccounts(ctx: NationalContext): Promise<number> {
  const waiting: { id: string }[] = await ctx.db.query(
    `SELECT id FROM account_move WHERE state = 'WAITING_FOR_MEMBERSHIP' ORDER BY created_at LIMIT 100`,
  );
  for (const { id } of waiting) await carryAccount(ctx, id);
  return waiting.length;
}

/**
 * A member's membership that holds their account now: a membership whose account moved is followed
 * to where it went (R31), so money owed to a member who moved (a refund) reaches them. Read in the
 * transaction that sends the money there, it holds each move it reads (FOR SHARE): a move starting
 * at that moment waits, so the money is either sent on to the new membership or reaches the old one
 * before the transfer-out is booked (its step comes first), never after it.
 */
export async function currentMembership(db: DataSource | EntityManager, memberId: string): Promise<string> {
  let current = memberId;
  for (let hops = 0; hops < 100; hops++) {
    const moves = (await db.query(`SELECT to_member FROM account_move WHERE from_member = $1 FOR SHARE`, [
      current,
    ])) as {
      to_member: string | null;
    }[];
    const next = moves.find((m) => m.to_member !== null);
    if (!next?.to_member) return current;
    current = next.to_member;
  }
  return current;
}

/** Moves out of or into a province, for R20 reconciliation: what each booked, by operation. */
export async function movesTouching(db: DataSource, province: string): Promise<AccountMoveRecord[]> {
  const rows: MoveRow[] = await db.query(
    `SELECT ${COLUMNS} FROM account_move WHERE state <> 'WAITING_FOR_MEMBERSHIP'
       AND (substr(from_member, 1, 2) = $1 OR substr(to_region, 1, 2) = $1)`,
    [province],
  );
  return rows.map(toRecord);
}

/** What a move booked (a move waiting for holds is not followed up: it is tried again). */
type Booked = OutputOf<ProvinceOperations, 'moveOut'>;

const bookedParts = (result: Booked) => ('parts' in result ? result.parts : []);
const partOf = (result: Booked, source: FundSource) =>
  String(bookedParts(result).find((p) => p.fundSource === source)?.amount ?? 0n);

async function recordBooked(tx: EntityManager, step: StepRow, result: Booked): Promise<void> {
  await tx.query(`UPDATE account_move SET current_year = $2, accumulated = $3 WHERE id = $1`, [
    step.operation_id,
    partOf(result, FundSource.CURRENT_YEAR),
    partOf(result, FundSource.ACCUMULATED),
  ]);
}

const markMoved = (tx: EntityManager, step: StepRow) =>
  tx.query(`UPDATE account_move SET state = 'MOVED', moved_at = $2 WHERE id = $1 AND state = 'MOVING'`, [
    step.operation_id,
    platformNow(),
  ]);

// Within one province: booked out and in at once.
followStep('moveAccount', async (tx, step, result) => {
  await recordBooked(tx, step, result);
  await markMoved(tx, step);
});

// Across provinces: what the old province booked out is what the new one books in.
followStep('moveOut', async (tx, step, result) => {
  await recordBooked(tx, step, result);
  const counterpart = step.payload.counterpart as string;
  await enqueueStep(tx, step.operation_id, provinceOfMemberId(counterpart) as string, 'moveIn', {
    memberId: counterpart,
    operationId: step.operation_id,
    counterpart: step.payload.memberId as string,
    parts: bookedParts(result),
  });
});

followStep('moveIn', async (tx, step) => {
  await markMoved(tx, step);
});
